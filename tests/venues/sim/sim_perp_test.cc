// The simulator playing perpetuals, in process (Market + Server, no sockets; the test drives
// Server::Tick with its own times and watches the Protocol hooks through a recording protocol):
// perpetual prices follow spot × (1 + basis), funding is charged on each instrument's interval,
// the crash fault liquidates a 10× isolated long at the venue's liquidation price and not a tick
// before, the margin wallet and the settle-asset balance stay equal, and the control commands
// (crash, margin), the --fault-crash argument and the [sim] perp_basis_bps key refuse bad input
// with a message naming what is wrong.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/decimal.h"
#include "venues/sim/sim_config.h"
#include "venues/sim/sim_server.h"

namespace hs::sim {
namespace {

using json = nlohmann::json;

template <typename T>
T D(std::string_view text) {
  const auto r = ParseDecimal<T>(text, Sign::kAllowNegative);
  EXPECT_EQ(r.error, DecimalError::kOk) << text;
  return r.value;
}
Price Px(std::string_view t) { return D<Price>(t); }
Rate R(std::string_view t) { return D<Rate>(t); }
Amount A(std::string_view t) { return D<Amount>(t); }
Qty Q(std::string_view t) { return D<Qty>(t); }

// Spot BTC/USDT on binance; the perpetual BTC-PERP (funding every second) on a Bybit venue
// (isolated, 10×) and an OKX venue (cross, 5×, 0.01 BTC contracts). Random walk and
// dislocations off: prices move only by the basis and the crash.
std::string Config(const std::string& sim_extra, bool with_spot = true) {
  std::string c = R"(assets = ["BTC", "USDT"]
[engine]
name = "sim-perp-test"
[admin]
socket = "/tmp/hs-sim-perp-test-unused.sock"
[journal]
path = "/tmp/hs-sim-perp-test-unused.hsj"
[strategy]
min_edge = "0.0005"
max_leg_notional = "1000"
[risk]
max_order_notional = "1000"
)";
  if (with_spot)
    c += R"([[instruments]]
name = "BTC/USDT"
base = "BTC"
quote = "USDT"
tick = "0.01"
lot = "0.00001"
min_notional = "5"
)";
  c += R"([[instruments]]
name = "BTC-PERP"
kind = "perp"
base = "BTC"
quote = "USDT"
tick = "0.1"
lot = "0.01"
min_notional = "5"
funding_interval_s = 1
mm_tiers = [ { max_value = "2000000", mmr = "0.005", imr = "0.01", deduction = "0" },
             { max_value = "4000000", mmr = "0.01", imr = "0.02", deduction = "10000" } ]
)";
  if (with_spot)
    c += R"([[venues]]
name = "binance"
kind = "binance"
market_data_url = "ws://127.0.0.1:1"
trading = false
taker_fee = "0.001"
symbols = { "BTC/USDT" = "BTCUSDT" }
)";
  c += R"([[venues]]
name = "bybit_perp"
kind = "bybit"
market_data_url = "ws://127.0.0.1:2"
trading = false
taker_fee = "0.00055"
margin_mode = "isolated"
leverage = "10"
symbols = { "BTC-PERP" = "BTCUSDT" }
[[venues]]
name = "okx_swap"
kind = "okx"
market_data_url = "ws://127.0.0.1:3"
trading = false
taker_fee = "0.0005"
leverage = "5"
symbols = { "BTC-PERP" = "BTC-USDT-SWAP" }
contract_sizes = { "BTC-PERP" = "0.01" }
[sim]
seed = 7
step_bps = 0
dislocation_every_ms = 0
)" + sim_extra +
       R"(
[sim.prices]
)" + (with_spot ? std::string("\"BTC/USDT\" = \"60000\"\n") : std::string("\"BTC-PERP\" = \"60000\"\n")) +
       R"([sim.accounts.bybit_perp]
taker_fee = "0.00055"
balances = { USDT = "10000" }
[sim.accounts.okx_swap]
taker_fee = "0.0005"
balances = { USDT = "10000" }
)";
  return c;
}

// What the server told a venue's protocol.
struct Hooks {
  struct Mark {
    int instrument;
    Price mark, index;
    Rate rate;
    Nanos next_funding;
  };
  struct Funding {
    int instrument;
    Amount flow;
    Rate rate;
  };
  std::vector<Mark> marks;
  std::vector<Funding> fundings;
  std::vector<MarginAccount::Liquidation> liquidations;
};

