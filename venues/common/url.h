// hs::venues — splitting the configured endpoint URLs (cold path).
//
// Accepts ws://, wss://, http:// and https:// with an optional port and path:
//   wss://stream.binance.com:9443/ws   → tls, host, port "9443", target "/ws"
//   ws://127.0.0.1:18401               → plain, port "18401", target "/"
// Anything else is an error naming the URL. Production endpoints use TLS; the simulator's
// loopback URLs use the plain schemes, with the same paths (venues/README §"How to use this").
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace hs::venues {

struct Url {
  bool tls = false;
  bool websocket = false;
  std::string host;
  std::string port;
  std::string target;  // path and query, at least "/"
  std::string HostHeader() const;  // host[:port] as the Host header wants it
};

absl::StatusOr<Url> ParseUrl(const std::string& text);
// Joins a base URL with a path: ("ws://h:1", "/ws/x") → "ws://h:1/ws/x"; avoids "//".
std::string JoinUrl(const std::string& base, const std::string& path);

}  // namespace hs::venues
