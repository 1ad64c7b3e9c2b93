#include "venues/common/ws_client.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/ssl.h>

#include <chrono>
#include <optional>
#include <random>
#include <vector>

#include "venues/common/url.h"

namespace hs::venues {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

namespace {

// One connection attempt's stream. Handlers hold a raw pointer; a replaced connection is
// retired (closed, kept in a graveyard) and freed only once no handler of it is pending.
struct Conn {
  std::unique_ptr<PlainWs> plain;
  std::unique_ptr<TlsWs> tls;
  int pending = 0;
  bool retired = false;
  bool open = false;

  template <typename F>
  void Visit(F&& f) {
    if (plain) {
      f(*plain);
    } else {
      f(*tls);
    }
  }
  void CloseSocket() {
    beast::error_code ec;
    if (plain) beast::get_lowest_layer(*plain).socket().close(ec);
    if (tls) beast::get_lowest_layer(*tls).socket().close(ec);
  }
};

struct SendSlot {
  std::unique_ptr<char[]> data;
  size_t len = 0;
  uint64_t tag = 0;
  bool order = false;
  runtime::KillSwitch* kill = nullptr;
  VenueId venue;
};

}  // namespace

struct WsClient::Impl {
  asio::io_context& ioc;
  WsOptions opts;
  WsListener* listener;
  runtime::LogChannel* log;
  Url url;
  std::optional<asio::ssl::context> ssl_ctx;
  tcp::resolver resolver;
  asio::steady_timer reconnect_timer;
  Conn* cur = nullptr;
  std::vector<Conn*> graveyard;
  beast::flat_buffer read_buf;
  std::vector<SendSlot> slots;
  size_t head = 0;
  size_t count = 0;
  bool writing = false;
  bool started = false;
  bool stopped = false;
  int attempt = 0;
  uint64_t connects = 0;
  std::minstd_rand rng;

  Impl(asio::io_context& io, WsOptions o, WsListener* l, runtime::LogChannel* lg)
      : ioc(io),
        opts(std::move(o)),
        listener(l),
        log(lg),
        resolver(io),
        reconnect_timer(io),
        read_buf(opts.max_message + kWsPadding),
        rng(static_cast<uint32_t>(MonoNow().value)) {}

  ~Impl() {
    if (cur != nullptr) {
      cur->CloseSocket();
      delete cur;
    }
    for (Conn* c : graveyard) delete c;
  }

  void Log(runtime::LogLevel lvl, const char* fmt, const char* a = "", const char* b = "") {
    if (log != nullptr) {
      char msg[200];
      std::snprintf(msg, sizeof msg, fmt, a, b);
      log->Log(lvl, "%s: %s", opts.name.c_str(), msg);
    }
  }

  void Sweep() {
    for (size_t i = 0; i < graveyard.size();) {
      if (graveyard[i]->pending == 0) {
        delete graveyard[i];
        graveyard[i] = graveyard.back();
        graveyard.pop_back();
      } else {
        ++i;
      }
    }
  }

  // Drops the current connection (if any), tells the listener, aborts queued frames.
  void Retire(std::string_view reason) {
    Conn* c = cur;
    if (c == nullptr) return;
    cur = nullptr;
    const bool was_open = c->open;
    c->open = false;
    c->retired = true;
    c->CloseSocket();
    graveyard.push_back(c);
    AbortQueue();
    if (was_open) listener->OnWsClosed(reason);
  }

  void AbortQueue() {
    // A frame being written stays accounted by its write handler; the rest never leave.
    size_t first = writing ? 1 : 0;
    for (size_t k = first; k < count; ++k) {
      SendSlot& s = slots[(head + k) % slots.size()];
      if (s.order) listener->OnWsOrderSent(s.tag, false, TscStamp{});
    }
    count = first;
  }

  void ScheduleReconnect() {
    if (stopped || !opts.reconnect) return;
    const int64_t base = std::min(opts.reconnect_max_ms, opts.reconnect_min_ms << std::min(attempt, 16));
    ++attempt;
    // Full jitter in the upper half: [base/2, base].
    const int64_t delay = base / 2 + static_cast<int64_t>(rng() % static_cast<uint32_t>(base / 2 + 1));
    reconnect_timer.expires_after(std::chrono::milliseconds(delay));
    reconnect_timer.async_wait([this](beast::error_code ec) {
      if (ec || stopped) return;
      Connect();
    });
  }

  void Fail(Conn* c, std::string_view what, const beast::error_code& ec) {
    if (c != cur) return;
    char reason[160];
    std::snprintf(reason, sizeof reason, "%.*s: %s", static_cast<int>(what.size()), what.data(), ec.message().c_str());
    Log(runtime::LogLevel::kWarn, "%s%s", reason, c->open ? " (connection lost)" : "");
    Retire(reason);
    ScheduleReconnect();
  }