class RecordingProtocol final : public Protocol {
 public:
  explicit RecordingProtocol(Hooks* h) : h_(h) {}
  void OnOpen(Peer&) override {}
  void OnText(Peer&, std::string_view) override {}
  void OnBookChange(const BookChange&) override {}
  void OnMark(int instrument, Price mark, Price index, Rate rate, Nanos next_funding) override {
    h_->marks.push_back({instrument, mark, index, rate, next_funding});
  }
  void OnFunding(int instrument, Amount flow, Rate rate) override { h_->fundings.push_back({instrument, flow, rate}); }
  void OnLiquidation(const MarginAccount::Liquidation& l) override { h_->liquidations.push_back(l); }

 private:
  Hooks* h_;
};

class SimPerp : public ::testing::Test {
 protected:
  void Make(const std::string& sim_extra = "") {
    server_.reset();  // the server refers to the market and both to the config: newest first
    market_.reset();
    bybit_hooks_ = Hooks{};
    okx_hooks_ = Hooks{};
    auto c = ParseSimConfig(Config(sim_extra), "test");
    ASSERT_TRUE(c.ok()) << c.status();
    cfg_ = std::make_unique<SimConfig>(*c);
    market_ = std::make_unique<Market>(*cfg_);
    server_ = std::make_unique<Server>(ioc_, *cfg_, market_.get());
    spot_ = cfg_->base.FindInstrument("BTC/USDT")->id.value;
    perp_ = cfg_->base.FindInstrument("BTC-PERP")->id.value;
    bybit_ = cfg_->base.FindVenue("bybit_perp")->id.value;
    okx_ = cfg_->base.FindVenue("okx_swap")->id.value;
    server_->ReplaceProtocol(bybit_, std::make_unique<RecordingProtocol>(&bybit_hooks_));
    server_->ReplaceProtocol(okx_, std::make_unique<RecordingProtocol>(&okx_hooks_));
  }
  // Opens a position on a venue at the perpetual's current mark, as a protocol does after a fill.
  void Open(int venue, Side side, std::string_view qty) {
    MarginAccount* m = server_->margin(venue);
    ASSERT_NE(m, nullptr);
    m->Fill(perp_, side, Q(qty), market_->mark(perp_));
    server_->SyncMarginWallet(venue);
  }
  Amount Usdt(int venue) { return server_->account(venue).balance("USDT"); }
  json Control(const std::string& line) {
    json j = json::parse(server_->HandleControl(line), nullptr, false);
    EXPECT_FALSE(j.is_discarded());
    return j;
  }

  boost::asio::io_context ioc_;
  std::unique_ptr<SimConfig> cfg_;
  std::unique_ptr<Market> market_;
  std::unique_ptr<Server> server_;
  Hooks bybit_hooks_, okx_hooks_;
  int spot_ = 0, perp_ = 0, bybit_ = 0, okx_ = 0;
  const Nanos t0_ = Nanos::FromSeconds(1000);
};

// ---- set-up

TEST_F(SimPerp, PerpetualVenuesGetAMarginAccountFundedFromTheSettleAssetAndSpotVenuesNone) {
  Make();
  EXPECT_EQ(server_->margin(cfg_->base.FindVenue("binance")->id.value), nullptr);
  ASSERT_NE(server_->margin(bybit_), nullptr);
  ASSERT_NE(server_->margin(okx_), nullptr);
  EXPECT_EQ(server_->settle_asset(bybit_), "USDT");
  EXPECT_EQ(server_->margin(bybit_)->wallet(), A("10000"));
  EXPECT_EQ(server_->margin(bybit_)->mode(), MarginMode::kIsolated);
  EXPECT_EQ(server_->margin(bybit_)->leverage(), Rate::FromUnits(10));
  EXPECT_EQ(server_->margin(okx_)->mode(), MarginMode::kCross);
  EXPECT_EQ(server_->margin(okx_)->leverage(), Rate::FromUnits(5));
  EXPECT_TRUE(server_->margin(okx_)->has(perp_));
  EXPECT_FALSE(server_->margin(okx_)->has(spot_));
}

// ---- prices

