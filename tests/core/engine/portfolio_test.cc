#include "core/engine/portfolio.h"

#include <gtest/gtest.h>

#include "core/base/decimal.h"

namespace hs::engine {
namespace {

Amount A(const char* s) { return ParseDecimal<Amount>(s).value; }
Qty Q(const char* s) { return ParseDecimal<Qty>(s).value; }

constexpr VenueId V(int v) { return VenueId{static_cast<uint8_t>(v)}; }
constexpr AssetId kUsdt{0};
constexpr AssetId kBtc{1};
constexpr AssetId kBnb{2};

BalanceUpdate Entry(VenueId v, AssetId a, const char* free, const char* locked, bool final_entry = false) {
  BalanceUpdate b;
  b.venue = v;
  b.asset = a;
  b.free = A(free);
  b.locked = A(locked);
  b.final_of_snapshot = final_entry;
  return b;
}

TEST(Portfolio, SnapshotSetsFreeLockedTotalAndStart) {
  Portfolio p;
  p.ApplySnapshot(Entry(V(0), kUsdt, "1000.5", "20"));
  EXPECT_FALSE(p.known(V(0))) << "known only once the snapshot is complete";
  p.ApplySnapshot(Entry(V(0), kBtc, "0.25", "0.00000001", true));
  EXPECT_TRUE(p.known(V(0)));
  EXPECT_EQ(p.free(V(0), kUsdt), A("1000.5"));
  EXPECT_EQ(p.locked(V(0), kUsdt), A("20"));
  EXPECT_EQ(p.total(V(0), kUsdt), A("1020.5"));
  EXPECT_EQ(p.total(V(0), kBtc).raw(), 250'000'010);
  EXPECT_EQ(p.initial(V(0), kUsdt), A("1000.5")) << "the starting balance is the free balance";
  EXPECT_EQ(p.position(kUsdt), A("1020.5"));
  EXPECT_EQ(p.position(kBnb), Amount::Zero());
}

TEST(Portfolio, LaterSnapshotReplacesBalancesButNotTheStart) {
  Portfolio p;
  p.ApplySnapshot(Entry(V(0), kUsdt, "100", "5", true));
  p.ApplySnapshot(Entry(V(0), kUsdt, "90", "0", true));
  EXPECT_EQ(p.free(V(0), kUsdt), A("90"));
  EXPECT_EQ(p.locked(V(0), kUsdt), Amount::Zero());
  EXPECT_EQ(p.initial(V(0), kUsdt), A("100"));
  EXPECT_EQ(p.position(kUsdt), A("90"));
}

TEST(Portfolio, PositionSumsTotalsOverKnownVenuesOnly) {
  Portfolio p;
  p.ApplySnapshot(Entry(V(0), kBtc, "1", "0.5", true));
  p.ApplySnapshot(Entry(V(3), kBtc, "2", "0.25", true));
  p.ApplySnapshot(Entry(V(5), kBtc, "7", "0"));  // snapshot not complete: not yet counted
  EXPECT_EQ(p.position(kBtc), A("3.75"));
  p.ApplySnapshot(Entry(V(5), kUsdt, "0", "0", true));
  EXPECT_EQ(p.position(kBtc), A("10.75"));
}

TEST(Portfolio, FillsMoveFreeAndLeaveLockedAlone) {
  Portfolio p;
  p.ApplySnapshot(Entry(V(1), kUsdt, "50000", "100"));
  p.ApplySnapshot(Entry(V(1), kBtc, "1", "0.1"));
  p.ApplySnapshot(Entry(V(1), kBnb, "2", "0", true));
  p.ApplyFill(V(1), kBtc, kUsdt, Side::kBuy, Q("0.5"), A("15000"), kBnb, A("0.01"));
  EXPECT_EQ(p.free(V(1), kBtc), A("1.5"));
  EXPECT_EQ(p.free(V(1), kUsdt), A("35000"));
  EXPECT_EQ(p.free(V(1), kBnb), A("1.99"));
  EXPECT_EQ(p.locked(V(1), kBtc), A("0.1"));
  EXPECT_EQ(p.locked(V(1), kUsdt), A("100"));
  EXPECT_EQ(p.position(kBtc), A("1.6"));
  p.ApplyFill(V(1), kBtc, kUsdt, Side::kSell, Q("0.25"), A("7600"), kUsdt, A("7.6"));
  EXPECT_EQ(p.free(V(1), kBtc), A("1.25"));
  EXPECT_EQ(p.free(V(1), kUsdt), A("42592.4"));
  EXPECT_EQ(p.total(V(1), kUsdt), A("42692.4"));
  EXPECT_EQ(p.position(kUsdt), A("42692.4"));
}

TEST(Portfolio, ReservationsReduceAvailableNeverBelowZero) {
  Portfolio p;
  p.ApplySnapshot(Entry(V(0), kUsdt, "100", "40", true));
  EXPECT_EQ(p.available(V(0), kUsdt), A("100")) << "locked is not available";
  p.Reserve(V(0), kUsdt, A("30"));
  EXPECT_EQ(p.reserved(V(0), kUsdt), A("30"));
  EXPECT_EQ(p.available(V(0), kUsdt), A("70"));
  p.Reserve(V(0), kUsdt, A("80"));
  EXPECT_EQ(p.available(V(0), kUsdt), Amount::Zero());
  p.Release(V(0), kUsdt, A("200"));
  EXPECT_EQ(p.reserved(V(0), kUsdt), Amount::Zero());
  EXPECT_EQ(p.position(kUsdt), A("140")) << "reservations do not change the position";
}

TEST(Portfolio, InvalidIdsAreIgnored) {
  Portfolio p;
  p.ApplySnapshot(Entry(VenueId::Invalid(), kUsdt, "1", "1", true));
  p.ApplySnapshot(Entry(V(kMaxVenues), kUsdt, "1", "1", true));
  p.ApplySnapshot(Entry(V(0), AssetId::Invalid(), "1", "1", true));
  p.ApplySnapshot(Entry(V(0), AssetId{kMaxAssets}, "1", "1", true));
  EXPECT_FALSE(p.known(V(0)));
  p.ApplyFill(VenueId::Invalid(), kBtc, kUsdt, Side::kBuy, Q("1"), A("1"), kUsdt, A("1"));
  p.ApplyFill(V(0), AssetId::Invalid(), kUsdt, Side::kBuy, Q("1"), A("1"), kUsdt, A("1"));
  EXPECT_EQ(p.free(V(0), kUsdt), Amount::Zero());
  EXPECT_EQ(p.position(AssetId::Invalid()), Amount::Zero());
  EXPECT_EQ(p.position(AssetId{kMaxAssets}), Amount::Zero());
}

}  // namespace
}  // namespace hs::engine
