// OKX linear swaps end to end against homeostat-sim's OKX protocol over real loopback sockets,
// in one process: the engine-side Feed and Orders sessions of a SWAP venue (isolated, 5x,
// BTC-USDT-SWAP with ctVal 0.01) and the simulator's Server with its margin account share one
// io_context, which the test runs in slices until each condition holds or its deadline passes.
// Funding and liquidation are driven through the simulator's MarginAccount and the protocol's
// hooks, as the market clock drives them.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/order_loopback.h"
#include "tests/support/test_support.h"
#include "venues/okx/okx_feed.h"
#include "venues/okx/okx_orders.h"

namespace hs::okx {
namespace {

using json = nlohmann::json;
using testing::Intent;
using testing::Lvl;

Qty Q(const char* s) { return ParseDecimal<Qty>(s, Sign::kAllowNegative).value; }

// The loopback config with its one instrument made a perpetual (the shared config names it
// "BTC/USDT"): 100 contracts = 1 BTC, isolated at 5x, a 0.05 % taker fee.
std::string Config(int port, const std::string& mode = "isolated") {
  testing::OrderLoopbackConfig c("okx", "BTC-USDT-SWAP", "HS_OSL_KEY", "HS_OSL_SECRET");
  c.passphrase_env = "HS_OSL_PASS";
  c.instruments = R"([[instruments]]
name = "BTC/USDT"
kind = "perp"
base = "BTC"
quote = "USDT"
tick = "0.1"
lot = "0.01"
min_notional = "5"
funding_interval_s = 8
mm_tiers = [ { max_value = "2000000", mmr = "0.005", imr = "0.01" },
             { max_value = "4000000", mmr = "0.01", imr = "0.02", deduction = "10000" } ]
)";
  c.venue_lines = "margin_mode = \"" + mode + "\"\nleverage = \"5\"\ncontract_sizes = { \"BTC/USDT\" = \"0.01\" }\n";
  c.sim_tick_ms = 20;
  return c.Toml(port);
}

class OkxSwapLoopback : public ::testing::Test {
 protected:
  void Start() {
    ::setenv("HS_OSL_KEY", "okx-swap-key", 1);
    ::setenv("HS_OSL_SECRET", "okx-swap-secret-test-only", 1);
    ::setenv("HS_OSL_PASS", "okx-swap-pass", 1);
    ASSERT_NO_FATAL_FAILURE(sim_.Start(ioc_, Config(testing::FreePort()), dir_.File("orders.jsonl"),
                                       {Lvl("29999.0", "1"), Lvl("29998.0", "1")},
                                       {Lvl("30001.0", "0.3"), Lvl("30002.0", "0.5")}));
    ASSERT_NE(sim_.server->margin(0), nullptr) << "the simulator keeps a margin account for a swap venue";
    venue_ = sim_.cfg->base.venues[0];
    s_.Start(ioc_, sim_.cfg->base, &venue_);
    ASSERT_TRUE(s_.init.ok()) << s_.init;
  }
  void StartFeed() {
    feed_ = std::make_unique<Feed>(s_.Context(ioc_, sim_.cfg->base, venue_), &s_.symbols, [] {});
    ASSERT_TRUE(feed_->Init().ok());
    feed_->Start();
  }
  void TearDown() override {
    if (feed_) feed_->Stop();
    if (s_.orders) s_.orders->Stop();
    if (s2_.orders) s2_.orders->Stop();
    sim_.Stop();
    ioc_.run_for(std::chrono::milliseconds(50));
  }
  // Everything published: execs and balances where the shared helpers look for them, the rest here.
  void Drain() {
    s_.pub->Flush();
    VenueMsg m;
    while (s_.consumer->TryPop(m)) {
      switch (m.kind) {
        case VenueMsg::Kind::kExec: s_.execs.push_back(m.exec); break;
        case VenueMsg::Kind::kBalance:
          s_.updates.push_back(m.balance);
          s_.balances[m.balance.asset.value] = m.balance.free + m.balance.locked;
          break;
        case VenueMsg::Kind::kMark: marks_.push_back(m.mark); break;
        case VenueMsg::Kind::kPosition: positions_.push_back(m.position); break;
        case VenueMsg::Kind::kMarginAccount: margins_.push_back(m.margin); break;
        case VenueMsg::Kind::kFunding: fundings_.push_back(m.funding); break;
        case VenueMsg::Kind::kBookTop: tops_.push_back(m.top); break;
        default: break;
      }
    }
  }
  bool RunUntil(const std::function<bool()>& cond, std::chrono::milliseconds deadline = std::chrono::milliseconds(8'000)) {
    return testing::RunUntil(ioc_, [&] { Drain(); }, cond, deadline);
  }
  int64_t C(const runtime::VenueCounters::C& c) const { return c.load(std::memory_order_relaxed); }
  sim::MarginAccount& Margin() { return *sim_.server->margin(0); }
  AssetId Usdt() const { return s_.symbols.FindAsset("USDT"); }
  // Buys `qty` BTC of the swap (IOC at 30002) and waits for its position push.
  void Open(uint64_t id, const char* qty) {
    const size_t before = positions_.size();
    s_.orders->OnIntent(Intent(id, Side::kBuy, "30002.0", qty));
    ASSERT_TRUE(RunUntil([&] { return s_.Final(id) && positions_.size() > before; }));
  }

  testing::TempDir dir_;
  boost::asio::io_context ioc_;
  testing::LoopbackSim sim_;
  config::VenueConfig venue_;
  testing::LoopbackSession<Orders> s_;
  config::VenueConfig venue2_;            // outlives s2_'s session (it keeps a pointer)
  testing::LoopbackSession<Orders> s2_;  // a second session on the same venue
  std::unique_ptr<Feed> feed_;
  std::vector<MarkUpdate> marks_;
  std::vector<PositionUpdate> positions_;
  std::vector<MarginAccountUpdate> margins_;
  std::vector<FundingPayment> fundings_;
  std::vector<BookTop> tops_;
};

TEST_F(OkxSwapLoopback, LeverageAndModeAreSetBeforeTheSessionIsReady) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  EXPECT_EQ(Margin().leverage(), Rate::FromUnits(5));
  EXPECT_EQ(Margin().mode(), MarginMode::kIsolated);
  // The wallet snapshot and the margin account.
  ASSERT_TRUE(RunUntil([&] { return !margins_.empty(); }));
  EXPECT_EQ(margins_.back().wallet_balance, Margin().wallet());
  EXPECT_EQ(s_.balances[Usdt().value], Margin().wallet()) << "free = the wallet";
}

TEST_F(OkxSwapLoopback, BooksAreInBaseUnitsAndMarksArrive) {
  Start();
  StartFeed();
  ASSERT_TRUE(RunUntil([&] { return !tops_.empty(); }));
  EXPECT_EQ(tops_.back().bids[0].px, ParseDecimal<Price>("29999.0").value);
  EXPECT_EQ(tops_.back().bids[0].qty, Q("1")) << "100 contracts on the wire";
  EXPECT_EQ(tops_.back().asks[0].qty, Q("0.3"));
  // The market clock sets each swap's mark and funding (Protocol::OnMark); the protocol pushes
  // them on `mark-price` and `funding-rate`.
  auto all = [&] {
    bool m = false, f = false, i = false;
    for (const MarkUpdate& u : marks_) {
      m = m || (u.fields & MarkUpdate::kMark);
      f = f || (u.fields & MarkUpdate::kFunding);
      i = i || (u.fields & MarkUpdate::kIndex);
    }
    return m && f && i;
  };
  ASSERT_TRUE(RunUntil(all));
  const MarkUpdate* mark = nullptr;
  const MarkUpdate* funding = nullptr;
  const MarkUpdate* index = nullptr;
  for (const MarkUpdate& u : marks_) {
    EXPECT_EQ(u.instrument, InstrumentId{0});
    if (u.fields & MarkUpdate::kMark) mark = &u;
    if (u.fields & MarkUpdate::kFunding) funding = &u;
    if (u.fields & MarkUpdate::kIndex) index = &u;
  }
  EXPECT_EQ(mark->mark_px, sim_.market->mark(0)) << "the market is paused: the mark stands";
  EXPECT_EQ(index->index_px, sim_.market->index(0)) << "index-tickers of BTC-USDT, for BTC-USDT-SWAP";
  EXPECT_EQ(funding->funding_rate, sim_.market->funding_rate(0));
  EXPECT_GT(funding->next_funding_time.value, WallNow().value - 60'000'000'000) << "a settlement time, in ns";
  // A new mark from the clock's hook reaches the feed.
  const Price next = sim_.market->mark(0) + Price::FromUnits(7);
  sim_.server->protocol(0)->OnMark(0, next, next, sim_.market->funding_rate(0), funding->next_funding_time);
  ASSERT_TRUE(RunUntil([&] {
    for (const MarkUpdate& u : marks_)
      if ((u.fields & MarkUpdate::kMark) && u.mark_px == next) return true;
    return false;
  }));
}

TEST_F(OkxSwapLoopback, AFillReportsBaseUnitsAndPositionAndMarginFollow) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  // 0.5 BTC at up to 30002: 0.3 @ 30001 and 0.2 @ 30002.
  ASSERT_NO_FATAL_FAILURE(Open(0x301, "0.5"));
  EXPECT_EQ(s_.Filled(0x301), Q("0.5"));
  Amount fees = Amount::Zero();
  for (const ExecReport& e : s_.For(0x301)) {
    if (e.kind != ExecKind::kFill) continue;
    EXPECT_EQ(e.fill_quote, AmountFromNotional(MulNotional(e.fill_px, e.fill_qty, Rounding::kFloor)));
    EXPECT_EQ(e.fee_asset, Usdt());
    EXPECT_TRUE(e.fee.is_positive());
    fees += e.fee;
  }
  EXPECT_EQ(fees, Margin().position(0).fees_cum) << "the fees the venue charged the wallet";
  // The wire counted contracts and traded isolated.
  bool seen = false;
  for (const json& j : sim_.OrderLog())
    if (j.value("request", "") == "place" && j.value("client_id", "") == "hs769") {
      seen = true;
      EXPECT_EQ(j["wire"]["sz"], "50");
      EXPECT_EQ(j["wire"]["tdMode"], "isolated");
    }
  EXPECT_TRUE(seen);
  const PositionUpdate& p = positions_.back();
  EXPECT_EQ(p.size, Q("0.5"));
  EXPECT_EQ(p.size, Margin().position(0).size);
  EXPECT_EQ(p.entry_px, Margin().position(0).entry);
  EXPECT_EQ(p.mode, MarginMode::kIsolated);
  EXPECT_EQ(p.leverage, Rate::FromUnits(5));
  EXPECT_EQ(p.liq_px, Margin().liq_price(0));
  ASSERT_TRUE(RunUntil([&] { return !margins_.empty() && margins_.back().wallet_balance == Margin().wallet(); }));
  EXPECT_EQ(sim_.Balance("USDT"), Margin().wallet()) << "the settle balance follows the wallet";
}

TEST_F(OkxSwapLoopback, AReduceOnlyOrderThatWouldIncreaseIsRefused) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  OrderIntent in = Intent(0x401, Side::kSell, "29999.0", "0.1");
  in.reduce_only = true;  // flat: selling would open a short
  s_.orders->OnIntent(in);
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x401); }));
  const ExecReport r = s_.For(0x401).back();
  EXPECT_EQ(r.kind, ExecKind::kRejected);
  EXPECT_EQ(r.reason, RejectReason::kVenue);
  EXPECT_EQ(r.venue_code, 51169);
  EXPECT_TRUE(Margin().position(0).size.is_zero());
  // With a position, a reduce-only sell larger than it is cut to it.
  ASSERT_NO_FATAL_FAILURE(Open(0x402, "0.2"));
  OrderIntent cut = Intent(0x403, Side::kSell, "29998.0", "0.5");
  cut.reduce_only = true;
  s_.orders->OnIntent(cut);
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x403); }));
  EXPECT_EQ(s_.Filled(0x403), Q("0.2"));
  EXPECT_TRUE(Margin().position(0).size.is_zero());
  // A quantity that is not whole contracts never leaves.
  s_.orders->OnIntent(Intent(0x404, Side::kBuy, "30002.0", "0.015"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x404); }));
  EXPECT_EQ(s_.For(0x404).back().reason, RejectReason::kEncodeFailed);
}