TEST_F(SimPerp, MarkFollowsSpotTimesOnePlusBasisAndIndexIsTheSpot) {
  Make();  // perp_basis_bps defaults to 5
  server_->Tick(t0_);
  // 60,000 × 1.0005 = 60,030; funding 5 bp = 0.0005 per interval.
  EXPECT_EQ(market_->fair(spot_), Px("60000"));
  EXPECT_EQ(market_->mark(perp_), Px("60030"));
  EXPECT_EQ(market_->index(perp_), Px("60000"));
  EXPECT_EQ(market_->funding_rate(perp_), R("0.0005"));
  EXPECT_EQ(market_->funding_rate(spot_), Rate::Zero());
  ASSERT_EQ(bybit_hooks_.marks.size(), 1u);
  EXPECT_EQ(bybit_hooks_.marks[0].instrument, perp_);
  EXPECT_EQ(bybit_hooks_.marks[0].mark, Px("60030"));
  EXPECT_EQ(bybit_hooks_.marks[0].index, Px("60000"));
  EXPECT_EQ(bybit_hooks_.marks[0].rate, R("0.0005"));
  EXPECT_EQ(okx_hooks_.marks.size(), 1u);
  // The perpetual's books sit around its own fair.
  const SimBook& book = market_->book(bybit_, perp_);
  ASSERT_TRUE(book.has_top());
  EXPECT_LE(book.best_bid().px, Px("60030"));
  EXPECT_GE(book.best_ask().px, Px("60030"));
}

TEST_F(SimPerp, NegativeBasisPutsThePerpetualBelowSpotAndShortsPay) {
  Make("perp_basis_bps = -20");
  server_->Tick(t0_);
  EXPECT_EQ(market_->mark(perp_), Px("59880"));  // 60,000 × 0.998
  EXPECT_EQ(market_->funding_rate(perp_), R("-0.002"));
}

TEST_F(SimPerp, FundingRateIsTheBasisClampedToThreeQuartersOfAPercent) {
  Make("perp_basis_bps = 100");
  server_->Tick(t0_);
  EXPECT_EQ(market_->mark(perp_), Px("60600"));       // the price carries the whole basis
  EXPECT_EQ(market_->funding_rate(perp_), R("0.0075"));  // the rate is capped
  Make("perp_basis_bps = -1000");
  server_->Tick(t0_);
  EXPECT_EQ(market_->mark(perp_), Px("54000"));
  EXPECT_EQ(market_->funding_rate(perp_), R("-0.0075"));
}

TEST(SimPerpConfig, APerpetualWithoutASpotSiblingWalksFromItsOwnPrice) {
  auto c = ParseSimConfig(Config("", /*with_spot=*/false), "test");
  ASSERT_TRUE(c.ok()) << c.status();
  const int perp = c->base.FindInstrument("BTC-PERP")->id.value;
  EXPECT_EQ(c->follows[static_cast<size_t>(perp)], -1);
  Market m(*c);
  EXPECT_EQ(m.mark(perp), Px("60000"));
  EXPECT_EQ(m.index(perp), m.mark(perp));  // no spot: the index is its own price
}

TEST_F(SimPerp, CrashFallsLinearlyThenStaysAndASecondCrashCompounds) {
  Make();
  server_->Tick(t0_);
  EXPECT_EQ(market_->Crash(30, 1000, -1, t0_), 2);  // the spot and the perpetual
  server_->Tick(t0_ + Nanos::FromMillis(500));
  EXPECT_EQ(market_->fair(spot_), Px("51000"));  // half of 30 %: 60,000 × 0.85
  EXPECT_EQ(market_->mark(perp_), Px("51025.5"));  // still spot × 1.0005
  server_->Tick(t0_ + Nanos::FromMillis(1000));
  EXPECT_EQ(market_->fair(spot_), Px("42000"));
  server_->Tick(t0_ + Nanos::FromMillis(5000));
  EXPECT_EQ(market_->fair(spot_), Px("42000"));  // then stays
  // 10 % more of what is left, at once: 42,000 × 0.9.
  market_->Crash(10, 0, -1, t0_ + Nanos::FromMillis(6000));
  server_->Tick(t0_ + Nanos::FromMillis(6000));
  EXPECT_EQ(market_->fair(spot_), Px("37800"));
}

// ---- the crash liquidates

