#include "core/engine/order_tracker.h"

#include <gtest/gtest.h>

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

TEST(OrderTracker, ALiveSlotRefusesTheIdThatWrapsOntoIt) {
  OrderTracker t(1);
  OrderIntent first = Intent(Side::kBuy, 1);
  t.Open(first, AssetId{0}, Amount::Zero());
  for (int k = 1; k < OrderTracker::kSlots; ++k) {
    ASSERT_TRUE(t.HasRoom(1));
    OrderIntent in = Intent(Side::kBuy, 1);
    t.Open(in, AssetId{0}, Amount::Zero());
    t.Close(*t.Find(in.client_id), ExecKind::kCanceled);
  }
  EXPECT_FALSE(t.HasRoom(1)) << "the next id lands on the first order's live slot";
  t.Close(*t.Find(first.client_id), ExecKind::kCanceled);
  EXPECT_TRUE(t.HasRoom(1));
}

}  // namespace
}  // namespace hs::engine
