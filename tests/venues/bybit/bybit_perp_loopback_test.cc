// Bybit USDT linear perpetuals against homeostat-sim's Bybit protocol over real loopback sockets,
// in one process: the engine-side Feed (/v5/public/linear: books and tickers) and Orders session
// (trade and private WebSockets, signed REST for the margin settings) share one io_context with
// the simulator's Server, which the test runs in slices until each condition holds or its
// deadline passes (no fixed sleeps). What reaches the core is read off the venue ring: BookTop,
// MarkUpdate, ExecReport, PositionUpdate, MarginAccountUpdate, FundingPayment, BalanceUpdate.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/margin/margin_math.h"
#include "tests/support/order_loopback.h"
#include "tests/support/test_support.h"
#include "venues/bybit/bybit_feed.h"
#include "venues/bybit/bybit_orders.h"

namespace hs::bybit {
namespace {

using json = nlohmann::json;
using testing::Intent;
using testing::Lvl;

constexpr char kKey[] = "sim-bybit-perp-key";
constexpr char kSecret[] = "sim-bybit-perp-secret-for-tests-only";

// The perpetual is named BTC/USDT so the shared loopback config (symbols, [sim.prices]) fits it.
constexpr char kPerpInstrument[] = R"([[instruments]]
name = "BTC/USDT"
base = "BTC"
quote = "USDT"
kind = "perp"
tick = "0.1"
lot = "0.001"
min_notional = "5"
funding_interval_s = 1
mm_tiers = [ { max_value = "2000000", mmr = "0.005", imr = "0.01", deduction = "0" },
             { max_value = "4000000", mmr = "0.01", imr = "0.02", deduction = "10000" } ]
)";

std::string Config(int port) {
  testing::OrderLoopbackConfig c("bybit", "BTCUSDT", "HS_BPL_KEY", "HS_BPL_SECRET");
  c.instruments = kPerpInstrument;
  c.execution = "ack_timeout_ms = 400\nquery_attempts = 5\nquery_backoff_ms = 100\n";
  // What the simulator's account starts with; the session asks for other settings at connect.
  c.venue_lines = "margin_mode = \"cross\"\nleverage = \"5\"\n";
  c.sim_tick_ms = 10;
  return c.Toml(port);
}

using Session = testing::LoopbackSession<Orders>;

// Start() inside a test body: a skip in Start ends the test too.
#define HS_PERP_START(...)                          \
  do {                                              \
    ASSERT_NO_FATAL_FAILURE(Start(__VA_ARGS__));    \
    if (::testing::Test::IsSkipped()) return;       \
  } while (0)

class BybitPerpLoopback : public ::testing::Test {
 protected:
  // Starts the simulator and the session with `mode`/`leverage` (the venue config the engine
  // runs with); waits until the session is ready when `wait_ready`.
  void Start(MarginMode mode = MarginMode::kIsolated, const char* leverage = "10", bool wait_ready = true) {
    ::setenv("HS_BPL_KEY", kKey, 1);
    ::setenv("HS_BPL_SECRET", kSecret, 1);
    ASSERT_NO_FATAL_FAILURE(sim_.Start(ioc_, Config(testing::FreePort()), dir_.path() + "/sim-orders.jsonl",
                                       {Lvl("29999.0", "1"), Lvl("29998.0", "1")},
                                       {Lvl("30001.0", "0.3"), Lvl("30002.0", "0.5")}));
    // A simulator without margin accounts (before they were wired into its Server) does not know
    // the control command "margin": nothing here can run against it.
    const json mc = json::parse(sim_.server->HandleControl(R"({"cmd":"margin"})"), nullptr, false);
    if (!mc.is_object() || !mc.value("ok", false)) GTEST_SKIP() << "the simulator has no margin accounts yet";
    margin_ = sim_.server->margin(0);
    ASSERT_NE(margin_, nullptr);
    venue_ = sim_.cfg->base.venues[0];
    ASSERT_TRUE(venue_.perp());
    venue_.margin_mode = mode;
    venue_.leverage = ParseDecimal<Rate>(leverage).value;
    s_.Start(ioc_, sim_.cfg->base, &venue_);
    ASSERT_TRUE(s_.init.ok()) << s_.init;
    if (wait_ready) ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  }
  void StartFeed() {
    feed_ = std::make_unique<Feed>(s_.Context(ioc_, sim_.cfg->base, venue_), &s_.symbols, nullptr);
    ASSERT_TRUE(feed_->Init().ok());
    feed_->Start();
  }
  void TearDown() override {
    if (feed_) feed_->Stop();
    if (s_.orders) s_.orders->Stop();
    sim_.Stop();
    ioc_.run_for(std::chrono::milliseconds(50));
  }
  // Everything the venue thread published, by kind (the shared Drain keeps only execs and balances).
  void Drain() {
    s_.pub->Flush();
    VenueMsg m;
    while (s_.consumer->TryPop(m)) {
      switch (m.kind) {
        case VenueMsg::Kind::kExec:
          s_.execs.push_back(m.exec);
          break;
        case VenueMsg::Kind::kBalance:
          s_.updates.push_back(m.balance);
          s_.balances[m.balance.asset.value] = m.balance.free + m.balance.locked;
          break;
        case VenueMsg::Kind::kBookTop:
          tops_.push_back(m.top);
          break;
        case VenueMsg::Kind::kMark:
          marks_.push_back(m.mark);
          break;
        case VenueMsg::Kind::kPosition:
          positions_.push_back(m.position);
          break;
        case VenueMsg::Kind::kMarginAccount:
          accounts_.push_back(m.margin);
          break;
        case VenueMsg::Kind::kFunding:
          fundings_.push_back(m.funding);
          break;
        default:
          break;
      }
    }
  }
  bool RunUntil(const std::function<bool()>& cond, std::chrono::milliseconds deadline = std::chrono::milliseconds(8'000)) {
    return testing::RunUntil(ioc_, [&] { Drain(); }, cond, deadline);
  }
  AssetId Usdt() const { return s_.symbols.infos()[0].quote; }
  // The last margin account update equals the simulator's margin wallet, and the settle coin's
  // balance equals it too.
  bool WalletMatchesTheSimulator() const {
    if (accounts_.empty()) return false;
    auto it = s_.balances.find(Usdt().value);
    return accounts_.back().wallet_balance == margin_->wallet() && it != s_.balances.end() &&
           it->second == margin_->wallet();
  }

  testing::TempDir dir_;
  boost::asio::io_context ioc_;
  testing::LoopbackSim sim_;
  sim::MarginAccount* margin_ = nullptr;
  config::VenueConfig venue_;
  Session s_;
  std::unique_ptr<Feed> feed_;
  std::vector<BookTop> tops_;
  std::vector<MarkUpdate> marks_;
  std::vector<PositionUpdate> positions_;
  std::vector<MarginAccountUpdate> accounts_;
  std::vector<FundingPayment> fundings_;
};

OrderIntent ReduceOnly(OrderIntent in) {
  in.reduce_only = true;
  return in;
}

TEST_F(BybitPerpLoopback, LinearBooksAndTickersReachTheCoreAsBookTopAndMarkUpdate) {
  HS_PERP_START();
  StartFeed();
  ASSERT_TRUE(RunUntil([&] { return !tops_.empty() && !marks_.empty(); })) << "tops " << tops_.size() << ", marks "
                                                                             << marks_.size();
  EXPECT_EQ(feed_->StreamUrl().substr(feed_->StreamUrl().size() - 17), "/v5/public/linear");
  EXPECT_EQ(tops_.back().instrument, InstrumentId{0});
  EXPECT_EQ(tops_.back().bids[0].px, ParseDecimal<Price>("29999").value);
  EXPECT_EQ(tops_.back().bids[0].qty, Qty::FromUnits(1)) << "base units";
  const MarkUpdate& first = marks_.front();
  EXPECT_EQ(first.instrument, InstrumentId{0});
  EXPECT_TRUE(first.fields & MarkUpdate::kMark) << "the snapshot carries the mark";
  EXPECT_TRUE(first.mark_px.is_positive());
  EXPECT_TRUE(first.next_funding_time.value > 0);
}

TEST_F(BybitPerpLoopback, ConnectSetsTheConfiguredMarginModeAndLeverageOnTheVenue) {
  HS_PERP_START(MarginMode::kIsolated, "10");
  EXPECT_EQ(margin_->mode(), MarginMode::kIsolated) << "the simulator's account started cross";
  EXPECT_EQ(margin_->leverage(), Rate::FromUnits(10)) << "and at 5x";
  EXPECT_EQ(s_.counters.order_rejects.load(), 0u);
}

TEST_F(BybitPerpLoopback, RefusedLeverageKeepsTheSessionFromTrading) {
  // 200x is beyond the tiers' 1 / imr = 100x: the venue refuses it.
  HS_PERP_START(MarginMode::kCross, "200", /*wait_ready=*/false);
  ASSERT_TRUE(RunUntil([&] { return s_.counters.order_rejects.load() >= 1; }));
  EXPECT_FALSE(s_.orders->connected());
  s_.orders->OnIntent(Intent(0x11, Side::kBuy, "30001.0", "0.01"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x11); }));
  EXPECT_EQ(s_.For(0x11).back().reason, RejectReason::kNotConnected);
  EXPECT_EQ(margin_->leverage(), Rate::FromUnits(5)) << "unchanged";
}

