#include "venues/coinbase/coinbase_http.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <vector>

#include "venues/common/url.h"
#include "venues/common/ws_client.h"

namespace hs::coinbase {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// ---- framing ----

namespace {

char Lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithNoCase(std::string_view s, std::string_view prefix) noexcept {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (Lower(s[i]) != prefix[i]) return false;
  return true;
}

bool ContainsNoCase(std::string_view s, std::string_view word) noexcept {
  for (size_t i = 0; i + word.size() <= s.size(); ++i)
    if (StartsWithNoCase(s.substr(i), word)) return true;
  return false;
}

std::string_view Trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

const char* Find(const char* p, const char* end, std::string_view what) noexcept {
  if (static_cast<size_t>(end - p) < what.size()) return nullptr;
  for (const char* q = p; q + what.size() <= end; ++q)
    if (std::memcmp(q, what.data(), what.size()) == 0) return q;
  return nullptr;
}

}  // namespace

HttpFrame FrameHttpResponse(const char* p, size_t n, char* body_out, size_t cap) noexcept {
  HttpFrame f;
  const char* end = p + n;
  const char* head_end = Find(p, end, "\r\n\r\n");
  if (head_end == nullptr) {
    if (n > 16384) f.result = HttpFrame::Result::kBad;  // a head this long is not a venue's
    return f;
  }
  // Status line: HTTP/1.x SP 3DIGIT ...
  if (head_end - p < 12 || std::memcmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ') {
    f.result = HttpFrame::Result::kBad;
    return f;
  }
  for (int i = 9; i < 12; ++i) {
    if (p[i] < '0' || p[i] > '9') {
      f.result = HttpFrame::Result::kBad;
      return f;
    }
    f.status = f.status * 10 + (p[i] - '0');
  }
  bool chunked = false;
  bool has_length = false;
  uint64_t length = 0;
  f.close = p[7] == '0';  // HTTP/1.0 closes unless told otherwise
  const char* line = Find(p, head_end + 2, "\r\n") + 2;
  while (line < head_end + 2) {
    const char* eol = Find(line, head_end + 2, "\r\n");
    const std::string_view h(line, static_cast<size_t>(eol - line));
    const size_t colon = h.find(':');
    if (colon != std::string_view::npos) {
      const std::string_view name = h.substr(0, colon);
      const std::string_view value = Trim(h.substr(colon + 1));
      if (name.size() == 14 && StartsWithNoCase(name, "content-length")) {
        has_length = true;
        length = 0;
        if (value.empty() || value.size() > 12) {
          f.result = HttpFrame::Result::kBad;
          return f;
        }
        for (char c : value) {
          if (c < '0' || c > '9') {
            f.result = HttpFrame::Result::kBad;
            return f;
          }
          length = length * 10 + static_cast<uint64_t>(c - '0');
        }
      } else if (name.size() == 17 && StartsWithNoCase(name, "transfer-encoding")) {
        chunked = ContainsNoCase(value, "chunked");
      } else if (name.size() == 10 && StartsWithNoCase(name, "connection")) {
        if (ContainsNoCase(value, "close")) f.close = true;
        if (ContainsNoCase(value, "keep-alive")) f.close = false;
      }
    }
    line = eol + 2;
  }
  const char* body = head_end + 4;
  if (chunked) {
    size_t out = 0;
    const char* q = body;
    for (;;) {
      const char* eol = Find(q, end, "\r\n");
      if (eol == nullptr) return f;  // need more
      uint64_t size = 0;
      const char* c = q;
      int digits = 0;
      for (; c < eol; ++c) {
        const char ch = Lower(*c);
        int v;
        if (ch >= '0' && ch <= '9') {
          v = ch - '0';
        } else if (ch >= 'a' && ch <= 'f') {
          v = ch - 'a' + 10;
        } else {
          break;  // chunk extensions (";...") are ignored
        }
        if (++digits > 8) {
          f.result = HttpFrame::Result::kBad;
          return f;
        }
        size = size * 16 + static_cast<uint64_t>(v);
      }
      if (digits == 0) {
        f.result = HttpFrame::Result::kBad;
        return f;
      }
      q = eol + 2;
      if (size == 0) {
        // Trailers (none expected) end with an empty line.
        const char* t = Find(q, end, "\r\n");
        while (t != nullptr && t != q) {
          q = t + 2;
          t = Find(q, end, "\r\n");
        }
        if (t == nullptr) return f;
        f.consumed = static_cast<size_t>(t + 2 - p);
        f.body_len = out;
        f.result = HttpFrame::Result::kOk;
        return f;
      }
      if (static_cast<uint64_t>(end - q) < size + 2) return f;
      if (out + size > cap) {
        f.result = HttpFrame::Result::kBad;
        return f;
      }
      std::memcpy(body_out + out, q, size);
      out += size;
      q += size;
      if (q[0] != '\r' || q[1] != '\n') {
        f.result = HttpFrame::Result::kBad;
        return f;
      }
      q += 2;
    }
  }
  if (!has_length) {
    // 204/304 carry no body; anything else without a length is read-until-close, which a
    // keep-alive session cannot frame.
    if (f.status == 204 || f.status == 304) length = 0;
    else {
      f.result = HttpFrame::Result::kBad;
      return f;
    }
  }
  if (length > cap) {
    f.result = HttpFrame::Result::kBad;
    return f;
  }
  if (static_cast<uint64_t>(end - body) < length) return f;
  std::memcpy(body_out, body, length);
  f.body_len = length;
  f.consumed = static_cast<size_t>(body - p) + length;
  f.result = HttpFrame::Result::kOk;
  return f;
}

// ---- session ----

namespace {

// One connection attempt. Handlers hold a raw pointer; a replaced connection is retired
// (closed, kept in a graveyard) and freed once no handler of it is pending.
struct Conn {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<TlsStream> tls;
  int pending = 0;
  bool retired = false;
  bool open = false;

  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*tls); }
  void CloseSocket() {
    beast::error_code ec;
    lowest().socket().close(ec);
  }
};

