// Kraken book rules: differential against a naive std::map model (seeded, seed logged) with the
// same truncation rule and an independent checksum, and the failure scenarios (checksum
// mismatch, crossed book, truncation beyond depth, recovery by a new snapshot).
#include "venues/kraken/kraken_book.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tests/support/test_support.h"
#include "tests/venues/kraken/kraken_test_util.h"

namespace hs::kraken {
namespace {

using test::BookJson;
using test::EntryJson;
using test::Levels;
using test::RefBook;
using test::RefChecksum;
using venues::BookEvent;

constexpr int kPp = 2;                    // price precision (tick 0.01)
constexpr int kQp = 4;                    // qty precision (lot 0.0001)
constexpr int64_t kPxScale = 10'000'000;  // Price raw per price unit (10^(9-2))
constexpr int64_t kQtyScale = 10'000;     // Qty raw per qty unit (10^(8-4))

class KrakenBook : public ::testing::Test {
 protected:
  BookEvent Feed(Book& book, const std::string& text, const std::string& symbol = "BTC/USD") {
    buf_ = testing::Padded(text);
    Message m;
    const ParseStatus st = parser_.Parse(buf_.data(), text.size(), &m);
    EXPECT_EQ(st, ParseStatus::kOk) << text;
    if (st != ParseStatus::kOk) return BookEvent::kParseError;
    const BookEntry* e = FindEntry(m, symbol);
    if (e == nullptr) return BookEvent::kIgnored;
    return book.Apply(m.kind, *e);
  }
  static void ExpectSame(const Book& book, const RefBook& r, const std::string& where) {
    const auto& b = book.book();
    ASSERT_EQ(b.bids().size(), static_cast<int>(r.bids.size())) << where;
    ASSERT_EQ(b.asks().size(), static_cast<int>(r.asks.size())) << where;
    int i = 0;
    for (const auto& [p, q] : r.bids) {
      ASSERT_EQ(b.bids().level(i).px.raw(), p * kPxScale) << where << " bid " << i;
      ASSERT_EQ(b.bids().level(i).qty.raw(), q * kQtyScale) << where << " bid " << i;
      ++i;
    }
    i = 0;
    for (const auto& [p, q] : r.asks) {
      ASSERT_EQ(b.asks().level(i).px.raw(), p * kPxScale) << where << " ask " << i;
      ASSERT_EQ(b.asks().level(i).qty.raw(), q * kQtyScale) << where << " ask " << i;
      ++i;
    }
  }
  std::string Snapshot(RefBook& r, const Levels& b, const Levels& a) {
    r.Snapshot(b, a);
    return BookJson("snapshot", EntryJson("BTC/USD", b, a, RefChecksum(r, kPp, kQp), kPp, kQp));
  }
  std::string Update(RefBook& r, const Levels& b, const Levels& a) {
    r.Update(b, a);
    return BookJson("update", EntryJson("BTC/USD", b, a, RefChecksum(r, kPp, kQp), kPp, kQp));
  }

