// TLS as production venues need it, on loopback: the websocket client and the HTTP client
// against a real OpenSSL server whose certificate chain the test mints (a CA, and leaf
// certificates for "localhost" and for another name). What is shown:
//   - with the CA trusted (--ca-file), wss:// and https:// connect, frames and bodies arrive,
//     and the server sees SNI set to the URL's host;
//   - without it, the handshake fails on certificate verification: nothing is delivered and
//     the log says why;
//   - a certificate for another host name is refused even though its CA is trusted.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/runtime/log.h"
#include "tests/support/test_support.h"
#include "venues/common/http_client.h"
#include "venues/common/ws_client.h"

namespace hs::venues {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// ---- certificates -------------------------------------------------------------------------

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* x) const { X509_free(x); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr) << value;
  ASSERT_EQ(X509_add_ext(cert, ext, -1), 1);
  X509_EXTENSION_free(ext);
}

// A certificate for `cn` with `key`, signed by issuer/issuer_key (self-signed when null).
Cert MakeCert(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, const char* san, long serial) {
  Cert x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 24 * 3600);
  X509_set_pubkey(x.get(), key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509* const signer = issuer != nullptr ? issuer : x.get();
  X509_set_issuer_name(x.get(), X509_get_subject_name(signer));
  if (san == nullptr) {
    AddExt(x.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExt(x.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExt(x.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExt(x.get(), signer, NID_subject_alt_name, san);
  }
  EXPECT_GT(X509_sign(x.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()), 0);
  return x;
}

std::string Pem(X509* x) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  std::string s(data, static_cast<size_t>(n));
  BIO_free(b);
  return s;
}

std::string Pem(EVP_PKEY* k) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  std::string s(data, static_cast<size_t>(n));
  BIO_free(b);
  return s;
}

struct Pki {
  std::string ca_pem;
  std::string localhost_cert, localhost_key;  // SAN DNS:localhost
  std::string other_cert, other_key;          // SAN DNS:venue.example (same CA)
};

Pki MakePki() {
  Pki p;
  Key ca_key(EVP_EC_gen("P-256"));
  Cert ca = MakeCert("homeostat test CA", ca_key.get(), nullptr, nullptr, nullptr, 1);
  p.ca_pem = Pem(ca.get());
  Key lk(EVP_EC_gen("P-256"));
  Cert lc = MakeCert("localhost", lk.get(), ca.get(), ca_key.get(), "DNS:localhost", 2);
  p.localhost_cert = Pem(lc.get());
  p.localhost_key = Pem(lk.get());
  Key ok(EVP_EC_gen("P-256"));
  Cert oc = MakeCert("venue.example", ok.get(), ca.get(), ca_key.get(), "DNS:venue.example", 3);
  p.other_cert = Pem(oc.get());
  p.other_key = Pem(ok.get());
  return p;
}

// ---- a TLS server on loopback: websocket upgrade → sends kHello and echoes; plain GET →
// kBody. One thread per connection; every handshake outcome is recorded. ---------------------

constexpr char kHello[] = R"({"hello":"over tls"})";
constexpr char kBody[] = R"({"lastUpdateId":7,"bids":[],"asks":[]})";

class TlsServer {
 public:
  TlsServer(const std::string& cert, const std::string& key) : ctx_(asio::ssl::context::tls_server) {
    ctx_.use_certificate_chain(asio::buffer(cert));
    ctx_.use_private_key(asio::buffer(key), asio::ssl::context::pem);
    acceptor_.open(tcp::v4());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    acceptor_.non_blocking(true);
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~TlsServer() {
    stop_ = true;
    accept_thread_.join();
    {
      std::lock_guard<std::mutex> g(mu_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : conns_) t.join();
  }

  int port() const { return port_; }
  int handshakes_ok() const { return ok_.load(); }
  int handshakes_failed() const { return failed_.load(); }
  std::string sni() {
    std::lock_guard<std::mutex> g(mu_);
    return sni_;
  }

 private:
  void AcceptLoop() {
    while (!stop_) {
      beast::error_code ec;
      tcp::socket s(ioc_);
      acceptor_.accept(s, ec);
      if (ec) {
        std::this_thread::sleep_for(2ms);
        continue;
      }
      s.non_blocking(false);
      {
        std::lock_guard<std::mutex> g(mu_);
        fds_.push_back(s.native_handle());
      }
      conns_.emplace_back([this, s = std::move(s)]() mutable { Serve(std::move(s)); });
    }
  }

  void Serve(tcp::socket sock) {
    websocket::stream<beast::ssl_stream<tcp::socket>> ws(std::move(sock), ctx_);
    beast::error_code ec;
    ws.next_layer().handshake(asio::ssl::stream_base::server, ec);
    if (ec) {
      ++failed_;
      return;
    }
    ++ok_;
    if (const char* name = SSL_get_servername(ws.next_layer().native_handle(), TLSEXT_NAMETYPE_host_name)) {
      std::lock_guard<std::mutex> g(mu_);
      sni_ = name;
    }
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    http::read(ws.next_layer(), buf, req, ec);
    if (ec) return;
    if (!websocket::is_upgrade(req)) {
      http::response<http::string_body> res(http::status::ok, req.version());
      res.set(http::field::content_type, "application/json");
      res.body() = kBody;
      res.prepare_payload();
      http::write(ws.next_layer(), res, ec);
      ws.next_layer().shutdown(ec);
      return;
    }
    ws.accept(req, ec);
    if (ec) return;
    ws.text(true);
    ws.write(asio::buffer(std::string_view(kHello)), ec);
    while (!ec) {
      beast::flat_buffer in;
      ws.read(in, ec);
      if (!ec) ws.write(in.data(), ec);
    }
  }

  asio::io_context ioc_;
  asio::ssl::context ctx_;
  tcp::acceptor acceptor_{ioc_};
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> ok_{0}, failed_{0};
  std::mutex mu_;
  std::vector<int> fds_;
  std::string sni_;
  std::thread accept_thread_;
  std::vector<std::thread> conns_;
};

// ---- the client side ---------------------------------------------------------------------

struct Listener : WsListener {
  void OnWsOpen() noexcept override { ++opens; }
  void OnWsMessage(char* data, size_t len, TscStamp, Nanos) noexcept override {
    messages.emplace_back(data, len);
  }
  void OnWsClosed(std::string_view) noexcept override { ++closes; }
  int opens = 0;
  int closes = 0;
  std::vector<std::string> messages;
};

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new Pki(MakePki()); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  void SetUp() override {
    ca_file_ = dir_.File("ca.pem");
    testing::WriteFileOrDie(ca_file_, pki_->ca_pem);
  }

  // Runs a WsClient against wss://<host>:port/ws until `until` holds or `limit` passes.
  // Returns what the client's log channel wrote.
  template <typename Until>
  std::string RunWs(const std::string& host, int port, const std::string& ca_file, Listener* l, Until until,
                    std::chrono::milliseconds limit) {
    runtime::Logger logger(dir_.File("ws.log"), /*echo_stderr=*/false);
    runtime::LogChannel* log = logger.MakeChannel("tls");
    asio::io_context ioc;
    WsOptions o;
    o.url = "wss://" + host + ":" + std::to_string(port) + "/ws";
    o.name = "tls test";
    o.ca_file = ca_file;
    o.reconnect_min_ms = 50;
    o.reconnect_max_ms = 100;
    o.connect_timeout_ms = 2000;
    WsClient ws(ioc, o, l, log);
    EXPECT_TRUE(ws.Init().ok());
    ws.Start();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!until() && std::chrono::steady_clock::now() < deadline) ioc.run_for(10ms);
    ws.Stop();
    ioc.run_for(50ms);
    logger.Drain();
    return testing::ReadFileOrDie(dir_.File("ws.log"));
  }

  HttpResponse Get(const std::string& url, const std::string& ca_file) {
    asio::io_context ioc;
    HttpRequest req;
    req.url = url;
    req.ca_file = ca_file;
    req.timeout_ms = 3000;
    HttpResponse out;
    bool done = false;
    HttpFetch(ioc, req, [&](HttpResponse r) {
      out = std::move(r);
      done = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done && std::chrono::steady_clock::now() < deadline) ioc.run_for(10ms);
    EXPECT_TRUE(done) << url;
    return out;
  }

  static Pki* pki_;
  testing::TempDir dir_;
  std::string ca_file_;
};
Pki* Tls::pki_ = nullptr;

TEST_F(Tls, WebsocketConnectsWithTheTrustedCaAndSetsSni) {
  TlsServer server(pki_->localhost_cert, pki_->localhost_key);
  Listener l;
  RunWs("localhost", server.port(), ca_file_, &l, [&] { return !l.messages.empty(); }, 10s);
  EXPECT_EQ(l.opens, 1);
  ASSERT_EQ(l.messages.size(), 1u);
  EXPECT_EQ(l.messages[0], kHello);
  EXPECT_EQ(server.sni(), "localhost");
  EXPECT_EQ(server.handshakes_failed(), 0);
}

TEST_F(Tls, WebsocketRefusesACertificateNoTrustedCaSigned) {
  TlsServer server(pki_->localhost_cert, pki_->localhost_key);
  Listener l;
  // The system store only: the test CA is unknown. The client keeps retrying with backoff;
  // every attempt must fail at the TLS handshake.
  const std::string log = RunWs("localhost", server.port(), "", &l, [&] { return server.handshakes_failed() >= 2; }, 10s);
  EXPECT_GE(server.handshakes_failed(), 2);
  EXPECT_EQ(server.handshakes_ok(), 0);
  EXPECT_EQ(l.opens, 0);
  EXPECT_TRUE(l.messages.empty());
  EXPECT_NE(log.find("tls handshake"), std::string::npos) << log;
  EXPECT_NE(log.find("certificate verify failed"), std::string::npos) << log;
}

TEST_F(Tls, WebsocketRefusesACertificateForAnotherHost) {
  // Signed by the trusted CA, but for venue.example: host name verification must refuse it.
  // Waits for the second failed handshake: the server can count the first one before the client
  // has handled (and logged) its own side of it; a second attempt means the first was handled.
  TlsServer server(pki_->other_cert, pki_->other_key);
  Listener l;
  const std::string log =
      RunWs("localhost", server.port(), ca_file_, &l, [&] { return server.handshakes_failed() >= 2; }, 10s);
  EXPECT_GE(server.handshakes_failed(), 2);
  EXPECT_EQ(server.handshakes_ok(), 0);
  EXPECT_EQ(l.opens, 0);
  EXPECT_TRUE(l.messages.empty());
  EXPECT_NE(log.find("certificate verify failed"), std::string::npos) << log;
}

TEST_F(Tls, WebsocketInitNamesAnUnreadableCaFile) {
  asio::io_context ioc;
  Listener l;
  WsOptions o;
  o.url = "wss://localhost:1/ws";
  o.ca_file = dir_.File("missing.pem");
  WsClient ws(ioc, o, &l, nullptr);
  const absl::Status s = ws.Init();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("missing.pem"), std::string::npos) << s;
}

TEST_F(Tls, HttpsFetchesWithTheTrustedCaAndRefusesWithout) {
  TlsServer server(pki_->localhost_cert, pki_->localhost_key);
  const std::string url = "https://localhost:" + std::to_string(server.port()) + "/api/v3/depth?symbol=BTCUSDT";
  const HttpResponse ok = Get(url, ca_file_);
  EXPECT_EQ(ok.status, 200) << ok.error;
  EXPECT_EQ(ok.body, kBody);
  EXPECT_EQ(server.sni(), "localhost");

  const HttpResponse refused = Get(url, "");
  EXPECT_EQ(refused.status, 0);
  EXPECT_TRUE(refused.body.empty());
  EXPECT_NE(refused.error.find("certificate verify failed"), std::string::npos) << refused.error;

  const HttpResponse missing = Get(url, dir_.File("missing.pem"));
  EXPECT_EQ(missing.status, 0);
  EXPECT_NE(missing.error.find("missing.pem"), std::string::npos) << missing.error;
}

TEST_F(Tls, HttpsRefusesACertificateForAnotherHost) {
  TlsServer server(pki_->other_cert, pki_->other_key);
  const HttpResponse r = Get("https://localhost:" + std::to_string(server.port()) + "/", ca_file_);
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(r.body.empty());
  EXPECT_NE(r.error.find("certificate verify failed"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace hs::venues