TEST_F(SimPerp, ACrashLiquidatesATenTimesIsolatedLongAtTheVenuesPriceNotATickBefore) {
  Make();
  server_->Tick(t0_);
  Open(bybit_, Side::kBuy, "1");
  MarginAccount* m = server_->margin(bybit_);
  // Entry 60,030 at 10×: margin 6,003, MM 300.15, fee to close 33.0165 →
  // 60,030 − (6,003 − 300.15 − 33.0165) = 54,360.1665 (the venue's estimate, fee included).
  const Price liq = m->liq_price(perp_);
  EXPECT_EQ(liq, Px("54360.1665"));
  EXPECT_EQ(Usdt(bybit_), A("9966.9835"));  // 10,000 − 33.0165 fee: the balance follows the wallet
  ASSERT_EQ(market_->Crash(30, 1000, -1, t0_), 2);
  bybit_hooks_.marks.clear();
  Nanos t = t0_;
  while (bybit_hooks_.liquidations.empty() && t < t0_ + Nanos::FromMillis(2000)) {
    t = t + Nanos::FromMillis(10);
    server_->Tick(t);
  }
  ASSERT_EQ(bybit_hooks_.liquidations.size(), 1u);
  const auto& marks = bybit_hooks_.marks;
  ASSERT_GE(marks.size(), 2u);
  // Liquidated on the first tick whose mark reached the price; every tick before was above it.
  EXPECT_LE(marks.back().mark, liq);
  for (size_t k = 0; k + 1 < marks.size(); ++k) EXPECT_GT(marks[k].mark, liq) << "tick " << k;
  const MarginAccount::Liquidation& l = bybit_hooks_.liquidations[0];
  EXPECT_EQ(l.instrument, perp_);
  EXPECT_EQ(l.size, Q("1"));
  EXPECT_EQ(l.mark, marks.back().mark);
  EXPECT_EQ(l.close_px, Px("54027"));  // Bybit closes at bankruptcy: 60,030 × 0.9
  EXPECT_EQ(l.loss, A("6003"));       // an isolated position loses its margin
  EXPECT_EQ(m->position(perp_).size, Qty::Zero());
  EXPECT_TRUE(m->position(perp_).liquidated);
  EXPECT_EQ(m->wallet(), A("3963.9835"));
  EXPECT_EQ(Usdt(bybit_), m->wallet());
  // The flat OKX account had nothing to liquidate; the crash goes on without more liquidations.
  EXPECT_TRUE(okx_hooks_.liquidations.empty());
  for (int k = 1; k <= 100; ++k) server_->Tick(t + Nanos::FromMillis(10 * k));
  EXPECT_EQ(bybit_hooks_.liquidations.size(), 1u);
  EXPECT_EQ(market_->fair(spot_), Px("42000"));
}

// ---- funding

TEST_F(SimPerp, FundingIsChargedOncePerIntervalOnOpenPositionsOnly) {
  Make();
  server_->Tick(t0_);  // schedules the first settlement one interval (1 s) on
  Open(bybit_, Side::kBuy, "1");
  Open(okx_, Side::kSell, "1");
  const Amount bybit_before = server_->margin(bybit_)->wallet();
  const Amount okx_before = server_->margin(okx_)->wallet();
  server_->Tick(t0_ + Nanos::FromMillis(500));
  EXPECT_TRUE(bybit_hooks_.fundings.empty());
  server_->Tick(t0_ + Nanos::FromMillis(1000));
  // 1 BTC × 60,030 × 0.0005 = 30.015: the long pays it, the short receives it.
  ASSERT_EQ(bybit_hooks_.fundings.size(), 1u);
  EXPECT_EQ(bybit_hooks_.fundings[0].instrument, perp_);
  EXPECT_EQ(bybit_hooks_.fundings[0].flow, A("-30.015"));
  EXPECT_EQ(bybit_hooks_.fundings[0].rate, R("0.0005"));
  ASSERT_EQ(okx_hooks_.fundings.size(), 1u);
  EXPECT_EQ(okx_hooks_.fundings[0].flow, A("30.015"));
  server_->Tick(t0_ + Nanos::FromMillis(1500));
  EXPECT_EQ(bybit_hooks_.fundings.size(), 1u);
  server_->Tick(t0_ + Nanos::FromMillis(2000));
  EXPECT_EQ(bybit_hooks_.fundings.size(), 2u);
  // A tick 3.5 s late settles once, not three times.
  server_->Tick(t0_ + Nanos::FromMillis(5500));
  EXPECT_EQ(bybit_hooks_.fundings.size(), 3u);
  EXPECT_EQ(server_->margin(bybit_)->wallet(), bybit_before - A("90.045"));
  EXPECT_EQ(server_->margin(okx_)->wallet(), okx_before + A("90.045"));
  EXPECT_EQ(Usdt(bybit_), server_->margin(bybit_)->wallet());
  EXPECT_EQ(Usdt(okx_), server_->margin(okx_)->wallet());
  EXPECT_EQ(server_->margin(bybit_)->position(perp_).funding_cum, A("-90.045"));
}

