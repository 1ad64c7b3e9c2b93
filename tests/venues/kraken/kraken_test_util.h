// Test-only helpers for the Kraken suites: a naive reference book (std::map) kept by Kraken's
// rules (apply every level, then truncate to the depth), an independent checksum (decimal text
// built with std::string, CRC32 from zlib — none of the code under test), and builders for
// v2 `book` messages. Prices and quantities are integer units at the pair's precision.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace hs::kraken::test {

using Levels = std::vector<std::pair<int64_t, int64_t>>;  // (price units, qty units); qty 0 = delete

// units / 10^decimals written with exactly `decimals` fraction digits ("30000.25", "7").
inline std::string Num(int64_t units, int decimals) {
  int64_t p = 1;
  for (int i = 0; i < decimals; ++i) p *= 10;
  char b[64];
  if (decimals == 0) {
    std::snprintf(b, sizeof b, "%lld", static_cast<long long>(units));
  } else {
    std::snprintf(b, sizeof b, "%lld.%0*lld", static_cast<long long>(units / p), decimals,
                  static_cast<long long>(units % p));
  }
  return b;
}

struct RefBook {
  explicit RefBook(int d = 10) : depth(d) {}
  int depth;
  std::map<int64_t, int64_t, std::greater<int64_t>> bids;  // best first
  std::map<int64_t, int64_t> asks;                         // best first

  void Set(bool bid, int64_t px, int64_t qty) {
    if (bid) {
      if (qty == 0)
        bids.erase(px);
      else
        bids[px] = qty;
    } else {
      if (qty == 0)
        asks.erase(px);
      else
        asks[px] = qty;
    }
  }
  void Truncate() {
    while (static_cast<int>(bids.size()) > depth) bids.erase(std::prev(bids.end()));
    while (static_cast<int>(asks.size()) > depth) asks.erase(std::prev(asks.end()));
  }
  void Snapshot(const Levels& b, const Levels& a) {
    bids.clear();
    asks.clear();
    for (const auto& [p, q] : b) Set(true, p, q);
    for (const auto& [p, q] : a) Set(false, p, q);
    Truncate();
  }
  void Update(const Levels& b, const Levels& a) {
    for (const auto& [p, q] : b) Set(true, p, q);
    for (const auto& [p, q] : a) Set(false, p, q);
    Truncate();
  }
};

inline std::string Piece(const std::string& num) {
  std::string s;
  for (char c : num)
    if (c != '.') s += c;
  const size_t nz = s.find_first_not_of('0');
  return nz == std::string::npos ? "" : s.substr(nz);
}

// The checksum text of the top 10 levels per side: asks then bids.
template <typename Map>
std::string SideText(const Map& side, int pp, int qp) {
  std::string t;
  int n = 0;
  for (auto it = side.begin(); it != side.end() && n < 10; ++it, ++n)
    t += Piece(Num(it->first, pp)) + Piece(Num(it->second, qp));
  return t;
}

inline uint32_t RefChecksum(const RefBook& r, int pp, int qp) {
  const std::string t = SideText(r.asks, pp, qp) + SideText(r.bids, pp, qp);
  return static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(t.data()), static_cast<uInt>(t.size())));
}

inline std::string LevelsJson(const Levels& ls, int pp, int qp) {
  std::string s = "[";
  for (size_t i = 0; i < ls.size(); ++i) {
    if (i) s += ",";
    s += "{\"price\":" + Num(ls[i].first, pp) + ",\"qty\":" + Num(ls[i].second, qp) + "}";
  }
  return s + "]";
}

inline std::string EntryJson(const std::string& symbol, const Levels& b, const Levels& a, uint32_t checksum, int pp,
                             int qp) {
  return "{\"symbol\":\"" + symbol + "\",\"bids\":" + LevelsJson(b, pp, qp) + ",\"asks\":" + LevelsJson(a, pp, qp) +
         ",\"checksum\":" + std::to_string(checksum) + ",\"timestamp\":\"2023-10-06T17:35:55.440295Z\"}";
}

// The engine sections every config needs (after the top-level `assets` line), for tests that
// build a config only to describe a Kraken venue.
inline constexpr const char* kEngineSections = R"([engine]
name = "kraken-test"
[admin]
socket = "/tmp/hs-kraken-test-unused.sock"
[journal]
path = "/tmp/hs-kraken-test-unused.hsj"
[strategy]
min_edge = "0.0005"
max_leg_notional = "1000"
[risk]
max_order_notional = "1000"
)";

inline std::string BookJson(const std::string& type, const std::string& entries) {
  return "{\"channel\":\"book\",\"type\":\"" + type + "\",\"data\":[" + entries + "]}";
}

}  // namespace hs::kraken::test
