#include "core/config/config.h"

#include <grp.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/config/toml_reader.h"
#include "risk/breakers.h"
#include "tests/support/paths.h"
#include "tests/support/test_support.h"

namespace hs::config {
namespace {

// The demo config without its [reference] and [allocation] tables (from the oracle's comment up
// to the first [[instruments]]): the tests below add their own.
std::string Demo() {
  std::string s = EmbeddedDemoConfig();
  const size_t from = s.find("# The reference price (oracle)");
  const size_t to = s.find("[[instruments]]");
  if (from != std::string::npos && to != std::string::npos && from < to) s.erase(from, to - from);
  return s;
}

TEST(Config, TheDemoConfigKeepsAnAllocation) {
  auto c = ParseConfig(EmbeddedDemoConfig(), "demo");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->allocation.enabled);
  EXPECT_TRUE(c->allocation.vol.enabled);
  auto plain = ParseConfig(Demo(), "demo-without-allocation");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE(plain->allocation.enabled);
}

// Replaces the first occurrence of `from` in the demo config.
std::string DemoWith(const std::string& from, const std::string& to) {
  std::string s = Demo();
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not in the demo config";
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// Replaces the first occurrence of `from` after `after` (e.g. `name = "okx"`, to reach the
// second venue's keys).
std::string DemoWithAfter(const std::string& after, const std::string& from, const std::string& to) {
  std::string s = Demo();
  const size_t start = s.find(after);
  EXPECT_NE(start, std::string::npos) << "test bug: '" << after << "' not in the demo config";
  const size_t at = start == std::string::npos ? start : s.find(from, start);
  EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not after '" << after << "'";
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// Replaces the first occurrence of `from` in `s`.
void ReplaceIn(std::string& s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not in the text";
  if (at != std::string::npos) s.replace(at, from.size(), to);
}

std::string ErrorOf(const std::string& text, const ParseOptions& options = {}) {
  auto c = ParseConfig(text, "test.toml", options);
  EXPECT_FALSE(c.ok());
  return c.ok() ? "" : std::string(c.status().message());
}

// Expects `text` to be refused with a message containing `expect`.
void ExpectError(const std::string& text, const std::string& expect, const ParseOptions& options = {}) {
  const std::string err = ErrorOf(text, options);
  EXPECT_NE(err.find(expect), std::string::npos) << "want: " << expect << "\n got: " << err;
}

// A one-venue config (Binance format, BTC/USDT) with `admin` appended to its [admin] section.
std::string UnitWithAdmin(const std::string& admin) {
  std::string s = testing::UnitConfigToml(R"("BTC", "USDT")", std::string(testing::kBtcUsdtInstrumentToml) + R"([[venues]]
name = "binance"
kind = "binance"
market_data_url = "ws://127.0.0.1:18401"
trading = false
taker_fee = "0.001"
symbols = { "BTC/USDT" = "BTCUSDT" }
)");
  const size_t at = s.find("[admin]\n");
  EXPECT_NE(at, std::string::npos) << "test bug: UnitConfigToml has no [admin]";
  if (at != std::string::npos) s.insert(s.find('\n', at) + 1, admin);
  return s;
}

TEST(Config, EmbeddedDemoParses) {
  auto c = ParseConfig(Demo(), "demo");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->name, "demo");
  // One venue per wire format; all five trade.
  ASSERT_EQ(c->venues.size(), 5u);
  const VenueKind kinds[] = {VenueKind::kBinance, VenueKind::kOkx, VenueKind::kBybit, VenueKind::kKraken,
                             VenueKind::kCoinbase};
  const bool trading[] = {true, true, true, true, true};
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
      {"taker_fee = \"0.001\"", "taker_fee = \"0.0x1\"", "venues.binance.taker_fee: \"0.0x1\" is not a valid decimal (invalid character"},
      {"taker_fee = \"0.001\"", "taker_fee = 0.001", "venues.binance.taker_fee: expected a string, found a float"},
      {"taker_fee = \"0.001\"", "taker_fee = \"0.5\"", "venues.binance.taker_fee: \"0.5\" is outside [0, 0.1)"},
      {"tick = \"0.01\"", "tick = \"0.001.2\"", "instruments.\"BTC/USDT\".tick: \"0.001.2\" is not a valid decimal (more than one decimal point)"},
      {"tick = \"0.01\"", "tick = \"0\"", "instruments.\"BTC/USDT\".tick: must be > 0"},
      {"lot = \"0.00001\"", "lot = \"0.000000001\"", "instruments.\"BTC/USDT\".lot: \"0.000000001\" is not a valid decimal (too many decimals for the scale)"},
      {"kind = \"binance\"", "kind = \"ftx\"", "venues.binance.kind: \"ftx\" is not a venue kind"},
      {"market_data_url = \"ws://", "market_data_url = \"tcp://", "venues.binance.market_data_url: \"tcp://"},
      {"base = \"BTC\"", "base = \"XBT\"", "instruments.\"BTC/USDT\".base: unknown asset \"XBT\""},
      {"\"BTC/USDT\" = \"BTCUSDT\", ", "\"BTC/EUR\" = \"BTCEUR\", ", "venues.binance.symbols.\"BTC/EUR\": unknown instrument"},
      {"min_edge = \"0.0005\"", "min_edge = \"0.0x5\"", "strategy.min_edge: \"0.0x5\" is not a valid decimal (invalid character"},
      {"max_order_notional = \"5000\"", "max_order_notional = \"0\"", "risk.max_order_notional: must be > 0"},
      {"cooldown_ms = 150", "cooldown_ms = -5", "strategy.cooldown_ms: -5 is out of range"},
      {"core    = { cpu = -1, idle = \"backoff\" }", "core    = { cpu = -1, idle = \"sleepy\" }", "threads.core.idle: \"sleepy\" is not an idle strategy"},
      {"core    = { cpu = -1, idle = \"backoff\" }", "core    = { cpu = -1, idel = \"backoff\" }", "threads.core.idel: unknown key"},
      {"[risk]", "[risky]", "risky: unknown key"},
      {"name = \"okx\"", "name = \"binance\"", "venues[1].name: duplicate venue \"binance\""},
      {"\"ETH/USDT\" = \"ETHUSDT\"", "\"ETH/USDT\" = \"BTCUSDT\"",
       "venues.binance.symbols.\"ETH/USDT\": venue symbol \"BTCUSDT\" is already BTC/USDT's in the spot market"},
      {"base = \"BTC\"", "market = \"perpetual\"\nbase = \"BTC\"",
       "instruments.\"BTC/USDT\".mm_tiers: required for a perpetual"},
      {"base = \"BTC\"", "market = \"futures\"\nbase = \"BTC\"",
       "instruments.\"BTC/USDT\".market: \"futures\" is not a market (\"spot\" or \"perpetual\")"},
      {"api_key_env = \"HS_DEMO_BINANCE_KEY\"\n", "", "venues.binance.api_key_env: api_key_env and api_secret_env are required"},
      {"max_quote_age_ms = 2000", "max_quote_age_ms = 0", "strategy.max_quote_age_ms: 0 is out of range"},
      {"depth = 100 ", "depth = 100000 ", "venues.binance.depth: 100000 is out of range"},
      {"depth = 100 ", "depth = 100\ndead_man_s = 86400 ", "venues.binance.dead_man_s: 86400 is out of range [0, 86399]"},
      {"depth = 100 ", "depth = 100\ndead_man_s = \"60\" ", "venues.binance.dead_man_s: expected an integer"},
      {"depth = 100 ", "depth = 100\ndead_man_s = 30 ", "venues.binance.dead_man_s: 30, but binance spot has no dead man's switch"},
      {"passphrase_env = \"HS_DEMO_OKX_PASSPHRASE\"", "passphrase_env = \"HS_DEMO_OKX_PASSPHRASE\"\ndead_man_s = 5",
       "venues.okx.dead_man_s: 5 is outside OKX cancel-all-after's range: 0 or [10, 120]"},
      {"depth = 50 ", "depth = 50\ndead_man_s = 301 ", "venues.bybit.dead_man_s: 301 is outside Bybit DCP's timeWindow range"},
      {"depth = 100 ", "depth = 100\norder_rate = 10 ", "venues.binance.order_rate: order_rate and order_rate_window_ms go together"},
      {"depth = 100 ", "depth = 100\norder_rate = -1 ", "venues.binance.order_rate: -1 is out of range"},
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

// [journal] durability keys: defaults, values, and each bound named.
TEST(Config, JournalDurabilityKeysAndTheirBounds) {
  auto c = ParseConfig(EmbeddedDemoConfig(), "demo");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->journal.path, "run/demo/journal");
  EXPECT_EQ(c->journal.segment_mb, 64);
  EXPECT_EQ(c->journal.snapshot_every, 20000);
  EXPECT_EQ(c->journal.spill_records, 1 << 16);
  EXPECT_EQ(c->journal.reconcile_timeout_ms, 30000);
  const std::string at = "snapshot_every = 20000";
  ExpectError(DemoWith(at, "snapshot_every = 999"), "journal.snapshot_every");
  ExpectError(DemoWith(at, "snapshot_every = 1000\nspill_records = 4096"), "journal.spill_records");
  ExpectError(DemoWith(at, "snapshot_every = 1000\nsegment_mb = 0"), "journal.segment_mb");
  ExpectError(DemoWith(at, "snapshot_every = 1000\nreconcile_timeout_ms = 5"), "journal.reconcile_timeout_ms");
  auto off = ParseConfig(DemoWith(at, "snapshot_every = 0\nspill_records = 8192\nsegment_mb = 1"), "t");
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(off->journal.snapshot_every, 0);
  EXPECT_EQ(off->journal.spill_records, 8192);
  EXPECT_EQ(off->journal.segment_mb, 1);
}

// Issue: `min_edge = "5"` (500%) started without a word.
TEST(Config, MinEdgeAboveTheBoundIsRefused) {
  ExpectError(DemoWith("min_edge = \"0.0005\"", "min_edge = \"5\""),
              "test.toml: strategy.min_edge: \"5\" is outside [0, 0.1) (a fraction: 0.001 = 0.1%)");
  ExpectError(DemoWith("min_edge = \"0.0005\"", "min_edge = \"0.1\""), "strategy.min_edge: \"0.1\" is outside [0, 0.1)");
  for (const char* ok : {"0", "0.0999"}) {
    auto c = ParseConfig(DemoWith("min_edge = \"0.0005\"", std::string("min_edge = \"") + ok + "\""), "t");
    EXPECT_TRUE(c.ok()) << ok << ": " << c.status();
  }
}

TEST(Config, NegativeMinEdgeIsRefusedNamingTheBound) {
  ExpectError(DemoWith("min_edge = \"0.0005\"", "min_edge = \"-0.0005\""),
              "strategy.min_edge: \"-0.0005\" is outside [0, 0.1) (a fraction: 0.001 = 0.1%)");
}

TEST(Config, TakerFeeOutOfBoundsNamesTheVenue) {
  const std::string okx = "name = \"okx\"";
  ExpectError(DemoWithAfter(okx, "taker_fee = \"0.001\"", "taker_fee = \"0.1\""),
              "test.toml: venues.okx.taker_fee: \"0.1\" is outside [0, 0.1) (a fraction: 0.001 = 0.1%)");
  ExpectError(DemoWithAfter(okx, "taker_fee = \"0.001\"", "taker_fee = \"-0.001\""),
              "venues.okx.taker_fee: \"-0.001\" is outside [0, 0.1)");
}

// Issue: `cpu = 99` on a 2-CPU machine started without a word.
TEST(Config, CpuOutsideTheInjectedSetIsRefused) {
  ParseOptions two_cpus;
  two_cpus.cpus = std::vector<int>{1, 0};
  const std::string core = "core    = { cpu = -1, idle = \"backoff\" }";
  ExpectError(DemoWith(core, "core    = { cpu = 99, idle = \"backoff\" }"),
              "test.toml: threads.core.cpu: 99 is not a CPU this process may run on (CPUs 0-1)", two_cpus);
  ExpectError(DemoWith("venues  = { cpu = -1", "venues  = { cpu = 2"), "threads.venues.cpu: 2 is not a CPU", two_cpus);
  ExpectError(DemoWith("journal = { cpu = -1", "journal = { cpu = 5"), "threads.journal.cpu: 5 is not a CPU", two_cpus);
  ExpectError(DemoWithAfter("name = \"okx\"", "depth = 0 ", "thread = { cpu = 2 }\ndepth = 0 "),
              "venues.okx.thread.cpu: 2 is not a CPU this process may run on (CPUs 0-1)", two_cpus);

  auto c = ParseConfig(DemoWithAfter("name = \"okx\"", "depth = 0 ", "thread = { cpu = 1 }\ndepth = 0 "), "t", two_cpus);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->venues[1].thread.cpu, 1);
  EXPECT_EQ(c->venues[0].thread.cpu, -1);  // unpinned stays valid
  c = ParseConfig(DemoWith(core, "core    = { cpu = 0, idle = \"backoff\" }"), "t", two_cpus);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->core_thread.cpu, 0);
}

// Without injected CPUs the check uses this process's affinity mask, the set pinning works in.
TEST(Config, CpuIsCheckedAgainstThisProcessAffinity) {
  const std::vector<int> cpus = AllowedCpus();
  ASSERT_FALSE(cpus.empty());
  const std::string core = "core    = { cpu = -1, idle = \"backoff\" }";
  auto c = ParseConfig(DemoWith(core, "core    = { cpu = " + std::to_string(cpus[0]) + ", idle = \"backoff\" }"), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->core_thread.cpu, cpus[0]);
  int missing = -1;
  for (int cpu = 0; cpu <= 1023 && missing < 0; ++cpu) {
    if (!std::binary_search(cpus.begin(), cpus.end(), cpu)) missing = cpu;
  }
  if (missing < 0) GTEST_SKIP() << "this process may run on every CPU 0-1023";
  ExpectError(DemoWith(core, "core    = { cpu = " + std::to_string(missing) + ", idle = \"backoff\" }"),
              "threads.core.cpu: " + std::to_string(missing) + " is not a CPU this process may run on (CPUs " +
                  CpuListText(cpus) + ")");
}

TEST(Config, CpuListTextWritesRanges) {
  EXPECT_EQ(CpuListText({0, 1}), "0-1");
  EXPECT_EQ(CpuListText({8, 0, 1, 2, 5, 7}), "0-2,5,7-8");
  EXPECT_EQ(CpuListText({3}), "3");
  EXPECT_EQ(CpuListText({}), "none");
}