  Parser parser_;
  std::string buf_;
};

// Differential (seeded): random snapshots and updates — inserts inside and beyond the window,
// deletes of held and absent levels, updates of sizes, other symbols in the same message —
// applied to Book and to the std::map model give the same book after every message, and the
// model's checksum (independent text + zlib) verifies against Book every time.
TEST_F(KrakenBook, DifferentialAgainstStdMap) {
  for (uint64_t seed : {1u, 2u, 3u, 4u, 5u, 20261124u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::printf("kraken differential seed %llu\n", static_cast<unsigned long long>(seed));
    std::mt19937_64 rng(seed);
    const int depth = (seed % 2) ? 10 : 25;
    Book book(depth, kPp, kQp);
    RefBook ref(depth);
    const int64_t mid = 3'000'000;  // 30000.00
    auto qty = [&] { return static_cast<int64_t>(1 + rng() % 500'000); };
    auto bid_px = [&] { return mid - 1 - static_cast<int64_t>(rng() % 80); };
    auto ask_px = [&] { return mid + 1 + static_cast<int64_t>(rng() % 80); };
    for (int msg = 0; msg < 3000; ++msg) {
      const std::string where = "message " + std::to_string(msg);
      if (msg % 700 == 0) {
        Levels b, a;
        const int n = static_cast<int>(rng() % 60);
        for (int k = 0; k < n; ++k) b.push_back({bid_px(), qty()});
        for (int k = 0; k < n; ++k) a.push_back({ask_px(), qty()});
        ASSERT_EQ(Feed(book, Snapshot(ref, b, a)), BookEvent::kSnapshot) << where << ": " << book.detail();
      } else {
        Levels b, a;
        const int n = static_cast<int>(rng() % 12);
        for (int k = 0; k < n; ++k) {
          const bool bid = rng() % 2;
          const int64_t px = bid ? bid_px() : ask_px();
          const int64_t q = rng() % 3 == 0 ? 0 : qty();
          (bid ? b : a).push_back({px, q});
        }
        ref.Update(b, a);
        std::string entries = EntryJson("BTC/USD", b, a, RefChecksum(ref, kPp, kQp), kPp, kQp);
        if (rng() % 5 == 0) entries = EntryJson("ETH/USD", {{1, 1}}, {}, 12345, kPp, kQp) + "," + entries;
        ASSERT_EQ(Feed(book, BookJson("update", entries)), BookEvent::kApplied) << where << ": " << book.detail();
      }
      ExpectSame(book, ref, where);
      ASSERT_EQ(book.checksum(), RefChecksum(ref, kPp, kQp)) << where;
      ASSERT_FALSE(book.book().crossed()) << where;
    }
  }
}

TEST_F(KrakenBook, ChecksumMismatchFailsThenANewSnapshotRecovers) {
  Book book(10, kPp, kQp);
  RefBook ref(10);
  ASSERT_EQ(Feed(book, Snapshot(ref, {{2999999, 10000}, {2999990, 20000}}, {{3000001, 10000}, {3000010, 5000}})),
            BookEvent::kSnapshot);
  ref.Update({{2999995, 30000}}, {});
  const uint32_t right = RefChecksum(ref, kPp, kQp);
  const std::string bad = BookJson("update", EntryJson("BTC/USD", {{2999995, 30000}}, {}, right ^ 1u, kPp, kQp));
  EXPECT_EQ(Feed(book, bad), BookEvent::kChecksumMismatch);
  EXPECT_NE(book.detail().find("message " + std::to_string(right ^ 1u)), std::string::npos) << book.detail();
  EXPECT_NE(book.detail().find("computed " + std::to_string(right)), std::string::npos) << book.detail();
  EXPECT_FALSE(book.usable());
  EXPECT_TRUE(book.book().bids().empty()) << "a failed book is dropped";
  // Updates before the new snapshot are not applied.
  EXPECT_EQ(Feed(book, Update(ref, {{2999998, 1}}, {})), BookEvent::kResyncNeeded);
  EXPECT_TRUE(book.book().bids().empty());
  // The resubscription's snapshot validates and updates apply again.
  ASSERT_EQ(Feed(book, Snapshot(ref, {{2999999, 10000}}, {{3000001, 10000}})), BookEvent::kSnapshot) << book.detail();
  EXPECT_TRUE(book.usable());
  ASSERT_EQ(Feed(book, Update(ref, {{2999998, 70000}}, {{3000001, 0}, {3000002, 1}})), BookEvent::kApplied)
      << book.detail();
  ExpectSame(book, ref, "after recovery");
}

TEST_F(KrakenBook, SnapshotWithAWrongChecksumFails) {
  Book book(10, kPp, kQp);
  EXPECT_EQ(Feed(book, BookJson("snapshot", EntryJson("BTC/USD", {{2999999, 1}}, {{3000001, 1}}, 42, kPp, kQp))),
            BookEvent::kChecksumMismatch);
  EXPECT_NE(book.detail().find("snapshot"), std::string::npos) << book.detail();
  EXPECT_FALSE(book.usable());
}

TEST_F(KrakenBook, CrossedBookFailsEvenWithAValidChecksum) {
  Book book(10, kPp, kQp);
  RefBook ref(10);
  ASSERT_EQ(Feed(book, Snapshot(ref, {{2999999, 10000}}, {{3000001, 10000}, {3000002, 10000}})), BookEvent::kSnapshot);
  // A bid at the best ask, with the checksum of the crossed book the venue would then hold.
  EXPECT_EQ(Feed(book, Update(ref, {{3000001, 5000}}, {})), BookEvent::kCrossed);
  EXPECT_NE(book.detail().find("best bid 30000.01 >= best ask 30000.01"), std::string::npos) << book.detail();
  EXPECT_FALSE(book.usable());
  EXPECT_EQ(Feed(book, Update(ref, {}, {{3000005, 1}})), BookEvent::kResyncNeeded);
  // A crossed snapshot is refused too.
  Book other(10, kPp, kQp);
  RefBook r2(10);
  EXPECT_EQ(Feed(other, Snapshot(r2, {{3000005, 1}}, {{3000001, 1}})), BookEvent::kCrossed);
  // Recovery.
  ASSERT_EQ(Feed(book, Snapshot(ref, {{2999999, 10000}}, {{3000001, 10000}})), BookEvent::kSnapshot);
  EXPECT_TRUE(book.usable());
}

// Kraken sends no deletes for levels pushed out of the window: the book truncates after applying
// the whole message, and the checksum (top 10) is computed on the truncated book.
TEST_F(KrakenBook, TruncatesToDepthAfterApplyingTheWholeMessage) {
  Book book(10, kPp, kQp);
  RefBook ref(10);
  Levels bids, asks;
  for (int i = 0; i < 10; ++i) {
    bids.push_back({2999990 - i, 10000 + i});
    asks.push_back({3000010 + i, 10000 + i});
  }
  ASSERT_EQ(Feed(book, Snapshot(ref, bids, asks)), BookEvent::kSnapshot) << book.detail();
  // Three better bids: the three worst fall out with no delete sent.
  ASSERT_EQ(Feed(book, Update(ref, {{2999995, 1}, {2999996, 1}, {2999997, 1}}, {})), BookEvent::kApplied)
      << book.detail();
  EXPECT_EQ(book.book().bids().size(), 10);
  EXPECT_EQ(book.book().bids().level(0).px.raw(), 2999997 * kPxScale);
  EXPECT_EQ(book.book().bids().level(9).px.raw(), 2999984 * kPxScale);
  ExpectSame(book, ref, "pushed out");
  // The replacement level from below the window listed *before* the delete that makes room for
  // it: applying level by level into a full 10-level array would drop it.
  ASSERT_EQ(Feed(book, Update(ref, {}, {{3000020, 5}, {3000012, 0}})), BookEvent::kApplied) << book.detail();
  EXPECT_EQ(book.book().asks().size(), 10);
  EXPECT_EQ(book.book().asks().level(9).px.raw(), 3000020 * kPxScale);
  ExpectSame(book, ref, "replacement first");
  // Why truncation matters: the three bids pushed out above (2999983..81) may since have left
  // the venue's book without a word — they were outside the window. When the top three go,
  // Kraken sends the levels that now enter the window; a book that had kept the stale ones would
  // show them in its top 10 and fail the checksum.
  RefBook deep(30);
  deep.bids = ref.bids;
  deep.asks = ref.asks;
  for (int64_t px : {2999983, 2999982, 2999981}) deep.bids[px] = 10000 + (2999990 - px);
  const Levels next = {{2999997, 0}, {2999996, 0}, {2999995, 0}, {2999975, 3}, {2999974, 3}, {2999973, 3}};
  deep.Update(next, {});
  ASSERT_EQ(Feed(book, Update(ref, next, {})), BookEvent::kApplied) << book.detail();
  ExpectSame(book, ref, "window refilled");
  EXPECT_EQ(book.book().bids().level(9).px.raw(), 2999973 * kPxScale);
  EXPECT_NE(RefChecksum(deep, kPp, kQp), RefChecksum(ref, kPp, kQp)) << "an untruncated book would fail here";
}

TEST_F(KrakenBook, ChecksumCoversTopTenWhateverTheDepth) {
  Book book(25, kPp, kQp);
  RefBook ref(25);
  Levels bids, asks;
  for (int i = 0; i < 25; ++i) {
    bids.push_back({2999990 - i, 100 + i});
    asks.push_back({3000010 + i, 100 + i});
  }
  ASSERT_EQ(Feed(book, Snapshot(ref, bids, asks)), BookEvent::kSnapshot) << book.detail();
  EXPECT_EQ(book.book().bids().size(), 25);
  // A change at level 20 leaves the top-10 checksum as it was, and still applies.
  const uint32_t before = book.checksum();
  ASSERT_EQ(Feed(book, Update(ref, {{2999970, 7}}, {})), BookEvent::kApplied) << book.detail();
  EXPECT_EQ(book.checksum(), before);
  ExpectSame(book, ref, "deep change");
}

TEST_F(KrakenBook, LevelFinerThanThePrecisionIsAChecksumFailureNotARounding) {
  Book book(10, 1, 8);  // price precision 1: 30000.01 cannot be written
  const std::string snap =
      R"({"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[{"price":30000.01,"qty":1.0}],"asks":[],"checksum":0}]})";
  EXPECT_EQ(Feed(book, snap), BookEvent::kChecksumMismatch);
  EXPECT_NE(book.detail().find("more decimals than the checksum precision"), std::string::npos) << book.detail();
}

// Texts with no '.', a zero price, and a level written with fewer decimals than the precision
// (its digits then come from the value, not the text): all as the checksum rule says.
TEST_F(KrakenBook, IntegerTextsAndShortTextsGiveTheRuleDigits) {
  {
    Book book(10, 0, 8);  // an integer-priced pair
    RefBook ref(10);
    ref.Snapshot({{8477, 10000000}, {0, 5}}, {{8478, 1}});
    const std::string msg = BookJson(
        "snapshot", "{\"symbol\":\"BTC/USD\",\"bids\":[{\"price\":8477,\"qty\":0.10000000},{\"price\":0,\"qty\":0.00000005}],"
                    "\"asks\":[{\"price\":8478,\"qty\":0.00000001}],\"checksum\":" +
                        std::to_string(RefChecksum(ref, 0, 8)) + "}");
    EXPECT_EQ(Feed(book, msg), BookEvent::kSnapshot) << book.detail();
  }
  {
    Book book(10, 1, 8);
    RefBook ref(10);
    ref.Snapshot({}, {{450, 18772827}, {455, 100000000}});  // 45.0 sent as "45", 1.0 as "1"
    const std::string msg = BookJson(
        "snapshot", "{\"symbol\":\"BTC/USD\",\"bids\":[],\"asks\":[{\"price\":45,\"qty\":0.18772827},"
                    "{\"price\":45.5,\"qty\":1}],\"checksum\":" +
                        std::to_string(RefChecksum(ref, 1, 8)) + "}");
    EXPECT_EQ(Feed(book, msg), BookEvent::kSnapshot) << book.detail();
    uint32_t crc = 0;
    ASSERT_TRUE(ComputeChecksum(book.book(), 1, 8, &crc));
    EXPECT_EQ(crc, book.checksum()) << "kept digits agree with the values";
  }
}

TEST_F(KrakenBook, UpdateBeforeAnySnapshotAsksForOne) {
  Book book(10, kPp, kQp);
  RefBook ref(10);
  EXPECT_EQ(Feed(book, Update(ref, {{2999999, 1}}, {})), BookEvent::kResyncNeeded);
  EXPECT_EQ(book.detail(), "update while waiting for a snapshot");
  EXPECT_FALSE(book.usable());
}

}  // namespace
}  // namespace hs::kraken
