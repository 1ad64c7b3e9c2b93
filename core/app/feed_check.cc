#include "core/app/feed_check.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "core/base/decimal.h"
#include "venues/binance/binance_feed_check.h"
#include "venues/bybit/bybit_feed_check.h"
#include "venues/coinbase/coinbase_feed_check.h"
#include "venues/kraken/kraken_feed_check.h"
#include "venues/okx/okx_feed_check.h"
#include "venues/common/feed_check.h"

namespace hs::app {
namespace {

std::string Dec(int64_t raw, int scale) {
  char b[kMaxDecimalText];
  FormatDecimal(raw, scale, b);
  return b;
}

std::string JsonEscape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    o += c;
  }
  return o;
}

std::string Side(const book::BookSide& side, int n) {
  std::string o = "[";
  for (int i = 0; i < n && i < side.size(); ++i) {
    if (i) o += ",";
    o += "[\"" + Dec(side.level(i).px.raw(), Price::kDecimals) + "\",\"" + Dec(side.level(i).qty.raw(), Qty::kDecimals) + "\"]";
  }
  return o + "]";
}

}  // namespace

std::unique_ptr<venues::FeedChecker> MakeFeedCheckerFor(const std::string& kind, const venues::FeedCheckOptions& o) {
  if (kind == "binance") return binance::MakeFeedChecker(o);
  if (kind == "okx") return okx::MakeFeedChecker(o);
  if (kind == "bybit") return bybit::MakeFeedChecker(o);
  if (kind == "kraken") return kraken::MakeFeedChecker(o);
  if (kind == "coinbase") return coinbase::MakeFeedChecker(o);
  return nullptr;
}

int RunFeedCheck(const FeedCheckArgs& a) {
  venues::FeedCheckOptions o;
  o.symbol = a.symbol;
  o.depth = a.book_depth;
  o.price_precision = a.price_precision;
  o.qty_precision = a.qty_precision;
  auto checker = MakeFeedCheckerFor(a.venue, o);
  if (!checker) {
    std::fprintf(stderr, "homeostat feed-check: unknown or unsupported venue '%s' (binance, okx, bybit, kraken, coinbase)\n",
                 a.venue.c_str());
    return 2;
  }
  std::ifstream in(a.file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "homeostat feed-check: cannot open capture file '%s'\n", a.file.c_str());
    return 2;
  }
  uint64_t counts[8] = {};
  uint64_t lines = 0;
  std::string line;
  std::string buf;
  while (std::getline(in, line)) {
    ++lines;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    buf.assign(line);
    buf.append(64, '\0');  // the padding the websocket client provides
    const venues::BookEvent e = checker->OnMessage(buf.data(), line.size());
    ++counts[static_cast<int>(e)];
    const book::OrderBook& b = checker->book();
    std::string out = "{\"line\":" + std::to_string(lines) + ",\"event\":\"" + venues::BookEventName(e) + "\"";
    out += ",\"seq\":" + std::to_string(checker->sequence());
    if (a.depth <= 1) {
      if (!b.bids().empty())
        out += ",\"bid\":\"" + Dec(b.bids().level(0).px.raw(), 9) + "\",\"bid_qty\":\"" + Dec(b.bids().level(0).qty.raw(), 8) + "\"";
      if (!b.asks().empty())
        out += ",\"ask\":\"" + Dec(b.asks().level(0).px.raw(), 9) + "\",\"ask_qty\":\"" + Dec(b.asks().level(0).qty.raw(), 8) + "\"";
    } else {
      out += ",\"bids\":" + Side(b.bids(), a.depth) + ",\"asks\":" + Side(b.asks(), a.depth);
    }
    if (!checker->detail().empty()) out += ",\"detail\":\"" + JsonEscape(checker->detail()) + "\"";
    out += "}";
    std::printf("%s\n", out.c_str());
  }
  const uint64_t failures = counts[static_cast<int>(venues::BookEvent::kGap)] +
                            counts[static_cast<int>(venues::BookEvent::kChecksumMismatch)] +
                            counts[static_cast<int>(venues::BookEvent::kCrossed)] +
                            counts[static_cast<int>(venues::BookEvent::kParseError)];
  std::printf("{\"summary\":{\"lines\":%llu", static_cast<unsigned long long>(lines));
  for (int e = 0; e < 8; ++e)
    std::printf(",\"%s\":%llu", venues::BookEventName(static_cast<venues::BookEvent>(e)),
                static_cast<unsigned long long>(counts[e]));
  std::printf("},\"clean\":%s}\n", failures == 0 ? "true" : "false");
  return failures == 0 ? 0 : 1;
}

}  // namespace hs::app