TEST_F(SimPerp, NegativeFundingPaysTheLongAndAFlatAccountIsNotCalled) {
  Make("perp_basis_bps = -20");
  server_->Tick(t0_);
  Open(bybit_, Side::kBuy, "1");
  const Amount before = server_->margin(bybit_)->wallet();
  server_->Tick(t0_ + Nanos::FromSeconds(1));
  ASSERT_EQ(bybit_hooks_.fundings.size(), 1u);
  EXPECT_EQ(bybit_hooks_.fundings[0].flow, A("119.76"));  // 59,880 × 0.002 received
  EXPECT_EQ(server_->margin(bybit_)->wallet(), before + A("119.76"));
  EXPECT_TRUE(okx_hooks_.fundings.empty());  // flat
}

TEST_F(SimPerp, NextFundingTimeIsPushedAsWallClockOneIntervalAhead) {
  Make();
  const Nanos before = WallNow();
  server_->Tick(t0_);
  ASSERT_EQ(bybit_hooks_.marks.size(), 1u);
  EXPECT_GE(bybit_hooks_.marks[0].next_funding, before + Nanos::FromSeconds(1));
  EXPECT_LE(bybit_hooks_.marks[0].next_funding, WallNow() + Nanos::FromSeconds(1));
}

// ---- control commands

TEST_F(SimPerp, MarginCommandReportsEveryPerpetualVenue) {
  Make();
  server_->Tick(t0_);
  Open(bybit_, Side::kBuy, "1");
  const json j = Control(R"({"cmd":"margin"})");
  ASSERT_TRUE(j.value("ok", false)) << j.dump();
  ASSERT_TRUE(j["venues"].contains("bybit_perp"));
  ASSERT_TRUE(j["venues"].contains("okx_swap"));
  EXPECT_FALSE(j["venues"].contains("binance"));
  const json& b = j["venues"]["bybit_perp"];
  EXPECT_EQ(b["mode"], "isolated");
  EXPECT_EQ(b["leverage"], "10");
  EXPECT_EQ(b["wallet"], "9966.9835");
  EXPECT_EQ(b["equity"], "9966.9835");   // mark = entry: no unrealized PnL
  EXPECT_EQ(b["maint_margin"], "300.15");
  EXPECT_EQ(b["liquidations"], 0);
  const json& p = b["positions"]["BTC-PERP"];
  EXPECT_EQ(p["size"], "1");
  EXPECT_EQ(p["entry"], "60030");
  EXPECT_EQ(p["mark"], "60030");
  EXPECT_EQ(p["liq"], "54360.1665");
  EXPECT_EQ(j["venues"]["okx_swap"]["positions"]["BTC-PERP"]["size"], "0");
  EXPECT_EQ(j["venues"]["okx_swap"]["mode"], "cross");
  EXPECT_EQ(j["liquidations"], 0);
}

TEST_F(SimPerp, CrashCommandMovesPricesOfItsBaseOnly) {
  Make();
  server_->Tick(t0_);
  json j = Control(R"({"cmd":"crash","pct":30,"ms":60000,"base":"USDT"})");
  ASSERT_TRUE(j.value("ok", false)) << j.dump();
  EXPECT_EQ(j["instruments"], 0);  // nothing has USDT as its base
  j = Control(R"({"cmd":"crash","pct":30,"ms":0,"base":"BTC"})");
  ASSERT_TRUE(j.value("ok", false)) << j.dump();
  EXPECT_EQ(j["instruments"], 2);
  server_->Tick(MonoNow());
  EXPECT_EQ(market_->fair(spot_), Px("42000"));
  EXPECT_EQ(market_->mark(perp_), Px("42021"));
}

