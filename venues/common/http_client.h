// hs::venues — one-shot HTTP/1.1 requests over Boost.Beast, plain or TLS (cold path only:
// book snapshots during resync, token requests). Each request resolves, connects, sends,
// reads the whole response and calls back once on the venue thread that owns the io_context.
// Not for the hot path: it allocates per request.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace hs::venues {

struct HttpResponse {
  int status = 0;          // 0 when the request failed before a status line
  std::string body;
  std::string error;       // transport error text when status == 0
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int64_t timeout_ms = 10'000;
  size_t max_body = 32u << 20;
  std::string ca_file;
};

// Starts the request; `done` runs on the io_context's thread.
void HttpFetch(boost::asio::io_context& ioc, HttpRequest req, std::function<void(HttpResponse)> done);

}  // namespace hs::venues
