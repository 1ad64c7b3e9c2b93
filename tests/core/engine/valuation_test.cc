#include "core/engine/valuation.h"

#include <gtest/gtest.h>

#include <array>

#include "core/base/decimal.h"

namespace hs::engine {
namespace {

Amount A(const char* s) { return ParseDecimal<Amount>(s).value; }
Price P(const char* s) { return ParseDecimal<Price>(s).value; }

constexpr VenueId V(int v) { return VenueId{static_cast<uint8_t>(v)}; }
constexpr AssetId kUsdt{0};
constexpr AssetId kBtc{1};
constexpr AssetId kEth{2};
constexpr AssetId kSol{3};
constexpr AssetId kDai{4};
constexpr InstrumentId kBtcUsdt{0};
constexpr InstrumentId kEthUsdt{1};

const Nanos kNow = Nanos::FromSeconds(1'700'000'000);

InstrumentParams Inst(AssetId base, AssetId quote) {
  InstrumentParams ip;
  ip.base = base;
  ip.quote = quote;
  return ip;
}

// 0 BTC/USDT, 1 ETH/USDT, 2 ETH/BTC, 3 SOL/BTC (SOL has no way into USDT), 4 BTC/USDT again,
// 5 USDT/DAI (the valuation asset as base: values nothing).
const std::array<InstrumentParams, 6> kTable = {Inst(kBtc, kUsdt), Inst(kEth, kUsdt), Inst(kEth, kBtc),
                                                Inst(kSol, kBtc),  Inst(kBtc, kUsdt), Inst(kUsdt, kDai)};

ReferenceParams RefParams(int min_venues) {
  ReferenceParams p;
  p.min_venues.fill(static_cast<uint8_t>(min_venues));
  return p;
}

// Every venue quotes bid/ask, received at `recv`.
void Feed(ReferencePrice& ref, InstrumentId i, const char* bid, const char* ask, int venues, Nanos now) {
  std::array<VenueQuote, kMaxVenues> q{};
  for (int v = 0; v < venues; ++v) q[v] = VenueQuote{true, P(bid), P(ask), now};
  ref.Update(i, q.data(), venues, now);
}

BalanceUpdate Entry(VenueId v, AssetId a, const char* free, const char* locked, bool final_entry = false) {
  BalanceUpdate b;
  b.venue = v;
  b.asset = a;
  b.free = A(free);
  b.locked = A(locked);
  b.final_of_snapshot = final_entry;
  return b;
}

TEST(Valuation, ResolvePicksTheFirstInstrumentQuotedInTheValuationAsset) {
  const ValuationParams p = Valuation::Resolve(kUsdt, kTable);
  EXPECT_EQ(p.valuation_asset, kUsdt);
  EXPECT_EQ(p.instrument[kBtc.value], kBtcUsdt) << "the first BTC/USDT wins";
  EXPECT_EQ(p.instrument[kEth.value], kEthUsdt) << "ETH/BTC is not quoted in USDT";
  EXPECT_FALSE(p.instrument[kSol.value].valid()) << "SOL/BTC does not value SOL in USDT";
  EXPECT_FALSE(p.instrument[kUsdt.value].valid());
  EXPECT_FALSE(p.instrument[kDai.value].valid()) << "USDT/DAI is the other way round";

  // In BTC: ETH through ETH/BTC, SOL through SOL/BTC, nothing for USDT.
  const ValuationParams b = Valuation::Resolve(kBtc, kTable);
  EXPECT_EQ(b.instrument[kEth.value], InstrumentId{2});
  EXPECT_EQ(b.instrument[kSol.value], InstrumentId{3});
  EXPECT_FALSE(b.instrument[kUsdt.value].valid());

  // Only the first `instruments` entries count.
  const ValuationParams first = Valuation::Resolve(kUsdt, std::span(kTable.data(), 1));
  EXPECT_EQ(first.instrument[kBtc.value], kBtcUsdt);
  EXPECT_FALSE(first.instrument[kEth.value].valid());
  EXPECT_FALSE(Valuation::Resolve(AssetId::Invalid(), kTable).instrument[kBtc.value].valid());
}

TEST(Valuation, TheValuationAssetIsWorthOne) {
  const ReferencePrice ref(RefParams(1));
  const Valuation val(Valuation::Resolve(kUsdt, kTable), ref);
  EXPECT_EQ(val.PriceOf(kUsdt), Price::FromUnits(1));
  EXPECT_TRUE(val.Priced(kUsdt));
  EXPECT_FALSE(val.Stale(kUsdt));
  EXPECT_EQ(val.Value(kUsdt, Amount::FromRaw(-123'456'789'123), Rounding::kFloor), Amount::FromRaw(-123'456'789'123));
  EXPECT_EQ(val.Value(kUsdt, Amount::Max(), Rounding::kCeil), Amount::Max());
}

TEST(Valuation, NothingIsPricedBeforeTheFirstValidReference) {
  ReferencePrice ref(RefParams(2));
  const Valuation val(Valuation::Resolve(kUsdt, kTable), ref);
  EXPECT_FALSE(val.Priced(kBtc));
  EXPECT_FALSE(val.Stale(kBtc));
  EXPECT_EQ(val.PriceOf(kBtc), Price::Zero());
  EXPECT_EQ(val.Value(kBtc, A("1"), Rounding::kFloor), Amount::Zero());
  // One venue is no quorum of two: still nothing, and not stale (there is no last value).
  Feed(ref, kBtcUsdt, "30000", "30001", 1, kNow);
  EXPECT_FALSE(val.Priced(kBtc));
  EXPECT_FALSE(val.Stale(kBtc));
  // No instrument at all, invalid and out-of-range assets.
  EXPECT_FALSE(val.Priced(kSol));
  EXPECT_FALSE(val.Priced(AssetId::Invalid()));
  EXPECT_FALSE(val.Priced(AssetId{kMaxAssets}));
  EXPECT_EQ(val.PriceOf(AssetId{kMaxAssets}), Price::Zero());
  EXPECT_FALSE(val.instrument(AssetId{kMaxAssets}).valid());
}

TEST(Valuation, ValueRoundsAsNamed) {
  ReferencePrice ref(RefParams(1));
  const Valuation val(Valuation::Resolve(kUsdt, kTable), ref);
  Feed(ref, kBtcUsdt, "30000", "30001", 1, kNow);  // mid 30000.5
  ASSERT_EQ(val.PriceOf(kBtc), P("30000.5"));
  // 1e-9 BTC × 30000.5 = 30000.5e-9 USDT.
  EXPECT_EQ(val.Value(kBtc, Amount::FromRaw(1), Rounding::kFloor), Amount::FromRaw(30'000));
  EXPECT_EQ(val.Value(kBtc, Amount::FromRaw(1), Rounding::kCeil), Amount::FromRaw(30'001));
  EXPECT_EQ(val.Value(kBtc, Amount::FromRaw(-1), Rounding::kFloor), Amount::FromRaw(-30'001));
  EXPECT_EQ(val.Value(kBtc, A("2"), Rounding::kFloor), A("60001"));
  // 200000 BTC × 30000.5: the raw product (~6e27) needs the 128-bit intermediate.
  EXPECT_EQ(val.Value(kBtc, A("200000"), Rounding::kFloor), A("6000100000"));
}

TEST(Valuation, LostQuorumKeepsTheLastValueFlaggedStale) {
  ReferencePrice ref(RefParams(2));
  const Valuation val(Valuation::Resolve(kUsdt, kTable), ref);
  Feed(ref, kBtcUsdt, "30000", "30001", 2, kNow);
  ASSERT_TRUE(ref.valid(kBtcUsdt));
  EXPECT_TRUE(val.Priced(kBtc));
  EXPECT_FALSE(val.Stale(kBtc));
  EXPECT_EQ(val.PriceOf(kBtc), P("30000.5"));

  // Venue 1 goes quiet: its top ages out, one fresh venue is no quorum of two.
  const Nanos later = kNow + Nanos::FromSeconds(10);
  std::array<VenueQuote, 2> q = {VenueQuote{true, P("29000"), P("29002"), later},
                                 VenueQuote{true, P("30000"), P("30001"), kNow}};
  ref.Update(kBtcUsdt, q.data(), 2, later);
  ASSERT_FALSE(ref.valid(kBtcUsdt));
  EXPECT_TRUE(val.Stale(kBtc));
  EXPECT_TRUE(val.Priced(kBtc));
  EXPECT_EQ(val.PriceOf(kBtc), P("30000.5")) << "the last valid value, not venue 0's 29001";
  EXPECT_EQ(val.Value(kBtc, A("2"), Rounding::kFloor), A("60001"));

  Portfolio pf;
  pf.ApplySnapshot(Entry(V(0), kBtc, "1", "0", true));
  const NavReport nav = val.Nav(pf, 1, 3);
  EXPECT_TRUE(nav.stale);
  EXPECT_TRUE(nav.complete);
  EXPECT_EQ(nav.nav, A("30000.5"));

  // Quorum regained: fresh again, at the new median.
  q[1].recv_time = later;
  q[1].bid = P("29000");
  q[1].ask = P("29004");
  ref.Update(kBtcUsdt, q.data(), 2, later);
  EXPECT_FALSE(val.Stale(kBtc));
  EXPECT_EQ(val.PriceOf(kBtc), P("29001.5"));
  EXPECT_FALSE(val.Nav(pf, 1, 3).stale);
}

// USDT, BTC, ETH on 2 venues, with locked balances and amounts that do not divide evenly.
TEST(Valuation, NavOverTwoVenuesAndThreeAssetsIsExact) {
  ReferencePrice ref(RefParams(1));
  const Valuation val(Valuation::Resolve(kUsdt, kTable), ref);
  Feed(ref, kBtcUsdt, "30000", "30001", 1, kNow);  // 30000.5
  Feed(ref, kEthUsdt, "2000", "2000.5", 1, kNow);  // 2000.25

  Portfolio pf;
  pf.ApplySnapshot(Entry(V(0), kUsdt, "1000", "10"));
  pf.ApplySnapshot(Entry(V(0), kBtc, "0.5", "0.1"));
  pf.ApplySnapshot(Entry(V(0), kEth, "3.333333333", "0", true));
  pf.ApplySnapshot(Entry(V(1), kUsdt, "500.123456789", "0"));
  pf.ApplySnapshot(Entry(V(1), kBtc, "0.000000015", "0"));
  pf.ApplySnapshot(Entry(V(1), kEth, "0", "0.5", true));

  const NavReport nav = val.Nav(pf, 2, 3);
  EXPECT_TRUE(nav.complete);
  EXPECT_FALSE(nav.stale);
  // venue 0: 1010; 0.6 × 30000.5 = 18000.3; 3.333333333 × 2000.25 = 6667.49999933325 → floor.
  EXPECT_EQ(nav.venue_value[kUsdt.value][0].raw(), 1'010'000'000'000);
  EXPECT_EQ(nav.venue_value[kBtc.value][0].raw(), 18'000'300'000'000);
  EXPECT_EQ(nav.venue_value[kEth.value][0].raw(), 6'667'499'999'333);
  // venue 1: 500.123456789; 15e-9 × 30000.5 = 450007.5e-9 → floor; 0.5 (locked) × 2000.25.
  EXPECT_EQ(nav.venue_value[kUsdt.value][1].raw(), 500'123'456'789);
  EXPECT_EQ(nav.venue_value[kBtc.value][1].raw(), 450'007);
  EXPECT_EQ(nav.venue_value[kEth.value][1].raw(), 1'000'125'000'000);
  EXPECT_EQ(nav.asset_value[kUsdt.value].raw(), 1'510'123'456'789);
  EXPECT_EQ(nav.asset_value[kBtc.value].raw(), 18'000'300'450'007);
  EXPECT_EQ(nav.asset_value[kEth.value].raw(), 7'667'624'999'333);
  EXPECT_EQ(nav.nav.raw(), 27'178'048'906'129);
  // Venues and assets past the counts take no part.
  EXPECT_EQ(val.Nav(pf, 1, 3).nav.raw(), 1'010'000'000'000 + 18'000'300'000'000 + 6'667'499'999'333);
  EXPECT_EQ(val.Nav(pf, 2, 2).nav.raw(), 1'510'123'456'789 + 18'000'300'450'007);
  EXPECT_EQ(val.Nav(pf, 0, 3).nav, Amount::Zero());
}

// The core reuses one report across timers: NavInto must leave it exactly as a fresh Nav would
// over the rows it covers, whatever it held before (a venue's value gone to zero included).
TEST(Valuation, NavIntoAReusedReportEqualsAFreshNav) {
  ReferencePrice ref(RefParams(1));
  const Valuation val(Valuation::Resolve(kUsdt, kTable), ref);
  Feed(ref, kBtcUsdt, "30000", "30001", 1, kNow);
  Portfolio pf;
  pf.ApplySnapshot(Entry(V(0), kUsdt, "1000", "0"));
  pf.ApplySnapshot(Entry(V(0), kBtc, "0.5", "0", true));
  pf.ApplySnapshot(Entry(V(1), kBtc, "2", "0", true));
  NavReport reused;
  val.NavInto(pf, 2, 3, &reused);
  EXPECT_EQ(reused.venue_value[kBtc.value][1], A("60001"));
  pf.ApplySnapshot(Entry(V(1), kBtc, "0", "0", true));  // venue 1 sold everything
  pf.ApplySnapshot(Entry(V(0), kSol, "1", "0", true));  // and an unpriced asset appears
  val.NavInto(pf, 2, 4, &reused);
  const NavReport fresh = val.Nav(pf, 2, 4);
  EXPECT_EQ(reused.nav, fresh.nav);
  EXPECT_EQ(reused.complete, fresh.complete);
  EXPECT_FALSE(reused.complete);
  EXPECT_EQ(reused.stale, fresh.stale);
  for (int a = 0; a < 4; ++a) {
    EXPECT_EQ(reused.asset_value[a], fresh.asset_value[a]) << "asset " << a;
    for (int v = 0; v < 2; ++v) EXPECT_EQ(reused.venue_value[a][v], fresh.venue_value[a][v]) << a << "," << v;
  }
  EXPECT_EQ(reused.venue_value[kBtc.value][1], Amount::Zero());
}

TEST(Valuation, UnknownVenuesTakeNoPart) {
  ReferencePrice ref(RefParams(1));
  const Valuation val(Valuation::Resolve(kUsdt, kTable), ref);
  Portfolio pf;
  pf.ApplySnapshot(Entry(V(0), kUsdt, "100", "0", true));
  pf.ApplySnapshot(Entry(V(1), kUsdt, "50", "0"));  // snapshot not complete
  pf.ApplySnapshot(Entry(V(1), kSol, "50", "0"));   // unpriced, but on an unknown venue
  const NavReport nav = val.Nav(pf, 2, 4);
  EXPECT_EQ(nav.nav, A("100"));
  EXPECT_EQ(nav.venue_value[kUsdt.value][1], Amount::Zero());
  EXPECT_TRUE(nav.complete);
}

TEST(Valuation, AHeldAssetWithoutAPriceMakesTheNavIncomplete) {
  ReferencePrice ref(RefParams(1));
  const Valuation val(Valuation::Resolve(kUsdt, kTable), ref);
  Feed(ref, kBtcUsdt, "30000", "30000", 1, kNow);
  Portfolio pf;
  pf.ApplySnapshot(Entry(V(0), kUsdt, "100", "0"));
  pf.ApplySnapshot(Entry(V(0), kBtc, "1", "0"));
  pf.ApplySnapshot(Entry(V(0), kSol, "0", "0"));
  pf.ApplySnapshot(Entry(V(0), kEth, "0", "0", true));
  // SOL and ETH not held: they do not matter (SOL has no instrument, ETH no reference yet).
  NavReport nav = val.Nav(pf, 1, 5);
  EXPECT_TRUE(nav.complete);
  EXPECT_EQ(nav.nav, A("30100"));

  pf.ApplySnapshot(Entry(V(0), kSol, "0", "3", true));  // SOL: no instrument into USDT
  nav = val.Nav(pf, 1, 5);
  EXPECT_FALSE(nav.complete);
  EXPECT_FALSE(val.Priced(kSol));
  EXPECT_EQ(nav.asset_value[kSol.value], Amount::Zero());
  EXPECT_EQ(nav.nav, A("30100")) << "what is priced is still summed";

  pf.ApplySnapshot(Entry(V(0), kSol, "0", "0"));
  pf.ApplySnapshot(Entry(V(0), kEth, "1", "0", true));  // ETH: an instrument, no reference yet
  EXPECT_FALSE(val.Nav(pf, 1, 5).complete);
  Feed(ref, kEthUsdt, "2000", "2000", 1, kNow);
  nav = val.Nav(pf, 1, 5);
  EXPECT_TRUE(nav.complete);
  EXPECT_EQ(nav.nav, A("32100"));
}

}  // namespace
}  // namespace hs::engine
