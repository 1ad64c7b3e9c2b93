#include "core/config/config.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/test_support.h"

namespace hs::config {
namespace {

std::string Demo() { return EmbeddedDemoConfig(); }

// Replaces the first occurrence of `from` in the demo config.
std::string DemoWith(const std::string& from, const std::string& to) {
  std::string s = Demo();
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not in the demo config";
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

std::string ErrorOf(const std::string& text) {
  auto c = ParseConfig(text, "test.toml");
  EXPECT_FALSE(c.ok());
  return c.ok() ? "" : std::string(c.status().message());
}

TEST(Config, EmbeddedDemoParses) {
  auto c = ParseConfig(Demo(), "demo");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->name, "demo");
  // One venue per wire format; Kraken and Coinbase are market data only.
  ASSERT_EQ(c->venues.size(), 5u);
  const VenueKind kinds[] = {VenueKind::kBinance, VenueKind::kOkx, VenueKind::kBybit, VenueKind::kKraken,
                             VenueKind::kCoinbase};
  const bool trading[] = {true, true, true, false, false};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(c->venues[i].kind, kinds[i]) << i;
    EXPECT_EQ(c->venues[i].trading, trading[i]) << c->venues[i].name;
  }
  EXPECT_EQ(c->venues[0].depth, 100);
  EXPECT_EQ(c->venues[1].passphrase_env, "HS_DEMO_OKX_PASSPHRASE");
  EXPECT_EQ(c->strategy.max_quote_age_ms, 2000);
  ASSERT_EQ(c->instruments.size(), 2u);
  const InstrumentConfig& btc = c->instruments[0];
  EXPECT_EQ(btc.name, "BTC/USDT");
  EXPECT_EQ(btc.tick.raw(), 10'000'000);  // 0.01 at 10^-9
  EXPECT_EQ(btc.lot.raw(), 1000);         // 0.00001 at 10^-8
  EXPECT_EQ(c->venues[0].taker_fee.raw(), 100000);
  EXPECT_EQ(c->venues[0].symbols[0].symbol, "BTCUSDT");
  EXPECT_EQ(c->venues[0].symbols[0].price_decimals, 2);
  EXPECT_EQ(c->venues[0].symbols[0].qty_decimals, 5);
  EXPECT_EQ(c->venues[0].id.value, 0);
  EXPECT_EQ(c->venues[1].id.value, 1);
  EXPECT_EQ(c->FindAsset("USDT")->id, btc.quote);
}

TEST(Config, ErrorsNameTheField) {
  struct Case {
    std::string from, to, expect;
  };
  const Case cases[] = {
      {"taker_fee = \"0.001\"", "taker_fee = \"0.0x1\"", "venues[0].taker_fee: \"0.0x1\" is not a valid decimal (invalid character"},
      {"taker_fee = \"0.001\"", "taker_fee = 0.001", "venues[0].taker_fee: expected a string, found a float"},
      {"taker_fee = \"0.001\"", "taker_fee = \"0.5\"", "venues[0].taker_fee: must be below 0.1"},
      {"tick = \"0.01\"", "tick = \"0.001.2\"", "instruments[0].tick: \"0.001.2\" is not a valid decimal (more than one decimal point)"},
      {"tick = \"0.01\"", "tick = \"0\"", "instruments[0].tick: must be > 0"},
      {"lot = \"0.00001\"", "lot = \"0.000000001\"", "instruments[0].lot: \"0.000000001\" is not a valid decimal (too many decimals for the scale)"},
      {"kind = \"binance\"", "kind = \"ftx\"", "venues[0].kind: \"ftx\" is not a venue kind"},
      {"market_data_url = \"ws://", "market_data_url = \"tcp://", "venues[0].market_data_url: \"tcp://"},
      {"base = \"BTC\"", "base = \"XBT\"", "instruments[0].base: unknown asset \"XBT\""},
      {"\"BTC/USDT\" = \"BTCUSDT\", ", "\"BTC/EUR\" = \"BTCEUR\", ", "venues[0].symbols.BTC/EUR: unknown instrument"},
      {"min_edge = \"0.0005\"", "min_edge = \"-0.0005\"", "strategy.min_edge: \"-0.0005\" is not a valid decimal (negative value not allowed)"},
      {"max_order_notional = \"5000\"", "max_order_notional = \"0\"", "risk.max_order_notional: must be > 0"},
      {"cooldown_ms = 150", "cooldown_ms = -5", "strategy.cooldown_ms: -5 is out of range"},
      {"core    = { cpu = -1, idle = \"backoff\" }", "core    = { cpu = -1, idle = \"sleepy\" }", "threads.core.idle: \"sleepy\" is not an idle strategy"},
      {"core    = { cpu = -1, idle = \"backoff\" }", "core    = { cpu = -1, idel = \"backoff\" }", "threads.core.idel: unknown key"},
      {"[risk]", "[risky]", "risky: unknown key"},
      {"name = \"okx\"", "name = \"binance\"", "venues[1].name: duplicate venue \"binance\""},
      {"api_key_env = \"HS_DEMO_BINANCE_KEY\"\n", "", "venues[0].api_key_env: api_key_env and api_secret_env are required"},
      {"max_quote_age_ms = 2000", "max_quote_age_ms = 0", "strategy.max_quote_age_ms: 0 is out of range"},
      {"depth = 100 ", "depth = 100000 ", "venues[0].depth: 100000 is out of range"},
  };
  for (const Case& c : cases) {
    const std::string err = ErrorOf(DemoWith(c.from, c.to));
    EXPECT_NE(err.find(c.expect), std::string::npos) << "replacing [" << c.from << "]\n got: " << err;
    EXPECT_NE(err.find("test.toml"), std::string::npos) << err;
  }
}

TEST(Config, MissingSectionsAndSyntax) {
  EXPECT_NE(ErrorOf(DemoWith("[strategy]", "[strategy_x]")).find("strategy_x: unknown key"), std::string::npos);
  std::string no_strategy = Demo();
  no_strategy.erase(no_strategy.find("[strategy]"), no_strategy.find("[risk]") - no_strategy.find("[strategy]"));
  EXPECT_NE(ErrorOf(no_strategy).find("strategy: missing required key"), std::string::npos) << ErrorOf(no_strategy);
  const std::string syntax = ErrorOf("assets = [\"BTC\"\n[engine");
  EXPECT_NE(syntax.find("TOML syntax error"), std::string::npos) << syntax;
  EXPECT_NE(ErrorOf("").find("missing required key"), std::string::npos);
  EXPECT_NE(ErrorOf(std::string("\x00\xff\xfe garbage", 12)).find("TOML syntax error"), std::string::npos);
}

TEST(Config, LoadReportsMissingFile) {
  auto c = LoadConfig("/nonexistent/dir/x.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(std::string(c.status().message()).find("/nonexistent/dir/x.toml"), std::string::npos);
}

TEST(Config, VenueSymbolOverridesTickAndLot) {
  auto c = ParseConfig(DemoWith("symbols = { \"BTC/USDT\" = \"BTCUSDT\", \"ETH/USDT\" = \"ETHUSDT\" }",
                                "symbols = { \"BTC/USDT\" = { symbol = \"BTCUSDT\", tick = \"0.1\", lot = \"0.0001\" }, "
                                "\"ETH/USDT\" = \"ETHUSDT\" }"),
                       "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->venues[0].symbols[0].price_decimals, 1);
  EXPECT_EQ(c->venues[0].symbols[0].qty_decimals, 4);
}

}  // namespace
}  // namespace hs::config