TEST_F(BybitPerpLoopback, IocFillBooksAPositionInBaseUnitsAndTheMarginAccount) {
  HS_PERP_START();
  s_.orders->OnIntent(Intent(0x21, Side::kBuy, "30001.0", "0.01"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x21) && !positions_.empty() && WalletMatchesTheSimulator(); }));
  EXPECT_EQ(s_.Filled(0x21), ParseDecimal<Qty>("0.01").value);
  const ExecReport fill = s_.For(0x21).back();
  EXPECT_EQ(fill.kind, ExecKind::kFill);
  EXPECT_EQ(fill.fill_px, ParseDecimal<Price>("30001").value);
  EXPECT_EQ(fill.fill_quote, AmountFromNotional(MulNotional(fill.fill_px, fill.fill_qty, Rounding::kFloor)));
  EXPECT_EQ(fill.fee_asset, Usdt());
  EXPECT_TRUE(fill.fee.is_positive());
  const PositionUpdate& p = positions_.back();
  EXPECT_EQ(p.instrument, InstrumentId{0});
  EXPECT_EQ(p.size, ParseDecimal<Qty>("0.01").value);
  EXPECT_EQ(p.size, margin_->position(0).size) << "the venue's position, in base units";
  EXPECT_EQ(p.entry_px, margin_->position(0).entry);
  EXPECT_EQ(p.mode, MarginMode::kIsolated);
  EXPECT_EQ(p.leverage, Rate::FromUnits(10));
  EXPECT_EQ(p.liq_px, margin_->liq_price(0));
  EXPECT_TRUE(p.liq_px.is_positive() && p.liq_px < p.entry_px) << "a long's liquidation is below its entry";
  const MarginAccountUpdate& a = accounts_.back();
  EXPECT_EQ(a.asset, Usdt());
  EXPECT_EQ(a.wallet_balance, margin_->wallet());
  EXPECT_EQ(a.initial_margin, margin_->initial_margin());
  EXPECT_EQ(a.available, margin_->available());
  // The wallet is cash: it moved by the fee only (nothing realized yet).
  EXPECT_EQ(margin_->wallet() + fill.fee, ParseDecimal<Amount>("100000").value);
}

