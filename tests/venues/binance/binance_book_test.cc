#include "venues/binance/binance_book.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "core/base/decimal.h"

namespace hs::binance {
namespace {

using venues::BookEvent;

std::string Px(int64_t cents) {
  char b[32];
  std::snprintf(b, sizeof b, "%lld.%02lld", static_cast<long long>(cents / 100), static_cast<long long>(cents % 100));
  return b;
}
std::string Q(int64_t milli) {
  char b[32];
  std::snprintf(b, sizeof b, "%lld.%03lld", static_cast<long long>(milli / 1000), static_cast<long long>(milli % 1000));
  return b;
}

struct Ref {
  std::map<int64_t, int64_t> bids, asks;  // cents → milli
};

std::string Levels(const std::map<int64_t, int64_t>& changes) {
  std::string s = "[";
  for (const auto& [p, q] : changes) s += std::string(s.size() > 1 ? "," : "") + "[\"" + Px(p) + "\",\"" + Q(q) + "\"]";
  return s + "]";
}

std::string Diff(uint64_t U, uint64_t u, const std::map<int64_t, int64_t>& b, const std::map<int64_t, int64_t>& a) {
  return "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":" + std::to_string(U) + ",\"u\":" + std::to_string(u) +
         ",\"b\":" + Levels(b) + ",\"a\":" + Levels(a) + "}";
}

std::string Snapshot(uint64_t last, const Ref& r) {
  return "{\"lastUpdateId\":" + std::to_string(last) + ",\"bids\":" + Levels(r.bids) + ",\"asks\":" + Levels(r.asks) + "}";
}

class BinanceBook : public ::testing::Test {
 protected:
  BookEvent Feed(const std::string& text) {
    buf_ = text + std::string(64, '\0');
    MarketFrame f;
    if (parser_.ParseMarket(buf_.data(), text.size(), &f) != ParseStatus::kOk) return BookEvent::kParseError;
    if (f.kind == FrameKind::kDepthSnapshot) return book_.OnSnapshot(f, &parser_);
    if (f.kind == FrameKind::kBookTicker) return book_.OnTicker(f);
    return book_.OnDiff(f, buf_.data(), text.size());
  }
  void ExpectSame(const Ref& r, const std::string& where) {
    const auto& b = book_.book();
    ASSERT_EQ(b.bids().size(), static_cast<int>(r.bids.size())) << where;
    ASSERT_EQ(b.asks().size(), static_cast<int>(r.asks.size())) << where;
    int i = 0;
    for (auto it = r.bids.rbegin(); it != r.bids.rend(); ++it, ++i) {
      ASSERT_EQ(b.bids().level(i).px.raw(), it->first * 10'000'000) << where;
      ASSERT_EQ(b.bids().level(i).qty.raw(), it->second * 100'000) << where;
    }
    i = 0;
    for (auto it = r.asks.begin(); it != r.asks.end(); ++it, ++i) {
      ASSERT_EQ(b.asks().level(i).px.raw(), it->first * 10'000'000) << where;
      ASSERT_EQ(b.asks().level(i).qty.raw(), it->second * 100'000) << where;
    }
  }
  Parser parser_{1 << 20};
  DepthBook book_{5000};
  std::string buf_;
};

// Differential (seeded): a random snapshot followed by random diffs gives, after every message,
// the same book as a naive std::map model.
TEST_F(BinanceBook, DifferentialAgainstStdMap) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed);
    book_.Reset();
    Ref ref;
    for (int i = 0; i < 40; ++i) {
      ref.bids[3'000'000 - 1 - i] = 1 + static_cast<int64_t>(rng() % 5000);
      ref.asks[3'000'000 + 1 + i] = 1 + static_cast<int64_t>(rng() % 5000);
    }
    uint64_t id = 1000;
    ASSERT_EQ(Feed(Snapshot(id, ref)), BookEvent::kSnapshot);
    ExpectSame(ref, "snapshot");
    for (int m = 0; m < 3000; ++m) {
      std::map<int64_t, int64_t> b, a;
      const int n = 1 + static_cast<int>(rng() % 6);
      for (int k = 0; k < n; ++k) {
        const bool bid = rng() & 1;
        const int64_t off = static_cast<int64_t>(rng() % 60);
        const int64_t px = bid ? 3'000'000 - 1 - off : 3'000'000 + 1 + off;
        const int64_t q = (rng() % 3 == 0) ? 0 : 1 + static_cast<int64_t>(rng() % 5000);
        (bid ? b : a)[px] = q;
      }
      const uint64_t U = id + 1, u = id + static_cast<uint64_t>(n);
      id = u;
      ASSERT_EQ(Feed(Diff(U, u, b, a)), BookEvent::kApplied) << "seed " << seed << " message " << m;
      for (auto& [p, q] : b) q == 0 ? (void)ref.bids.erase(p) : (void)(ref.bids[p] = q);
      for (auto& [p, q] : a) q == 0 ? (void)ref.asks.erase(p) : (void)(ref.asks[p] = q);
      ExpectSame(ref, "seed " + std::to_string(seed) + " message " + std::to_string(m));
      EXPECT_EQ(book_.book_id(), u);
    }
  }
}

TEST_F(BinanceBook, BuffersDiffsUntilTheSnapshotThenAppliesByTheRules) {
  Ref r;
  r.bids[100] = 1000;
  r.asks[110] = 1000;
  // Diffs arrive first: 157-160 (stale vs the snapshot at 160), 161-163 (straddles), 164-165.
  EXPECT_EQ(Feed(Diff(157, 160, {{100, 5000}}, {})), BookEvent::kResyncNeeded);
  EXPECT_EQ(Feed(Diff(161, 163, {{101, 2000}}, {})), BookEvent::kResyncNeeded);
  EXPECT_EQ(Feed(Diff(164, 165, {}, {{110, 0}, {111, 3000}})), BookEvent::kResyncNeeded);
  EXPECT_EQ(book_.buffered(), 3u);
  EXPECT_EQ(Feed(Snapshot(160, r)), BookEvent::kSnapshot);
  EXPECT_EQ(book_.book_id(), 165u);
  Ref want;
  want.bids[100] = 1000;  // the 157-160 diff was dropped: the snapshot already includes it
  want.bids[101] = 2000;
  want.asks[111] = 3000;
  ExpectSame(want, "after replay");
  // Live: a stale diff is ignored, the next in sequence applies, a jump is a gap.
  EXPECT_EQ(Feed(Diff(160, 165, {{99, 1}}, {})), BookEvent::kIgnored);
  EXPECT_EQ(Feed(Diff(166, 166, {{99, 1}}, {})), BookEvent::kApplied);
  EXPECT_EQ(Feed(Diff(168, 170, {{98, 1}}, {})), BookEvent::kGap);
  EXPECT_FALSE(book_.usable());
  EXPECT_NE(book_.detail().find("U=168"), std::string::npos) << book_.detail();
  EXPECT_EQ(Feed(Diff(171, 172, {}, {})), BookEvent::kResyncNeeded) << "after a gap: wait for a new snapshot";
}

TEST_F(BinanceBook, SnapshotTooOldOrNotStraddlingAsksForAnother) {
  Ref r;
  r.bids[100] = 1;
  r.asks[110] = 1;
  Feed(Diff(200, 205, {}, {}));
  EXPECT_EQ(Feed(Snapshot(150, r)), BookEvent::kResyncNeeded) << "snapshot older than the first buffered diff";
  EXPECT_NE(book_.detail().find("older"), std::string::npos);
  EXPECT_EQ(Feed(Snapshot(204, r)), BookEvent::kSnapshot);
  book_.Reset();
  Feed(Diff(300, 305, {}, {}));
  Feed(Diff(310, 312, {}, {}));  // a hole between 305 and 310
  EXPECT_EQ(Feed(Snapshot(306, r)), BookEvent::kGap);
}

TEST_F(BinanceBook, CrossedBookFailsAndTickerOverlaysTheTop) {
  Ref r;
  r.bids[100] = 1000;
  r.bids[99] = 1000;
  r.asks[102] = 1000;
  ASSERT_EQ(Feed(Snapshot(10, r)), BookEvent::kSnapshot);
  // A bookTicker newer than the book: bid 101.00 (the 100 level is kept below it).
  EXPECT_EQ(Feed(R"({"u":11,"s":"BTCUSDT","b":"1.01","B":"2.000","a":"1.02","A":"1.000"})"), BookEvent::kApplied);
  EXPECT_EQ(book_.book().bids().level(0).px.raw(), 1'010'000'000);
  EXPECT_EQ(Feed(R"({"u":11,"s":"BTCUSDT","b":"1.01","B":"2.000","a":"1.02","A":"1.000"})"), BookEvent::kIgnored);
  // A diff that crosses the book: bid at 103 over the 102 ask.
  EXPECT_EQ(Feed(Diff(11, 12, {{103, 1}}, {})), BookEvent::kCrossed);
  EXPECT_FALSE(book_.usable());
}

TEST_F(BinanceBook, BufferOverflowRequiresAFreshSnapshot) {
  DepthBook small(100, 4096, 3);
  Parser p(1 << 16);
  std::string text;
  MarketFrame f;
  for (int i = 0; i < 5; ++i) {
    text = Diff(100 + static_cast<uint64_t>(i), 100 + static_cast<uint64_t>(i), {}, {}) + std::string(64, '\0');
    ASSERT_EQ(p.ParseMarket(text.data(), text.size() - 64, &f), ParseStatus::kOk);
    EXPECT_EQ(small.OnDiff(f, text.data(), text.size() - 64), BookEvent::kResyncNeeded);
  }
  Ref r;
  r.bids[1] = 1;
  r.asks[2] = 1;
  text = Snapshot(101, r) + std::string(64, '\0');
  ASSERT_EQ(p.ParseMarket(text.data(), text.size() - 64, &f), ParseStatus::kOk);
  EXPECT_EQ(small.OnSnapshot(f, &p), BookEvent::kResyncNeeded);
  EXPECT_NE(small.detail().find("overflowed"), std::string::npos);
}

}  // namespace
}  // namespace hs::binance
