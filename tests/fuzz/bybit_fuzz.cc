// libFuzzer: Bybit v5 wire parsing (public spot and linear streams, tickers included, and account
// messages, positions and funding executions included) and the DepthBook rules on arbitrary bytes. Nothing may crash, and a book that calls itself usable must never be
// crossed or deeper than its depth.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "venues/bybit/bybit_book.h"
#include "venues/bybit/bybit_parse.h"

namespace {
hs::bybit::Parser& P() {
  static hs::bybit::Parser p(1 << 20);
  return p;
}
hs::bybit::DepthBook& B() {
  static hs::bybit::DepthBook b(50);
  return b;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 19)) return 0;
  std::string buf(reinterpret_cast<const char*>(data), size);
  buf.append(64, '\0');
  hs::bybit::MarketFrame f;
  if (P().ParseMarket(buf.data(), size, &f) == hs::venues::ParseStatus::kOk) {
    if (f.kind == hs::bybit::MarketKind::kBookSnapshot || f.kind == hs::bybit::MarketKind::kBookDelta) {
      if (f.bid_count < 0 || f.ask_count < 0 || f.bid_count > hs::bybit::Parser::kMaxLevels) std::abort();
      B().OnMessage(f);
      if (B().usable() && (B().book().crossed() || B().book().bids().size() > 50 || B().book().asks().size() > 50))
        std::abort();
    }
    if (f.kind == hs::bybit::MarketKind::kTicker) {
      // A ticker names its symbol, and a snapshot always carries the mark.
      if (f.symbol.empty() || (!f.ticker_delta && (f.ticker_fields & hs::bybit::MarketFrame::kTickMark) == 0)) std::abort();
      if (f.mark_px.is_negative() || f.index_px.is_negative()) std::abort();
    }
  }
  hs::bybit::AccountMsg m;
  if (P().ParseAccount(buf.data(), size, &m) == hs::venues::ParseStatus::kOk) {
    // Touch what the order session reads.
    volatile int64_t sink = 0;
    for (int i = 0; i < m.execution_count; ++i) sink = sink + m.executions[i].exec_qty.raw() + m.executions[i].exec_fee.raw();
    for (int i = 0; i < m.order_count; ++i) sink = sink + m.orders[i].cum_exec_qty.raw();
    for (int i = 0; i < m.coin_count; ++i) sink = sink + m.coins[i].wallet_balance.raw() + static_cast<int64_t>(m.coins[i].coin.size());
    if (m.position_count < 0 || m.position_count > hs::bybit::Parser::kMaxItems) std::abort();
    for (int i = 0; i < m.position_count; ++i) {
      const hs::bybit::PositionItem& p = m.positions[i];
      // Unsigned size; a size without a side is refused.
      if (p.size.is_negative() || (p.side.empty() && !p.size.is_zero())) std::abort();
      sink = sink + p.entry_px.raw() + p.position_im.raw() + p.unrealised_pnl.raw();
    }
    (void)sink;
  }
  return 0;
}