TEST_F(BybitPerpLoopback, ReduceOnlyThatWouldIncreaseIsRefusedWithTheVenuesCode) {
  HS_PERP_START();
  s_.orders->OnIntent(ReduceOnly(Intent(0x31, Side::kSell, "29999.0", "0.01")));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x31); }));
  EXPECT_EQ(s_.For(0x31).back().kind, ExecKind::kRejected);
  EXPECT_EQ(s_.For(0x31).back().venue_code, 110017) << "flat: a reduce-only order cannot open";
  // Long 0.02, then a reduce-only sell of 0.05 fills only what the position holds.
  s_.orders->OnIntent(Intent(0x32, Side::kBuy, "30001.0", "0.02"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x32); }));
  s_.orders->OnIntent(ReduceOnly(Intent(0x33, Side::kSell, "29998.0", "0.05")));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x33) && !positions_.empty() && positions_.back().size.is_zero(); }));
  EXPECT_EQ(s_.Filled(0x33), ParseDecimal<Qty>("0.02").value);
  EXPECT_EQ(s_.For(0x33).back().kind, ExecKind::kCanceled) << "the rest is canceled, not filled";
  EXPECT_TRUE(margin_->position(0).size.is_zero());
  for (const json& j : sim_.OrderLog())
    if (j.value("client_id", "") == "hs51") EXPECT_EQ(j["wire"]["category"], "linear");
}

