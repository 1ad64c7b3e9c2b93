#include "venues/common/url.h"

#include <cctype>

#include "absl/status/status.h"

namespace hs::venues {

std::string Url::HostHeader() const {
  const bool default_port = (tls && port == "443") || (!tls && port == "80");
  return default_port ? host : host + ":" + port;
}

absl::StatusOr<Url> ParseUrl(const std::string& text) {
  Url u;
  std::string rest;
  if (text.rfind("wss://", 0) == 0) {
    u.tls = u.websocket = true;
    rest = text.substr(6);
  } else if (text.rfind("ws://", 0) == 0) {
    u.websocket = true;
    rest = text.substr(5);
  } else if (text.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = text.substr(8);
  } else if (text.rfind("http://", 0) == 0) {
    rest = text.substr(7);
  } else {
    return absl::InvalidArgumentError("URL '" + text + "': scheme must be ws, wss, http or https");
  }
  const size_t slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (!u.target.empty() && u.target[0] == '?') u.target = "/" + u.target;
  if (authority.empty()) return absl::InvalidArgumentError("URL '" + text + "': missing host");
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
    if (u.port.empty() || u.port.size() > 5) return absl::InvalidArgumentError("URL '" + text + "': bad port");
    for (char c : u.port)
      if (!std::isdigit(static_cast<unsigned char>(c))) return absl::InvalidArgumentError("URL '" + text + "': bad port");
    const long p = std::stol(u.port);
    if (p <= 0 || p > 65535) return absl::InvalidArgumentError("URL '" + text + "': port out of range");
  } else {
    u.host = authority;
    u.port = u.tls ? "443" : "80";
  }
  if (u.host.empty()) return absl::InvalidArgumentError("URL '" + text + "': missing host");
  return u;
}

std::string JoinUrl(const std::string& base, const std::string& path) {
  if (base.empty()) return path;
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  if (path.empty()) return b;
  return path[0] == '/' ? b + path : b + "/" + path;
}

}  // namespace hs::venues