TEST_F(SimPerp, CrashCommandRefusesBadArgumentsNamingThem) {
  Make();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"cmd":"crash","ms":1000})", "\"pct\""},
      {R"({"cmd":"crash","pct":30})", "\"ms\""},
      {R"({"cmd":"crash","pct":2.5,"ms":1000})", "\"pct\""},
      {R"({"cmd":"crash","pct":"30","ms":1000})", "\"pct\""},
      {R"({"cmd":"crash","pct":0,"ms":1000})", "1..99"},
      {R"({"cmd":"crash","pct":100,"ms":1000})", "1..99"},
      {R"({"cmd":"crash","pct":30,"ms":-1})", "\"ms\""},
      {R"({"cmd":"crash","pct":30,"ms":1000,"base":"DOGE"})", "unknown asset 'DOGE'"},
      {R"({"cmd":"crash","pct":30,"ms":1000,"base":7})", "\"base\""},
  };
  for (const auto& [line, want] : cases) {
    const json j = Control(line);
    EXPECT_FALSE(j.value("ok", true)) << line;
    EXPECT_NE(j.value("error", "").find(want), std::string::npos) << line << " → " << j.dump();
  }
  server_->Tick(t0_);
  EXPECT_EQ(market_->fair(spot_), Px("60000"));  // nothing moved
}

// ---- --fault-crash and [sim] perp_basis_bps

TEST(SimPerpConfig, FaultCrashReadsPctMsAfter) {
  CrashFault c;
  ASSERT_TRUE(ParseCrashFault("30:10000:5000", &c).ok());
  EXPECT_EQ(c.pct, 30);
  EXPECT_EQ(c.ms, 10000);
  EXPECT_EQ(c.after_ms, 5000);
  ASSERT_TRUE(ParseCrashFault("99:0:0", &c).ok());
  EXPECT_EQ(c.ms, 0);
}

TEST(SimPerpConfig, FaultCrashRefusesMalformedTextNamingThePart) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"30:10000", "PCT:MS:AFTER_MS"},  {"30:10000:5000:1", "PCT:MS:AFTER_MS"}, {"", "PCT:MS:AFTER_MS"},
      {"0:1000:0", "PCT '0'"},          {"100:1000:0", "PCT '100'"},            {"-5:1000:0", "PCT '-5'"},
      {"2.5:1000:0", "PCT '2.5'"},      {"30::0", "MS ''"},                     {"30:1e3:0", "MS '1e3'"},
      {"30:1000:x", "AFTER_MS 'x'"},    {"30:1000:99999999999", "AFTER_MS"},
  };
  for (const auto& [text, want] : cases) {
    CrashFault c;
    const absl::Status st = ParseCrashFault(text, &c);
    EXPECT_FALSE(st.ok()) << text;
    EXPECT_NE(std::string(st.message()).find(want), std::string::npos) << text << " → " << st.message();
  }
}

TEST(SimPerpConfig, PerpBasisDefaultsToFiveAndMayBeNegative) {
  auto c = ParseSimConfig(Config(""), "test");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->perp_basis_bps, 5);
  c = ParseSimConfig(Config("perp_basis_bps = -30"), "test");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->perp_basis_bps, -30);
  // The perpetual follows the spot: its start price comes from the spot's.
  const int perp = c->base.FindInstrument("BTC-PERP")->id.value;
  EXPECT_EQ(c->follows[static_cast<size_t>(perp)], c->base.FindInstrument("BTC/USDT")->id.value);
  EXPECT_EQ(c->start_price[static_cast<size_t>(perp)], Px("59820"));
}

TEST(SimPerpConfig, PerpBasisOutOfRangeOrNotAWholeNumberIsRefusedNamingTheKey) {
  for (const char* bad : {"perp_basis_bps = 1001", "perp_basis_bps = -1001", "perp_basis_bps = \"5\"",
                          "perp_basis_bps = 2.5"}) {
    auto c = ParseSimConfig(Config(bad), "test");
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(std::string(c.status().message()).find("perp_basis_bps"), std::string::npos)
        << bad << " → " << c.status().message();
  }
}

TEST(SimPerpConfig, AFollowingPerpetualsOwnPriceIsOptionalButStillChecked) {
  std::string text = Config("");
  const std::string at = "\"BTC/USDT\" = \"60000\"\n";
  text.replace(text.find(at), at.size(), at + "\"BTC-PERP\" = \"-1\"\n");
  auto c = ParseSimConfig(text, "test");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(std::string(c.status().message()).find("BTC-PERP"), std::string::npos) << c.status().message();
}

TEST(SimPerpConfig, APerpetualWithoutASpotSiblingNeedsItsPrice) {
  std::string text = Config("", /*with_spot=*/false);
  const std::string at = "\"BTC-PERP\" = \"60000\"\n";
  text.replace(text.find(at), at.size(), "");
  auto c = ParseSimConfig(text, "test");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(std::string(c.status().message()).find("BTC-PERP"), std::string::npos) << c.status().message();
}

}  // namespace
}  // namespace hs::sim