TEST_F(BybitPerpLoopback, FundingSettlementArrivesAsAFundingPaymentNotAFill) {
  HS_PERP_START();
  s_.orders->OnIntent(Intent(0x41, Side::kBuy, "30001.0", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x41); }));
  const size_t execs = s_.execs.size();
  // funding_interval_s = 1: a settlement falls due within about a second of the position.
  ASSERT_TRUE(RunUntil([&] { return !fundings_.empty(); }, std::chrono::milliseconds(5'000)));
  const FundingPayment& f = fundings_.front();
  EXPECT_EQ(f.instrument, InstrumentId{0});
  EXPECT_EQ(f.asset, Usdt());
  EXPECT_EQ(f.size, ParseDecimal<Qty>("0.1").value) << "the long it was charged on";
  EXPECT_EQ(f.amount, margin::FundingFlow(f.size, f.mark_px, f.rate)) << "the venue's formula, its sign";
  EXPECT_EQ(s_.execs.size(), execs) << "no exec report for a funding settlement";
  ASSERT_TRUE(RunUntil([&] { return WalletMatchesTheSimulator(); }));
}

TEST_F(BybitPerpLoopback, LiquidationArrivesAsALiquidatedFlatPosition) {
  HS_PERP_START();
  s_.orders->OnIntent(Intent(0x51, Side::kBuy, "30001.0", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x51) && !positions_.empty() && !positions_.back().size.is_zero(); }));
  // 10x isolated long: a 30% fall is far past its liquidation price. The market runs so the fall
  // reaches the fair (and mark) price.
  sim_.market->SetPaused(false);
  const json r = json::parse(sim_.server->HandleControl(R"({"cmd":"crash","pct":30,"ms":0})"));
  ASSERT_TRUE(r.value("ok", false)) << r.dump();
  ASSERT_TRUE(RunUntil([&] {
    for (const PositionUpdate& p : positions_)
      if (p.liquidated) return true;
    return false;
  })) << "positions " << positions_.size();
  const PositionUpdate* liq = nullptr;
  for (const PositionUpdate& p : positions_)
    if (p.liquidated) liq = &p;
  EXPECT_TRUE(liq->size.is_zero()) << "closed: nothing left";
  EXPECT_TRUE(liq->liq_px.is_zero());
  EXPECT_TRUE(margin_->position(0).size.is_zero());
  ASSERT_TRUE(RunUntil([&] { return WalletMatchesTheSimulator(); }));
}

}  // namespace
}  // namespace hs::bybit
