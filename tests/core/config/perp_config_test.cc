// Perpetual instruments, venues that list them, [risk.liquidation] and the allocation's
// perp_share / [allocation.basis] (issue 15): what parses, and what is refused naming the key.
#include <gtest/gtest.h>

#include <string>

#include "core/config/config.h"

namespace hs::config {
namespace {

// A spot venue and two perpetual venues (Bybit linear, OKX SWAP with ctVal 0.01).
std::string Perps() {
  return R"(assets = ["BTC", "USDT"]
[engine]
name = "perp-test"
[admin]
socket = "run/test/perp.sock"
[journal]
path = "run/test/journal"
[strategy]
min_edge = "0.0005"
max_leg_notional = "1000"
[risk]
max_order_notional = "5000"
[risk.liquidation]
min_distance = "0.15"
reduce_distance = "0.10"
delever_distance = "0.07"
max_delever_notional_per_s = "20000"
max_leverage = "10"
liq_price_tolerance_bps = "25"
[allocation]
valuation_asset = "USDT"
min_trade_notional = "20"
max_trade_notional = "4000"
max_cost_bps = "25"
pace_notional_per_min = "300000"
venue_band = "0.10"
[allocation.targets]
BTC  = { weight = "0.5", band = "0.02", perp_share = "0.4" }
USDT = { weight = "0.5", band = "0.03" }
[allocation.venue_shares]
binance = "1"
bybit_perp = "0"
okx_swap = "0"
[allocation.basis]
min_funding_rate = "0.0001"
exit_funding_rate = "0.00002"
max_notional = "10000"
[[instruments]]
name = "BTC/USDT"
base = "BTC"
quote = "USDT"
tick = "0.01"
lot = "0.00001"
min_notional = "5"
[[instruments]]
name = "BTC-PERP"
kind = "perp"
base = "BTC"
quote = "USDT"
tick = "0.1"
lot = "0.01"
min_notional = "5"
funding_interval_s = 8
mm_tiers = [ { max_value = "2000000", mmr = "0.005", imr = "0.01" },
             { max_value = "4000000", mmr = "0.01", imr = "0.02", deduction = "10000" } ]
[[venues]]
name = "binance"
kind = "binance"
market_data_url = "ws://127.0.0.1:18401"
rest_url = "http://127.0.0.1:18401"
order_url = "ws://127.0.0.1:18401"
api_key_env = "K"
api_secret_env = "S"
taker_fee = "0.001"
symbols = { "BTC/USDT" = "BTCUSDT" }
[[venues]]
name = "bybit_perp"
kind = "bybit"
market_data_url = "ws://127.0.0.1:18403"
rest_url = "http://127.0.0.1:18403"
order_url = "ws://127.0.0.1:18403"
api_key_env = "K"
api_secret_env = "S"
taker_fee = "0.00055"
margin_mode = "isolated"
leverage = "5"
symbols = { "BTC-PERP" = "BTCUSDT" }
[[venues]]
name = "okx_swap"
kind = "okx"
market_data_url = "ws://127.0.0.1:18402"
rest_url = "http://127.0.0.1:18402"
order_url = "ws://127.0.0.1:18402"
api_key_env = "K"
api_secret_env = "S"
passphrase_env = "P"
taker_fee = "0.0005"
leverage = "3"
symbols = { "BTC-PERP" = "BTC-USDT-SWAP" }
contract_sizes = { "BTC-PERP" = "0.001" }
)";
}

std::string With(const std::string& from, const std::string& to) {
  std::string s = Perps();
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not in the config";
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

void ExpectError(const std::string& text, const std::string& expect) {
  auto c = ParseConfig(text, "perp.toml");
  ASSERT_FALSE(c.ok()) << "accepted; wanted: " << expect;
  const std::string err(c.status().message());
  EXPECT_NE(err.find(expect), std::string::npos) << "want: " << expect << "\n got: " << err;
}

TEST(PerpConfig, PerpetualInstrumentsVenuesAndLimitsParse) {
  auto c = ParseConfig(Perps(), "perp.toml");
  ASSERT_TRUE(c.ok()) << c.status();
  const InstrumentConfig* perp = c->FindInstrument("BTC-PERP");
  ASSERT_NE(perp, nullptr);
  EXPECT_TRUE(perp->perp());
  EXPECT_FALSE(c->FindInstrument("BTC/USDT")->perp());
  EXPECT_EQ(perp->funding_interval_s, 8);
  EXPECT_EQ(perp->contract_size, Qty::FromUnits(1));
  ASSERT_EQ(perp->mm_tiers.count, 2);
  EXPECT_EQ(perp->mm_tiers.tier[0].mmr, Rate::FromRaw(500'000));
  EXPECT_EQ(perp->mm_tiers.tier[0].deduction, Amount::Zero());
  EXPECT_EQ(perp->mm_tiers.tier[1].deduction, Amount::FromUnits(10'000));
  EXPECT_EQ(perp->mm_tiers.tier[1].max_value, Notional::FromUnits(4'000'000));

  const VenueConfig* bybit = c->FindVenue("bybit_perp");
  const VenueConfig* okx = c->FindVenue("okx_swap");
  ASSERT_TRUE(bybit && okx);
  EXPECT_TRUE(bybit->perp());
  EXPECT_FALSE(c->FindVenue("binance")->perp());
  EXPECT_EQ(bybit->margin_mode, MarginMode::kIsolated);
  EXPECT_EQ(bybit->leverage, Rate::FromUnits(5));
  EXPECT_EQ(okx->margin_mode, MarginMode::kCross);  // the default
  EXPECT_EQ(bybit->symbols[0].contract_size, Qty::FromUnits(1));
  EXPECT_EQ(okx->symbols[0].contract_size, Qty::FromRaw(100'000));  // 0.001 BTC per contract
  EXPECT_EQ(okx->symbols[0].market, MarketKind::kPerpetual);

  const LiquidationConfig& l = c->risk.liquidation;
  EXPECT_TRUE(l.enabled);
  EXPECT_EQ(l.min_distance, Rate::FromRaw(15'000'000));
  EXPECT_EQ(l.reduce_distance, Rate::FromRaw(10'000'000));
  EXPECT_EQ(l.delever_distance, Rate::FromRaw(7'000'000));
  EXPECT_EQ(l.max_delever_notional_per_s, Notional::FromUnits(20'000));
  EXPECT_EQ(l.max_leverage, Rate::FromUnits(10));
  EXPECT_EQ(l.liq_price_tolerance, Rate::FromRaw(250'000));

  const AssetId btc = c->FindAsset("BTC")->id;
  EXPECT_EQ(c->allocation.targets[btc.value].perp_share, Rate::FromRaw(40'000'000));
  EXPECT_TRUE(c->allocation.basis.enabled);
  EXPECT_EQ(c->allocation.basis.min_funding_rate, Rate::FromRaw(10'000));
  EXPECT_EQ(c->allocation.basis.max_notional, Notional::FromUnits(10'000));
}

TEST(PerpConfig, LegacyMarketKeyStillReadsAndMustAgreeWithKind) {
  auto c = ParseConfig(With("kind = \"perp\"", "market = \"perpetual\""), "perp.toml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->FindInstrument("BTC-PERP")->perp());
  ExpectError(With("kind = \"perp\"", "kind = \"perp\"\nmarket = \"spot\""), "contradicts kind");
  ExpectError(With("kind = \"perp\"", "kind = \"future\""), "\"future\" is not an instrument kind");
}

TEST(PerpConfig, PerpetualNeedsTiersAndSaneOnes) {
  std::string s = Perps();
  const size_t from = s.find("mm_tiers = [");
  const size_t to = s.find("[[venues]]");
  s.erase(from, to - from);
  ExpectError(s, "BTC-PERP.mm_tiers: required for a perpetual");
  ExpectError(With("mm_tiers = [ {", "mm_tiers = [ { bogus = 1,"), "bogus");
  ExpectError(With("mmr = \"0.005\", imr = \"0.01\"", "mmr = \"0.02\", imr = \"0.01\""), "must be above mmr");
  ExpectError(With("max_value = \"4000000\"", "max_value = \"1000\""), "tiers ascend");
  ExpectError(With("mmr = \"0.005\"", "mmr = \"1.5\""), "mmr");
  ExpectError(With("mm_tiers = [", "mm_tiers = [ ]\nx = ["), "x");  // unknown key after an empty list
  ExpectError(With("funding_interval_s = 8", "funding_interval_s = 0"), "funding_interval_s");
}

TEST(PerpConfig, SpotInstrumentsRefusePerpetualKeys) {
  ExpectError(With("min_notional = \"5\"\n[[instruments]]", "min_notional = \"5\"\ncontract_size = \"1\"\n[[instruments]]"),
              "only a perpetual (kind = \"perp\") has one");
  ExpectError(With("symbols = { \"BTC/USDT\" = \"BTCUSDT\" }", "symbols = { \"BTC/USDT\" = \"BTCUSDT\" }\nleverage = \"2\""),
              "binance.leverage: only a venue that lists perpetuals has one");
}

TEST(PerpConfig, VenueRulesForPerpetuals) {
  ExpectError(With("symbols = { \"BTC-PERP\" = \"BTCUSDT\" }", "symbols = { \"BTC-PERP\" = \"BTCUSDT\", \"BTC/USDT\" = \"BTCUSDT\" }"),
              "lists both spot and perpetual instruments");
  ExpectError(With("margin_mode = \"isolated\"", "margin_mode = \"portfolio\""), "\"portfolio\" is not a margin mode");
  ExpectError(With("leverage = \"5\"", "leverage = \"0.5\""), "is outside [1, 125]");
  ExpectError(With("leverage = \"5\"", "leverage = \"15\""), "is above risk.liquidation.max_leverage");
  ExpectError(With("contract_sizes = { \"BTC-PERP\" = \"0.001\" }", "contract_sizes = { \"BTC-PERP\" = \"0.000003\" }"),
              "is not a whole number of 10^-8 contracts");
  // OKX orders count whole contracts: a lot of 0.01 BTC with 0.1 BTC contracts is refused.
  ExpectError(With("contract_sizes = { \"BTC-PERP\" = \"0.001\" }", "contract_sizes = { \"BTC-PERP\" = \"0.1\" }"),
              "is not a whole number of contracts of 0.1");
  ExpectError(With("contract_sizes = { \"BTC-PERP\" = \"0.001\" }", "contract_sizes = { \"BTC/USDT\" = \"0.01\" }"),
              "not one of this venue's symbols");
  ExpectError(With("contract_sizes = { \"BTC-PERP\" = \"0.001\" }", "contract_sizes = { \"BTC-PERP\" = \"0\" }"),
              "must be > 0");
}

TEST(PerpConfig, LiquidationThresholdsMustBeOrdered) {
  ExpectError(With("delever_distance = \"0.07\"", "delever_distance = \"0.10\""), "must be below reduce_distance");
  ExpectError(With("reduce_distance = \"0.10\"", "reduce_distance = \"0.20\""), "must not exceed min_distance");
  ExpectError(With("min_distance = \"0.15\"", "min_distance = \"1.5\""), "min_distance");
  ExpectError(With("max_delever_notional_per_s = \"20000\"", "max_delever_notional_per_s = \"0\""), "must be > 0");
  ExpectError(With("max_leverage = \"10\"", "max_leverage = \"200\""), "max_leverage");
  ExpectError(With("liq_price_tolerance_bps = \"25\"", "liq_price_tolerance_bps = \"5000\""), "liq_price_tolerance_bps");
  ExpectError(With("[risk.liquidation]", "[risk.liquidation]\nbogus = 1"), "bogus");
  auto off = ParseConfig(With("[risk.liquidation]", "[risk.liquidation]\nenabled = false"), "perp.toml");
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_FALSE(off->risk.liquidation.enabled);
}

TEST(PerpConfig, PerpShareNeedsATradedPerpetualAndBasisRatesAreOrdered) {
  ExpectError(With("BTC  = { weight = \"0.5\", band = \"0.02\", perp_share = \"0.4\" }",
                   "BTC  = { weight = \"0.5\", band = \"0.02\", perp_share = \"1.4\" }"),
              "perp_share");
  ExpectError(With("exit_funding_rate = \"0.00002\"", "exit_funding_rate = \"0.0002\""), "must be below min_funding_rate");
  ExpectError(With("max_notional = \"10000\"", "max_notional = \"0\""), "must be > 0");
  // Without any perpetual venue, a perp_share has nothing to be held in.
  std::string s = Perps();
  for (const char* v : {"name = \"bybit_perp\"", "name = \"okx_swap\""}) {
    const size_t at = s.find(v);
    const size_t start = s.rfind("[[venues]]", at);
    const size_t end = s.find("[[venues]]", at);
    s.erase(start, end == std::string::npos ? std::string::npos : end - start);
  }
  const size_t vs = s.find("bybit_perp = \"0\"\nokx_swap = \"0\"\n");
  s.erase(vs, std::string("bybit_perp = \"0\"\nokx_swap = \"0\"\n").size());
  ExpectError(s, "no trading venue lists a perpetual on BTC");
}

}  // namespace
}  // namespace hs::config

namespace hs::config {
namespace {

TEST(PerpConfig, NoLiquidationLimitsRewritesTheTextReplaceablyAndParses) {
  // Replaces the table's own `enabled`, keeps the other keys.
  const std::string on = With("[risk.liquidation]", "[risk.liquidation]\nenabled = true");
  const std::string off = WithoutLiquidationLimits(on);
  auto c = ParseConfig(off, "perp.toml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->risk.liquidation.enabled);
  EXPECT_EQ(c->risk.liquidation.min_distance, Rate::FromRaw(15'000'000));
  EXPECT_EQ(c->source_text, off);  // what the journal records
  // Without the table: added at the end.
  std::string bare = Perps();
  const size_t from = bare.find("[risk.liquidation]");
  bare.erase(from, bare.find("[allocation]") - from);
  auto d = ParseConfig(WithoutLiquidationLimits(bare), "perp.toml");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE(d->risk.liquidation.enabled);
  // Idempotent.
  EXPECT_EQ(WithoutLiquidationLimits(off), off);
}

}  // namespace
}  // namespace hs::config