TEST_F(OkxSwapLoopback, FundingAndLiquidationArriveAsPaymentsAndALiquidatedPosition) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  ASSERT_NO_FATAL_FAILURE(Open(0x501, "0.3"));
  // A settlement: the long pays a positive rate.
  Margin().SetMark(0, ParseDecimal<Price>("30010").value);
  const Rate rate = Rate::FromRaw(10'000);
  const Amount flow = Margin().SettleFunding(0, rate);
  ASSERT_TRUE(flow.is_negative());
  sim_.server->protocol(0)->OnFunding(0, flow, rate);
  ASSERT_TRUE(RunUntil([&] { return !fundings_.empty(); }));
  EXPECT_EQ(fundings_.back().amount, flow);
  EXPECT_EQ(fundings_.back().size, Q("0.3"));
  ASSERT_TRUE(RunUntil([&] { return margins_.back().wallet_balance == Margin().wallet(); }));
  // The mark falls through the liquidation price: the venue closes the position.
  const Price liq = Margin().liq_price(0);
  ASSERT_TRUE(liq.is_positive());
  Margin().SetMark(0, liq - Price::FromUnits(100));
  const auto liquidations = Margin().CheckLiquidations();
  ASSERT_EQ(liquidations.size(), 1u);
  sim_.server->protocol(0)->OnLiquidation(liquidations[0]);
  ASSERT_TRUE(RunUntil([&] {
    for (const PositionUpdate& p : positions_)
      if (p.liquidated) return true;
    return false;
  }));
  for (const PositionUpdate& p : positions_)
    if (p.liquidated) EXPECT_TRUE(p.size.is_zero());
  ASSERT_TRUE(RunUntil([&] { return positions_.back().size.is_zero() && margins_.back().wallet_balance == Margin().wallet(); }));
}

