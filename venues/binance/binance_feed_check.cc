#include "venues/binance/binance_feed_check.h"

#include "venues/binance/binance_book.h"
#include "venues/binance/binance_parse.h"

namespace hs::binance {
namespace {

class Checker final : public venues::FeedChecker {
 public:
  explicit Checker(const venues::FeedCheckOptions& o) : symbol_(o.symbol), book_(o.depth > 0 ? o.depth : 5000) {}

  venues::BookEvent OnMessage(const char* data, size_t len) override {
    detail_.clear();
    MarketFrame f;
    const ParseStatus st = parser_.ParseMarket(data, len, &f);
    if (st != ParseStatus::kOk) {
      detail_ = std::string("parse: ") + venues::ParseStatusName(st);
      return st == ParseStatus::kUnknown ? venues::BookEvent::kIgnored : venues::BookEvent::kParseError;
    }
    venues::BookEvent e = venues::BookEvent::kIgnored;
    switch (f.kind) {
      case FrameKind::kDepthSnapshot:
        e = book_.OnSnapshot(f, &parser_);
        break;
      case FrameKind::kDepthUpdate:
        if (f.symbol != symbol_) {
          detail_ = "other symbol";
          return venues::BookEvent::kIgnored;
        }
        e = book_.OnDiff(f, data, len);
        break;
      case FrameKind::kBookTicker:
        if (f.symbol != symbol_) {
          detail_ = "other symbol";
          return venues::BookEvent::kIgnored;
        }
        e = book_.OnTicker(f);
        break;
      default:
        return venues::BookEvent::kIgnored;
    }
    if (detail_.empty()) detail_ = book_.detail();
    return e;
  }
  const book::OrderBook& book() const override { return book_.book(); }
  uint64_t sequence() const override { return book_.book_id(); }
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

}  // namespace hs::binance
