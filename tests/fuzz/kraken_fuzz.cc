// libFuzzer: Kraken WebSocket v2 parsing and the Book rules on arbitrary bytes. Nothing may
// crash, and a book that calls itself usable must be uncrossed, within its depth, and hold
// exactly the checksum it last verified — recomputed from the values, independently of the
// digits the book keeps per level. The in-place `data` scan and On-Demand must agree on every
// input (same status, same entries).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "venues/kraken/kraken_book.h"
#include "venues/kraken/kraken_parse.h"

namespace {
using hs::kraken::Book;
using hs::kraken::Message;
using hs::kraken::MessageKind;
using hs::kraken::Parser;

Parser& P() {
  static Parser p(1 << 20);
  return p;
}
Parser& OnDemandOnly() {
  static Parser p(1 << 20);
  static const bool off = (p.set_in_place_data(false), true);
  (void)off;
  return p;
}

bool SameLevels(const hs::kraken::BookLevel* a, const hs::kraken::BookLevel* b, int n) {
  for (int i = 0; i < n; ++i)
    if (a[i].px != b[i].px || a[i].qty != b[i].qty || a[i].px_text != b[i].px_text || a[i].qty_text != b[i].qty_text)
      return false;
  return true;
}
Book& Given() {
  static Book b(10, 1, 8);
  return b;
}
Book& Inferred() {
  static Book b(25);
  return b;
}

void Check(bool ok) {
  if (!ok) std::abort();
}

void Drive(Book& book, const Message& m) {
  book.Apply(m.kind, m.entries[0]);
  if (!book.usable()) return;
  Check(!book.book().crossed());
  Check(book.book().bids().size() <= book.depth() && book.book().asks().size() <= book.depth());
  uint32_t crc = 0;
  Check(hs::kraken::ComputeChecksum(book.book(), book.price_precision(), book.qty_precision(), &crc));
  Check(crc == book.checksum());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 19)) return 0;
  std::string buf(reinterpret_cast<const char*>(data), size);
  buf.append(64, '\0');
  Message m;
  Message od;
  const hs::venues::ParseStatus st = P().Parse(buf.data(), size, &m);
  Check(OnDemandOnly().Parse(buf.data(), size, &od) == st);
  if (st != hs::venues::ParseStatus::kOk) return 0;
  Check(m.kind == od.kind && m.entry_count == od.entry_count);
  for (int i = 0; i < m.entry_count; ++i) {
    const auto& a = m.entries[i];
    const auto& b = od.entries[i];
    Check(a.symbol == b.symbol && a.checksum == b.checksum && a.timestamp == b.timestamp &&
          a.bid_count == b.bid_count && a.ask_count == b.ask_count && SameLevels(a.bids, b.bids, a.bid_count) &&
          SameLevels(a.asks, b.asks, a.ask_count));
  }
  if (m.kind != MessageKind::kBookSnapshot && m.kind != MessageKind::kBookUpdate) return 0;
  Check(m.entry_count > 0);
  for (int i = 0; i < m.entry_count; ++i) {
    const auto& e = m.entries[i];
    Check(e.bid_count >= 0 && e.ask_count >= 0);
    for (int k = 0; k < e.bid_count; ++k) Check(!e.bids[k].px.is_negative() && !e.bids[k].qty.is_negative());
    for (int k = 0; k < e.ask_count; ++k) Check(!e.asks[k].px.is_negative() && !e.asks[k].qty.is_negative());
  }
  Drive(Given(), m);
  Drive(Inferred(), m);
  return 0;
}
