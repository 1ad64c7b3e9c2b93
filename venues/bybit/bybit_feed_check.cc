#include "venues/bybit/bybit_feed_check.h"

#include "venues/bybit/bybit_book.h"
#include "venues/bybit/bybit_parse.h"

namespace hs::bybit {
namespace {

class Checker final : public venues::FeedChecker {
 public:
  explicit Checker(const venues::FeedCheckOptions& o) : symbol_(o.symbol), book_(o.depth > 0 ? o.depth : 0) {}

  venues::BookEvent OnMessage(const char* data, size_t len) override {
    detail_.clear();
    MarketFrame f;
    const ParseStatus st = parser_.ParseMarket(data, len, &f);
    if (st != ParseStatus::kOk) {
      detail_ = std::string("parse: ") + venues::ParseStatusName(st);
      return st == ParseStatus::kUnknown ? venues::BookEvent::kIgnored : venues::BookEvent::kParseError;
    }
    if (f.kind != MarketKind::kBookSnapshot && f.kind != MarketKind::kBookDelta) {
      detail_ = f.kind == MarketKind::kPong ? "pong" : "subscription reply";
      return venues::BookEvent::kIgnored;
    }
    if (f.symbol != symbol_) {
      detail_ = "other symbol";
      return venues::BookEvent::kIgnored;
    }
    const venues::BookEvent e = book_.OnMessage(f);
    detail_ = book_.detail();
    return e;
  }
  const book::OrderBook& book() const override { return book_.book(); }
  uint64_t sequence() const override { return book_.update_id(); }
  const std::string& detail() const override { return detail_; }

 private:
  std::string symbol_;
  Parser parser_;
  DepthBook book_;
  std::string detail_;
};

}  // namespace

std::unique_ptr<venues::FeedChecker> MakeFeedChecker(const venues::FeedCheckOptions& opts) {
  return std::make_unique<Checker>(opts);
}

}  // namespace hs::bybit