TEST_F(OkxSwapLoopback, TheClocksFundingSettlementArrivesAsAPayment) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  ASSERT_NO_FATAL_FAILURE(Open(0x701, "0.2"));
  // The clock schedules the first settlement one interval (8 s) after its first tick; a tick
  // past that settles the open position.
  sim_.server->Tick(MonoNow());
  sim_.server->Tick(Nanos{MonoNow().value + 20'000'000'000});
  ASSERT_FALSE(Margin().position(0).funding_cum.is_zero()) << "the sim's funding rate is not zero";
  ASSERT_TRUE(RunUntil([&] { return !fundings_.empty(); }));
  EXPECT_EQ(fundings_.back().amount, Margin().position(0).funding_cum) << "the first settlement of this position";
  EXPECT_EQ(fundings_.back().size, Q("0.2"));
}

TEST_F(OkxSwapLoopback, AModeChangeRefusedWithAnOpenPositionKeepsTheSessionFromTrading) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  ASSERT_NO_FATAL_FAILURE(Open(0x601, "0.1"));
  // A second session configured cross while the isolated position is open (the first one stays
  // as it is): the venue answers set-leverage with 59000, and the new session does not trade.
  venue2_ = venue_;
  venue2_.margin_mode = MarginMode::kCross;
  s2_.Start(ioc_, sim_.cfg->base, &venue2_);
  ASSERT_TRUE(s2_.init.ok());
  auto run = [&](const std::function<bool()>& cond) { return testing::RunUntil(ioc_, [&] { s2_.Drain(); }, cond); };
  ASSERT_TRUE(run([&] { return C(s2_.counters.order_rejects) > 0; }));
  EXPECT_FALSE(s2_.orders->connected());
  EXPECT_EQ(Margin().mode(), MarginMode::kIsolated);
  s2_.orders->OnIntent(Intent(0x602, Side::kBuy, "30002.0", "0.1"));
  ASSERT_TRUE(run([&] { return s2_.Final(0x602); }));
  EXPECT_EQ(s2_.For(0x602).back().reason, RejectReason::kNotConnected);
  EXPECT_TRUE(s_.orders->connected()) << "the first session, at the venue's settings, trades on";
}

}  // namespace
}  // namespace hs::okx