struct Req {
  size_t len = 0;
  uint64_t tag = 0;
  runtime::KillSwitch* kill = nullptr;
  VenueId venue;
};

}  // namespace

struct HttpSession::Impl {
  asio::io_context& ioc;
  HttpSessionOptions opts;
  HttpListener* listener;
  runtime::LogChannel* log;
  venues::Url url;
  std::string host_header;
  std::optional<asio::ssl::context> ssl_ctx;
  tcp::resolver resolver;
  asio::steady_timer reconnect_timer;
  Conn* cur = nullptr;
  std::vector<Conn*> graveyard;
  std::unique_ptr<char[]> rbuf;
  size_t rlen = 0;
  size_t rcap = 0;
  std::unique_ptr<char[]> body;
  size_t body_cap = 0;
  std::vector<std::unique_ptr<char[]>> slot_data;
  std::vector<Req> reqs;
  size_t head = 0;     // oldest request
  size_t count = 0;    // requests in the FIFO
  size_t written = 0;  // the first `written` of them went (or are going) to the socket
  bool writing = false;
  bool started = false;
  bool stopped = false;
  int attempt = 0;
  uint64_t connects = 0;

  Impl(asio::io_context& io, HttpSessionOptions o, HttpListener* l, runtime::LogChannel* lg)
      : ioc(io), opts(std::move(o)), listener(l), log(lg), resolver(io), reconnect_timer(io) {}

  ~Impl() {
    if (cur != nullptr) {
      cur->CloseSocket();
      delete cur;
    }
    for (Conn* c : graveyard) delete c;
  }

  size_t Slot(size_t i) const { return (head + i) % reqs.size(); }

