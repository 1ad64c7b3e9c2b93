// libFuzzer: OKX wire parsing and the L2Book rules on arbitrary bytes. The input is tried as one
// message (public and private parsers), then split at newlines and replayed line by line into a
// fresh book, so the fuzzer can build snapshot → update sequences. Nothing may crash, and:
//   - a book that calls itself usable is never crossed;
//   - a usable book built or updated from a checksummed frame reproduces that checksum;
//   - parsed levels keep wire text that parses back to the same fixed-point value;
//   - the compact fast paths (level arrays, `data` scanned in place) and the generic path agree
//     on every input: same status, same frame.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/base/decimal.h"
#include "venues/okx/okx_book.h"
#include "venues/okx/okx_parse.h"

namespace {

hs::okx::Parser& P() {
  static hs::okx::Parser p(1 << 20);
  return p;
}
hs::okx::Parser& Generic() {
  static hs::okx::Parser p(1 << 20);
  static const bool off = (p.set_compact_levels(false), true);
  (void)off;
  return p;
}
bool SameLevels(const hs::okx::BookLevel* a, const hs::okx::BookLevel* b, int n) {
  for (int i = 0; i < n; ++i)
    if (a[i].px != b[i].px || a[i].qty != b[i].qty || a[i].px_text != b[i].px_text || a[i].qty_text != b[i].qty_text)
      return false;
  return true;
}

void CheckLevels(const hs::okx::BookLevel* ls, int n) {
  for (int i = 0; i < n; ++i) {
    const auto px = hs::ParseDecimal<hs::Price>(ls[i].px_text);
    const auto q = hs::ParseDecimal<hs::Qty>(ls[i].qty_text);
    if (!px.ok() || px.value != ls[i].px || !q.ok() || q.value != ls[i].qty) std::abort();
  }
}

void FeedMarket(const char* data, size_t len, hs::okx::L2Book* book) {
  hs::okx::MarketFrame f;
  hs::okx::MarketFrame g;
  const hs::venues::ParseStatus st = P().ParseMarket(data, len, &f);
  if (Generic().ParseMarket(data, len, &g) != st) std::abort();
  if (st != hs::venues::ParseStatus::kOk) return;
  if (f.kind != g.kind || f.channel != g.channel || f.action != g.action || f.inst_id != g.inst_id ||
      f.seq_id != g.seq_id || f.prev_seq_id != g.prev_seq_id || f.has_prev_seq != g.has_prev_seq ||
      f.checksum != g.checksum || f.has_checksum != g.has_checksum || f.ts_ms != g.ts_ms ||
      f.bid_count != g.bid_count || f.ask_count != g.ask_count || !SameLevels(f.bids, g.bids, f.bid_count) ||
      !SameLevels(f.asks, g.asks, f.ask_count) || f.has_mark != g.has_mark || f.mark_px != g.mark_px ||
      f.has_funding != g.has_funding || f.funding_rate != g.funding_rate || f.next_funding_ms != g.next_funding_ms)
    std::abort();
  if (f.kind == hs::okx::FrameKind::kTicker && !(f.has_mark || f.has_funding)) std::abort();
  if (f.kind != hs::okx::FrameKind::kBook) return;
  CheckLevels(f.bids, f.bid_count);
  CheckLevels(f.asks, f.ask_count);
  const hs::venues::BookEvent e = book->OnFrame(f);
  if (book->usable() && book->book().crossed()) std::abort();
  if ((e == hs::venues::BookEvent::kApplied || e == hs::venues::BookEvent::kSnapshot) && f.has_checksum &&
      hs::okx::Checksum(book->book()) != f.checksum)
    std::abort();
  if (!book->usable() && (book->book().bids().size() != 0 || book->book().asks().size() != 0)) std::abort();
}

void FeedPrivate(const char* data, size_t len) {
  hs::okx::PrivateMsg m;
  if (P().ParsePrivate(data, len, &m) != hs::venues::ParseStatus::kOk) return;
  for (int i = 0; i < m.balance_count; ++i) {
    hs::Amount free, locked;
    (void)hs::okx::BalanceAmounts(m.balances[i], &free, &locked);
    hs::MarginAccountUpdate u;
    (void)hs::okx::MarginAmounts(m.balances[i], &u);
  }
  // Swap positions, converted at a contract size like BTC-USDT-SWAP's.
  for (int i = 0; i < m.position_count; ++i) {
    hs::PositionUpdate u;
    hs::Amount funding;
    (void)hs::okx::PositionAmounts(m.positions[i], hs::Qty::FromRaw(1'000'000), &u, &funding);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 19)) return 0;
  std::string buf(reinterpret_cast<const char*>(data), size);
  buf.append(64, '\0');
  hs::okx::L2Book whole(25);
  FeedMarket(buf.data(), size, &whole);
  FeedPrivate(buf.data(), size);
  // Line by line into one book: sequences of snapshots and updates.
  hs::okx::L2Book book(25);
  std::string line;
  size_t start = 0;
  while (start < size) {
    const char* nl = static_cast<const char*>(std::memchr(buf.data() + start, '\n', size - start));
    const size_t end = nl != nullptr ? static_cast<size_t>(nl - buf.data()) : size;
    line.assign(buf.data() + start, end - start);
    const size_t n = line.size();
    line.append(64, '\0');
    FeedMarket(line.data(), n, &book);
    start = end + 1;
  }
  return 0;
}
