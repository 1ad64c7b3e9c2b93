#include "core/book/order_book.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>
#include <map>
#include <random>

namespace hs::book {
namespace {

Price P(int64_t units) { return Price::FromUnits(units); }
Qty Q(int64_t units) { return Qty::FromUnits(units); }

TEST(BookSide, KeepsBestFirstForBothSides) {
  OrderBook b(8);
  b.bids().Set(P(100), Q(1));
  b.bids().Set(P(102), Q(2));
  b.bids().Set(P(101), Q(3));
  b.asks().Set(P(105), Q(1));
  b.asks().Set(P(103), Q(2));
  ASSERT_EQ(b.bids().size(), 3);
  EXPECT_EQ(b.bids().level(0).px, P(102));
  EXPECT_EQ(b.bids().level(2).px, P(100));
  EXPECT_EQ(b.asks().level(0).px, P(103));
  EXPECT_FALSE(b.crossed());
  EXPECT_EQ(b.bids().Set(P(101), Q(9)), SetResult::kUpdated);
  EXPECT_EQ(b.bids().level(1).qty, Q(9));
  EXPECT_EQ(b.bids().Set(P(102), Q(0)), SetResult::kRemoved);
  EXPECT_EQ(b.bids().level(0).px, P(101));
  EXPECT_EQ(b.bids().Set(P(99), Q(0)), SetResult::kAbsentRemove);
  b.bids().Set(P(104), Q(1));
  EXPECT_TRUE(b.crossed());
}

TEST(BookSide, FullSideDropsTheWorstOrRefusesBeyondDepth) {
  BookSide asks(false, 3, false);
  asks.Set(P(10), Q(1));
  asks.Set(P(11), Q(1));
  asks.Set(P(12), Q(1));
  EXPECT_EQ(asks.Set(P(13), Q(1)), SetResult::kBeyondDepth);
  EXPECT_EQ(asks.Set(P(9), Q(1)), SetResult::kInserted);  // better: the worst (12) goes
  ASSERT_EQ(asks.size(), 3);
  EXPECT_EQ(asks.level(0).px, P(9));
  EXPECT_EQ(asks.level(2).px, P(11));
  asks.Truncate(1);
  ASSERT_EQ(asks.size(), 1);
  EXPECT_EQ(asks.level(0).px, P(9));
}

TEST(BookSide, KeepsWireTextAndRefusesOverlongText) {
  BookSide bids(true, 4, true);
  bids.Set(P(8476), Q(256), "8476.97", "256");
  bids.Set(P(8477), Q(7), "8477", "7");
  EXPECT_EQ(bids.px_text(0), "8477");
  EXPECT_EQ(bids.qty_text(1), "256");
  bids.Set(P(8477), Q(0), "8477", "0");
  EXPECT_EQ(bids.px_text(0), "8476.97");
  EXPECT_EQ(bids.joined_text(0), "8476.97:256:");  // the piece OKX's checksum concatenates
  EXPECT_EQ(bids.Set(P(1), Q(1), std::string(30, '1'), "1"), SetResult::kTextTooLong);
  EXPECT_EQ(bids.Set(P(1), Q(1), "1", std::string(BookSide::kMaxText + 1, '1')), SetResult::kTextTooLong);
  EXPECT_EQ(bids.size(), 1);
  // The longest texts kept, on both fields at once, come back whole.
  const std::string px(BookSide::kMaxText, '9'), qty(BookSide::kMaxText, '8');
  EXPECT_EQ(bids.Set(P(9000), Q(1), px, qty), SetResult::kInserted);
  EXPECT_EQ(bids.px_text(0), px);
  EXPECT_EQ(bids.qty_text(0), qty);
  EXPECT_EQ(bids.joined_text(0), px + ":" + qty + ":");
  EXPECT_EQ(bids.px_text(1), "8476.97");
}

TEST(OrderBook, FillTopCopiesTheBestLevels) {
  OrderBook b(16);
  for (int i = 0; i < 8; ++i) {
    b.bids().Set(P(100 - i), Q(i + 1));
    b.asks().Set(P(101 + i), Q(i + 1));
  }
  BookTop t;
  b.FillTop(&t);
  EXPECT_EQ(t.bid_count, kBookTopDepth);
  EXPECT_EQ(t.bids[0].px, P(100));
  EXPECT_EQ(t.asks[4].px, P(105));
}

// Differential (seeded): random sets and deletes on both a BookSide and a std::map give the same
// book after every operation, for either side and with the capacity never binding.
TEST(BookSide, DifferentialAgainstStdMap) {
  const uint64_t seed = 0xb00c;
  std::mt19937_64 rng(seed);
  for (bool bid : {true, false}) {
    BookSide side(bid, 512, true);
    std::map<int64_t, int64_t> ref;
    for (int op = 0; op < 50000; ++op) {
      const int64_t px = 1000 + static_cast<int64_t>(rng() % 300);
      const int64_t qty = (rng() % 4 == 0) ? 0 : 1 + static_cast<int64_t>(rng() % 1000);
      side.Set(Price::FromRaw(px), Qty::FromRaw(qty), std::to_string(px), std::to_string(qty));
      if (qty == 0) {
        ref.erase(px);
      } else {
        ref[px] = qty;
      }
      ASSERT_EQ(side.size(), static_cast<int>(ref.size())) << "seed " << seed << " op " << op;
      if (op % 97 == 0 || op < 200) {
        int i = 0;
        auto check = [&](int64_t p, int64_t q) {
          ASSERT_EQ(side.level(i).px.raw(), p) << "op " << op << " level " << i;
          ASSERT_EQ(side.level(i).qty.raw(), q);
          ASSERT_EQ(side.px_text(i), std::to_string(p));
          ++i;
        };
        if (bid) {
          for (auto it = ref.rbegin(); it != ref.rend(); ++it) check(it->first, it->second);
        } else {
          for (auto& [p, q] : ref) check(p, q);
        }
      }
    }
  }
}

// Differential (seeded) with the capacity binding: a reference std::map that drops its worst
// level when full (or refuses a new worst one), truncates and clears, against a small BookSide
// driven by every kind of operation — touch updates, deep inserts and deletes at random
// positions, snapshots loaded best first, worst first and shuffled, truncations, clears — so
// both free ends of the slot array run out and the side re-centres many times. Every result
// code, every level and every text is compared after every operation.
TEST(BookSide, DifferentialWithCapacityTruncationAndSnapshots) {
  const uint64_t seed = 0x51de;
  std::mt19937_64 rng(seed);
  for (bool bid : {true, false}) {
    for (int cap : {1, 2, 7, 64}) {
      BookSide side(bid, cap, true);
      std::map<int64_t, int64_t> ref;  // ascending price
      auto worst = [&]() { return bid ? ref.begin()->first : ref.rbegin()->first; };
      auto better = [&](int64_t a, int64_t b) { return bid ? a > b : a < b; };
      auto set = [&](int64_t px, int64_t qty) {
        SetResult want;
        if (qty == 0) {
          want = ref.erase(px) ? SetResult::kRemoved : SetResult::kAbsentRemove;
        } else if (ref.count(px)) {
          ref[px] = qty;
          want = SetResult::kUpdated;
        } else if (static_cast<int>(ref.size()) == cap && !better(px, worst())) {
          want = SetResult::kBeyondDepth;
        } else {
          if (static_cast<int>(ref.size()) == cap) ref.erase(worst());
          ref[px] = qty;
          want = SetResult::kInserted;
        }
        ASSERT_EQ(side.Set(Price::FromRaw(px), Qty::FromRaw(qty), std::to_string(px), std::to_string(qty)), want)
            << "seed " << seed << " px " << px << " qty " << qty;
      };
      auto check = [&](int op) {
        ASSERT_EQ(side.size(), static_cast<int>(ref.size())) << "seed " << seed << " cap " << cap << " op " << op;
        int i = 0;
        auto level = [&](int64_t p, int64_t q) {
          ASSERT_EQ(side.level(i).px.raw(), p) << "op " << op << " level " << i;
          ASSERT_EQ(side.level(i).qty.raw(), q) << "op " << op << " level " << i;
          ASSERT_EQ(side.joined_text(i), std::to_string(p) + ":" + std::to_string(q) + ":");
          ++i;
        };
        if (bid) {
          for (auto it = ref.rbegin(); it != ref.rend(); ++it) level(it->first, it->second);
        } else {
          for (auto& [p, q] : ref) level(p, q);
        }
      };
      for (int op = 0; op < 20000; ++op) {
        const int kind = static_cast<int>(rng() % 100);
        if (kind < 2) {  // a snapshot: clear, then up to 2*cap levels in some order
          side.Clear();
          ref.clear();
          std::vector<int64_t> pxs;
          const int n = static_cast<int>(rng() % (2 * cap + 1));
          for (int k = 0; k < n; ++k) pxs.push_back(1000 + 3 * k);
          const int order = static_cast<int>(rng() % 3);
          if (order == 0 && bid) std::reverse(pxs.begin(), pxs.end());  // best first
          if (order == 1 && !bid) std::reverse(pxs.begin(), pxs.end());  // worst first
          if (order == 2) std::shuffle(pxs.begin(), pxs.end(), rng);
          for (int64_t px : pxs) set(px, 1 + static_cast<int64_t>(rng() % 50));
        } else if (kind < 4) {
          const int depth = static_cast<int>(rng() % (cap + 2)) - 1;  // -1 (no-op) .. cap
          side.Truncate(depth);
          if (depth >= 0) {
            while (static_cast<int>(ref.size()) > depth) ref.erase(worst());
          }
        } else {
          const int64_t px = 1000 + static_cast<int64_t>(rng() % (6 * cap + 6));
          const int64_t qty = (rng() % 3 == 0) ? 0 : 1 + static_cast<int64_t>(rng() % 1000);
          set(px, qty);
        }
        check(op);
        if (HasFatalFailure()) return;
      }
    }
  }
}

}  // namespace
}  // namespace hs::book