  void Warn(const char* what, const std::string& detail) {
    if (log != nullptr)
      log->Log(runtime::LogLevel::kWarn, "%s: %s%s%s", opts.name.c_str(), what, detail.empty() ? "" : ": ",
               detail.c_str());
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

  void Retire(const char* why, const std::string& detail) {
    Conn* c = cur;
    if (c == nullptr) return;
    cur = nullptr;
    const bool was_open = c->open;
    c->open = false;
    c->retired = true;
    c->CloseSocket();
    graveyard.push_back(c);
    rlen = 0;
    writing = false;
    // Every request in the FIFO is lost; pop before telling (the listener may send again).
    while (count > 0) {
      const Req r = reqs[head];
      const bool w = written > 0;
      head = (head + 1) % reqs.size();
      --count;
      if (written > 0) --written;
      listener->OnHttpLost(r.tag, w);
    }
    if (was_open) {
      Warn("connection closed", std::string(why) + (detail.empty() ? "" : " (" + detail + ")"));
      listener->OnHttpClosed();
    }
    if (!stopped) ScheduleReconnect();
  }

  void ScheduleReconnect() {
    const int64_t base = std::min<int64_t>(opts.reconnect_max_ms, opts.reconnect_min_ms << std::min(attempt, 16));
    ++attempt;
    reconnect_timer.expires_after(std::chrono::milliseconds(base));
    reconnect_timer.async_wait([this](beast::error_code ec) {
      if (!ec && !stopped) Connect();
    });
  }

  void Connect() {
    Sweep();
    Conn* c = new Conn;
    if (url.tls) {
      c->tls = std::make_unique<TlsStream>(ioc, *ssl_ctx);
      SSL_set_tlsext_host_name(c->tls->native_handle(), url.host.c_str());
      c->tls->set_verify_callback(asio::ssl::host_name_verification(url.host));
    } else {
      c->plain = std::make_unique<beast::tcp_stream>(ioc);
    }
    cur = c;
    ++c->pending;
    resolver.async_resolve(url.host, url.port, [this, c](beast::error_code ec, tcp::resolver::results_type res) {
      --c->pending;
      if (c->retired) return;
      if (ec) return Retire("resolve failed", ec.message());
      c->lowest().expires_after(std::chrono::milliseconds(opts.connect_timeout_ms));
      ++c->pending;
      c->lowest().async_connect(res, [this, c](beast::error_code ec2, const tcp::endpoint&) {
        --c->pending;
        if (c->retired) return;
        if (ec2) return Retire("connect failed", ec2.message());
        beast::error_code ignore;
        c->lowest().socket().set_option(tcp::no_delay(true), ignore);
        if (!c->tls) return Opened(c);
        ++c->pending;
        c->tls->async_handshake(asio::ssl::stream_base::client, [this, c](beast::error_code ec3) {
          --c->pending;
          if (c->retired) return;
          if (ec3) return Retire("TLS handshake failed", ec3.message());
          Opened(c);
        });
      });
    });
  }

  void Opened(Conn* c) {
    c->lowest().expires_never();
    c->open = true;
    attempt = 0;
    ++connects;
    rlen = 0;
    Read(c);
    listener->OnHttpOpen();
    if (cur == c && count > written && !writing) WriteNext(c);
  }

  template <typename F>
  void AsyncReadSome(Conn* c, F&& f) {
    auto buf = asio::buffer(rbuf.get() + rlen, rcap - rlen);
    if (c->plain) {
      c->plain->async_read_some(buf, std::forward<F>(f));
    } else {
      c->tls->async_read_some(buf, std::forward<F>(f));
    }
  }

  void Read(Conn* c) {
    if (rlen == rcap) return Retire("response larger than the read buffer", "");
    ++c->pending;
    AsyncReadSome(c, [this, c](beast::error_code ec, size_t n) {
      --c->pending;
      if (c->retired) return;
      if (ec) return Retire("read failed", ec.message());
      const TscStamp recv = TscNow();
      rlen += n;
      size_t off = 0;
      for (;;) {
        const HttpFrame f = FrameHttpResponse(rbuf.get() + off, rlen - off, body.get(), body_cap);
        if (f.result == HttpFrame::Result::kNeedMore) break;
        if (f.result == HttpFrame::Result::kBad) return Retire("malformed HTTP response", "");
        off += f.consumed;
        if (count == 0 || written == 0) return Retire("a response to no request", "");
        const Req r = reqs[head];
        head = (head + 1) % reqs.size();
        --count;
        --written;
        std::memset(body.get() + f.body_len, 0, venues::kWsPadding);
        listener->OnHttpResponse(r.tag, f.status, body.get(), f.body_len, recv);
        if (cur != c) return;  // the listener dropped the connection
        if (f.close) return Retire("server closed the connection (Connection: close)", "");
      }
      if (off > 0) {
        std::memmove(rbuf.get(), rbuf.get() + off, rlen - off);
        rlen -= off;
      }
      Read(c);
    });
  }

  // Writes the first unwritten request; a queued order meets the kill switch now.
  void WriteNext(Conn* c) {
    while (count > written) {
      const size_t idx = Slot(written);
      Req& r = reqs[idx];
      if (r.kill != nullptr && !r.kill->BeginSend(r.venue)) {
        // Refused: take it out of the FIFO (shift the later ones down a place).
        const uint64_t tag = r.tag;
        for (size_t i = written; i + 1 < count; ++i) {
          const size_t a = Slot(i), b = Slot(i + 1);
          std::swap(reqs[a], reqs[b]);
          std::swap(slot_data[a], slot_data[b]);
        }
        --count;
        listener->OnHttpLost(tag, false);
        continue;
      }
      StartWrite(c, idx);
      return;
    }
  }

  void StartWrite(Conn* c, size_t idx) {
    writing = true;
    // Counted as written when the write starts: the response can be read before this write's
    // completion handler runs (the bytes reached the server), and it must find its request.
    ++written;
    ++c->pending;
    auto buf = asio::buffer(slot_data[idx].get(), reqs[idx].len);
    runtime::KillSwitch* kill = reqs[idx].kill;
    const VenueId venue = reqs[idx].venue;
    auto done = [this, c, kill, venue](beast::error_code ec, size_t) {
      --c->pending;
      if (kill != nullptr) kill->EndSend(venue);
      if (c->retired) return;
      writing = false;
      if (ec) return Retire("write failed", ec.message());
      WriteNext(c);
    };
    if (c->plain) {
      asio::async_write(*c->plain, buf, std::move(done));
    } else {
      asio::async_write(*c->tls, buf, std::move(done));
    }
  }
};

HttpSession::HttpSession(asio::io_context& ioc, HttpSessionOptions opts, HttpListener* listener, runtime::LogChannel* log)
    : impl_(std::make_unique<Impl>(ioc, std::move(opts), listener, log)) {}

HttpSession::~HttpSession() = default;

absl::Status HttpSession::Init() {
  Impl& m = *impl_;
  auto u = venues::ParseUrl(m.opts.url);
  if (!u.ok()) return u.status();
  if (u->websocket) return absl::InvalidArgumentError("'" + m.opts.url + "' is not an http:// or https:// URL");
  m.url = *u;
  m.host_header = m.url.HostHeader();
  if (m.url.tls) {
    m.ssl_ctx.emplace(asio::ssl::context::tls_client);
    beast::error_code ec;
    m.ssl_ctx->set_default_verify_paths(ec);
    if (!m.opts.ca_file.empty()) {
      m.ssl_ctx->load_verify_file(m.opts.ca_file, ec);
      if (ec) return absl::InvalidArgumentError("cannot load CA file '" + m.opts.ca_file + "': " + ec.message());
    }
    m.ssl_ctx->set_verify_mode(asio::ssl::verify_peer);
  }
  m.rcap = m.opts.max_response + 16384;
  m.rbuf = std::make_unique<char[]>(m.rcap);
  m.body_cap = m.opts.max_response;
  m.body = std::make_unique<char[]>(m.body_cap + venues::kWsPadding);
  m.reqs.assign(static_cast<size_t>(std::max(1, m.opts.slots)), Req{});
  m.slot_data.clear();
  for (size_t i = 0; i < m.reqs.size(); ++i) m.slot_data.push_back(std::make_unique<char[]>(m.opts.slot_bytes));
  return absl::OkStatus();
}

void HttpSession::Start() noexcept {
  impl_->started = true;
  impl_->stopped = false;
  impl_->Connect();
}

void HttpSession::Stop() noexcept {
  impl_->stopped = true;
  impl_->reconnect_timer.cancel();
  impl_->Retire("stopped", "");
}

void HttpSession::Reconnect() noexcept { impl_->Retire("reconnect requested", ""); }

bool HttpSession::is_open() const noexcept { return impl_->cur != nullptr && impl_->cur->open; }
const std::string& HttpSession::host_header() const noexcept { return impl_->host_header; }
int HttpSession::waiting() const noexcept { return static_cast<int>(impl_->count); }
uint64_t HttpSession::connects() const noexcept { return impl_->connects; }

HttpSession::SendResult HttpSession::Send(std::string_view request, uint64_t tag, runtime::KillSwitch* kill,
                                          VenueId venue, TscStamp* wire) noexcept {
  Impl& m = *impl_;
  if (m.cur == nullptr || !m.cur->open) return SendResult::kNotOpen;
  if (m.count == m.reqs.size() || request.size() > m.opts.slot_bytes) return SendResult::kQueueFull;
  const size_t idx = m.Slot(m.count);
  std::memcpy(m.slot_data[idx].get(), request.data(), request.size());
  m.reqs[idx] = Req{request.size(), tag, kill, venue};
  if (m.writing || m.count > m.written) {
    ++m.count;
    return SendResult::kQueued;
  }
  if (kill != nullptr && !kill->BeginSend(venue)) return SendResult::kHalted;
  ++m.count;
  // Asio writes speculatively inside the initiating call when the socket is idle: the bytes
  // are in the kernel when this returns (EndSend runs in the completion handler).
  m.StartWrite(m.cur, idx);
  *wire = TscNow();
  return SendResult::kWritten;
}

}  // namespace hs::coinbase
