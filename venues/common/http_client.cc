#include "venues/common/http_client.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

#include <chrono>
#include <optional>

#include "venues/common/url.h"

namespace hs::venues {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Keeps itself alive through its handlers (shared_ptr is fine off the hot path).
class Fetch : public std::enable_shared_from_this<Fetch> {
 public:
  Fetch(asio::io_context& ioc, HttpRequest req, std::function<void(HttpResponse)> done)
      : ioc_(ioc), req_(std::move(req)), done_(std::move(done)), resolver_(ioc) {}

  void Start() {
    auto u = ParseUrl(req_.url);
    if (!u.ok() || u->websocket) return Finish(0, std::string("bad URL '") + req_.url + "'");
    url_ = *u;
    if (url_.tls) {
      ctx_.emplace(asio::ssl::context::tls_client);
      beast::error_code ec;
      ctx_->set_default_verify_paths(ec);
      if (ec) return Finish(0, "TLS: cannot load the system trust store: " + ec.message());
      if (!req_.ca_file.empty()) {
        ctx_->load_verify_file(req_.ca_file, ec);
        if (ec) return Finish(0, "TLS: cannot load CA file '" + req_.ca_file + "': " + ec.message());
      }
      ctx_->set_verify_mode(asio::ssl::verify_peer);
      tls_.emplace(ioc_, *ctx_);
      SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str());
      tls_->set_verify_callback(asio::ssl::host_name_verification(url_.host));
    } else {
      plain_.emplace(ioc_);
    }
    Lowest().expires_after(std::chrono::milliseconds(req_.timeout_ms));
    http_req_.method_string(req_.method);
    http_req_.target(url_.target);
    http_req_.version(11);
    http_req_.set(http::field::host, url_.HostHeader());
    http_req_.set(http::field::user_agent, "homeostat/0.1");
    for (const auto& [k, v] : req_.headers) http_req_.set(k, v);
    if (!req_.body.empty() || req_.method == "POST") {
      http_req_.body() = req_.body;
      http_req_.prepare_payload();
    }
    parser_.body_limit(req_.max_body);
    auto self = shared_from_this();
    resolver_.async_resolve(url_.host, url_.port, [self](beast::error_code ec, tcp::resolver::results_type r) {
      if (ec) return self->Finish(0, "resolve: " + ec.message());
      self->Lowest().async_connect(r, [self](beast::error_code ec2, const tcp::endpoint&) {
        if (ec2) return self->Finish(0, "connect: " + ec2.message());
        if (self->tls_) {
          self->tls_->async_handshake(asio::ssl::stream_base::client, [self](beast::error_code ec3) {
            if (ec3) return self->Finish(0, "tls handshake: " + ec3.message());
            self->Write();
          });
        } else {
          self->Write();
        }
      });
    });
  }

 private:
  beast::tcp_stream& Lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  template <typename F>
  void Visit(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(*plain_);
    }
  }

  void Write() {
    auto self = shared_from_this();
    Visit([&](auto& s) {
      http::async_write(s, http_req_, [self](beast::error_code ec, size_t) {
        if (ec) return self->Finish(0, "write: " + ec.message());
        self->Read();
      });
    });
  }

  void Read() {
    auto self = shared_from_this();
    Visit([&](auto& s) {
      http::async_read(s, buf_, parser_, [self](beast::error_code ec, size_t) {
        if (ec) return self->Finish(0, "read: " + ec.message());
        auto& res = self->parser_.get();
        self->Finish(static_cast<int>(res.result_int()), "", std::move(res.body()));
      });
    });
  }

  void Finish(int status, std::string error, std::string body = {}) {
    if (finished_) return;
    finished_ = true;
    beast::error_code ec;
    if (plain_) plain_->socket().shutdown(tcp::socket::shutdown_both, ec);
    if (tls_) beast::get_lowest_layer(*tls_).socket().close(ec);
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.error = std::move(error);
    auto done = std::move(done_);
    done(std::move(r));
  }

  asio::io_context& ioc_;
  HttpRequest req_;
  std::function<void(HttpResponse)> done_;
  tcp::resolver resolver_;
  Url url_;
  std::optional<asio::ssl::context> ctx_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buf_;
  http::request<http::string_body> http_req_;
  http::response_parser<http::string_body> parser_;
  bool finished_ = false;
};

}  // namespace

void HttpFetch(boost::asio::io_context& ioc, HttpRequest req, std::function<void(HttpResponse)> done) {
  std::make_shared<Fetch>(ioc, std::move(req), std::move(done))->Start();
}

}  // namespace hs::venues
