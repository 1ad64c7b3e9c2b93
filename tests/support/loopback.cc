#include "tests/support/loopback.h"

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "core/control/admin_server.h"
#include "tests/support/paths.h"

namespace hs::testing {

using json = nlohmann::json;
using namespace std::chrono_literals;

std::string BinPath(const std::string& name) { return std::string(HS_BIN_DIR) + "/" + name; }

std::vector<int> DistinctFreePorts(size_t n) {
  std::vector<int> ports;
  while (ports.size() < n) {
    const int p = FreePort();
    if (std::find(ports.begin(), ports.end(), p) == ports.end()) ports.push_back(p);
  }
  return ports;
}

std::string Substitute(std::string text, const std::vector<std::pair<std::string, std::string>>& subs) {
  for (const auto& [k, v] : subs) {
    for (size_t at = 0; (at = text.find(k, at)) != std::string::npos; at += v.size()) text.replace(at, k.size(), v);
  }
  return text;
}

std::string EngineToml(const std::string& assets, const std::string& name, const std::string& max_notional,
                       const std::string& max_qty, const std::string& cooldown_ms) {
  return "assets = [" + assets + "]\n[engine]\nname = \"" + name + "\"\n" +                        //
         "[admin]\nsocket = \"@DIR@/admin.sock\"\n[journal]\npath = \"@DIR@/journal\"\n" +  //
         "[log]\npath = \"@DIR@/engine.log\"\n" +                                              //
         "[strategy]\nmin_edge = \"0.0005\"\nmax_leg_notional = \"" + max_notional + "\"\n" +     //
         (cooldown_ms.empty() ? "" : "cooldown_ms = " + cooldown_ms + "\n") +                     //
         "[risk]\nmax_order_notional = \"" + max_notional + "\"\nmax_order_qty = \"" + max_qty + "\"\n";
}

std::string BinanceVenueToml(const std::string& name, const std::string& port, const std::string& key_env,
                             const std::string& secret_env, const std::string& extra) {
  return "[[venues]]\nname = \"" + name + "\"\nkind = \"binance\"\n" +                       //
         "market_data_url = \"ws://127.0.0.1:" + port + "\"\n" +                               //
         "rest_url = \"http://127.0.0.1:" + port + "\"\n" +                                    //
         "order_url = \"ws://127.0.0.1:" + port + "\"\n" + extra +                             //
         "api_key_env = \"" + key_env + "\"\napi_secret_env = \"" + secret_env + "\"\n" +      //
         "taker_fee = \"0.001\"\nsymbols = { \"BTC/USDT\" = \"BTCUSDT\" }\n";
}

std::string SimAccountToml(const std::string& venue) {
  return "[sim.accounts." + venue + "]\ntaker_fee = \"0.001\"\nbalances = { BTC = \"2\", USDT = \"100000\" }\n";
}

void LoopbackFixture::SetEnv(const std::map<std::string, std::string>& env, const std::vector<std::string>& secrets) {
  env_ = env;
  engine_env_ = env;
  secrets_ = secrets;
}

void LoopbackFixture::WriteConfig(const std::string& file, const std::string& text) {
  config_ = dir_.File(file);
  WriteFileOrDie(config_, Substitute(text, {{"@DIR@", dir_.path()}}));
}

void LoopbackFixture::StartSim(bool paused, const std::vector<std::string>& extra_args, bool order_log) {
  std::vector<std::string> args = {"--config", config_, "--control", dir_.File("sim.sock")};
  if (order_log) {
    args.push_back("--order-log");
    args.push_back(dir_.File("sim-orders.jsonl"));
  }
  if (paused) args.push_back("--paused");
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  sim_ = std::make_unique<Process>(BinPath("homeostat-sim"), args, env_, dir_.File("sim.out"));
  ASSERT_TRUE(WaitFor([&] { return SimCmd({{"cmd", "stats"}}).value("ok", false); }, 20s)) << sim_->Output();
}

void LoopbackFixture::StartEngine(bool wait_ready) {
  std::vector<std::string> args{"run", "--config", config_};
  args.insert(args.end(), engine_args_.begin(), engine_args_.end());
  engine_ = std::make_unique<Process>(BinPath("homeostat"), args, engine_env_, dir_.File("engine.out"));
  if (wait_ready) {
    ASSERT_TRUE(WaitFor([&] { return Ready(); }, 30s)) << engine_->Output() << "\nstatus: " << Status().dump();
  }
}

bool LoopbackFixture::Ready() {
  const json s = Status();
  if (!s.value("ok", false)) return false;
  for (const auto& v : s["venues"]) {
    if (!v.value("connected", false) || !v.value("orders_connected", false) || !v.value("balances_known", false)) {
      return false;
    }
    for (const auto& b : v["books"]) {
      if (!b.value("usable", false)) return false;
    }
  }
  return true;
}

bool LoopbackFixture::MarketDataReady(const std::string& venue) {
  const json v = VenueStatus(venue);
  if (!v.value("connected", false) || !v.contains("books")) return false;
  for (const auto& b : v["books"]) {
    if (!b.value("usable", false)) return false;
  }
  return true;
}

json LoopbackFixture::SimCmd(const json& cmd) {
  std::string reply;
  if (!control::AdminRequest(dir_.File("sim.sock"), cmd.dump(), &reply, 5000).ok()) return json::object();
  return json::parse(reply, nullptr, false);
}

json LoopbackFixture::Status() {
  std::string reply;
  if (!control::AdminRequest(dir_.File("admin.sock"), R"({"cmd":"status"})", &reply, 5000).ok()) return json::object();
  return json::parse(reply, nullptr, false);
}

const json* LoopbackFixture::VenueOf(const json& status, const std::string& name) {
  if (!status.is_object() || !status.contains("venues")) return nullptr;
  for (const auto& v : status["venues"]) {
    if (v["name"] == name) return &v;
  }
  return nullptr;
}

json LoopbackFixture::VenueStatus(const std::string& venue) {
  const json s = Status();
  const json* v = VenueOf(s, venue);
  return v == nullptr ? json::object() : *v;
}

int64_t LoopbackFixture::VenueCount(const std::string& venue, const char* counter, int64_t fallback) {
  return VenueStatus(venue).value(counter, fallback);
}

void LoopbackFixture::SetBookAndSettle(const std::string& venue, const json& bids, const json& asks) {
  const int64_t tops = EngineCount("book_tops");
  SetBook(venue, bids, asks);
  ASSERT_TRUE(WaitFor([&] { return EngineCount("book_tops") > tops && EngineCount("orders_open") == 0; },
                      std::chrono::seconds(10)))
      << Status().dump();
}

int64_t LoopbackFixture::EngineCount(const char* counter) {
  const json s = Status();
  if (!s.is_object() || !s.contains("counters")) return 0;
  return s["counters"].value(counter, int64_t{0});
}

void LoopbackFixture::SetBook(const std::string& venue, const std::string& instrument, const json& bids,
                              const json& asks) {
  const json r =
      SimCmd({{"cmd", "set_book"}, {"venue", venue}, {"instrument", instrument}, {"bids", bids}, {"asks", asks}});
  ASSERT_TRUE(r.value("ok", false)) << r.dump();
}

json LoopbackFixture::SimFault(const std::string& venue, json f) {
  f["cmd"] = "fault";
  f["venue"] = venue;
  return SimCmd(f);
}

void LoopbackFixture::SendRaw(const std::string& venue, const std::vector<json>& frames) {
  for (json f : frames) {
    f["cmd"] = "raw";
    f["venue"] = venue;
    ASSERT_EQ(SimCmd(f).value("sent", 0), 1) << f.dump();
  }
}

uint64_t LoopbackFixture::SimOrders() { return SimCmd({{"cmd", "orders"}}).value("orders", uint64_t{0}); }

json LoopbackFixture::SimAccounts() { return SimCmd({{"cmd", "accounts"}})["accounts"]; }

std::vector<json> LoopbackFixture::OrderLog(bool places_only) {
  std::vector<json> out;
  std::istringstream in(ReadFileOrDie(dir_.File("sim-orders.jsonl")));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json j = json::parse(line);
    if (!places_only || j.value("request", "") == "place") out.push_back(std::move(j));
  }
  return out;
}

