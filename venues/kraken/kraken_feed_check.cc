#include "venues/kraken/kraken_feed_check.h"

#include "venues/kraken/kraken_book.h"
#include "venues/kraken/kraken_parse.h"

namespace hs::kraken {
namespace {

class Checker final : public venues::FeedChecker {
 public:
  explicit Checker(const venues::FeedCheckOptions& o)
      : symbol_(o.symbol),
        book_(o.depth > 0 ? o.depth : kDefaultDepth, o.price_precision, o.qty_precision),
        parser_(32u << 20) {}

  venues::BookEvent OnMessage(const char* data, size_t len) override {
    detail_.clear();
    Message m;
    const ParseStatus st = parser_.Parse(data, len, &m);
    if (st != ParseStatus::kOk) {
      detail_ = std::string("parse: ") + venues::ParseStatusName(st);
      return st == ParseStatus::kUnknown ? venues::BookEvent::kIgnored : venues::BookEvent::kParseError;
    }
    if (m.kind != MessageKind::kBookSnapshot && m.kind != MessageKind::kBookUpdate) {
      detail_ = MessageKindName(m.kind);
      return venues::BookEvent::kIgnored;
    }
    // Without --symbol, follow the first symbol seen.
    if (symbol_.empty()) symbol_.assign(m.entries[0].symbol);
    const BookEntry* e = FindEntry(m, symbol_);
    if (e == nullptr) {
      detail_ = "other symbol";
      return venues::BookEvent::kIgnored;
    }
    const venues::BookEvent ev = book_.Apply(m.kind, *e);
    detail_ = book_.detail();
    return ev;
  }
  const book::OrderBook& book() const override { return book_.book(); }
  uint64_t sequence() const override { return book_.validated(); }
  const std::string& detail() const override { return detail_; }

 private:
  std::string symbol_;
  Book book_;
  Parser parser_;
  std::string detail_;
};

}  // namespace

std::unique_ptr<venues::FeedChecker> MakeFeedChecker(const venues::FeedCheckOptions& opts) {
  return std::make_unique<Checker>(opts);
}

}  // namespace hs::kraken