  void Connect() {
    Sweep();
    if (stopped) return;
    Retire("reconnecting");
    Conn* c = new Conn();
    if (url.tls) {
      c->tls = std::make_unique<TlsWs>(ioc, *ssl_ctx);
      // SNI and host name verification from the URL's host.
      SSL_set_tlsext_host_name(c->tls->next_layer().native_handle(), url.host.c_str());
      c->tls->next_layer().set_verify_callback(asio::ssl::host_name_verification(url.host));
    } else {
      c->plain = std::make_unique<PlainWs>(ioc);
    }
    c->Visit([&](auto& ws) {
      ws.read_message_max(opts.max_message);
      ws.auto_fragment(false);
      ws.set_option(websocket::stream_base::decorator(
          [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "homeostat/0.1"); }));
    });
    cur = c;
    ++c->pending;
    resolver.async_resolve(url.host, url.port, [this, c](beast::error_code ec, tcp::resolver::results_type results) {
      --c->pending;
      if (c->retired) return;
      if (ec) return Fail(c, "resolve", ec);
      OnResolved(c, results);
    });
  }

  void OnResolved(Conn* c, const tcp::resolver::results_type& results) {
    c->Visit([&](auto& ws) {
      auto& tcp_layer = beast::get_lowest_layer(ws);
      tcp_layer.expires_after(std::chrono::milliseconds(opts.connect_timeout_ms));
      ++c->pending;
      tcp_layer.async_connect(results, [this, c](beast::error_code ec, const tcp::endpoint&) {
        --c->pending;
        if (c->retired) return;
        if (ec) return Fail(c, "connect", ec);
        beast::error_code ignore;
        c->Visit([&](auto& w) { beast::get_lowest_layer(w).socket().set_option(tcp::no_delay(true), ignore); });
        if (c->tls) {
          ++c->pending;
          c->tls->next_layer().async_handshake(asio::ssl::stream_base::client, [this, c](beast::error_code ec2) {
            --c->pending;
            if (c->retired) return;
            if (ec2) return Fail(c, "tls handshake", ec2);
            WsHandshake(c);
          });
        } else {
          WsHandshake(c);
        }
      });
    });
  }

  void WsHandshake(Conn* c) {
    c->Visit([&](auto& ws) {
      beast::get_lowest_layer(ws).expires_never();  // the websocket layer's timeouts take over
      websocket::stream_base::timeout t;
      t.handshake_timeout = std::chrono::milliseconds(opts.connect_timeout_ms);
      t.idle_timeout = std::chrono::milliseconds(opts.idle_timeout_ms);
      t.keep_alive_pings = true;  // ping after idle/2, close after idle without any traffic
      ws.set_option(t);
      ++c->pending;
      ws.async_handshake(url.HostHeader(), url.target, [this, c](beast::error_code ec) {
        --c->pending;
        if (c->retired) return;
        if (ec) return Fail(c, "websocket handshake", ec);
        c->open = true;
        attempt = 0;
        ++connects;
        c->Visit([](auto& w) { w.text(true); });
        StartRead(c);
        listener->OnWsOpen();
      });
    });
  }

  void StartRead(Conn* c) {
    read_buf.consume(read_buf.size());
    ++c->pending;
    c->Visit([&](auto& ws) {
      ws.async_read(read_buf, [this, c](beast::error_code ec, size_t) {
        --c->pending;
        if (c->retired) return;
        if (ec) return Fail(c, "read", ec);
        const TscStamp recv = TscNow();
        const Nanos recv_time = WallNow();
        // Room for the parser's padding without moving the data (capacity was reserved).
        read_buf.prepare(kWsPadding);
        auto d = read_buf.data();
        listener->OnWsMessage(static_cast<char*>(d.data()), d.size(), recv, recv_time);
        if (c == cur && c->open) StartRead(c);
      });
    });
  }

  // Starts the next queued write if none is in flight.
  void Pump() {
    Conn* c = cur;
    while (!writing && count > 0 && c != nullptr && c->open) {
      SendSlot& s = slots[head];
      if (s.order && !s.kill->BeginSend(s.venue)) {
        listener->OnWsOrderSent(s.tag, false, TscStamp{});
        head = (head + 1) % slots.size();
        --count;
        continue;
      }
      const bool queued_order = s.order;
      StartWrite(c, s);
      if (queued_order) listener->OnWsOrderSent(s.tag, true, TscNow());
    }
  }