// Issue: an out-of-range port was reported without naming the venue or the field.
TEST(Config, UrlPortsAreCheckedNamingVenueAndField) {
  const std::string okx = "name = \"okx\"";
  const std::string okx_md = "market_data_url = \"ws://127.0.0.1:18402\"";
  ExpectError(DemoWithAfter(okx, okx_md, "market_data_url = \"ws://127.0.0.1:99999/ws\""),
              "test.toml: venues.okx.market_data_url: port 99999 is out of range (1-65535) in \"ws://127.0.0.1:99999/ws\"");
  ExpectError(DemoWithAfter(okx, okx_md, "market_data_url = \"ws://127.0.0.1:0\""),
              "venues.okx.market_data_url: port 0 is out of range (1-65535) in \"ws://127.0.0.1:0\"");
  ExpectError(DemoWithAfter(okx, okx_md, "market_data_url = \"ws://127.0.0.1:18x02/ws\""),
              "venues.okx.market_data_url: port \"18x02\" is not a number in \"ws://127.0.0.1:18x02/ws\"");
  ExpectError(DemoWithAfter(okx, okx_md, "market_data_url = \"ws://127.0.0.1:1234567\""),
              "venues.okx.market_data_url: port 1234567 is out of range (1-65535)");
  ExpectError(DemoWithAfter(okx, okx_md, "market_data_url = \"ws://127.0.0.1:/ws\""),
              "venues.okx.market_data_url: empty port after ':' in \"ws://127.0.0.1:/ws\"");
  ExpectError(DemoWithAfter(okx, okx_md, "market_data_url = \"ws://:18402\""),
              "venues.okx.market_data_url: missing host in \"ws://:18402\"");
  ExpectError(DemoWithAfter(okx, okx_md, "market_data_url = \"ws://[::1]:18402\""),
              "venues.okx.market_data_url: bracketed IPv6 hosts are not supported");
  ExpectError(DemoWithAfter(okx, okx_md, "market_data_url = \"ws://127.0.0.1 :18402\""),
              "venues.okx.market_data_url: space or control character at offset 14");
  ExpectError(DemoWithAfter(okx, "order_url = \"ws://127.0.0.1:18402\"", "order_url = \"ws://127.0.0.1:65536\""),
              "venues.okx.order_url: port 65536 is out of range (1-65535)");
  ExpectError(DemoWithAfter("name = \"bybit\"", "rest_url = \"http://127.0.0.1:18403\"", "rest_url = \"http://127.0.0.1:-1\""),
              "venues.bybit.rest_url: port \"-1\" is not a number");
  // What venues::ParseUrl accepts: default ports, a path or query right after the authority,
  // leading zeros, the top of the range.
  for (const char* ok : {"wss://ws.okx.com/ws/v5/public", "ws://127.0.0.1:65535", "ws://localhost:08402/ws",
                         "ws://127.0.0.1:1?x=1", "ws://h"}) {
    auto c = ParseConfig(DemoWithAfter(okx, okx_md, std::string("market_data_url = \"") + ok + "\""), "t");
    EXPECT_TRUE(c.ok()) << ok << ": " << c.status();
  }
}

// A trading OKX venue needs rest_url: order queries, cancel-all-after and balance checks have no
// other path. The error names the field and comes with every other error of the file.
std::string OkxUnit(const std::string& okx_extra, const std::string& binance_fee = "0.001") {
  return testing::UnitConfigToml(R"("BTC", "USDT")", std::string(testing::kBtcUsdtInstrumentToml) + R"([[venues]]
name = "binance"
kind = "binance"
market_data_url = "ws://127.0.0.1:18401"
trading = false
taker_fee = ")" + binance_fee + R"("
symbols = { "BTC/USDT" = "BTCUSDT" }

[[venues]]
name = "okx"
kind = "okx"
market_data_url = "ws://127.0.0.1:18402"
api_key_env = "K"
api_secret_env = "S"
passphrase_env = "P"
taker_fee = "0.001"
)" + okx_extra + R"(
symbols = { "BTC/USDT" = "BTC-USDT" }
)");
}

TEST(Config, TradingOkxNeedsRestUrl) {
  const std::string want = "test.toml: venues.okx.rest_url: required when an OKX venue trades";
  ExpectError(OkxUnit("order_url = \"ws://127.0.0.1:18402\""), want);
  ExpectError(OkxUnit("order_url = \"ws://127.0.0.1:18402\"\ntrading = true"), want);
  // Reported together with the other errors: the same venue's and another venue's.
  const std::string err =
      ErrorOf(OkxUnit("order_url = \"ws://127.0.0.1:18402\"\nreconnect_min_ms = 0", "0.5"));
  EXPECT_NE(err.find(want), std::string::npos) << err;
  EXPECT_NE(err.find("venues.binance.taker_fee: \"0.5\" is outside"), std::string::npos) << err;
  EXPECT_NE(err.find("venues.okx.reconnect_min_ms: 0 is out of range"), std::string::npos) << err;
  // Fine: with rest_url, or not trading (market data only).
  for (const char* ok : {"order_url = \"ws://127.0.0.1:18402\"\nrest_url = \"http://127.0.0.1:18402\"",
                         "order_url = \"ws://127.0.0.1:18402\"\ntrading = false", ""}) {
    auto c = ParseConfig(OkxUnit(ok), "test.toml");
    EXPECT_TRUE(c.ok()) << ok << ": " << c.status();
  }
  // The shipped demo config names it.
  auto demo = ParseConfig(EmbeddedDemoConfig(), "demo");
  ASSERT_TRUE(demo.ok()) << demo.status();
  const VenueConfig* okx = nullptr;
  for (const VenueConfig& v : demo->venues)
    if (v.kind == VenueKind::kOkx) okx = &v;
  ASSERT_NE(okx, nullptr);
  EXPECT_TRUE(okx->trading);
  EXPECT_FALSE(okx->rest_url.empty());
}

// Issue: errors named venues by index (`venues[1]`) rather than by name.
TEST(Config, ErrorInTheSecondVenueNamesItByName) {
  const std::string okx = "name = \"okx\"";
  std::string err = ErrorOf(DemoWithAfter(okx, "depth = 0 ", "depth = 100000 "));
  EXPECT_NE(err.find("test.toml: venues.okx.depth: 100000 is out of range [0, 5000]"), std::string::npos) << err;
  EXPECT_EQ(err.find("venues[1]"), std::string::npos) << err;
  ExpectError(DemoWithAfter(okx, "depth = 0 ", "dept = 0 "), "venues.okx.dept: unknown key");
  ExpectError(DemoWithAfter(okx, "\"BTC/USDT\" = \"BTC-USDT\"", "\"BTC/USDT\" = { symbol = \"BTC-USDT\", tick = \"0\" }"),
              "venues.okx.symbols.\"BTC/USDT\".tick: must be > 0");
  // Without a usable name there is nothing but the index.
  ExpectError(DemoWith(okx, "name = \"\""), "venues[1].name: must not be empty");
  ExpectError(DemoWith(okx + "\n", ""), "venues[1].name: missing required key");
}

TEST(Config, ErrorInAnInstrumentNamesItByName) {
  const std::string eth = "name = \"ETH/USDT\"";
  ExpectError(DemoWithAfter(eth, "lot = \"0.0001\"", "lot = \"0\""), "test.toml: instruments.\"ETH/USDT\".lot: must be > 0");
  ExpectError(DemoWithAfter(eth, "min_notional = \"5\"", "min_notional = \"5\"\nmin_notinal = \"5\""),
              "instruments.\"ETH/USDT\".min_notinal: unknown key");
  ExpectError(DemoWith(eth + "\n", ""), "instruments[1].name: missing required key");
  ExpectError(DemoWith(eth, "name = \"BTC/USDT\""), "instruments[1].name: duplicate instrument \"BTC/USDT\"");
  ExpectError(DemoWith(eth, "name = \"\""), "instruments[1].name: must not be empty");
}

TEST(Config, PathKeysAreWrittenAsTomlKeys) {
  EXPECT_EQ(KeyText("okx"), "okx");
  EXPECT_EQ(KeyText("taker_fee-2"), "taker_fee-2");
  EXPECT_EQ(KeyText("BTC/USDT"), "\"BTC/USDT\"");
  EXPECT_EQ(KeyText("a.b"), "\"a.b\"");
  EXPECT_EQ(KeyText(""), "\"\"");
  EXPECT_EQ(KeyText("say \"hi\"\\\n"), "\"say \\\"hi\\\"\\\\\\u000a\"");
}

