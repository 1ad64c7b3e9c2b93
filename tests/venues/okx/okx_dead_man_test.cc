// The dead man's switch survives the process: a child process runs the OKX Orders session
// (dead_man_s = 10) against homeostat-sim (run by the parent in process), places a post-only GTC
// that rests, then idles; the parent waits until the sim's order log shows the order resting,
// SIGKILLs the child, and waits (deadline 25 s) until the sim's order log shows the switch fire
// and cancel that order. Takes about 10 s (label slow).
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/base/decimal.h"
#include "core/messages/rings.h"
#include "core/runtime/kill_switch.h"
#include "core/runtime/log.h"
#include "core/runtime/venue_counters.h"
#include "tests/support/test_support.h"
#include "venues/common/venue_publisher.h"
#include "venues/okx/okx_orders.h"
#include "venues/sim/sim_server.h"

namespace hs::okx {
namespace {

using json = nlohmann::json;

constexpr char kSecret[] = "okx-loopback-secret-test-only";

std::string Config(int port, const std::string& extra_venue = "") {
  const std::string p = std::to_string(port);
  return testing::UnitConfigToml(R"("BTC", "USDT")", R"([execution]
ack_timeout_ms = 300
query_attempts = 8
query_backoff_ms = 100
[[instruments]]
name = "BTC/USDT"
base = "BTC"
quote = "USDT"
tick = "0.1"
lot = "0.0001"
[[venues]]
name = "okx"
kind = "okx"
market_data_url = "ws://127.0.0.1:)" + p + R"("
rest_url = "http://127.0.0.1:)" + p + R"("
order_url = "ws://127.0.0.1:)" + p + R"("
api_key_env = "HS_OOL_KEY"
api_secret_env = "HS_OOL_SECRET"
passphrase_env = "HS_OOL_PASS"
taker_fee = "0.001"
dead_man_s = 10
reconnect_min_ms = 50
reconnect_max_ms = 200
)" + extra_venue + R"(symbols = { "BTC/USDT" = "BTC-USDT" }
[sim]
seed = 1
levels = 5
tick_interval_ms = 20
dislocation_every_ms = 0
[sim.prices]
"BTC/USDT" = "30000"
[sim.accounts.okx]
taker_fee = "0.001"
balances = { "BTC" = "2", "USDT" = "100000" }
)");
}

constexpr uint64_t kOrderId = 4097;  // "hs4097"

// The child: connect, place one resting post-only buy, then keep the session alive (refreshing
// the switch) until killed. Exit codes name what went wrong when it is not killed.
[[noreturn]] void RunChild(const std::string& config_text) {
  auto c = sim::ParseSimConfig(config_text, "child");
  if (!c.ok()) _exit(10);
  sim::SimConfig cfg = *c;
  boost::asio::io_context ioc;
  venues::SymbolTable symbols(cfg.base, cfg.base.venues[0]);
  runtime::VenueCounters counters;
  runtime::KillSwitch kill;
  runtime::LogChannel log{"okx-dead-man-child", 0};
  VenueRing ring{4096};
  VenueRing::Consumer consumer = ring.TakeConsumer();
  venues::VenuePublisher pub(ring.TakeProducer(), nullptr, &counters);
  venues::VenueContext ctx;
  ctx.id = VenueId{0};
  ctx.venue = &cfg.base.venues[0];
  ctx.config = &cfg.base;
  ctx.publisher = &pub;
  ctx.counters = &counters;
  ctx.kill = &kill;
  ctx.log = &log;
  ctx.ioc = &ioc;
  Orders orders(ctx, &symbols, [] {});
  if (!orders.Init().ok()) _exit(11);
  orders.Start();
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool sent = false;
  while (std::chrono::steady_clock::now() < end) {
    ioc.run_for(std::chrono::milliseconds(5));
    pub.Flush();
    VenueMsg m;
    while (consumer.TryPop(m)) {
    }
    if (!sent && orders.connected() && counters.dead_man_refreshes.load() >= 1) {
      OrderIntent in;
      in.client_id = ClientOrderId{kOrderId};
      in.venue = VenueId{0};
      in.instrument = InstrumentId{0};
      in.side = Side::kBuy;
      in.tif = TimeInForce::kGtc;
      in.post_only = true;
      in.limit_px = ParseDecimal<Price>("29000.0").value;
      in.qty = ParseDecimal<Qty>("0.1").value;
      orders.OnIntent(in);
      sent = true;
    }
  }
  _exit(12);  // never killed
}

std::vector<json> ReadLog(std::FILE* f) {
  std::vector<json> v;
  std::fflush(f);
  std::rewind(f);
  char line[1 << 14];
  while (std::fgets(line, sizeof line, f) != nullptr) v.push_back(json::parse(line, nullptr, false));
  std::fseek(f, 0, SEEK_END);
  return v;
}

TEST(OkxDeadMansSwitch, SigkilledSessionsRestingOrderIsCanceledByTheSwitch) {
  ::setenv("HS_OOL_KEY", "okx-test-key", 1);
  ::setenv("HS_OOL_SECRET", kSecret, 1);
  ::setenv("HS_OOL_PASS", "okx-test-pass", 1);
  const std::string text = Config(testing::FreePort());
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) RunChild(text);
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      if (pid > 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
  } reaper{child};

  auto c = sim::ParseSimConfig(text, "test");
  ASSERT_TRUE(c.ok()) << c.status();
  sim::SimConfig cfg = *c;
  boost::asio::io_context ioc;
  sim::Market market(cfg);
  market.SetPaused(true);
  sim::Server server(ioc, cfg, &market);
  ASSERT_TRUE(server.Listen("").ok());
  std::FILE* log = std::tmpfile();
  ASSERT_NE(log, nullptr);
  server.SetOrderLog(log);
  server.StartClock();
  server.PublishChange(market.SetBook(0, 0, {Level{ParseDecimal<Price>("29999.0").value, ParseDecimal<Qty>("1").value}},
                                     {Level{ParseDecimal<Price>("30001.0").value, ParseDecimal<Qty>("1").value}}));
  auto run_until = [&](const std::function<bool()>& cond, std::chrono::milliseconds deadline) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
      ioc.run_for(std::chrono::milliseconds(10));
      if (cond()) return true;
    }
    return cond();
  };
  const std::string cid = "hs" + std::to_string(kOrderId);
  auto resting = [&] {
    for (const json& j : ReadLog(log))
      if (j.is_object() && j.value("request", "") == "place" && j.value("client_id", "") == cid &&
          j.value("result", "") == "resting")
        return true;
    return false;
  };
  ASSERT_TRUE(run_until(resting, std::chrono::milliseconds(15'000))) << "the child's order rests";
  int armed = 0;
  for (const json& j : ReadLog(log)) armed += j.is_object() && j.value("request", "") == "dead_man" ? 1 : 0;
  EXPECT_GE(armed, 1) << "armed before the order";

  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  reaper.pid = -1;
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the child was killed, not exited " << status;
  const auto killed = std::chrono::steady_clock::now();

  auto fired = [&] {
    for (const json& j : ReadLog(log))
      if (j.is_object() && j.value("request", "") == "dead_man" && j.value("result", "") == "fired")
        for (const auto& id : j["canceled"])
          if (id == cid) return true;
    return false;
  };
  ASSERT_TRUE(run_until(fired, std::chrono::milliseconds(25'000))) << "the switch canceled the order";
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed);
  EXPECT_LE(waited.count(), 11'000) << "within dead_man_s of the last refresh";
  server.Stop();
  ioc.run_for(std::chrono::milliseconds(20));
  std::fclose(log);
}

}  // namespace
}  // namespace hs::okx