  void StartWrite(Conn* c, SendSlot& s) {
    writing = true;
    ++c->pending;
    c->Visit([&](auto& ws) {
      ws.async_write(asio::buffer(s.data.get(), s.len), [this, c](beast::error_code ec, size_t) {
        --c->pending;
        SendSlot& done = slots[head];
        if (done.order) done.kill->EndSend(done.venue);  // bytes are in the kernel, or the write failed
        writing = false;
        if (count > 0) {
          head = (head + 1) % slots.size();
          --count;
        }
        if (!c->retired && ec) return Fail(c, "write", ec);
        Pump();  // frames queued for a newer connection may be waiting behind this one
      });
    });
  }

  SendSlot* Enqueue(std::string_view text) {
    if (cur == nullptr || !cur->open || count == slots.size() || text.size() > opts.send_slot_bytes) return nullptr;
    SendSlot& s = slots[(head + count) % slots.size()];
    std::memcpy(s.data.get(), text.data(), text.size());
    s.len = text.size();
    s.order = false;
    s.kill = nullptr;
    ++count;
    return &s;
  }
};

WsClient::WsClient(boost::asio::io_context& ioc, WsOptions opts, WsListener* listener, runtime::LogChannel* log)
    : impl_(std::make_unique<Impl>(ioc, std::move(opts), listener, log)) {}

WsClient::~WsClient() = default;

absl::Status WsClient::Init() {
  Impl& m = *impl_;
  auto u = ParseUrl(m.opts.url);
  if (!u.ok()) return u.status();
  if (!u->websocket) return absl::InvalidArgumentError("URL '" + m.opts.url + "' is not a ws:// or wss:// URL");
  m.url = *u;
  if (m.url.tls) {
    m.ssl_ctx.emplace(asio::ssl::context::tls_client);
    beast::error_code ec;
    m.ssl_ctx->set_default_verify_paths(ec);
    if (ec) return absl::UnavailableError("TLS: cannot load the system trust store: " + ec.message());
    if (!m.opts.ca_file.empty()) {
      m.ssl_ctx->load_verify_file(m.opts.ca_file, ec);
      if (ec) return absl::InvalidArgumentError("TLS: cannot load CA file '" + m.opts.ca_file + "': " + ec.message());
    }
    m.ssl_ctx->set_verify_mode(asio::ssl::verify_peer);
  }
  m.slots.resize(static_cast<size_t>(m.opts.send_slots));
  for (auto& s : m.slots) s.data = std::make_unique<char[]>(m.opts.send_slot_bytes);
  m.read_buf.reserve(m.opts.max_message + kWsPadding);
  return absl::OkStatus();
}

void WsClient::Start() noexcept {
  Impl& m = *impl_;
  if (m.started) return;
  m.started = true;
  m.stopped = false;
  m.Connect();
}

void WsClient::Stop() noexcept {
  Impl& m = *impl_;
  m.stopped = true;
  m.reconnect_timer.cancel();
  m.resolver.cancel();
  m.Retire("stopped");
}

void WsClient::Reconnect(std::string_view why) noexcept {
  Impl& m = *impl_;
  if (m.stopped) return;
  m.Log(runtime::LogLevel::kInfo, "reconnecting: %s", std::string(why).c_str());
  m.Retire(why);
  m.ScheduleReconnect();
}

bool WsClient::is_open() const noexcept { return impl_->cur != nullptr && impl_->cur->open; }

bool WsClient::Send(std::string_view text) noexcept {
  if (impl_->Enqueue(text) == nullptr) return false;
  impl_->Pump();
  return true;
}

WsClient::SendResult WsClient::SendOrder(std::string_view text, runtime::KillSwitch* kill, VenueId venue, uint64_t tag,
                                         TscStamp* wire) noexcept {
  Impl& m = *impl_;
  if (m.cur == nullptr || !m.cur->open) return SendResult::kNotOpen;
  if (m.writing || m.count > 0) {
    SendSlot* s = m.Enqueue(text);
    if (s == nullptr) return SendResult::kQueueFull;
    s->order = true;
    s->kill = kill;
    s->venue = venue;
    s->tag = tag;
    return SendResult::kQueued;
  }
  if (!kill->BeginSend(venue)) return SendResult::kHalted;
  SendSlot* s = m.Enqueue(text);
  if (s == nullptr) {
    kill->EndSend(venue);
    return SendResult::kQueueFull;
  }
  s->order = true;
  s->kill = kill;
  s->venue = venue;
  s->tag = tag;
  // Asio writes speculatively inside the initiating call when the socket is idle, so the bytes
  // are in the kernel when this returns; EndSend runs in the completion handler regardless.
  m.StartWrite(m.cur, *s);
  *wire = TscNow();
  return SendResult::kWritten;
}

uint64_t WsClient::connects() const noexcept { return impl_->connects; }
const std::string& WsClient::url() const noexcept { return impl_->opts.url; }

}  // namespace hs::venues