// The readers the [allocation] and [reference] tables use, on a bare document.
TEST(TomlReader, BpsFractionClosedAndDoubleBounds) {
  const toml::value doc = ParseToml(R"(
bps = "15"
half = "0.5"
fine = "0.00001"
neg = "-1"
one = "1"
over = "1.00000001"
lambda = 1.0
nan = nan
inf = -inf
int = 1
)",
                                    "r.toml");
  const Node n(&doc, "t", "r.toml");
  const Rate ten_percent = Rate::FromRaw(Rate::kScale / 10);
  EXPECT_EQ(n.Bps("bps", Rate::Zero(), ten_percent).raw(), 150'000);  // 15 bps = 0.0015
  EXPECT_EQ(n.Bps("half", Rate::Zero(), ten_percent).raw(), 5'000);   // 0.5 bps = 0.00005
  EXPECT_EQ(n.Bps("missing", Rate::Zero(), ten_percent, Rate::FromRaw(7)).raw(), 7);
  const auto message = [](const auto& read) -> std::string {
    try {
      read();
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_EQ(message([&] { n.Bps("fine", Rate::Zero(), ten_percent); }),
            "r.toml: t.fine: \"0.00001\" is not a valid decimal (too many decimals for the scale)");
  EXPECT_EQ(message([&] { n.Bps("neg", Rate::Zero(), ten_percent); }),
            "r.toml: t.neg: \"-1\" is outside [0, 1000) (basis points: 15 = 0.15%)");
  EXPECT_EQ(n.FractionClosed("one", Rate::Zero(), Rate::FromUnits(1)), Rate::FromUnits(1));
  EXPECT_EQ(message([&] { n.FractionClosed("over", Rate::Zero(), Rate::FromUnits(1)); }),
            "r.toml: t.over: \"1.00000001\" is outside [0, 1] (a fraction: 0.5 = 50%)");
  EXPECT_EQ(n.Double("lambda", 0, 1, 0.5), 1.0);
  EXPECT_EQ(n.Double("int", 0, 1, 0.5, Bounds::kOpenClosed), 1.0);
  EXPECT_EQ(message([&] { n.Double("lambda", 0, 1, 0.5, Bounds::kOpen); }), "r.toml: t.lambda: 1 is outside (0, 1)");
  EXPECT_EQ(message([&] { n.Double("nan", 0, 1, 0.5); }), "r.toml: t.nan: nan is not a finite number");
  EXPECT_EQ(message([&] { n.Double("inf", 0, 1, 0.5); }), "r.toml: t.inf: -inf is not a finite number");
}

// With an ErrorList, Report records and returns, unknown keys are all recorded, and Collect
// records what a read throws; without one, Report throws like Fail.
TEST(TomlReader, ErrorListCollectsEveryError) {
  const toml::value doc = ParseToml("a = 1\nb = \"x\"\nc = 2\nd = 3\n", "r.toml");
  ErrorList errors;
  const Node n(&doc, "", "r.toml", &errors);
  n.AllowOnly({"a", "b"});
  EXPECT_TRUE(errors.Collect([&] { n.Int("a", 0, 5); }));
  EXPECT_FALSE(errors.Collect([&] { n.Int("b", 0, 5); }));
  EXPECT_FALSE(errors.Collect([&] { n.Report("a", "reported"); }));
  ASSERT_EQ(errors.size(), 4u) << errors.Joined();
  EXPECT_EQ(errors.Joined(),
            "r.toml: c: unknown key (expected one of: a, b)\n"
            "r.toml: d: unknown key (expected one of: a, b)\n"
            "r.toml: b: expected an integer, found a string\n"
            "r.toml: a: reported");
  const Node plain(&doc, "", "r.toml");
  EXPECT_THROW(plain.Report("a", "x"), ConfigError);
  EXPECT_THROW(plain.AllowOnly({"a"}), ConfigError);
}

TEST(Config, AdminLimitsDefaultAndBounds) {
  auto c = ParseConfig(UnitWithAdmin(""), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->admin.max_clients, 16);
  EXPECT_EQ(c->admin.idle_timeout_s, 30);
  EXPECT_EQ(c->admin.max_line_bytes, 4096);
  EXPECT_EQ(c->admin_socket, "/tmp/unused.sock");

  c = ParseConfig(UnitWithAdmin("max_clients = 1024\nidle_timeout_s = 86400\nmax_line_bytes = 64\n"), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->admin.max_clients, 1024);
  EXPECT_EQ(c->admin.idle_timeout_s, 86400);
  EXPECT_EQ(c->admin.max_line_bytes, 64);
  c = ParseConfig(UnitWithAdmin("max_clients = 1\nidle_timeout_s = 1\nmax_line_bytes = 4096\n"), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->admin.max_line_bytes, 4096);

  ExpectError(UnitWithAdmin("max_clients = 0\n"), "admin.max_clients: 0 is out of range [1, 1024]");
  ExpectError(UnitWithAdmin("max_clients = 1025\n"), "admin.max_clients: 1025 is out of range [1, 1024]");
  ExpectError(UnitWithAdmin("idle_timeout_s = 0\n"), "admin.idle_timeout_s: 0 is out of range [1, 86400]");
  ExpectError(UnitWithAdmin("idle_timeout_s = 86401\n"), "admin.idle_timeout_s: 86401 is out of range [1, 86400]");
  ExpectError(UnitWithAdmin("max_line_bytes = 63\n"), "admin.max_line_bytes: 63 is out of range [64, 4096]");
  ExpectError(UnitWithAdmin("max_line_bytes = 4097\n"), "admin.max_line_bytes: 4097 is out of range [64, 4096]");
  ExpectError(UnitWithAdmin("max_clients = \"16\"\n"), "admin.max_clients: expected an integer, found a string");
  ExpectError(UnitWithAdmin("max_client = 16\n"), "admin.max_client: unknown key");
}

TEST(Config, EngineTimerDefaultAndRange) {
  auto c = ParseConfig(Demo(), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->timer_ms, 10);
  for (const int ok : {1, 250, 1000}) {
    c = ParseConfig(DemoWith("name = \"demo\"", "name = \"demo\"\ntimer_ms = " + std::to_string(ok)), "t");
    ASSERT_TRUE(c.ok()) << ok << ": " << c.status();
    EXPECT_EQ(c->timer_ms, ok);
  }
  ExpectError(DemoWith("name = \"demo\"", "name = \"demo\"\ntimer_ms = 0"), "test.toml: engine.timer_ms: 0 is out of range [1, 1000]");
  ExpectError(DemoWith("name = \"demo\"", "name = \"demo\"\ntimer_ms = 1001"), "engine.timer_ms: 1001 is out of range [1, 1000]");
  ExpectError(DemoWith("name = \"demo\"", "name = \"demo\"\ntimer_ms = \"10\""), "engine.timer_ms: expected an integer, found a string");
}

// Every section is read even after an error in another; the status lists them one per line.
TEST(Config, ErrorsInSeveralSectionsAreAllReported) {
  std::string text = DemoWith("name = \"demo\"", "name = \"demo\"\ntimer_ms = 0");
  ReplaceIn(text, "max_clients = 16", "max_clients = 0");
  ReplaceIn(text, "min_edge = \"0.0005\"", "min_edge = \"5\"");
  ReplaceIn(text, "[risk]", "[risk]\nmax_order_qtty = \"1\"\nmax_order_qt = \"1\"");
  ReplaceIn(text, "kind = \"okx\"", "kind = \"ftx\"");
  ReplaceIn(text, "market_data_url = \"ws://127.0.0.1:18403\"", "market_data_url = \"tcp://x\"");
  const std::string err = ErrorOf(text);
  for (const char* want : {"test.toml: engine.timer_ms: 0 is out of range [1, 1000]",
                           "test.toml: admin.max_clients: 0 is out of range [1, 1024]",
                           "test.toml: strategy.min_edge: \"5\" is outside [0, 0.1)",
                           "test.toml: risk.max_order_qtty: unknown key", "test.toml: risk.max_order_qt: unknown key",
                           "test.toml: venues.okx.kind: \"ftx\" is not a venue kind",
                           "test.toml: venues.bybit.market_data_url: \"tcp://x\" must start with"}) {
    EXPECT_NE(err.find(want), std::string::npos) << "want: " << want << "\n got: " << err;
  }
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 6) << err;
}

// A section that names what a broken one defines is not read: one mistake, one error.
TEST(Config, ABrokenDefinitionDoesNotCascade) {
  std::string err = ErrorOf(DemoWith("assets = [\"BTC\", \"ETH\", \"USDT\"]", "assets = [\"BTC\", \"ETH\", \"USDT\", \"\"]"));
  EXPECT_EQ(err, "test.toml: assets: asset names must not be empty");
  err = ErrorOf(DemoWith("base = \"BTC\"", "base = \"XBT\""));
  EXPECT_EQ(err, "test.toml: instruments.\"BTC/USDT\".base: unknown asset \"XBT\" (not in assets)");
  // Both instruments are read; the venues that list them are not.
  std::string text = DemoWith("tick = \"0.01\"", "tick = \"0\"");
  ReplaceIn(text, "lot = \"0.0001\"", "lot = \"0\"");
  err = ErrorOf(text);
  EXPECT_EQ(err, "test.toml: instruments.\"BTC/USDT\".tick: must be > 0\ntest.toml: instruments.\"ETH/USDT\".lot: must be > 0");
}

// The demo config states the admin defaults explicitly.
TEST(Config, DemoAdminSectionListsTheDefaults) {
  auto c = ParseConfig(Demo(), "demo");
  ASSERT_TRUE(c.ok()) << c.status();
  const AdminConfig d;
  EXPECT_EQ(c->admin.max_clients, d.max_clients);
  EXPECT_EQ(c->admin.idle_timeout_s, d.idle_timeout_s);
  EXPECT_EQ(c->admin.max_line_bytes, d.max_line_bytes);
  for (const char* key : {"max_clients = 16", "idle_timeout_s = 30", "max_line_bytes = 4096"}) {
    EXPECT_NE(Demo().find(key), std::string::npos) << key;
  }
}

// ---- [allocation] and [reference]

// A complete allocation for the demo's assets (BTC, ETH, USDT) and venues (binance, okx, bybit
// trade; kraken, coinbase do not: AllocWith turns the demo's Kraken trading off), with a
// per-asset override of the venue shares for BTC.
constexpr char kAllocationToml[] = R"(
[allocation]
valuation_asset = "USDT"
rebalance_interval_ms = 1000
trade_to = "edge"
min_trade_notional = "20"
max_trade_notional = "2000"
max_cost_bps = "15"
pace_notional_per_min = "20000"
venue_band = "0.05"

[allocation.targets]
BTC  = { weight = "0.5", band = "0.02" }
ETH  = { weight = "0.2", band = "0.02" }
USDT = { weight = "0.3", band = "0.03" }

[allocation.venue_shares]
binance = "0.4"
okx     = "0.3"
bybit   = "0.3"

[allocation.venue_shares.BTC]
binance = "0.5"
okx     = "0.25"
bybit   = "0.25"
kraken  = "0"

[allocation.vol_target]
enabled = true
annual_vol = 0.60
lambda = 0.94
sample_ms = 60000
warmup_samples = 20
min_scale = 0.25
max_scale = 1.0
)";

// The demo config with kAllocationToml, `from` replaced by `to` in the allocation part; Kraken and
// Coinbase do not trade here (the tests below name them as venues that cannot take a share).
std::string AllocWith(const std::string& from = "", const std::string& to = "") {
  std::string alloc = kAllocationToml;
  if (!from.empty()) ReplaceIn(alloc, from, to);
  std::string demo = Demo();
  ReplaceIn(demo, "dead_man_s = 30", "trading = false\ndead_man_s = 30");
  ReplaceIn(demo, "api_key_env = \"HS_DEMO_CB_KEY\"", "trading = false\napi_key_env = \"HS_DEMO_CB_KEY\"");
  return demo + alloc;
}

TEST(Allocation, FullConfigParsesExactly) {
  auto c = ParseConfig(AllocWith(), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  const AllocationConfig& a = c->allocation;
  ASSERT_TRUE(a.enabled);
  const AssetId btc = c->FindAsset("BTC")->id, eth = c->FindAsset("ETH")->id, usdt = c->FindAsset("USDT")->id;
  EXPECT_EQ(a.valuation_asset, usdt);
  EXPECT_EQ(a.rebalance_interval_ms, 1000);
  EXPECT_FALSE(a.trade_to_target);
  EXPECT_EQ(a.min_trade_notional, Notional::FromUnits(20));
  EXPECT_EQ(a.max_trade_notional, Notional::FromUnits(2000));
  EXPECT_EQ(a.pace_notional_per_min, Notional::FromUnits(20000));
  EXPECT_EQ(a.max_cost.raw(), 150'000);  // 15 bps = 0.0015 exactly
  EXPECT_EQ(a.venue_band.raw(), 5'000'000);
  EXPECT_TRUE(a.targets[btc.value].set);
  EXPECT_EQ(a.targets[btc.value].weight.raw(), 50'000'000);
  EXPECT_EQ(a.targets[btc.value].band.raw(), 2'000'000);
  EXPECT_EQ(a.targets[eth.value].weight.raw(), 20'000'000);
  EXPECT_EQ(a.targets[usdt.value].weight.raw(), 30'000'000);
  EXPECT_EQ(a.targets[usdt.value].band.raw(), 3'000'000);
  EXPECT_FALSE(a.targets[3].set);

  const auto share = [&](AssetId asset, const char* venue) {
    return a.venue_share[asset.value][c->FindVenue(venue)->id.value].raw();
  };
  // ETH and USDT take the default shares; BTC its override.
  for (const AssetId asset : {eth, usdt}) {
    EXPECT_EQ(share(asset, "binance"), 40'000'000);
    EXPECT_EQ(share(asset, "okx"), 30'000'000);
    EXPECT_EQ(share(asset, "bybit"), 30'000'000);
    EXPECT_EQ(share(asset, "kraken"), 0);
    EXPECT_EQ(share(asset, "coinbase"), 0);
  }
  EXPECT_EQ(share(btc, "binance"), 50'000'000);
  EXPECT_EQ(share(btc, "okx"), 25'000'000);
  EXPECT_EQ(share(btc, "bybit"), 25'000'000);
  EXPECT_EQ(share(btc, "kraken"), 0);

  EXPECT_TRUE(a.vol.enabled);
  EXPECT_EQ(a.vol.annual_vol, 0.6);
  EXPECT_EQ(a.vol.lambda, 0.94);
  EXPECT_EQ(a.vol.sample_ms, 60000);
  EXPECT_EQ(a.vol.warmup_samples, 20);
  EXPECT_EQ(a.vol.min_scale, 0.25);
  EXPECT_EQ(a.vol.max_scale, 1.0);
}

TEST(Allocation, AbsentTableMeansArbitrageOnly) {
  auto c = ParseConfig(Demo(), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->allocation.enabled);
  EXPECT_FALSE(c->allocation.vol.enabled);
  EXPECT_FALSE(c->allocation.targets[0].set);
}

TEST(Allocation, DefaultsAndTradeTo) {
  std::string text = AllocWith("rebalance_interval_ms = 1000\ntrade_to = \"edge\"\n", "trade_to = \"target\"\n");
  ReplaceIn(text, "[allocation.vol_target]\nenabled = true\n", "[allocation.vol_target]\n");
  auto c = ParseConfig(text, "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->allocation.trade_to_target);
  EXPECT_EQ(c->allocation.rebalance_interval_ms, 1000);
  EXPECT_TRUE(c->allocation.vol.enabled);  // the table without `enabled`
  c = ParseConfig(AllocWith("trade_to = \"edge\"\n", ""), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->allocation.trade_to_target);
  c = ParseConfig(AllocWith("enabled = true", "enabled = false"), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->allocation.vol.enabled);
  c = ParseConfig(Demo() + std::string(kAllocationToml).substr(0, std::string(kAllocationToml).find("[allocation.vol_target]")), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->allocation.vol.enabled);

  ExpectError(AllocWith("trade_to = \"edge\"", "trade_to = \"middle\""),
              "test.toml: allocation.trade_to: \"middle\" is neither \"edge\" nor \"target\"");
  ExpectError(AllocWith("trade_to = \"edge\"", "trade_to = true"), "allocation.trade_to: expected a string, found a boolean");
}

TEST(Allocation, WeightsMustSumToExactlyOne) {
  ExpectError(AllocWith("USDT = { weight = \"0.3\"", "USDT = { weight = \"0.29\""),
              "test.toml: allocation.targets: weights sum to 0.99, not 1 (BTC 0.5 + ETH 0.2 + USDT 0.29)");
  ExpectError(AllocWith("USDT = { weight = \"0.3\"", "USDT = { weight = \"0.31\""),
              "test.toml: allocation.targets: weights sum to 1.01, not 1 (BTC 0.5 + ETH 0.2 + USDT 0.31)");
  // Exact: one unit of the last decimal off is off.
  ExpectError(AllocWith("USDT = { weight = \"0.3\"", "USDT = { weight = \"0.29999999\""),
              "allocation.targets: weights sum to 0.99999999, not 1");
  ExpectError(AllocWith("USDT = { weight = \"0.3\"", "USDT = { weight = \"0.299999999\""),
              "allocation.targets.USDT.weight: \"0.299999999\" is not a valid decimal (too many decimals for the scale)");
  // Thirds do not sum to 1 in decimal; a desk writes 0.33333334 on purpose.
  ExpectError(AllocWith("BTC  = { weight = \"0.5\", band = \"0.02\" }\nETH  = { weight = \"0.2\", band = \"0.02\" }\n"
                        "USDT = { weight = \"0.3\", band = \"0.03\" }",
                        "BTC  = { weight = \"0.33333333\", band = \"0.02\" }\nETH  = { weight = \"0.33333333\", band = \"0.02\" }\n"
                        "USDT = { weight = \"0.33333333\", band = \"0.03\" }"),
              "allocation.targets: weights sum to 0.99999999, not 1 (BTC 0.33333333 + ETH 0.33333333 + USDT 0.33333333)");
  auto c = ParseConfig(AllocWith("BTC  = { weight = \"0.5\", band = \"0.02\" }\nETH  = { weight = \"0.2\", band = \"0.02\" }\n"
                                 "USDT = { weight = \"0.3\", band = \"0.03\" }",
                                 "BTC  = { weight = \"0.33333333\", band = \"0.02\" }\nETH  = { weight = \"0.33333333\", band = \"0.02\" }\n"
                                 "USDT = { weight = \"0.33333334\", band = \"0.03\" }"),
                       "t");
  EXPECT_TRUE(c.ok()) << c.status();
  ExpectError(AllocWith("BTC  = { weight = \"0.5\"", "BTC  = { weight = \"1.5\""),
              "allocation.targets.BTC.weight: \"1.5\" is outside [0, 1] (a fraction: 0.5 = 50%)");
  ExpectError(AllocWith("BTC  = { weight = \"0.5\"", "BTC  = { weight = \"-0.5\""),
              "allocation.targets.BTC.weight: \"-0.5\" is outside [0, 1]");
  ExpectError(AllocWith("BTC  = { weight = \"0.5\"", "BTC  = { weight = 0.5"),
              "allocation.targets.BTC.weight: expected a string, found a float");
}

TEST(Allocation, BandMustBeSmallerThanItsWeight) {
  ExpectError(AllocWith("BTC  = { weight = \"0.5\", band = \"0.02\" }", "BTC  = { weight = \"0.5\", band = \"0.5\" }"),
              "test.toml: allocation.targets.BTC.band: \"0.5\" must be smaller than its weight \"0.5\"");
  ExpectError(AllocWith("BTC  = { weight = \"0.5\", band = \"0.02\" }", "BTC  = { weight = \"0.5\", band = \"0.6\" }"),
              "allocation.targets.BTC.band: \"0.6\" must be smaller than its weight \"0.5\"");
  ExpectError(AllocWith("BTC  = { weight = \"0.5\", band = \"0.02\" }", "BTC  = { weight = \"0.5\", band = \"-0.01\" }"),
              "allocation.targets.BTC.band: \"-0.01\" is outside [0, 1]");
  ExpectError(AllocWith("BTC  = { weight = \"0.5\", band = \"0.02\" }", "BTC  = { weight = \"0.5\" }"),
              "allocation.targets.BTC.band: missing required key");
  ExpectError(AllocWith("BTC  = { weight = \"0.5\", band = \"0.02\" }", "BTC  = { weight = \"0.5\", band = \"0.02\", bnd = \"0\" }"),
              "allocation.targets.BTC.bnd: unknown key");
  ExpectError(AllocWith("BTC  = { weight = \"0.5\", band = \"0.02\" }", "BTC  = \"0.5\""),
              "allocation.targets.BTC: expected a table, found a string");
  // Weight 0: never held, so its band is 0.
  const std::string zero_eth = "ETH  = { weight = \"0\", band = \"0\" }";
  const std::string usdt_half = "USDT = { weight = \"0.5\", band = \"0.03\" }";
  std::string text = AllocWith("ETH  = { weight = \"0.2\", band = \"0.02\" }", zero_eth);
  ReplaceIn(text, "USDT = { weight = \"0.3\", band = \"0.03\" }", usdt_half);
  auto c = ParseConfig(text, "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->allocation.targets[c->FindAsset("ETH")->id.value].set);
  EXPECT_TRUE(c->allocation.targets[c->FindAsset("ETH")->id.value].weight.is_zero());
  ReplaceIn(text, zero_eth, "ETH  = { weight = \"0\", band = \"0.01\" }");
  ExpectError(text, "test.toml: allocation.targets.ETH.band: \"0.01\" must be 0 when the weight is 0");
}

TEST(Allocation, TargetsNameKnownAssetsAndEveryAsset) {
  ExpectError(AllocWith("ETH  = {", "SOL  = {"), "test.toml: allocation.targets.SOL: unknown asset (not in assets)");
  ExpectError(AllocWith("ETH  = {", "SOL  = {"),
              "test.toml: allocation.targets: no target for ETH (every asset needs one; weight = \"0\", band = \"0\" to hold none)");
  std::string text = AllocWith("ETH  = { weight = \"0.2\", band = \"0.02\" }\n", "");
  ReplaceIn(text, "USDT = { weight = \"0.3\", band = \"0.03\" }\n", "");
  ExpectError(text, "allocation.targets: no target for ETH, USDT (every asset needs one");
  // The sum is not judged while targets are missing or broken.
  EXPECT_EQ(ErrorOf(text).find("weights sum"), std::string::npos) << ErrorOf(text);
  ExpectError(AllocWith("[allocation.targets]", "[allocation.targetz]"), "allocation.targetz: unknown key");
  ExpectError(AllocWith("[allocation.targets]", "[allocation.targetz]"), "allocation.targets: missing required key");
}

TEST(Allocation, VenueSharesNameKnownTradingVenues) {
  ExpectError(AllocWith("bybit   = \"0.3\"", "kucoin  = \"0.3\""),
              "test.toml: allocation.venue_shares.kucoin: unknown venue (not in venues)");
  ExpectError(AllocWith("bybit   = \"0.3\"", "bybit   = \"0.2\"\nkraken  = \"0.1\""),
              "test.toml: allocation.venue_shares.kraken: \"0.1\", but venue kraken does not trade (trading = false): its share must be 0");
  ExpectError(AllocWith("kraken  = \"0\"", "coinbase = \"0.1\""),
              "allocation.venue_shares.BTC.coinbase: \"0.1\", but venue coinbase does not trade (trading = false)");
  ExpectError(AllocWith("kraken  = \"0\"", "kucoin = \"0\""),
              "allocation.venue_shares.BTC.kucoin: unknown venue (not in venues)");
  ExpectError(AllocWith("[allocation.venue_shares.BTC]", "[allocation.venue_shares.SOL]"),
              "allocation.venue_shares.SOL: unknown asset (a table here overrides one asset's venue shares)");
  ExpectError(AllocWith("bybit   = \"0.3\"", "bybit   = 0.3"),
              "allocation.venue_shares.bybit: expected a string, found a float");
  ExpectError(AllocWith("kraken  = \"0\"", "kraken  = { x = \"0\" }"),
              "allocation.venue_shares.BTC.kraken: expected a string, found a table");
  // A venue that does not trade may be listed with 0.
  auto c = ParseConfig(AllocWith("bybit   = \"0.3\"", "bybit   = \"0.3\"\ncoinbase = \"0\""), "t");
  EXPECT_TRUE(c.ok()) << c.status();
}

TEST(Allocation, VenueSharesMustSumToExactlyOne) {
  ExpectError(AllocWith("okx     = \"0.3\"", "okx     = \"0.2\""),
              "test.toml: allocation.venue_shares: shares sum to 0.9, not 1 (binance 0.4 + okx 0.2 + bybit 0.3)");
  ExpectError(AllocWith("okx     = \"0.25\"", "okx     = \"0.35\""),
              "test.toml: allocation.venue_shares.BTC: shares sum to 1.1, not 1 (binance 0.5 + okx 0.35 + bybit 0.25 + kraken 0)");
  // Without default shares.
  std::string text = AllocWith("binance = \"0.4\"\nokx     = \"0.3\"\nbybit   = \"0.3\"\n", "");
  ExpectError(text, "allocation.venue_shares: shares sum to 0, not 1 (none given)");
  ExpectError(AllocWith("[allocation.venue_shares]", "[allocation.venue_sharez]"), "allocation.venue_sharez: unknown key");
}

TEST(Allocation, ValuationAssetIsAQuoteValuingEveryHeldAsset) {
  ExpectError(AllocWith("valuation_asset = \"USDT\"", "valuation_asset = \"EUR\""),
              "test.toml: allocation.valuation_asset: unknown asset \"EUR\" (not in assets)");
  ExpectError(AllocWith("valuation_asset = \"USDT\"", "valuation_asset = \"BTC\""),
              "test.toml: allocation.valuation_asset: \"BTC\" is not the quote of any instrument");
  ExpectError(AllocWith("valuation_asset = \"USDT\"\n", ""), "allocation.valuation_asset: missing required key");
  // SOL is an asset with a weight but no SOL/USDT instrument.
  std::string text = AllocWith("USDT = { weight = \"0.3\", band = \"0.03\" }",
                               "USDT = { weight = \"0.2\", band = \"0.03\" }\nSOL = { weight = \"0.1\", band = \"0.01\" }");
  ReplaceIn(text, "assets = [\"BTC\", \"ETH\", \"USDT\"]", "assets = [\"BTC\", \"ETH\", \"USDT\", \"SOL\"]");
  ExpectError(text, "test.toml: allocation.targets.SOL: weight 0.1, but no instrument a venue lists values SOL in USDT "
                    "(base SOL, quote USDT)");
  // At weight 0 it needs no price.
  ReplaceIn(text, "USDT = { weight = \"0.2\", band = \"0.03\" }\nSOL = { weight = \"0.1\", band = \"0.01\" }",
            "USDT = { weight = \"0.3\", band = \"0.03\" }\nSOL = { weight = \"0\", band = \"0\" }");
  auto c = ParseConfig(text, "t");
  EXPECT_TRUE(c.ok()) << c.status();
}

TEST(Allocation, NotionalsCostsAndIntervals) {
  ExpectError(AllocWith("rebalance_interval_ms = 1000", "rebalance_interval_ms = 0"),
              "test.toml: allocation.rebalance_interval_ms: 0 is out of range [1, 3600000]");
  ExpectError(AllocWith("rebalance_interval_ms = 1000", "rebalance_interval_ms = -5"),
              "allocation.rebalance_interval_ms: -5 is out of range [1, 3600000]");
  ExpectError(AllocWith("sample_ms = 60000", "sample_ms = 0"),
              "test.toml: allocation.vol_target.sample_ms: 0 is out of range [1, 86400000]");
  ExpectError(AllocWith("max_trade_notional = \"2000\"", "max_trade_notional = \"0\""),
              "test.toml: allocation.max_trade_notional: must be > 0");
  ExpectError(AllocWith("max_trade_notional = \"2000\"", "max_trade_notional = \"6000\""),
              "allocation.max_trade_notional: \"6000\" is above risk.max_order_notional \"5000\"");
  ExpectError(AllocWith("min_trade_notional = \"20\"", "min_trade_notional = \"2500\""),
              "allocation.min_trade_notional: \"2500\" is above max_trade_notional \"2000\"");
  ExpectError(AllocWith("min_trade_notional = \"20\"", "min_trade_notional = \"-1\""),
              "allocation.min_trade_notional: \"-1\" is not a valid decimal (negative value not allowed");
  ExpectError(AllocWith("pace_notional_per_min = \"20000\"", "pace_notional_per_min = \"0\""),
              "allocation.pace_notional_per_min: must be > 0");
  ExpectError(AllocWith("pace_notional_per_min = \"20000\"", "pace_notional_per_min = \"10\""),
              "allocation.pace_notional_per_min: \"10\" is below min_trade_notional \"20\": no correction could ever trade");
  ExpectError(AllocWith("max_cost_bps = \"15\"", "max_cost_bps = \"1000\""),
              "test.toml: allocation.max_cost_bps: \"1000\" is outside [0, 1000) (basis points: 15 = 0.15%)");
  ExpectError(AllocWith("max_cost_bps = \"15\"", "max_cost_bps = 15"), "allocation.max_cost_bps: expected a string, found an integer");
  ExpectError(AllocWith("venue_band = \"0.05\"", "venue_band = \"1\""), "allocation.venue_band: \"1\" is outside [0, 1)");
  ExpectError(AllocWith("venue_band = \"0.05\"", "venue_band = \"0.05\"\nvenue_bands = \"0.05\""),
              "allocation.venue_bands: unknown key");
  auto c = ParseConfig(AllocWith("max_cost_bps = \"15\"", "max_cost_bps = \"0.5\""), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->allocation.max_cost.raw(), 5'000);  // 0.5 bps = 0.00005
}

TEST(Allocation, VolTargetBounds) {
  ExpectError(AllocWith("lambda = 0.94", "lambda = 1.0"), "test.toml: allocation.vol_target.lambda: 1 is outside (0, 1)");
  ExpectError(AllocWith("lambda = 0.94", "lambda = 0"), "allocation.vol_target.lambda: 0 is outside (0, 1)");
  ExpectError(AllocWith("lambda = 0.94", "lambda = nan"), "allocation.vol_target.lambda: nan is not a finite number");
  ExpectError(AllocWith("annual_vol = 0.60", "annual_vol = inf"), "allocation.vol_target.annual_vol: inf is not a finite number");
  ExpectError(AllocWith("annual_vol = 0.60", "annual_vol = 0.0"), "allocation.vol_target.annual_vol: 0 is outside (0, 10]");
  ExpectError(AllocWith("annual_vol = 0.60", "annual_vol = 60"), "allocation.vol_target.annual_vol: 60 is outside (0, 10]");
  ExpectError(AllocWith("annual_vol = 0.60", "annual_vol = \"0.6\""), "allocation.vol_target.annual_vol: expected a number, found a string");
  ExpectError(AllocWith("max_scale = 1.0", "max_scale = 1.0\nx = 1"), "allocation.vol_target.x: unknown key");
  std::string text = AllocWith("min_scale = 0.25", "min_scale = 0.75");
  ReplaceIn(text, "max_scale = 1.0", "max_scale = 0.5");
  ExpectError(text, "test.toml: allocation.vol_target.min_scale: 0.75 is above max_scale 0.5");
  ExpectError(AllocWith("min_scale = 0.25", "min_scale = 0"), "allocation.vol_target.min_scale: 0 is outside (0, 1]");
  ExpectError(AllocWith("max_scale = 1.0", "max_scale = 1.5"), "allocation.vol_target.max_scale: 1.5 is outside (0, 1]");
  ExpectError(AllocWith("warmup_samples = 20", "warmup_samples = 1"),
              "allocation.vol_target.warmup_samples: 1 is out of range [2, 1000000]");
  ExpectError(AllocWith("enabled = true", "enabled = 1"), "allocation.vol_target.enabled: expected a boolean, found an integer");
  // Equal scales are a fixed scale.
  auto c = ParseConfig(AllocWith("min_scale = 0.25", "min_scale = 1"), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->allocation.vol.min_scale, 1.0);
}

// Independent errors in [allocation] are all reported, one per line.
TEST(Allocation, AllErrorsAtOnce) {
  std::string text = AllocWith("USDT = { weight = \"0.3\"", "USDT = { weight = \"0.29\"");
  ReplaceIn(text, "trade_to = \"edge\"", "trade_to = \"middle\"");
  ReplaceIn(text, "okx     = \"0.3\"", "okx     = \"0.2\"");
  ReplaceIn(text, "lambda = 0.94", "lambda = 1.0");
  ReplaceIn(text, "max_cost_bps = \"15\"", "max_cost_bps = \"x\"");
  ReplaceIn(text, "kraken  = \"0\"", "kraken  = \"0.5\"");
  ReplaceIn(text, "rebalance_interval_ms = 1000", "rebalance_interval_ms = 0");
  ReplaceIn(text, "[allocation]\n", "[allocation]\nwhat = 1\n");
  const std::string err = ErrorOf(text);
  const std::vector<std::string> want = {
      "test.toml: allocation.what: unknown key",
      "test.toml: allocation.rebalance_interval_ms: 0 is out of range [1, 3600000]",
      "test.toml: allocation.trade_to: \"middle\" is neither \"edge\" nor \"target\"",
      "test.toml: allocation.max_cost_bps: \"x\" is not a valid decimal (invalid character",
      "test.toml: allocation.targets: weights sum to 0.99, not 1 (BTC 0.5 + ETH 0.2 + USDT 0.29)",
      "test.toml: allocation.venue_shares: shares sum to 0.9, not 1 (binance 0.4 + okx 0.2 + bybit 0.3)",
      "test.toml: allocation.venue_shares.BTC.kraken: \"0.5\", but venue kraken does not trade",
      "test.toml: allocation.vol_target.lambda: 1 is outside (0, 1)",
  };
  size_t at = 0;
  for (const std::string& w : want) {
    const size_t found = err.find(w, at);
    EXPECT_NE(found, std::string::npos) << "want, in this order: " << w << "\n got: " << err;
    if (found != std::string::npos) at = found;
  }
  EXPECT_EQ(static_cast<size_t>(std::count(err.begin(), err.end(), '\n')), want.size() - 1) << err;
}

// Errors elsewhere in the file come with the allocation's.
TEST(Allocation, ErrorsElsewhereAreReportedToo) {
  std::string text = AllocWith("USDT = { weight = \"0.3\"", "USDT = { weight = \"0.29\"");
  ReplaceIn(text, "cooldown_ms = 150", "cooldown_ms = -5");
  const std::string err = ErrorOf(text);
  EXPECT_NE(err.find("test.toml: strategy.cooldown_ms: -5 is out of range"), std::string::npos) << err;
  EXPECT_NE(err.find("test.toml: allocation.targets: weights sum to 0.99"), std::string::npos) << err;
}

// Two venues: binance lists BTC/USDT and ETH/USDT, okx only BTC/USDT.
std::string TwoVenues(const std::string& reference) {
  return testing::UnitConfigToml(R"("BTC", "ETH", "USDT")",
                                 std::string(testing::kBtcUsdtInstrumentToml) + testing::kEthUsdtInstrumentToml + reference + R"(
[[venues]]
name = "binance"
kind = "binance"
market_data_url = "ws://127.0.0.1:18401"
trading = false
taker_fee = "0.001"
symbols = { "BTC/USDT" = "BTCUSDT", "ETH/USDT" = "ETHUSDT" }

[[venues]]
name = "okx"
kind = "okx"
market_data_url = "ws://127.0.0.1:18402"
trading = false
taker_fee = "0.001"
symbols = { "BTC/USDT" = "BTC-USDT" }
)");
}

TEST(Reference, DefaultsResolvePerInstrument) {
  auto c = ParseConfig(TwoVenues(""), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  const ReferenceConfig& r = c->reference;
  EXPECT_EQ(r.max_age_ms, 2000);
  EXPECT_EQ(r.outlier.raw(), 500'000);  // 50 bps = 0.005
  EXPECT_EQ(r.min_venues[c->FindInstrument("BTC/USDT")->id.value], 2);  // two venues list it
  EXPECT_EQ(r.min_venues[c->FindInstrument("ETH/USDT")->id.value], 1);  // one venue does
  EXPECT_EQ(r.min_venues[2], 0);
  // An empty table is the defaults.
  c = ParseConfig(TwoVenues("[reference]\n"), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->reference.max_age_ms, 2000);
  EXPECT_EQ(c->reference.min_venues[0], 2);
}

TEST(Reference, ValuesAndBounds) {
  auto c = ParseConfig(TwoVenues("[reference]\nmax_age_ms = 600000\noutlier_bps = \"12.5\"\nmin_venues = 1\n"), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->reference.max_age_ms, 600000);
  EXPECT_EQ(c->reference.outlier.raw(), 125'000);  // 12.5 bps = 0.00125
  EXPECT_EQ(c->reference.min_venues[0], 1);
  EXPECT_EQ(c->reference.min_venues[1], 1);
  c = ParseConfig(TwoVenues("[reference]\noutlier_bps = \"0\"\n"), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->reference.outlier.is_zero());

  ExpectError(TwoVenues("[reference]\nmax_age_ms = 0\n"), "test.toml: reference.max_age_ms: 0 is out of range [1, 600000]");
  ExpectError(TwoVenues("[reference]\nmax_age_ms = 600001\n"), "reference.max_age_ms: 600001 is out of range [1, 600000]");
  ExpectError(TwoVenues("[reference]\noutlier_bps = \"10000\"\n"),
              "test.toml: reference.outlier_bps: \"10000\" is outside [0, 10000) (basis points: 15 = 0.15%)");
  ExpectError(TwoVenues("[reference]\noutlier_bps = \"-1\"\n"), "reference.outlier_bps: \"-1\" is outside [0, 10000)");
  ExpectError(TwoVenues("[reference]\noutlier_bps = 50\n"), "reference.outlier_bps: expected a string, found an integer");
  ExpectError(TwoVenues("[reference]\nmin_venues = 0\n"), "reference.min_venues: 0 is out of range [1, 16]");
  ExpectError(TwoVenues("[reference]\nmin_venues = 17\n"), "reference.min_venues: 17 is out of range [1, 16]");
  ExpectError(TwoVenues("[reference]\nmax_age = 1\n"), "reference.max_age: unknown key");
  ExpectError("reference = 1\n" + TwoVenues(""), "test.toml: reference: expected a table, found an integer");
}

TEST(Execution, DefaultsValuesAndBounds) {
  auto c = ParseConfig(TwoVenues(""), "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->execution.repair_legs);
  EXPECT_EQ(c->execution.hedge_slippage.raw(), 100'000);  // 10 bps
  EXPECT_EQ(c->execution.hedge_attempts, 3);
  EXPECT_EQ(c->execution.hedge_timeout_ms, 2000);
  EXPECT_EQ(c->execution.unwind_slippage.raw(), 500'000);  // 50 bps
  EXPECT_EQ(c->execution.unwind_attempts, 3);
  EXPECT_EQ(c->execution.ack_timeout_ms, 2000);
  EXPECT_EQ(c->execution.query_attempts, 8);
  EXPECT_EQ(c->execution.query_backoff_ms, 200);
  EXPECT_EQ(c->execution.balance_check_s, 60);
  EXPECT_EQ(c->execution.drain_ms, 3000);
  c = ParseConfig(TwoVenues("[execution]\nack_timeout_ms = 50\nquery_attempts = 100\nquery_backoff_ms = 60000\n"
                            "balance_check_s = 0\ndrain_ms = 0\n"),
                  "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->execution.ack_timeout_ms, 50);
  EXPECT_EQ(c->execution.query_attempts, 100);
  EXPECT_EQ(c->execution.query_backoff_ms, 60000);
  EXPECT_EQ(c->execution.balance_check_s, 0);
  EXPECT_EQ(c->execution.drain_ms, 0);
  const std::string many = ErrorOf(TwoVenues("[execution]\nack_timeout_ms = 10\nquery_attempts = 0\n"
                                             "query_backoff_ms = 5\nbalance_check_s = -1\ndrain_ms = 600001\n"));
  for (const char* want : {"execution.ack_timeout_ms: 10 is out of range [50, 60000]",
                           "execution.query_attempts: 0 is out of range [1, 100]",
                           "execution.query_backoff_ms: 5 is out of range [10, 60000]",
                           "execution.balance_check_s: -1 is out of range [0, 86400]",
                           "execution.drain_ms: 600001 is out of range [0, 600000]"})
    EXPECT_NE(many.find(want), std::string::npos) << want << "\n got: " << many;
  c = ParseConfig(TwoVenues("[execution]\nrepair_legs = false\nhedge_slippage_bps = \"2.5\"\nhedge_attempts = 0\n"
                            "hedge_timeout_ms = 600000\nunwind_slippage_bps = \"999\"\nunwind_attempts = 20\n"),
                  "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->execution.repair_legs);
  EXPECT_EQ(c->execution.hedge_slippage.raw(), 25'000);
  EXPECT_EQ(c->execution.hedge_attempts, 0);
  EXPECT_EQ(c->execution.hedge_timeout_ms, 600000);
  EXPECT_EQ(c->execution.unwind_slippage.raw(), 9'990'000);
  EXPECT_EQ(c->execution.unwind_attempts, 20);

  ExpectError(TwoVenues("[execution]\nhedge_slippage_bps = \"1000\"\n"),
              "test.toml: execution.hedge_slippage_bps: \"1000\" is outside [0, 1000)");
  ExpectError(TwoVenues("[execution]\nunwind_slippage_bps = \"-1\"\n"), "execution.unwind_slippage_bps: \"-1\" is outside");
  ExpectError(TwoVenues("[execution]\nhedge_attempts = 21\n"), "execution.hedge_attempts: 21 is out of range [0, 20]");
  ExpectError(TwoVenues("[execution]\nhedge_timeout_ms = 0\n"), "execution.hedge_timeout_ms: 0 is out of range [1, 600000]");
  ExpectError(TwoVenues("[execution]\nrepair_legs = 1\n"), "execution.repair_legs: expected a boolean");
  ExpectError(TwoVenues("[execution]\nhedge_slippage = \"5\"\n"), "execution.hedge_slippage: unknown key");
  // Every error in the table at once.
  ExpectError(TwoVenues("[execution]\nhedge_attempts = -1\nunwind_attempts = 99\n"),
              "execution.hedge_attempts: -1 is out of range [0, 20]");
  ExpectError(TwoVenues("[execution]\nhedge_attempts = -1\nunwind_attempts = 99\n"),
              "execution.unwind_attempts: 99 is out of range [0, 20]");
}

TEST(Reference, MinVenuesAboveTheVenuesListingAnInstrumentIsRefused) {
  const std::string err = ErrorOf(TwoVenues("[reference]\nmin_venues = 2\n"));
  EXPECT_EQ(err, "test.toml: reference.min_venues: 2, but instrument \"ETH/USDT\" is listed on only 1 venue (binance)");
  ExpectError(TwoVenues("[reference]\nmin_venues = 3\n"),
              "reference.min_venues: 3, but instrument \"BTC/USDT\" is listed on only 2 venues (binance, okx)");
  ExpectError(TwoVenues("[reference]\nmin_venues = 3\n"),
              "reference.min_venues: 3, but instrument \"ETH/USDT\" is listed on only 1 venue (binance)");
  auto c = ParseConfig(Demo() + "[reference]\nmin_venues = 5\n", "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->reference.min_venues[0], 5);
  EXPECT_EQ(c->reference.min_venues[1], 5);
}

// The config fuzzer's allocation seed is a whole valid config.
TEST(Allocation, FuzzSeedParses) {
  const std::string path = std::string(HS_SOURCE_DIR) + "/tests/fuzz/seeds/config/allocation.toml";
  auto c = ParseConfig(testing::ReadFileOrDie(path), path);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->allocation.enabled);
  EXPECT_TRUE(c->allocation.vol.enabled);
  EXPECT_EQ(c->timer_ms, 20);
  EXPECT_EQ(c->reference.max_age_ms, 1500);
}


// ---- [risk]

// TwoVenues (binance lists BTC/USDT and ETH/USDT, okx only BTC/USDT) with `keys` added to its
// [risk] table (max_order_notional = "1000") and `tables` ([risk.*] sub-tables) after the
// instruments.
std::string RiskToml(const std::string& keys, const std::string& tables = "") {
  std::string s = TwoVenues(tables);
  ReplaceIn(s, "max_order_notional = \"1000\"\n", "max_order_notional = \"1000\"\n" + keys);
  return s;
}

Config ParseOk(const std::string& text) {
  auto c = ParseConfig(text, "test.toml");
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : Config{};
}

TEST(Risk, DefaultsWithoutKeysAndEveryVenueResolved) {
  const Config c = ParseOk(RiskToml(""));
  const RiskConfig& r = c.risk;
  EXPECT_EQ(r.max_order_notional, Notional::FromUnits(1000));
  EXPECT_TRUE(r.max_order_qty.is_zero());
  EXPECT_TRUE(r.min_order_notional.is_zero());
  EXPECT_EQ(r.collar.raw(), 1'000'000);  // 100 bps
  EXPECT_EQ(r.max_open_orders, 32);
  EXPECT_EQ(r.order_rate, 50);
  EXPECT_EQ(r.order_rate_window_ms, 1000);
  EXPECT_EQ(r.cancel_reserve, 5);
  EXPECT_EQ(r.repeat_max, 60);
  EXPECT_EQ(r.repeat_window_ms, 10'000);
  EXPECT_TRUE(r.self_trade_prevention);
  EXPECT_TRUE(r.daily_notional_cap.is_zero());
  EXPECT_EQ(r.day_start_utc_min, 0);
  for (const AssetConfig& a : c.assets) EXPECT_TRUE(r.max_position[a.id.value].is_zero()) << a.name;
  for (const InstrumentConfig& i : c.instruments) {
    EXPECT_TRUE(r.instrument[i.id.value].max_order_qty.is_zero());
    EXPECT_TRUE(r.instrument[i.id.value].max_order_notional.is_zero());
    EXPECT_TRUE(r.instrument[i.id.value].min_order_notional.is_zero());
  }
  const uint16_t btc = c.FindInstrument("BTC/USDT")->id.value, eth = c.FindInstrument("ETH/USDT")->id.value;
  // Without an allowlist a venue may trade what it lists, and nothing else.
  const RiskVenueConfig& binance = r.venue[c.FindVenue("binance")->id.value];
  const RiskVenueConfig& okx = r.venue[c.FindVenue("okx")->id.value];
  EXPECT_TRUE(binance.allowed[btc]);
  EXPECT_TRUE(binance.allowed[eth]);
  EXPECT_TRUE(okx.allowed[btc]);
  EXPECT_FALSE(okx.allowed[eth]);
  for (const RiskVenueConfig* v : {&binance, &okx}) {
    EXPECT_EQ(v->max_open_orders, 32);
    EXPECT_EQ(v->order_rate, 50);
    EXPECT_EQ(v->order_rate_window_ms, 1000);
    EXPECT_EQ(v->cancel_reserve, 5);
    for (const AssetConfig& a : c.assets) EXPECT_TRUE(v->max_position[a.id.value].is_zero());
  }
}

TEST(Risk, EveryKeyIsReadExactly) {
  const Config c = ParseOk(
      RiskToml("max_order_qty = \"2.5\"\nmin_order_notional = \"10.5\"\ncollar_bps = \"12.5\"\nmax_open_orders = 4096\n"
               "order_rate = 100000\norder_rate_window_ms = 3600000\ncancel_reserve = 99999\nrepeat_max = 1000\n"
               "repeat_window_ms = 1\nself_trade_prevention = false\ndaily_notional_cap = \"123456.789\"\n"
               "day_start_utc = \"21:30\"\n"));
  const RiskConfig& r = c.risk;
  EXPECT_EQ(r.max_order_qty.raw(), 250'000'000);
  EXPECT_EQ(r.min_order_notional.raw(), 10'500'000'000);
  EXPECT_EQ(r.collar.raw(), 125'000);  // 12.5 bps = 0.00125
  EXPECT_EQ(r.max_open_orders, 4096);
  EXPECT_EQ(r.order_rate, 100'000);
  EXPECT_EQ(r.order_rate_window_ms, 3'600'000);
  EXPECT_EQ(r.cancel_reserve, 99'999);
  EXPECT_EQ(r.repeat_max, 1000);
  EXPECT_EQ(r.repeat_window_ms, 1);
  EXPECT_FALSE(r.self_trade_prevention);
  EXPECT_EQ(r.daily_notional_cap.raw(), 123'456'789'000'000);
  EXPECT_EQ(r.day_start_utc_min, 21 * 60 + 30);
  // The [risk] values reach every venue that has no table of its own.
  EXPECT_EQ(r.venue[0].max_open_orders, 4096);
  EXPECT_EQ(r.venue[1].order_rate, 100'000);
  EXPECT_EQ(r.venue[1].order_rate_window_ms, 3'600'000);
  EXPECT_EQ(r.venue[1].cancel_reserve, 99'999);
}

TEST(Risk, BoundaryValuesAreAccepted) {
  const Config c = ParseOk(RiskToml("collar_bps = \"0\"\nmax_open_orders = 0\norder_rate = 0\ncancel_reserve = 0\n"
                                    "repeat_max = 0\nday_start_utc = \"23:59\"\n"));
  EXPECT_TRUE(c.risk.collar.is_zero());
  EXPECT_EQ(c.risk.max_open_orders, 0);
  EXPECT_EQ(c.risk.order_rate, 0);
  EXPECT_EQ(c.risk.repeat_max, 0);
  EXPECT_EQ(c.risk.day_start_utc_min, 23 * 60 + 59);
  EXPECT_EQ(ParseOk(RiskToml("collar_bps = \"9999.9999\"\n")).risk.collar.raw(), 99'999'999);
  EXPECT_EQ(ParseOk(RiskToml("day_start_utc = \"00:00\"\n")).risk.day_start_utc_min, 0);
  EXPECT_EQ(ParseOk(RiskToml("day_start_utc = \"09:05\"\n")).risk.day_start_utc_min, 545);
  // With the throttle off the reserve has nothing to be below.
  EXPECT_EQ(ParseOk(RiskToml("order_rate = 0\ncancel_reserve = 10\n")).risk.cancel_reserve, 10);
  EXPECT_EQ(ParseOk(RiskToml("min_order_notional = \"1000\"\n")).risk.min_order_notional, Notional::FromUnits(1000));
}

TEST(Risk, EachBadValueNamesItsKeyAndValue) {
  struct Case {
    std::string keys, expect;
  };
  const Case cases[] = {
      {"max_order_qty = \"-1\"", "risk.max_order_qty: \"-1\" is not a valid decimal (negative value not allowed)"},
      {"min_order_notional = \"-1\"", "risk.min_order_notional: \"-1\" is not a valid decimal (negative value not allowed)"},
      {"min_order_notional = \"1000.01\"", "risk.min_order_notional: \"1000.01\" is above max_order_notional \"1000\""},
      {"min_order_notional = 5", "risk.min_order_notional: expected a string, found an integer"},
      {"collar_bps = \"10000\"", "risk.collar_bps: \"10000\" is outside [0, 10000) (basis points"},
      {"collar_bps = \"-1\"", "risk.collar_bps: \"-1\" is outside [0, 10000)"},
      {"collar_bps = \"0.00001\"", "risk.collar_bps: \"0.00001\" is not a valid decimal (too many decimals"},
      {"collar_bps = 100", "risk.collar_bps: expected a string, found an integer"},
      {"max_open_orders = 4097", "risk.max_open_orders: 4097 is out of range [0, 4096]"},
      {"max_open_orders = -1", "risk.max_open_orders: -1 is out of range [0, 4096]"},
      {"order_rate = 100001", "risk.order_rate: 100001 is out of range [0, 100000]"},
      {"order_rate = -1", "risk.order_rate: -1 is out of range [0, 100000]"},
      {"order_rate_window_ms = 0", "risk.order_rate_window_ms: 0 is out of range [1, 3600000]"},
      {"order_rate_window_ms = 3600001", "risk.order_rate_window_ms: 3600001 is out of range [1, 3600000]"},
      {"cancel_reserve = -1", "risk.cancel_reserve: -1 is out of range [0, 100000]"},
      {"order_rate = 5\ncancel_reserve = 5", "risk.cancel_reserve: 5 is not below order_rate 5"},
      {"cancel_reserve = 50", "risk.cancel_reserve: 50 is not below order_rate 50"},
      {"repeat_max = 1001", "risk.repeat_max: 1001 is out of range [0, 1000]"},
      {"repeat_max = -1", "risk.repeat_max: -1 is out of range [0, 1000]"},
      {"repeat_window_ms = 0", "risk.repeat_window_ms: 0 is out of range [1, 3600000]"},
      {"repeat_window_ms = 3600001", "risk.repeat_window_ms: 3600001 is out of range [1, 3600000]"},
      {"self_trade_prevention = \"yes\"", "risk.self_trade_prevention: expected a boolean, found a string"},
      {"daily_notional_cap = \"-5\"", "risk.daily_notional_cap: \"-5\" is not a valid decimal (negative value not allowed)"},
      {"daily_notional_cap = \"1e9\"", "risk.daily_notional_cap: \"1e9\" is not a valid decimal (exponent notation"},
      {"day_start_utc = \"24:00\"", "risk.day_start_utc: \"24:00\" is not a time of day \"HH:MM\" in 00:00..23:59"},
      {"day_start_utc = \"23:60\"", "risk.day_start_utc: \"23:60\" is not a time of day"},
      {"day_start_utc = \"9:30\"", "risk.day_start_utc: \"9:30\" is not a time of day"},
      {"day_start_utc = \"09:3\"", "risk.day_start_utc: \"09:3\" is not a time of day"},
      {"day_start_utc = \"09:30:00\"", "risk.day_start_utc: \"09:30:00\" is not a time of day"},
      {"day_start_utc = \"0930\"", "risk.day_start_utc: \"0930\" is not a time of day"},
      {"day_start_utc = \"09.30\"", "risk.day_start_utc: \"09.30\" is not a time of day"},
      {"day_start_utc = \"-1:30\"", "risk.day_start_utc: \"-1:30\" is not a time of day"},
      {"day_start_utc = \" 9:30\"", "risk.day_start_utc: \" 9:30\" is not a time of day"},
      {"day_start_utc = \"\"", "risk.day_start_utc: \"\" is not a time of day"},
      {"day_start_utc = 930", "risk.day_start_utc: expected a string, found an integer"},
      {"collar = \"100\"", "risk.collar: unknown key (expected one of: max_order_notional"},
  };
  for (const Case& k : cases) {
    const std::string err = ErrorOf(RiskToml(k.keys + "\n"));
    EXPECT_NE(err.find("test.toml: " + k.expect), std::string::npos) << "keys [" << k.keys << "]\n got: " << err;
  }
}

TEST(Risk, MaxPositionPerAsset) {
  const Config c = ParseOk(RiskToml("", "[risk.max_position]\nBTC = \"1.5\"\nUSDT = \"0\"\n"));
  EXPECT_EQ(c.risk.max_position[c.FindAsset("BTC")->id.value].raw(), 1'500'000'000);
  EXPECT_TRUE(c.risk.max_position[c.FindAsset("ETH")->id.value].is_zero());
  EXPECT_TRUE(c.risk.max_position[c.FindAsset("USDT")->id.value].is_zero());
  ExpectError(RiskToml("", "[risk.max_position]\nXRP = \"1\"\n"), "test.toml: risk.max_position.XRP: unknown asset (not in assets)");
  ExpectError(RiskToml("", "[risk.max_position]\nBTC = \"-1\"\n"),
              "risk.max_position.BTC: \"-1\" is not a valid decimal (negative value not allowed)");
  ExpectError(RiskToml("", "[risk.max_position]\nBTC = 1\n"), "risk.max_position.BTC: expected a string, found an integer");
  ExpectError(RiskToml("max_position = 5\n"), "risk.max_position: expected a table, found an integer");
}

TEST(Risk, InstrumentOverrides) {
  const Config c = ParseOk(RiskToml("", "[risk.instruments.\"ETH/USDT\"]\nmax_order_qty = \"3\"\n"
                                        "max_order_notional = \"800\"\nmin_order_notional = \"25\"\n"));
  const RiskInstrumentConfig& eth = c.risk.instrument[c.FindInstrument("ETH/USDT")->id.value];
  EXPECT_EQ(eth.max_order_qty, Qty::FromUnits(3));
  EXPECT_EQ(eth.max_order_notional, Notional::FromUnits(800));
  EXPECT_EQ(eth.min_order_notional, Notional::FromUnits(25));
  const RiskInstrumentConfig& btc = c.risk.instrument[c.FindInstrument("BTC/USDT")->id.value];
  EXPECT_TRUE(btc.max_order_notional.is_zero());

  const std::string t = "[risk.instruments.\"ETH/USDT\"]\n";
  ExpectError(RiskToml("", "[risk.instruments.\"XRP/USDT\"]\nmax_order_qty = \"1\"\n"),
              "test.toml: risk.instruments.\"XRP/USDT\": unknown instrument (not in instruments)");
  ExpectError(RiskToml("", t + "max_order_qty = \"-1\"\n"),
              "risk.instruments.\"ETH/USDT\".max_order_qty: \"-1\" is not a valid decimal (negative value not allowed)");
  ExpectError(RiskToml("", t + "max_order_notional = \"-1\"\n"),
              "risk.instruments.\"ETH/USDT\".max_order_notional: \"-1\" is not a valid decimal");
  ExpectError(RiskToml("", t + "min_order_notional = \"x\"\n"),
              "risk.instruments.\"ETH/USDT\".min_order_notional: \"x\" is not a valid decimal (invalid character");
  ExpectError(RiskToml("", t + "max_qty = \"1\"\n"), "risk.instruments.\"ETH/USDT\".max_qty: unknown key");
  // A minimum above the maximum that holds for the instrument (its own, else [risk]'s) passes nothing.
  ExpectError(RiskToml("", t + "min_order_notional = \"1001\"\n"),
              "risk.instruments.\"ETH/USDT\".min_order_notional: minimum order notional 1001 is above the maximum 1000");
  ExpectError(RiskToml("min_order_notional = \"50\"\n", t + "max_order_notional = \"40\"\n"),
              "risk.instruments.\"ETH/USDT\".max_order_notional: minimum order notional 50 is above the maximum 40");
}

TEST(Risk, VenueTablesOverrideAndOthersTakeTheRiskValues) {
  const Config c = ParseOk(RiskToml("max_open_orders = 10\norder_rate = 30\norder_rate_window_ms = 2000\ncancel_reserve = 3\n",
                                    "[risk.venues.okx]\nmax_open_orders = 5\norder_rate = 8\norder_rate_window_ms = 500\n"
                                    "cancel_reserve = 2\n[risk.venues.okx.max_position]\nBTC = \"0.5\"\n"));
  const RiskVenueConfig& binance = c.risk.venue[c.FindVenue("binance")->id.value];
  const RiskVenueConfig& okx = c.risk.venue[c.FindVenue("okx")->id.value];
  EXPECT_EQ(binance.max_open_orders, 10);
  EXPECT_EQ(binance.order_rate, 30);
  EXPECT_EQ(binance.order_rate_window_ms, 2000);
  EXPECT_EQ(binance.cancel_reserve, 3);
  EXPECT_TRUE(binance.max_position[c.FindAsset("BTC")->id.value].is_zero());
  EXPECT_EQ(okx.max_open_orders, 5);
  EXPECT_EQ(okx.order_rate, 8);
  EXPECT_EQ(okx.order_rate_window_ms, 500);
  EXPECT_EQ(okx.cancel_reserve, 2);
  EXPECT_EQ(okx.max_position[c.FindAsset("BTC")->id.value].raw(), 500'000'000);
  EXPECT_TRUE(okx.max_position[c.FindAsset("ETH")->id.value].is_zero());
  // The keys a venue leaves out come from [risk] one by one.
  const Config partial = ParseOk(RiskToml("order_rate = 30\n", "[risk.venues.okx]\nmax_open_orders = 0\n"));
  EXPECT_EQ(partial.risk.venue[1].max_open_orders, 0);
  EXPECT_EQ(partial.risk.venue[1].order_rate, 30);
  EXPECT_EQ(partial.risk.venue[1].order_rate_window_ms, 1000);
  EXPECT_EQ(partial.risk.venue[1].cancel_reserve, 5);
  // order_rate = 0 switches one venue's throttle off whatever the reserve.
  const Config off = ParseOk(RiskToml("", "[risk.venues.okx]\norder_rate = 0\n"));
  EXPECT_EQ(off.risk.venue[1].order_rate, 0);
  EXPECT_EQ(off.risk.venue[1].cancel_reserve, 5);
}

TEST(Risk, VenueAllowlist) {
  const Config c = ParseOk(RiskToml("", "[risk.venues.binance]\ninstruments = [\"ETH/USDT\"]\n"));
  const uint16_t btc = c.FindInstrument("BTC/USDT")->id.value, eth = c.FindInstrument("ETH/USDT")->id.value;
  EXPECT_FALSE(c.risk.venue[0].allowed[btc]);
  EXPECT_TRUE(c.risk.venue[0].allowed[eth]);
  EXPECT_TRUE(c.risk.venue[1].allowed[btc]);  // okx has no table: what it lists
  // An empty list allows nothing: the venue keeps its market data only.
  const Config none = ParseOk(RiskToml("", "[risk.venues.binance]\ninstruments = []\n"));
  EXPECT_FALSE(none.risk.venue[0].allowed[btc]);
  EXPECT_FALSE(none.risk.venue[0].allowed[eth]);

  ExpectError(RiskToml("", "[risk.venues.okx]\ninstruments = [\"ETH/USDT\"]\n"),
              "test.toml: risk.venues.okx.instruments: \"ETH/USDT\" is not listed by venue okx (its symbols: BTC/USDT)");
  ExpectError(RiskToml("", "[risk.venues.okx]\ninstruments = [\"XRP/USDT\"]\n"),
              "risk.venues.okx.instruments: \"XRP/USDT\" is not an instrument (not in instruments)");
  ExpectError(RiskToml("", "[risk.venues.binance]\ninstruments = [\"BTC/USDT\", \"BTC/USDT\"]\n"),
              "risk.venues.binance.instruments: \"BTC/USDT\" is listed twice");
  ExpectError(RiskToml("", "[risk.venues.binance]\ninstruments = [1]\n"),
              "risk.venues.binance.instruments[0]: expected a string, found an integer");
  ExpectError(RiskToml("", "[risk.venues.binance]\ninstruments = \"BTC/USDT\"\n"),
              "risk.venues.binance.instruments: expected an array, found a string");
}

TEST(Risk, VenueTableBadValues) {
  struct Case {
    std::string table, expect;
  };
  const Case cases[] = {
      {"[risk.venues.ftx]\nmax_open_orders = 1\n", "risk.venues.ftx: unknown venue (not in venues)"},
      {"[risk.venues.okx]\nmax_open_orders = 4097\n", "risk.venues.okx.max_open_orders: 4097 is out of range [0, 4096]"},
      {"[risk.venues.okx]\norder_rate = 100001\n", "risk.venues.okx.order_rate: 100001 is out of range [0, 100000]"},
      {"[risk.venues.okx]\norder_rate_window_ms = 0\n", "risk.venues.okx.order_rate_window_ms: 0 is out of range [1, 3600000]"},
      {"[risk.venues.okx]\ncancel_reserve = -1\n", "risk.venues.okx.cancel_reserve: -1 is out of range [0, 100000]"},
      {"[risk.venues.okx]\norder_rate = 5\n", "risk.venues.okx.order_rate: 5 is not above risk.cancel_reserve 5"},
      {"[risk.venues.okx]\ncancel_reserve = 50\n", "risk.venues.okx.cancel_reserve: 50 is not below order_rate 50"},
      {"[risk.venues.okx]\norder_rate = 8\ncancel_reserve = 9\n", "risk.venues.okx.cancel_reserve: 9 is not below order_rate 8"},
      {"[risk.venues.okx]\nmax_orders = 1\n", "risk.venues.okx.max_orders: unknown key"},
      {"[risk.venues.okx.max_position]\nXRP = \"1\"\n", "risk.venues.okx.max_position.XRP: unknown asset (not in assets)"},
      {"[risk.venues.okx.max_position]\nBTC = \"-1\"\n", "risk.venues.okx.max_position.BTC: \"-1\" is not a valid decimal"},
      {"[risk.venues]\nokx = 5\n", "risk.venues.okx: expected a table, found an integer"},
  };
  for (const Case& k : cases) {
    const std::string err = ErrorOf(RiskToml("", k.table));
    EXPECT_NE(err.find("test.toml: " + k.expect), std::string::npos) << "table [" << k.table << "]\n got: " << err;
  }
}

// A [risk] sub-table naming instruments or venues is not read when those are broken.
TEST(Risk, ABrokenInstrumentDoesNotCascadeIntoRisk) {
  std::string text = RiskToml("", "[risk.instruments.\"ETH/USDT\"]\nmax_order_qty = \"1\"\n"
                                  "[risk.venues.binance]\ninstruments = [\"ETH/USDT\"]\n");
  ReplaceIn(text, "lot = \"0.0001\"", "lot = \"0\"");
  EXPECT_EQ(ErrorOf(text), "test.toml: instruments.\"ETH/USDT\".lot: must be > 0");
}

TEST(Risk, EveryRiskErrorIsReportedAtOnce) {
  const std::string err = ErrorOf(RiskToml("collar_bps = \"-1\"\nrepeat_max = -1\n",
                                           "[risk.venues.okx]\nmax_open_orders = -1\n"
                                           "[risk.breakers.drawdown]\nmax_drawdown_bps = \"0\"\n"));
  for (const char* want : {"risk.collar_bps: \"-1\"", "risk.repeat_max: -1", "risk.venues.okx.max_open_orders: -1",
                           "risk.breakers.drawdown.max_drawdown_bps: \"0\" must be > 0"}) {
    EXPECT_NE(err.find(want), std::string::npos) << "want: " << want << "\n got: " << err;
  }
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 3) << err;
}

// ---- [risk.breakers.*]

// The breakers config.cc reads, by risk::BreakerId, with what each allows: written here apart
// from the loader's own table so a slip in either shows.
struct BreakerCase {
  risk::BreakerId id;
  const char* name;
  std::vector<const char*> scopes;  // allowed
  uint8_t scope;                    // default
  uint8_t action;                   // default
  const char* required;             // keys a present table needs ("" = none)
};
const std::vector<BreakerCase>& Breakers() {
  static const std::vector<BreakerCase> b = {
      {risk::BreakerId::kStale, "stale", {"global", "instrument"}, 2, 1, ""},
      {risk::BreakerId::kIntegrity, "integrity", {"global", "venue"}, 1, 1, ""},
      {risk::BreakerId::kDivergence, "divergence", {"global", "venue", "instrument"}, 1, 1, ""},
      {risk::BreakerId::kVolSpike, "vol_spike", {"global", "instrument"}, 2, 0, ""},
      {risk::BreakerId::kDrawdown, "drawdown", {"global"}, 0, 1, ""},
      {risk::BreakerId::kDailyLoss, "daily_loss", {"global"}, 0, 1, "max_loss = \"100\"\n"},
      {risk::BreakerId::kRejectRate, "reject_rate", {"global", "venue"}, 1, 1, ""},
      {risk::BreakerId::kUnknownOrders, "unknown_orders", {"global", "venue"}, 1, 1, ""},
      {risk::BreakerId::kLegImbalance, "leg_imbalance", {"global"}, 0, 0, "max_notional = \"100\"\n"},
      {risk::BreakerId::kJournal, "journal", {"global"}, 0, 1, ""},
      {risk::BreakerId::kClock, "clock", {"global"}, 0, 1, ""},
  };
  return b;
}

// The config stores risk's enums as their values.
static_assert(std::tuple_size_v<decltype(RiskConfig::breakers)> == risk::kBreakers);
static_assert(static_cast<uint8_t>(risk::BreakerScope::kGlobal) == 0 && static_cast<uint8_t>(risk::BreakerScope::kVenue) == 1 &&
              static_cast<uint8_t>(risk::BreakerScope::kInstrument) == 2);
static_assert(static_cast<uint8_t>(risk::BreakerAction::kReduce) == 0 && static_cast<uint8_t>(risk::BreakerAction::kHalt) == 1);

const BreakerConfigEntry& Entry(const Config& c, risk::BreakerId id) { return c.risk.breakers[static_cast<size_t>(id)]; }

std::string BreakerTable(const std::string& name, const std::string& keys) {
  return "[risk.breakers." + name + "]\n" + keys;
}

TEST(Breakers, WithoutTablesOnlyJournalAndClockRun) {
  ASSERT_EQ(Breakers().size(), static_cast<size_t>(risk::kBreakers));
  const Config c = ParseOk(RiskToml(""));
  for (const BreakerCase& b : Breakers()) {
    const BreakerConfigEntry& e = Entry(c, b.id);
    const bool on = b.id == risk::BreakerId::kJournal || b.id == risk::BreakerId::kClock;
    EXPECT_EQ(e.enabled, on) << b.name;
    EXPECT_EQ(e.scope, b.scope) << b.name;
    EXPECT_EQ(e.action, b.action) << b.name;
    EXPECT_EQ(e.cooldown_ms, 5000) << b.name;
    EXPECT_EQ(e.latch, b.id == risk::BreakerId::kJournal) << b.name;
  }
  EXPECT_EQ(Entry(c, risk::BreakerId::kClock).threshold, 10'000);
}

TEST(Breakers, APresentTableSwitchesOnWithTheDefaults) {
  std::string tables;
  for (const BreakerCase& b : Breakers()) tables += BreakerTable(b.name, b.required);
  const Config c = ParseOk(RiskToml("", tables));
  for (const BreakerCase& b : Breakers()) {
    const BreakerConfigEntry& e = Entry(c, b.id);
    EXPECT_TRUE(e.enabled) << b.name;
    EXPECT_EQ(e.scope, b.scope) << b.name;
    EXPECT_EQ(e.action, b.action) << b.name;
    EXPECT_EQ(e.cooldown_ms, 5000) << b.name;
    EXPECT_EQ(e.latch, b.id == risk::BreakerId::kJournal) << b.name;
  }
  using risk::BreakerId;
  EXPECT_EQ(Entry(c, BreakerId::kStale).window_ms, 2000);
  EXPECT_EQ(Entry(c, BreakerId::kIntegrity).threshold, 20);
  EXPECT_EQ(Entry(c, BreakerId::kIntegrity).window_ms, 60'000);
  EXPECT_EQ(Entry(c, BreakerId::kDivergence).threshold, 1'000'000);  // 100 bps as a Rate
  EXPECT_EQ(Entry(c, BreakerId::kDivergence).window_ms, 500);
  const BreakerConfigEntry& vol = Entry(c, BreakerId::kVolSpike);
  EXPECT_EQ(vol.threshold, 300'000'000);  // ratio 3
  EXPECT_EQ(vol.short_halflife_s, 10);
  EXPECT_EQ(vol.long_halflife_s, 300);
  EXPECT_EQ(vol.sample_ms, 1000);
  EXPECT_EQ(vol.warmup, 30);
  EXPECT_EQ(Entry(c, BreakerId::kDrawdown).threshold, 5'000'000);      // 500 bps
  EXPECT_EQ(Entry(c, BreakerId::kDailyLoss).threshold, 100'000'000'000);  // 100 as an Amount
  const BreakerConfigEntry& rejects = Entry(c, BreakerId::kRejectRate);
  EXPECT_EQ(rejects.threshold, 50'000'000);  // 0.5
  EXPECT_EQ(rejects.min_count, 10);
  EXPECT_EQ(rejects.window_ms, 60'000);
  EXPECT_EQ(Entry(c, BreakerId::kUnknownOrders).threshold, 30'000);
  EXPECT_EQ(Entry(c, BreakerId::kLegImbalance).threshold, 100'000'000'000);  // 100 as a Notional
  EXPECT_EQ(Entry(c, BreakerId::kLegImbalance).threshold2, 30'000);
  EXPECT_EQ(Entry(c, BreakerId::kClock).threshold, 10'000);
}

TEST(Breakers, EveryKeyIsReadExactly) {
  const Config c = ParseOk(RiskToml(
      "", BreakerTable("stale", "scope = \"global\"\naction = \"reduce\"\ncooldown_ms = 0\nlatch = true\nafter_ms = 0\n") +
              BreakerTable("integrity", "max_events = 1\nwindow_ms = 3600000\ncooldown_ms = 3600000\n") +
              BreakerTable("divergence", "scope = \"instrument\"\ndivergence_bps = \"0.5\"\nafter_ms = 3600000\n") +
              BreakerTable("vol_spike", "ratio = \"1.25\"\nshort_halflife_s = 0.5\nlong_halflife_s = 604800\n"
                                        "sample_ms = 1\nwarmup = 2\n") +
              BreakerTable("drawdown", "max_drawdown_bps = \"9999.9999\"\n") +
              BreakerTable("daily_loss", "max_loss = \"0.000000001\"\n") +
              BreakerTable("reject_rate", "max_rate = \"1\"\nmin_orders = 1000000\nwindow_ms = 1\n") +
              BreakerTable("unknown_orders", "scope = \"global\"\nmax_age_ms = 1\n") +
              BreakerTable("leg_imbalance", "scope = \"global\"\nmax_notional = \"2500.5\"\nmax_age_ms = 3600000\n") +
              BreakerTable("clock", "max_time_jump_ms = 1\n")));
  using risk::BreakerId;
  const BreakerConfigEntry& stale = Entry(c, BreakerId::kStale);
  EXPECT_EQ(stale.scope, 0);
  EXPECT_EQ(stale.action, 0);
  EXPECT_EQ(stale.cooldown_ms, 0);
  EXPECT_TRUE(stale.latch);
  EXPECT_EQ(stale.window_ms, 0);
  EXPECT_EQ(Entry(c, BreakerId::kIntegrity).threshold, 1);
  EXPECT_EQ(Entry(c, BreakerId::kIntegrity).window_ms, 3'600'000);
  EXPECT_EQ(Entry(c, BreakerId::kIntegrity).cooldown_ms, 3'600'000);
  EXPECT_EQ(Entry(c, BreakerId::kDivergence).scope, 2);
  EXPECT_EQ(Entry(c, BreakerId::kDivergence).threshold, 5'000);  // 0.5 bps = 0.00005
  EXPECT_EQ(Entry(c, BreakerId::kDivergence).window_ms, 3'600'000);
  const BreakerConfigEntry& vol = Entry(c, BreakerId::kVolSpike);
  EXPECT_EQ(vol.threshold, 125'000'000);
  EXPECT_EQ(vol.short_halflife_s, 0.5);
  EXPECT_EQ(vol.long_halflife_s, 604'800);
  EXPECT_EQ(vol.sample_ms, 1);
  EXPECT_EQ(vol.warmup, 2);
  EXPECT_EQ(Entry(c, BreakerId::kDrawdown).threshold, 99'999'999);
  EXPECT_EQ(Entry(c, BreakerId::kDailyLoss).threshold, 1);
  EXPECT_EQ(Entry(c, BreakerId::kRejectRate).threshold, 100'000'000);
  EXPECT_EQ(Entry(c, BreakerId::kRejectRate).min_count, 1'000'000);
  EXPECT_EQ(Entry(c, BreakerId::kRejectRate).window_ms, 1);
  EXPECT_EQ(Entry(c, BreakerId::kUnknownOrders).scope, 0);
  EXPECT_EQ(Entry(c, BreakerId::kUnknownOrders).threshold, 1);
  EXPECT_EQ(Entry(c, BreakerId::kLegImbalance).scope, 0);
  EXPECT_EQ(Entry(c, BreakerId::kLegImbalance).threshold, 2'500'500'000'000);
  EXPECT_EQ(Entry(c, BreakerId::kLegImbalance).threshold2, 3'600'000);
  EXPECT_EQ(Entry(c, BreakerId::kClock).threshold, 1);
}

TEST(Breakers, EnabledFalseSwitchesOneOff) {
  const Config c = ParseOk(RiskToml("", BreakerTable("stale", "enabled = false\n") + BreakerTable("clock", "enabled = false\n") +
                                            BreakerTable("daily_loss", "enabled = false\n") +
                                            BreakerTable("leg_imbalance", "enabled = false\n")));
  EXPECT_FALSE(Entry(c, risk::BreakerId::kStale).enabled);
  EXPECT_FALSE(Entry(c, risk::BreakerId::kClock).enabled);
  // A breaker switched off needs no limit of its own.
  EXPECT_FALSE(Entry(c, risk::BreakerId::kDailyLoss).enabled);
  EXPECT_FALSE(Entry(c, risk::BreakerId::kLegImbalance).enabled);
  EXPECT_TRUE(Entry(c, risk::BreakerId::kJournal).enabled);
  // ...but a limit given is still checked.
  ExpectError(RiskToml("", BreakerTable("daily_loss", "enabled = false\nmax_loss = \"0\"\n")),
              "risk.breakers.daily_loss.max_loss: \"0\" must be > 0");
}

TEST(Breakers, EveryScopeNotAllowedIsRefusedNamingTheAllowedOnes) {
  for (const BreakerCase& b : Breakers()) {
    std::string allowed;
    for (const char* s : b.scopes) allowed += (allowed.empty() ? "" : ", ") + std::string(s);
    const char* all[] = {"global", "venue", "instrument"};
    for (uint8_t s = 0; s < 3; ++s) {
      const std::string text = RiskToml("", BreakerTable(b.name, std::string(b.required) + "scope = \"" + all[s] + "\"\n"));
      const bool ok = std::find_if(b.scopes.begin(), b.scopes.end(), [&](const char* x) {
                        return std::string(x) == all[s];
                      }) != b.scopes.end();
      if (ok) {
        EXPECT_EQ(ParseOk(text).risk.breakers[static_cast<size_t>(b.id)].scope, s) << b.name << " " << all[s];
      } else {
        EXPECT_EQ(ErrorOf(text), "test.toml: risk.breakers." + std::string(b.name) + ".scope: \"" + all[s] +
                                     "\" is not a scope the " + b.name + " breaker allows (" + allowed + ")");
      }
    }
    ExpectError(RiskToml("", BreakerTable(b.name, std::string(b.required) + "scope = \"world\"\n")),
                "risk.breakers." + std::string(b.name) + ".scope: \"world\" is not a scope the " + b.name +
                    " breaker allows (" + allowed + ")");
  }
}

TEST(Breakers, TheJournalBreakerAlwaysHaltsAndLatches) {
  const std::string why = "the journal breaker always halts and latches";
  ExpectError(RiskToml("", BreakerTable("journal", "action = \"reduce\"\n")),
              "test.toml: risk.breakers.journal.action: \"reduce\": " + why);
  ExpectError(RiskToml("", BreakerTable("journal", "latch = false\n")), "test.toml: risk.breakers.journal.latch: false: " + why);
  ExpectError(RiskToml("", BreakerTable("journal", "enabled = false\n")),
              "test.toml: risk.breakers.journal.enabled: false: " + why);
  ExpectError(RiskToml("", BreakerTable("journal", "scope = \"venue\"\n")),
              "risk.breakers.journal.scope: \"venue\" is not a scope the journal breaker allows (global)");
  ExpectError(RiskToml("", BreakerTable("journal", "max_age_ms = 1\n")), "risk.breakers.journal.max_age_ms: unknown key");
  const Config c = ParseOk(RiskToml(
      "", BreakerTable("journal", "enabled = true\naction = \"halt\"\nlatch = true\nscope = \"global\"\ncooldown_ms = 0\n")));
  const BreakerConfigEntry& j = Entry(c, risk::BreakerId::kJournal);
  EXPECT_TRUE(j.enabled);
  EXPECT_EQ(j.action, 1);
  EXPECT_TRUE(j.latch);
  EXPECT_EQ(j.cooldown_ms, 0);
}

TEST(Breakers, EachBadValueNamesItsKeyAndValue) {
  struct Case {
    std::string name, keys, expect;
  };
  const Case cases[] = {
      {"stale", "action = \"pause\"", "risk.breakers.stale.action: \"pause\" is not an action (reduce or halt)"},
      {"stale", "action = 1", "risk.breakers.stale.action: expected a string, found an integer"},
      {"stale", "cooldown_ms = -1", "risk.breakers.stale.cooldown_ms: -1 is out of range [0, 3600000]"},
      {"stale", "cooldown_ms = 3600001", "risk.breakers.stale.cooldown_ms: 3600001 is out of range [0, 3600000]"},
      {"stale", "latch = 1", "risk.breakers.stale.latch: expected a boolean, found an integer"},
      {"stale", "enabled = \"true\"", "risk.breakers.stale.enabled: expected a boolean, found a string"},
      {"stale", "scope = 1", "risk.breakers.stale.scope: expected a string, found an integer"},
      {"stale", "after_ms = -1", "risk.breakers.stale.after_ms: -1 is out of range [0, 3600000]"},
      {"stale", "max_events = 5", "risk.breakers.stale.max_events: unknown key (expected one of: enabled, scope, action, "
                                  "cooldown_ms, latch, after_ms)"},
      {"integrity", "max_events = 0", "risk.breakers.integrity.max_events: 0 is out of range [1, 1000000]"},
      {"integrity", "window_ms = 0", "risk.breakers.integrity.window_ms: 0 is out of range [1, 3600000]"},
      {"divergence", "divergence_bps = \"0\"", "risk.breakers.divergence.divergence_bps: \"0\" must be > 0"},
      {"divergence", "divergence_bps = \"10000\"", "risk.breakers.divergence.divergence_bps: \"10000\" is outside [0, 10000)"},
      {"divergence", "divergence_bps = \"1x\"", "risk.breakers.divergence.divergence_bps: \"1x\" is not a valid decimal"},
      {"divergence", "divergence_bps = 100", "risk.breakers.divergence.divergence_bps: expected a string, found an integer"},
      {"divergence", "after_ms = 3600001", "risk.breakers.divergence.after_ms: 3600001 is out of range [0, 3600000]"},
      {"vol_spike", "ratio = \"1\"", "risk.breakers.vol_spike.ratio: \"1\" is outside (1, 1000]"},
      {"vol_spike", "ratio = \"1000.1\"", "risk.breakers.vol_spike.ratio: \"1000.1\" is outside (1, 1000]"},
      {"vol_spike", "ratio = \"-3\"", "risk.breakers.vol_spike.ratio: \"-3\" is not a valid decimal (negative value not allowed)"},
      {"vol_spike", "short_halflife_s = 0", "risk.breakers.vol_spike.short_halflife_s: 0 is outside (0, 604800]"},
      {"vol_spike", "long_halflife_s = 604801", "risk.breakers.vol_spike.long_halflife_s: 604801 is outside (0, 604800]"},
      {"vol_spike", "short_halflife_s = 300", "risk.breakers.vol_spike.short_halflife_s: 300 is not below long_halflife_s 300"},
      {"vol_spike", "long_halflife_s = 5", "risk.breakers.vol_spike.short_halflife_s: 10 is not below long_halflife_s 5"},
      {"vol_spike", "short_halflife_s = \"10\"", "risk.breakers.vol_spike.short_halflife_s: expected a number, found a string"},
      {"vol_spike", "sample_ms = 0", "risk.breakers.vol_spike.sample_ms: 0 is out of range [1, 3600000]"},
      {"vol_spike", "warmup = 1", "risk.breakers.vol_spike.warmup: 1 is out of range [2, 1000000]"},
      {"drawdown", "max_drawdown_bps = \"0\"", "risk.breakers.drawdown.max_drawdown_bps: \"0\" must be > 0"},
      {"drawdown", "max_drawdown_bps = \"10000\"", "risk.breakers.drawdown.max_drawdown_bps: \"10000\" is outside [0, 10000)"},
      {"drawdown", "scope = \"venue\"", "risk.breakers.drawdown.scope: \"venue\" is not a scope the drawdown breaker allows (global)"},
      {"daily_loss", "", "risk.breakers.daily_loss.max_loss: missing required key"},
      {"daily_loss", "max_loss = \"0\"", "risk.breakers.daily_loss.max_loss: \"0\" must be > 0"},
      {"daily_loss", "max_loss = \"-5\"", "risk.breakers.daily_loss.max_loss: \"-5\" is not a valid decimal (negative value not allowed)"},
      {"daily_loss", "max_loss = 5", "risk.breakers.daily_loss.max_loss: expected a string, found an integer"},
      {"reject_rate", "max_rate = \"0\"", "risk.breakers.reject_rate.max_rate: \"0\" must be > 0"},
      {"reject_rate", "max_rate = \"1.5\"", "risk.breakers.reject_rate.max_rate: \"1.5\" is outside [0, 1]"},
      {"reject_rate", "min_orders = 0", "risk.breakers.reject_rate.min_orders: 0 is out of range [1, 1000000]"},
      {"reject_rate", "window_ms = 0", "risk.breakers.reject_rate.window_ms: 0 is out of range [1, 3600000]"},
      {"unknown_orders", "max_age_ms = 0", "risk.breakers.unknown_orders.max_age_ms: 0 is out of range [1, 3600000]"},
      {"leg_imbalance", "", "risk.breakers.leg_imbalance.max_notional: missing required key"},
      {"leg_imbalance", "max_notional = \"0\"", "risk.breakers.leg_imbalance.max_notional: \"0\" must be > 0"},
      {"leg_imbalance", "max_notional = \"100\"\nmax_age_ms = 0", "risk.breakers.leg_imbalance.max_age_ms: 0 is out of range [1, 3600000]"},
      {"clock", "max_time_jump_ms = 0", "risk.breakers.clock.max_time_jump_ms: 0 is out of range [1, 3600000]"},
      {"clock", "max_time_jump_ms = 3600001", "risk.breakers.clock.max_time_jump_ms: 3600001 is out of range [1, 3600000]"},
      {"stall", "after_ms = 1", "risk.breakers.stall: unknown key (expected one of: stale, integrity, divergence, vol_spike, "
                                "drawdown, daily_loss, reject_rate, unknown_orders, leg_imbalance, journal, clock)"},
  };
  for (const Case& k : cases) {
    const std::string err = ErrorOf(RiskToml("", BreakerTable(k.name, k.keys + "\n")));
    EXPECT_NE(err.find("test.toml: " + k.expect), std::string::npos) << k.name << " [" << k.keys << "]\n got: " << err;
  }
  ExpectError(RiskToml("breakers = 5\n"), "test.toml: risk.breakers: expected a table, found an integer");
  ExpectError(RiskToml("", "[risk.breakers]\nstale = 5\n"), "test.toml: risk.breakers.stale: expected a table, found an integer");
}

// ---- [admin] permissions

// The name of this process's group: one that exists on any host the test runs on.
std::string OwnGroupName() {
  std::vector<char> buf(1 << 16);
  group g{};
  group* found = nullptr;
  if (getgrgid_r(getgid(), &g, buf.data(), buf.size(), &found) != 0 || found == nullptr) return "";
  return found->gr_name;
}

TEST(Admin, PermissionsDefaultToTheEnginesOwnUid) {
  const Config c = ParseOk(UnitWithAdmin(""));
  EXPECT_TRUE(c.admin.group.empty());
  EXPECT_TRUE(c.admin.operators.empty());
  EXPECT_TRUE(c.admin.viewers.empty());
}

TEST(Admin, GroupMustExist) {
  const std::string own = OwnGroupName();
  ASSERT_FALSE(own.empty()) << "this process's group has no name";
  EXPECT_EQ(ParseOk(UnitWithAdmin("group = \"" + own + "\"\n")).admin.group, own);
  ExpectError(UnitWithAdmin("group = \"hs-no-such-group-7f3a\"\n"),
              "test.toml: admin.group: \"hs-no-such-group-7f3a\" is not a group on this host");
  ExpectError(UnitWithAdmin("group = \"\"\n"), "test.toml: admin.group: must not be empty");
  ExpectError(UnitWithAdmin("group = 0\n"), "test.toml: admin.group: expected a string, found an integer");
}

TEST(Admin, OperatorAndViewerUidLists) {
  const Config c = ParseOk(UnitWithAdmin("operators = [0, 1000]\nviewers = [1001, 4294967294]\n"));
  EXPECT_EQ(c.admin.operators, (std::vector<uint32_t>{0, 1000}));
  EXPECT_EQ(c.admin.viewers, (std::vector<uint32_t>{1001, 4294967294u}));
  EXPECT_TRUE(ParseOk(UnitWithAdmin("operators = []\n")).admin.operators.empty());

  ExpectError(UnitWithAdmin("operators = [1000, 4294967295]\n"),
              "test.toml: admin.operators[1]: 4294967295 is out of range [0, 4294967294]");
  ExpectError(UnitWithAdmin("viewers = [-1]\n"), "test.toml: admin.viewers[0]: -1 is out of range [0, 4294967294]");
  ExpectError(UnitWithAdmin("viewers = [\"1000\"]\n"), "test.toml: admin.viewers[0]: expected an integer, found a string");
  ExpectError(UnitWithAdmin("operators = 1000\n"), "test.toml: admin.operators: expected an array, found an integer");
  ExpectError(UnitWithAdmin("operators = [1000, 7, 1000]\n"), "test.toml: admin.operators: uid 1000 is listed twice");
  ExpectError(UnitWithAdmin("viewers = [5, 5]\n"), "test.toml: admin.viewers: uid 5 is listed twice");
  ExpectError(UnitWithAdmin("operators = [1000]\nviewers = [7, 1000]\n"),
              "test.toml: admin.viewers: uid 1000 is an operator too (a uid belongs in one list)");
  ExpectError(UnitWithAdmin("viewer = [1]\n"), "test.toml: admin.viewer: unknown key");
}

// ---- the demo's [risk] and the fuzz seeds

TEST(Risk, TheDemoTradesWithinItsLimitsAndBreakers) {
  const Config c = ParseOk(EmbeddedDemoConfig());
  const RiskConfig& r = c.risk;
  EXPECT_EQ(r.collar.raw(), 1'500'000);  // 150 bps
  EXPECT_EQ(r.max_open_orders, 32);
  EXPECT_EQ(r.order_rate, 20);
  EXPECT_EQ(r.order_rate_window_ms, 1000);
  EXPECT_EQ(r.cancel_reserve, 4);
  EXPECT_EQ(r.repeat_max, 60);
  EXPECT_EQ(r.repeat_window_ms, 10'000);
  for (const VenueConfig& v : c.venues) {
    EXPECT_EQ(r.venue[v.id.value].order_rate, 20) << v.name;
    for (const VenueSymbolConfig& s : v.symbols) EXPECT_TRUE(r.venue[v.id.value].allowed[s.instrument.value]) << v.name;
  }
  for (const BreakerCase& b : Breakers()) EXPECT_TRUE(Entry(c, b.id).enabled) << b.name;
  const BreakerConfigEntry& div = Entry(c, risk::BreakerId::kDivergence);
  EXPECT_EQ(div.scope, 1);
  EXPECT_EQ(div.action, 1);
  EXPECT_EQ(div.threshold, 1'000'000);  // 100 bps
  EXPECT_EQ(div.window_ms, 500);
  EXPECT_EQ(div.cooldown_ms, 5000);
  // The sim's dislocations must stay inside the collar and below the divergence threshold, or
  // the demo's arbitrage would be refused or its venues halted.
  const toml::value doc = ParseToml(EmbeddedDemoConfig(), "demo");
  const int64_t dislocation_bps = toml::find<int64_t>(doc, "sim", "dislocation_bps");
  const int64_t bps = Rate::kScale / 10'000;
  EXPECT_GT(r.collar.raw(), dislocation_bps * bps);
  EXPECT_GT(div.threshold, dislocation_bps * bps);
  // The daily cap outlasts a day of orders at the order cap and the demo's rate.
  EXPECT_GT(r.daily_notional_cap.raw() / c.risk.max_order_notional.raw(), int64_t{6} * 86'400);
}

TEST(Risk, FuzzSeedParses) {
  const std::string path = std::string(HS_SOURCE_DIR) + "/tests/fuzz/seeds/config/risk.toml";
  auto parsed = ParseConfig(testing::ReadFileOrDie(path), path);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const Config& c = *parsed;
  EXPECT_EQ(c.risk.collar.raw(), 995'000);
  EXPECT_EQ(c.risk.day_start_utc_min, 21 * 60 + 30);
  EXPECT_EQ(c.risk.venue[0].order_rate, 10);
  EXPECT_EQ(c.risk.venue[1].order_rate, 0);
  EXPECT_EQ(c.risk.venue[1].max_open_orders, 16);
  EXPECT_FALSE(c.risk.venue[0].allowed[c.FindInstrument("BTC/USDT")->id.value]);
  EXPECT_FALSE(Entry(c, risk::BreakerId::kClock).enabled);
  EXPECT_TRUE(Entry(c, risk::BreakerId::kJournal).latch);
  EXPECT_EQ(c.admin.viewers.size(), 2u);
}

// Every config seed but the broken ones loads: the seeds are whole configs the fuzzer mutates.
TEST(Config, EveryFuzzSeedStillLoads) {
  ParseOptions two_cpus;
  two_cpus.cpus = std::vector<int>{0, 1};  // unit.toml pins threads to CPUs 0 and 1
  for (const char* name : {"allocation.toml", "demo.toml", "unit.toml", "risk.toml"}) {
    const std::string path = std::string(HS_SOURCE_DIR) + "/tests/fuzz/seeds/config/" + name;
    auto c = ParseConfig(testing::ReadFileOrDie(path), path, two_cpus);
    EXPECT_TRUE(c.ok()) << name << ": " << c.status();
  }
}

}  // namespace
}  // namespace hs::config
