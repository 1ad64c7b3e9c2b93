#include "core/engine/order_tracker.h"

#include <gtest/gtest.h>

#include <vector>

namespace hs::engine {
namespace {

OrderIntent Intent(Side side, int64_t qty_units, OrderPurpose purpose = OrderPurpose::kArbitrage) {
  OrderIntent in;
  in.venue = VenueId{0};
  in.instrument = InstrumentId{0};
  in.side = side;
  in.qty = Qty::FromUnits(qty_units);
  in.purpose = purpose;
  return in;
}

TEST(OrderTracker, AssignsConsecutiveClientIdsAndFindsLiveOrders) {
  OrderTracker t(1000);
  OrderIntent a = Intent(Side::kBuy, 1);
  OrderIntent b = Intent(Side::kSell, 1);
  t.Open(a, AssetId{1}, Amount::FromUnits(5));
  t.Open(b, AssetId{0}, Amount::FromUnits(1));
  EXPECT_EQ(a.client_id.value, 1000u);
  EXPECT_EQ(b.client_id.value, 1001u);
  ASSERT_NE(t.Find(a.client_id), nullptr);
  EXPECT_EQ(t.Find(a.client_id)->reserved, Amount::FromUnits(5));
  EXPECT_EQ(t.Find(ClientOrderId{999}), nullptr);
  EXPECT_EQ(t.open(), 2);
  t.Close(*t.Find(a.client_id), ExecKind::kCanceled);
  EXPECT_EQ(t.Find(a.client_id), nullptr) << "closed orders are gone";
  EXPECT_EQ(t.open(), 1);
}

TEST(OrderTracker, EachOutcomeIsCountedOnceAndTheyAddUp) {
  OrderTracker t(1);
  OrderIntent in[4] = {Intent(Side::kBuy, 2), Intent(Side::kBuy, 2), Intent(Side::kSell, 2),
                       Intent(Side::kSell, 2, OrderPurpose::kRebalance)};
  for (auto& i : in) t.Open(i, AssetId{0}, Amount::Zero());
  TrackedOrder* o = t.Find(in[0].client_id);
  t.AddFill(*o, Qty::FromUnits(1));
  t.AddFill(*o, Qty::FromUnits(1));
  t.Close(*o, ExecKind::kFill);  // two fills, one filled order
  o = t.Find(in[1].client_id);
  t.AddFill(*o, Qty::FromUnits(1));
  t.Close(*o, ExecKind::kCanceled);  // partly
  t.Close(*t.Find(in[2].client_id), ExecKind::kRejected);
  const OrderOutcomes& c = t.outcomes();
  EXPECT_EQ(c.opened, 4u);
  EXPECT_EQ(c.filled, 1u);
  EXPECT_EQ(c.partly_filled, 1u);
  EXPECT_EQ(c.rejected, 1u);
  EXPECT_EQ(c.unfilled, 0u);
  EXPECT_EQ(t.open(), 1);
  EXPECT_EQ(c.filled + c.partly_filled + c.unfilled + c.rejected + static_cast<uint64_t>(t.open()), c.opened);
  EXPECT_EQ(c.by_purpose[static_cast<int>(OrderPurpose::kArbitrage)], 3u);
  EXPECT_EQ(c.by_purpose[static_cast<int>(OrderPurpose::kRebalance)], 1u);
}

TEST(OrderTracker, ALegPairFilledUnequallyIsUnbalanced) {
  OrderTracker t(1);
  for (int round = 0; round < 2; ++round) {
    const uint32_t g = t.NewGroup(2);
    OrderIntent buy = Intent(Side::kBuy, 1);
    OrderIntent sell = Intent(Side::kSell, 1);
    buy.group = sell.group = g;
    t.Open(buy, AssetId{0}, Amount::Zero());
    t.Open(sell, AssetId{0}, Amount::Zero());
    t.AddFill(*t.Find(buy.client_id), Qty::FromUnits(1));
    if (round == 1) t.AddFill(*t.Find(sell.client_id), Qty::FromUnits(1));
    t.Close(*t.Find(buy.client_id), ExecKind::kFill);
    t.Close(*t.Find(sell.client_id), round == 1 ? ExecKind::kFill : ExecKind::kCanceled);
  }
  EXPECT_EQ(t.outcomes().legs_unbalanced, 1u) << "only the first round left one leg unfilled";
}

// The bug this replaces: an order whose outcome never came kept its slot, the id that wrapped
// onto it was refused again and again, and trading stopped for good. Now the id is skipped.
TEST(OrderTracker, ALiveSlotIsSkippedNotWaitedFor) {
  OrderTracker t(1, /*slots=*/8);
  OrderIntent stuck = Intent(Side::kBuy, 1);
  t.Open(stuck, AssetId{0}, Amount::Zero());  // id 1, slot 1: never answered
  uint64_t last = stuck.client_id.value;
  for (int k = 0; k < 30; ++k) {
    ASSERT_TRUE(t.HasRoom(1)) << "order " << k;
    OrderIntent in = Intent(Side::kBuy, 1);
    t.Open(in, AssetId{0}, Amount::Zero());
    EXPECT_GT(in.client_id.value, last) << "ids only increase: none is reused";
    EXPECT_NE(in.client_id.value % 8, stuck.client_id.value % 8) << "the live slot is never given out";
    last = in.client_id.value;
    t.Close(*t.Find(in.client_id), ExecKind::kCanceled);
  }
  EXPECT_GE(t.ids_skipped(), 3u) << "30 orders through 8 slots wrap onto the stuck one at least 3 times";
  ASSERT_NE(t.Find(stuck.client_id), nullptr) << "and it is still tracked";
}

TEST(OrderTracker, OnlyAFullTableRefusesAndTradingResumesWhenASlotFrees) {
  OrderTracker t(100, /*slots=*/4);
  std::vector<OrderIntent> live;
  for (int k = 0; k < 4; ++k) {
    ASSERT_TRUE(t.HasRoom(1));
    live.push_back(Intent(Side::kSell, 1));
    t.Open(live.back(), AssetId{0}, Amount::Zero());
  }
  EXPECT_FALSE(t.HasRoom(1));
  t.Close(*t.Find(live[2].client_id), ExecKind::kFill);
  EXPECT_TRUE(t.HasRoom(1));
  EXPECT_FALSE(t.HasRoom(2)) << "a pair needs two free slots";
  OrderIntent next = Intent(Side::kBuy, 1);
  t.Open(next, AssetId{0}, Amount::Zero());
  EXPECT_EQ(next.client_id.value % 4, live[2].client_id.value % 4) << "the one free slot";
}

// 10,000 orders through a 64-slot table, 5% of them left unanswered for a while (outcome
// unknown) and resolved later in batches: trading never stops while a slot is free, every id is
// unique, every order resolves, and no slot leaks.
TEST(OrderTracker, TenThousandOrdersThroughSixtyFourSlotsWithUnansweredOnes) {
  OrderTracker t(1, /*slots=*/64);
  std::vector<ClientOrderId> unanswered;
  uint64_t last = 0;
  int refused = 0;
  int opened = 0;
  uint64_t rng = 12345;
  auto next_rand = [&] {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return rng >> 33;
  };
  while (opened < 10'000) {
    if (!t.HasRoom(1)) {
      // Every slot live: the unanswered orders are queried and resolve (the caller's job).
      ++refused;
      ASSERT_FALSE(unanswered.empty()) << "the table is full only of unanswered orders";
      for (ClientOrderId id : unanswered) t.Close(*t.Find(id), ExecKind::kCanceled);
      unanswered.clear();
      continue;
    }
    OrderIntent in = Intent(Side::kBuy, 1);
    t.Open(in, AssetId{0}, Amount::Zero());
    ++opened;
    ASSERT_GT(in.client_id.value, last);
    last = in.client_id.value;
    if (next_rand() % 100 < 5) {
      unanswered.push_back(in.client_id);
    } else {
      t.Close(*t.Find(in.client_id), ExecKind::kFill);
    }
    if (unanswered.size() >= 40 && next_rand() % 50 == 0) {  // a batch of queries comes back
      for (ClientOrderId id : unanswered) t.Close(*t.Find(id), ExecKind::kCanceled);
      unanswered.clear();
    }
  }
  for (ClientOrderId id : unanswered) t.Close(*t.Find(id), ExecKind::kCanceled);
  EXPECT_EQ(t.open(), 0) << "no slot leaks";
  EXPECT_EQ(t.outcomes().opened, 10'000u);
  EXPECT_EQ(t.outcomes().filled + t.outcomes().unfilled, 10'000u) << "every order resolved";
  EXPECT_GT(t.ids_skipped(), 0u);
  EXPECT_LT(refused, 100) << "refusals only when all 64 slots were live";
}

}  // namespace
}  // namespace hs::engine