void LoopbackFixture::ExpectBalancesEqualTheSimulator(const std::vector<std::string>& venues) {
  const json st = Status();
  const json accounts = SimAccounts();
  for (const std::string& venue : venues) {
    const json* v = VenueOf(st, venue);
    ASSERT_NE(v, nullptr) << venue;
    for (const char* asset : {"BTC", "USDT"}) {
      EXPECT_EQ(Amt((*v)["balances"][asset]), Amt(accounts[venue][asset]))
          << venue << " " << asset << "\n" << st.dump();
    }
  }
}

int LoopbackFixture::StopEngine() { return engine_ ? engine_->Stop(SIGTERM, 20s) : 0; }

void LoopbackFixture::StopEngineAndCheckJournal(CoreInputSummary* sum) {
  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
  *sum = SummarizeCoreInputs(dir_.File("journal"));
  ASSERT_TRUE(sum->ok) << sum->error;
  EXPECT_TRUE(sum->tops_while_unusable.empty())
      << "first offending journal record: "
      << (sum->tops_while_unusable.empty() ? 0 : sum->tops_while_unusable.front());
}

void LoopbackFixture::TearDown() {
  if (engine_) engine_->Stop(SIGTERM, 10s);
  if (sim_) sim_->Stop(SIGTERM, 10s);
  if (secrets_.empty()) return;
  // Secrets never appear in what the engine wrote or printed (the failure names the file only).
  std::vector<std::string> files = {dir_.File("engine.log"), dir_.File("engine.out")};
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_.File("journal"), ec))
    files.push_back(e.path().string());  // every segment (and any .tail)
  for (const std::string& f : files) {
    std::string text;
    try {
      text = ReadFileOrDie(f);
    } catch (...) {
      continue;
    }
    for (const std::string& secret : secrets_) {
      EXPECT_EQ(text.find(secret), std::string::npos) << f;
    }
  }
}

}  // namespace hs::testing
