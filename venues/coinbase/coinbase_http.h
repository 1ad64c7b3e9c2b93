// hs::coinbase — one persistent HTTP/1.1 keep-alive connection for order entry (Coinbase
// Advanced Trade takes orders over REST only, ORDERS.md §2.1).
//
// venues::HttpFetch opens a connection per request and allocates; this session connects once
// (plain for http://, TLS with certificate and host-name verification for https://), keeps the
// connection open and writes request bytes the caller rendered into a fixed slot ring. Requests
// are pipelined (HTTP/1.1 §9.3.2): responses come back in request order and are matched to the
// FIFO of tags. Responses are read into one fixed buffer and framed by a small parser
// (Content-Length or chunked); each body is handed to the listener in place, writable and
// followed by kWsPadding readable bytes so simdjson parses it without a copy.
//
// When the connection drops (or the server says Connection: close) every request still waiting
// for its response is reported lost (its outcome is unknown) and the session reconnects after
// a backoff. Steady state allocates nothing: slots, the read buffer and the tag FIFO are sized
// in Init (Asio recycles its handler memory). Not here: what requests mean (coinbase_orders.h).
//
// Owned by the venue thread; driven by its io_context.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/base/clock.h"
#include "core/base/ids.h"
#include "core/runtime/kill_switch.h"
#include "core/runtime/log.h"

namespace boost::asio {
class io_context;
}

namespace hs::coinbase {

class HttpListener {
 public:
  virtual void OnHttpOpen() noexcept = 0;
  // One response, in request order. `body` is writable, followed by >= kWsPadding readable
  // bytes, valid during the call only. status 0 never reaches here (see OnHttpLost).
  virtual void OnHttpResponse(uint64_t tag, int status, char* body, size_t len, TscStamp recv) noexcept = 0;
  // A request whose response will never come: the connection dropped. written = its bytes
  // went to the socket (the server may have acted on it); false = it never left (queued
  // behind another write, or refused by the kill switch when its turn came).
  virtual void OnHttpLost(uint64_t tag, bool written) noexcept = 0;
  // The connection is down (after OnHttpLost for each request that was waiting).
  virtual void OnHttpClosed() noexcept = 0;

 protected:
  ~HttpListener() = default;
};

struct HttpSessionOptions {
  std::string url;   // http(s)://host[:port]; the path is the caller's
  std::string name;  // for logs
  int slots = 64;    // requests queued or waiting for a response
  size_t slot_bytes = 4096;
  size_t max_response = 1u << 20;
  int64_t connect_timeout_ms = 5'000;
  int64_t reconnect_min_ms = 250;
  int64_t reconnect_max_ms = 10'000;
  std::string ca_file;
};

// Framing of one HTTP/1.1 response at the start of [p, p + n). Pure; exposed for tests.
struct HttpFrame {
  enum class Result : uint8_t { kNeedMore = 0, kOk, kBad };
  Result result = Result::kNeedMore;
  int status = 0;
  size_t consumed = 0;      // bytes of this response (head + body)
  size_t body_len = 0;      // decoded body bytes written to `body_out`
  bool close = false;       // Connection: close
};
// Decodes the body (chunked or Content-Length) into body_out (cap bytes). kBad for a malformed
// head, an unsupported framing, or a body larger than cap.
HttpFrame FrameHttpResponse(const char* p, size_t n, char* body_out, size_t cap) noexcept;

class HttpSession {
 public:
  HttpSession(boost::asio::io_context& ioc, HttpSessionOptions opts, HttpListener* listener, runtime::LogChannel* log);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // Cold: parses the URL, prepares TLS and buffers. Errors name the URL.
  absl::Status Init();
  void Start() noexcept;
  void Stop() noexcept;
  // Drops the connection (its waiting requests are lost) and reconnects after the backoff.
  void Reconnect() noexcept;
  bool is_open() const noexcept;
  // host[:port] as the Host header wants it (after Init).
  const std::string& host_header() const noexcept;

  enum class SendResult : uint8_t {
    kWritten = 0,  // handed to the socket now; *wire holds the stamp
    kQueued,       // behind another write (sent when it completes; the kill switch is checked then)
    kHalted,       // kill switch set: not sent
    kNotOpen,
    kQueueFull,
  };
  // Queues one complete request (head and body). With `kill`, the kill switch is checked at the
  // instant the bytes go to the socket (a queued request refused later is reported lost, written = false).
  [[nodiscard]] SendResult Send(std::string_view request, uint64_t tag, runtime::KillSwitch* kill, VenueId venue,
                                TscStamp* wire) noexcept;
  int waiting() const noexcept;  // requests written or queued, response not yet read
  uint64_t connects() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hs::coinbase
