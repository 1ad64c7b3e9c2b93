#include "venues/okx/okx_feed_check.h"

#include "venues/okx/okx_book.h"
#include "venues/okx/okx_parse.h"

namespace hs::okx {
namespace {

class Checker final : public venues::FeedChecker {
 public:
  explicit Checker(const venues::FeedCheckOptions& o) : symbol_(o.symbol), book_(o.depth) {}

  venues::BookEvent OnMessage(const char* data, size_t len) override {
    detail_.clear();
    MarketFrame f;
    const ParseStatus st = parser_.ParseMarket(data, len, &f);
    if (st != ParseStatus::kOk) {
      detail_ = std::string("parse: ") + venues::ParseStatusName(st);
      return st == ParseStatus::kUnknown ? venues::BookEvent::kIgnored : venues::BookEvent::kParseError;
    }
    if (f.kind == FrameKind::kPong) {
      detail_ = "pong";
      return venues::BookEvent::kIgnored;
    }
    if (f.kind == FrameKind::kEvent) {
      detail_ = "event";
      if (!f.code.empty()) detail_ += " code " + std::string(f.code);
      if (!f.msg.empty()) detail_ += ": " + std::string(f.msg);
      return venues::BookEvent::kIgnored;
    }
    if (f.inst_id != symbol_) {
      detail_ = "other symbol";
      return venues::BookEvent::kIgnored;
    }
    const venues::BookEvent e = book_.OnFrame(f);
    detail_ = book_.detail();
    return e;
  }
  const book::OrderBook& book() const override { return book_.book(); }
  uint64_t sequence() const override { return book_.seq_id() > 0 ? static_cast<uint64_t>(book_.seq_id()) : 0; }
  const std::string& detail() const override { return detail_; }

 private:
  std::string symbol_;
  Parser parser_;
  L2Book book_;
  std::string detail_;
};

}  // namespace

std::unique_ptr<venues::FeedChecker> MakeFeedChecker(const venues::FeedCheckOptions& opts) {
  return std::make_unique<Checker>(opts);
}

}  // namespace hs::okx
