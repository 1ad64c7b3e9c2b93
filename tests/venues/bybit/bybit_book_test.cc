// Bybit v5 book rules: a differential test against a naive std::map model over seeded random
// snapshot/delta streams (truncated to the subscribed depth after every message), and the
// scenarios of README §5.4: gap, crossed book, u == 1 reset, recovery by a new snapshot.
#include "venues/bybit/bybit_book.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <string>

namespace hs::bybit {
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

// Price in cents → size in thousandths; 0 = delete (in a message).
using Side = std::map<int64_t, int64_t>;

std::string Levels(const std::vector<std::pair<int64_t, int64_t>>& ls) {
  std::string s = "[";
  for (const auto& [p, q] : ls) s += std::string(s.size() > 1 ? "," : "") + "[\"" + Px(p) + "\",\"" + Q(q) + "\"]";
  return s + "]";
}

std::string Message(const char* type, uint64_t u, const std::vector<std::pair<int64_t, int64_t>>& b,
                    const std::vector<std::pair<int64_t, int64_t>>& a, int depth = 50) {
  return "{\"topic\":\"orderbook." + std::to_string(depth) + ".BTCUSDT\",\"ts\":1,\"type\":\"" + type +
         "\",\"data\":{\"s\":\"BTCUSDT\",\"b\":" + Levels(b) + ",\"a\":" + Levels(a) + ",\"u\":" + std::to_string(u) +
         ",\"seq\":" + std::to_string(u * 10 + 66'544'703'342ull) + "},\"cts\":1}";
}

struct Model {
  std::map<int64_t, int64_t, std::greater<int64_t>> bids;  // best first
  Side asks;
  void Apply(const std::vector<std::pair<int64_t, int64_t>>& b, const std::vector<std::pair<int64_t, int64_t>>& a,
             size_t depth) {
    for (const auto& [p, q] : b) q == 0 ? (void)bids.erase(p) : (void)(bids[p] = q);
    for (const auto& [p, q] : a) q == 0 ? (void)asks.erase(p) : (void)(asks[p] = q);
    while (bids.size() > depth) bids.erase(std::prev(bids.end()));
    while (asks.size() > depth) asks.erase(std::prev(asks.end()));
  }
};

class BybitBook : public ::testing::Test {
 protected:
  BookEvent Feed(DepthBook& book, const std::string& text) {
    buf_ = text + std::string(64, '\0');
    MarketFrame f;
    const ParseStatus st = parser_.ParseMarket(buf_.data(), text.size(), &f);
    EXPECT_EQ(st, ParseStatus::kOk) << text;
    if (st != ParseStatus::kOk) return BookEvent::kParseError;
    return book.OnMessage(f);
  }
  BookEvent Feed(const std::string& text) { return Feed(book_, text); }

  static void ExpectSame(const DepthBook& book, const Model& m, const std::string& where) {
    const auto& b = book.book();
    ASSERT_EQ(b.bids().size(), static_cast<int>(m.bids.size())) << where;
    ASSERT_EQ(b.asks().size(), static_cast<int>(m.asks.size())) << where;
    int i = 0;
    for (const auto& [p, q] : m.bids) {
      ASSERT_EQ(b.bids().level(i).px.raw(), p * 10'000'000) << where << " bid " << i;
      ASSERT_EQ(b.bids().level(i).qty.raw(), q * 100'000) << where << " bid " << i;
      ++i;
    }
    i = 0;
    for (const auto& [p, q] : m.asks) {
      ASSERT_EQ(b.asks().level(i).px.raw(), p * 10'000'000) << where << " ask " << i;
      ASSERT_EQ(b.asks().level(i).qty.raw(), q * 100'000) << where << " ask " << i;
      ++i;
    }
  }

  Parser parser_{1 << 20};
  DepthBook book_{50};
  std::string buf_;
};

// Differential (seeded, seeds logged): random snapshots and deltas, with levels beyond the
// depth and deletes of absent prices, give after every message the same book as the model.
TEST_F(BybitBook, DifferentialAgainstStdMap) {
  constexpr int kDepth = 50;
  for (uint64_t seed : {1u, 2u, 3u, 20261124u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::printf("bybit differential seed %llu\n", static_cast<unsigned long long>(seed));
    std::mt19937_64 rng(seed);
    DepthBook book(kDepth);
    Model model;
    uint64_t u = 1000;
    auto random_snapshot = [&] {
      model = Model{};
      std::vector<std::pair<int64_t, int64_t>> b, a;
      const int n = 1 + static_cast<int>(rng() % 70);  // sometimes more than the depth
      for (int i = 0; i < n; ++i) {
        b.emplace_back(3'000'000 - 1 - i * (1 + static_cast<int64_t>(rng() % 3)), 1 + static_cast<int64_t>(rng() % 5000));
        a.emplace_back(3'000'000 + 1 + i * (1 + static_cast<int64_t>(rng() % 3)), 1 + static_cast<int64_t>(rng() % 5000));
      }
      std::sort(b.begin(), b.end(), [](auto& x, auto& y) { return x.first > y.first; });
      b.erase(std::unique(b.begin(), b.end(), [](auto& x, auto& y) { return x.first == y.first; }), b.end());
      std::sort(a.begin(), a.end());
      a.erase(std::unique(a.begin(), a.end(), [](auto& x, auto& y) { return x.first == y.first; }), a.end());
      model.Apply(b, a, kDepth);
      return Message("snapshot", u, b, a, kDepth);
    };
    ASSERT_EQ(Feed(book, random_snapshot()), BookEvent::kSnapshot);
    ExpectSame(book, model, "first snapshot");
    for (int m = 0; m < 4000; ++m) {
      const std::string where = "message " + std::to_string(m);
      if (rng() % 400 == 0) {
        u += 1 + rng() % 1000;  // the venue re-sends a snapshot: any u
        ASSERT_EQ(Feed(book, random_snapshot()), BookEvent::kSnapshot) << where;
        ExpectSame(book, model, where);
        continue;
      }
      std::map<int64_t, int64_t> b, a;
      const int n = 1 + static_cast<int>(rng() % 12);
      for (int k = 0; k < n; ++k) {
        const bool bid = rng() & 1;
        const int64_t off = static_cast<int64_t>(rng() % 90);
        const int64_t px = bid ? 3'000'000 - 1 - off : 3'000'000 + 1 + off;
        const int64_t q = (rng() % 3 == 0) ? 0 : 1 + static_cast<int64_t>(rng() % 5000);
        (bid ? b : a)[px] = q;
      }
      // Wire order: bids best first, asks best first.
      std::vector<std::pair<int64_t, int64_t>> bv(b.rbegin(), b.rend()), av(a.begin(), a.end());
      ++u;
      ASSERT_EQ(Feed(book, Message("delta", u, bv, av, kDepth)), BookEvent::kApplied) << where;
      model.Apply(bv, av, kDepth);
      ExpectSame(book, model, where);
      ASSERT_EQ(book.update_id(), u);
      ASSERT_EQ(book.cross_seq(), u * 10 + 66'544'703'342ull) << "64-bit cross sequence kept";
    }
  }
}

TEST_F(BybitBook, GapDropsTheBookUntilANewSnapshot) {
  ASSERT_EQ(Feed(Message("snapshot", 100, {{10000, 1000}, {9999, 2000}}, {{10001, 1000}})), BookEvent::kSnapshot);
  EXPECT_TRUE(book_.usable());
  EXPECT_EQ(Feed(Message("delta", 101, {{10000, 0}}, {})), BookEvent::kApplied);
  EXPECT_EQ(book_.book().bids().level(0).px.raw(), 99'990'000'000);
  // u jumps 101 → 103: a gap.
  EXPECT_EQ(Feed(Message("delta", 103, {{9998, 1}}, {})), BookEvent::kGap);
  EXPECT_FALSE(book_.usable());
  EXPECT_TRUE(book_.book().bids().empty()) << "the book is dropped";
  EXPECT_NE(book_.detail().find("u=103"), std::string::npos) << book_.detail();
  EXPECT_NE(book_.detail().find("u=101"), std::string::npos) << book_.detail();
  // Deltas before the new snapshot are refused, whatever their u.
  EXPECT_EQ(Feed(Message("delta", 104, {{9998, 1}}, {})), BookEvent::kResyncNeeded);
  EXPECT_FALSE(book_.detail().empty());
  // The fresh snapshot (after resubscribing) recovers, and deltas chain from it.
  EXPECT_EQ(Feed(Message("snapshot", 500, {{9990, 5}}, {{10010, 6}})), BookEvent::kSnapshot);
  EXPECT_TRUE(book_.usable());
  EXPECT_EQ(book_.update_id(), 500u);
  EXPECT_EQ(Feed(Message("delta", 501, {{9991, 7}}, {})), BookEvent::kApplied);
  EXPECT_EQ(book_.book().bids().level(0).px.raw(), 99'910'000'000);
}

TEST_F(BybitBook, RepeatedOrOlderUIsAGapToo) {
  ASSERT_EQ(Feed(Message("snapshot", 100, {{10000, 1}}, {{10001, 1}})), BookEvent::kSnapshot);
  EXPECT_EQ(Feed(Message("delta", 101, {}, {})), BookEvent::kApplied);
  EXPECT_EQ(Feed(Message("delta", 101, {}, {})), BookEvent::kGap) << "a repeated u is not the previous u + 1";
  ASSERT_EQ(Feed(Message("snapshot", 200, {{10000, 1}}, {{10001, 1}})), BookEvent::kSnapshot);
  EXPECT_EQ(Feed(Message("delta", 150, {}, {})), BookEvent::kGap);
}

TEST_F(BybitBook, CrossedDeltaOrSnapshotFails) {
  ASSERT_EQ(Feed(Message("snapshot", 10, {{10000, 1}}, {{10002, 1}})), BookEvent::kSnapshot);
  EXPECT_EQ(Feed(Message("delta", 11, {{10002, 3}}, {})), BookEvent::kCrossed) << "bid at the ask";
  EXPECT_FALSE(book_.usable());
  EXPECT_NE(book_.detail().find("crossed"), std::string::npos);
  EXPECT_EQ(Feed(Message("delta", 12, {}, {})), BookEvent::kResyncNeeded);
  EXPECT_EQ(Feed(Message("snapshot", 20, {{10005, 1}}, {{10003, 1}})), BookEvent::kCrossed) << "a crossed snapshot";
  EXPECT_FALSE(book_.usable());
  EXPECT_EQ(Feed(Message("snapshot", 21, {{10000, 1}}, {{10003, 1}})), BookEvent::kSnapshot);
  EXPECT_TRUE(book_.usable());
}

TEST_F(BybitBook, UEqualsOneReplacesTheBook) {
  ASSERT_EQ(Feed(Message("snapshot", 5000, {{10000, 1}, {9999, 1}}, {{10001, 1}})), BookEvent::kSnapshot);
  // The venue restarted: a "delta" with u == 1 is a full book.
  EXPECT_EQ(Feed(Message("delta", 1, {{9000, 4}}, {{9100, 4}})), BookEvent::kSnapshot);
  EXPECT_EQ(book_.update_id(), 1u);
  ASSERT_EQ(book_.book().bids().size(), 1);
  EXPECT_EQ(book_.book().bids().level(0).px.raw(), 90'000'000'000);
  EXPECT_EQ(Feed(Message("delta", 2, {{9001, 1}}, {})), BookEvent::kApplied);
  // Also while waiting for a snapshot.
  book_.Reset();
  EXPECT_EQ(Feed(Message("delta", 1, {{8000, 1}}, {{8100, 1}})), BookEvent::kSnapshot);
  EXPECT_TRUE(book_.usable());
}

TEST_F(BybitBook, LaterSnapshotReplacesEverything) {
  ASSERT_EQ(Feed(Message("snapshot", 10, {{10000, 1}, {9990, 1}}, {{10010, 1}, {10020, 1}})), BookEvent::kSnapshot);
  EXPECT_EQ(Feed(Message("snapshot", 7, {{9500, 2}}, {{9600, 2}})), BookEvent::kSnapshot);
  ASSERT_EQ(book_.book().bids().size(), 1);
  ASSERT_EQ(book_.book().asks().size(), 1);
  EXPECT_EQ(book_.update_id(), 7u);
  EXPECT_EQ(Feed(Message("delta", 8, {}, {{9600, 0}})), BookEvent::kApplied);
  EXPECT_TRUE(book_.book().asks().empty());
}

TEST_F(BybitBook, TruncatesToTheSubscribedDepth) {
  DepthBook book(50);
  std::vector<std::pair<int64_t, int64_t>> b, a;
  for (int i = 0; i < 60; ++i) {
    b.emplace_back(10000 - i, 1);
    a.emplace_back(10001 + i, 1);
  }
  ASSERT_EQ(Feed(book, Message("snapshot", 1000, b, a)), BookEvent::kSnapshot);
  EXPECT_EQ(book.book().bids().size(), 50);
  EXPECT_EQ(book.book().asks().size(), 50);
  EXPECT_EQ(book.book().bids().level(49).px.raw(), 99'510'000'000);
  // Deleting the best bid lets a new level in at the window's end (the venue sends it).
  ASSERT_EQ(Feed(book, Message("delta", 1001, {{10000, 0}, {9950, 7}}, {})), BookEvent::kApplied);
  EXPECT_EQ(book.book().bids().size(), 50);
  EXPECT_EQ(book.book().bids().level(49).px.raw(), 99'500'000'000);
  // Inserts ahead of the deletes in one message keep the window exact.
  ASSERT_EQ(Feed(book, Message("delta", 1002, {{10000, 2}, {9950, 0}}, {})), BookEvent::kApplied);
  EXPECT_EQ(book.book().bids().size(), 50);
  EXPECT_EQ(book.book().bids().level(0).px.raw(), 100'000'000'000);
  EXPECT_EQ(book.book().bids().level(49).px.raw(), 99'510'000'000);
}

TEST_F(BybitBook, AutoDepthTakesTheTopicDepth) {
  DepthBook book(0);  // feed-check without --depth
  std::vector<std::pair<int64_t, int64_t>> b, a;
  for (int i = 0; i < 300; ++i) {
    b.emplace_back(100000 - i, 1);
    a.emplace_back(100001 + i, 1);
  }
  ASSERT_EQ(Feed(book, Message("snapshot", 1, b, a, 200)), BookEvent::kSnapshot);
  EXPECT_EQ(book.book().bids().size(), 200);
  ASSERT_EQ(Feed(book, Message("snapshot", 1, b, a, 1)), BookEvent::kSnapshot);
  EXPECT_EQ(book.book().bids().size(), 1);
}

}  // namespace
}  // namespace hs::bybit
