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

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/order_loopback.h"
#include "tests/support/test_support.h"
#include "venues/okx/okx_orders.h"

namespace hs::okx {
namespace {

using json = nlohmann::json;
using testing::Lvl;

constexpr char kSecret[] = "okx-loopback-secret-test-only";

std::string Config(int port) {
  testing::OrderLoopbackConfig c("okx", "BTC-USDT", "HS_OOL_KEY", "HS_OOL_SECRET");
  c.passphrase_env = "HS_OOL_PASS";
  c.venue_lines = "dead_man_s = 10\n";
  c.sim_tick_ms = 20;
  return c.Toml(port);
}

constexpr uint64_t kOrderId = 4097;  // "hs4097"

// The child: connect, place one resting post-only buy, then keep the session alive (refreshing
// the switch) until killed. Exit codes name what went wrong when it is not killed.
[[noreturn]] void RunChild(const std::string& config_text) {
  auto c = sim::ParseSimConfig(config_text, "child");
  if (!c.ok()) _exit(10);
  sim::SimConfig cfg = *c;
  boost::asio::io_context ioc;
  testing::LoopbackSession<Orders> s;
  s.Start(ioc, cfg.base);
  if (!s.init.ok()) _exit(11);
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool sent = false;
  while (std::chrono::steady_clock::now() < end) {
    ioc.run_for(std::chrono::milliseconds(5));
    s.Drain();
    if (!sent && s.orders->connected() && s.counters.dead_man_refreshes.load() >= 1) {
      s.orders->OnIntent(testing::Intent(kOrderId, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc, true));
      sent = true;
    }
  }
  _exit(12);  // never killed
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

  testing::TempDir dir;
  boost::asio::io_context ioc;
  testing::LoopbackSim sim;
  ASSERT_NO_FATAL_FAILURE(sim.Start(ioc, text, dir.File("orders.jsonl"), {Lvl("29999.0", "1")}, {Lvl("30001.0", "1")}));
  auto run_until = [&](const std::function<bool()>& cond, std::chrono::milliseconds deadline) {
    return testing::RunUntil(
        ioc, [] {}, cond, deadline);
  };
  const std::string cid = "hs" + std::to_string(kOrderId);
  auto resting = [&] {
    for (const json& j : sim.OrderLog())
      if (j.is_object() && j.value("request", "") == "place" && j.value("client_id", "") == cid &&
          j.value("result", "") == "resting")
        return true;
    return false;
  };
  ASSERT_TRUE(run_until(resting, std::chrono::milliseconds(15'000))) << "the child's order rests";
  EXPECT_GE(sim.LogCount("dead_man"), 1) << "armed before the order";

  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  reaper.pid = -1;
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the child was killed, not exited " << status;
  const auto killed = std::chrono::steady_clock::now();

  auto fired = [&] {
    for (const json& j : sim.OrderLog())
      if (j.is_object() && j.value("request", "") == "dead_man" && j.value("result", "") == "fired")
        for (const auto& id : j["canceled"])
          if (id == cid) return true;
    return false;
  };
  ASSERT_TRUE(run_until(fired, std::chrono::milliseconds(25'000))) << "the switch canceled the order";
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed);
  EXPECT_LE(waited.count(), 11'000) << "within dead_man_s of the last refresh";
  sim.Stop();
  ioc.run_for(std::chrono::milliseconds(20));
}

}  // namespace
}  // namespace hs::okx
