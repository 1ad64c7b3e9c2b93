#include "venues/coinbase/coinbase_feed_check.h"

#include <string>
#include <vector>

#include "venues/coinbase/coinbase_book.h"
#include "venues/coinbase/coinbase_parse.h"
#include "venues/coinbase/coinbase_wire.h"

namespace hs::coinbase {
namespace {

class Checker final : public venues::FeedChecker {
 public:
  explicit Checker(const venues::FeedCheckOptions& o)
      : parser_(kMaxFrameBytes), books_(std::vector<std::string>{o.symbol}, o.depth > 0 ? o.depth : kDefaultDepth) {}

  venues::BookEvent OnMessage(const char* data, size_t len) override {
    detail_.clear();
    Frame f;
    const ParseStatus st = parser_.Parse(data, len, &f);
    if (st != ParseStatus::kOk) {
      detail_ = std::string("parse: ") + venues::ParseStatusName(st);
      return st == ParseStatus::kUnknown ? venues::BookEvent::kIgnored : venues::BookEvent::kParseError;
    }
    if (f.kind == FrameKind::kError) {
      detail_ = "venue error: " + std::string(f.error_message);
      return venues::BookEvent::kIgnored;
    }
    const venues::BookEvent e = books_.OnFrame(f, 0);
    detail_ = books_.detail(0);
    if (detail_.empty() && e == venues::BookEvent::kIgnored) {
      switch (f.kind) {
        case FrameKind::kL2Data:
          detail_ = "other product";
          break;
        case FrameKind::kHeartbeats:
          detail_ = "heartbeat";
          break;
        case FrameKind::kSubscriptions:
          detail_ = "subscriptions";
          break;
        default:
          detail_ = "channel " + std::string(f.channel);
          break;
      }
    }
    return e;
  }
  const book::OrderBook& book() const override { return books_.book(0); }
  uint64_t sequence() const override { return books_.last_sequence(); }
  const std::string& detail() const override { return detail_; }

 private:
  Parser parser_;
  ConnectionBooks books_;
  std::string detail_;
};

}  // namespace

std::unique_ptr<venues::FeedChecker> MakeFeedChecker(const venues::FeedCheckOptions& opts) {
  return std::make_unique<Checker>(opts);
}

}  // namespace hs::coinbase
