// libFuzzer: Coinbase wire parsing (Advanced Trade and Exchange) and the ConnectionBooks rules on
// arbitrary bytes. Nothing may crash or trip a sanitizer, a book that calls itself usable must
// never be crossed nor hold more than its depth, and the l2_data envelope fast path and the full
// parse must agree on every input (same status, same frame).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "venues/coinbase/coinbase_book.h"
#include "venues/coinbase/coinbase_parse.h"

namespace {
hs::coinbase::Parser& P() {
  static hs::coinbase::Parser p(1 << 20);
  return p;
}
hs::coinbase::Parser& FullOnly() {
  static hs::coinbase::Parser p(1 << 20);
  static const bool off = (p.set_l2_fast_path(false), true);
  (void)off;
  return p;
}
bool SameFrame(const hs::coinbase::Frame& a, const hs::coinbase::Frame& b) {
  if (a.kind != b.kind || a.has_sequence != b.has_sequence || a.sequence_num != b.sequence_num ||
      a.timestamp != b.timestamp || a.channel != b.channel || a.error_message != b.error_message ||
      a.event_count != b.event_count || a.level_count != b.level_count)
    return false;
  for (int i = 0; i < a.event_count; ++i)
    if (a.events[i].type != b.events[i].type || a.events[i].product_id != b.events[i].product_id ||
        a.events[i].first != b.events[i].first || a.events[i].count != b.events[i].count)
      return false;
  for (int i = 0; i < a.level_count; ++i)
    if (a.levels[i].bid != b.levels[i].bid || a.levels[i].px != b.levels[i].px || a.levels[i].qty != b.levels[i].qty)
      return false;
  return true;
}
hs::coinbase::ConnectionBooks& B() {
  // Product names as the seeds and the simulator spell them; a small depth exercises truncation.
  static hs::coinbase::ConnectionBooks b({"BTC-USD", "ETH-USD", "BTC-USDT"}, 8);
  return b;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 19)) return 0;
  std::string buf(reinterpret_cast<const char*>(data), size);
  buf.append(64, '\0');
  hs::coinbase::Frame f;
  hs::coinbase::Frame full;
  const hs::venues::ParseStatus st = P().Parse(buf.data(), size, &f);
  if (FullOnly().Parse(buf.data(), size, &full) != st) std::abort();
  if (st == hs::venues::ParseStatus::kOk && !SameFrame(f, full)) std::abort();
  if (st == hs::venues::ParseStatus::kOk) {
    // Every level the parser hands out lies inside its buffers and its events.
    int covered = 0;
    for (int e = 0; e < f.event_count; ++e) covered += static_cast<int>(f.events[e].count);
    if (covered != f.level_count) std::abort();
    hs::coinbase::ConnectionBooks& b = B();
    b.OnFrame(f, 0);
    for (int i = 0; i < b.size(); ++i) {
      if (!b.usable(i)) continue;
      const hs::book::OrderBook& ob = b.book(i);
      if (ob.crossed() || ob.bids().size() > b.depth() || ob.asks().size() > b.depth()) std::abort();
    }
  }
  hs::coinbase::ExchangeFrame x;
  P().ParseExchange(buf.data(), size, &x);
  hs::Nanos t;
  hs::coinbase::ParseRfc3339(std::string_view(reinterpret_cast<const char*>(data), size < 64 ? size : 64), &t);
  return 0;
}
