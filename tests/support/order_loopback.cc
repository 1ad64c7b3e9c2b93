#include "tests/support/order_loopback.h"

#include <fstream>

#include "tests/support/test_support.h"

namespace hs::testing {

const char kBtcUsdtTenthsInstrumentToml[] = R"([[instruments]]
name = "BTC/USDT"
base = "BTC"
quote = "USDT"
tick = "0.1"
lot = "0.0001"
)";

std::string OrderLoopbackConfig::Toml(int port) const {
  const std::string p = std::to_string(port);
  std::string body = "[execution]\n" + execution + instruments;
  body += "[[venues]]\nname = \"" + venue + "\"\nkind = \"" + venue + "\"\n";
  body += "market_data_url = \"ws://127.0.0.1:" + p + "\"\n";
  body += "rest_url = \"http://127.0.0.1:" + p + "\"\n";
  body += "order_url = \"ws://127.0.0.1:" + p + order_path + "\"\n";
  body += "api_key_env = \"" + key_env + "\"\napi_secret_env = \"" + secret_env + "\"\n";
  if (!passphrase_env.empty()) body += "passphrase_env = \"" + passphrase_env + "\"\n";
  body += "taker_fee = \"0.001\"\nreconnect_min_ms = 50\nreconnect_max_ms = 200\n";
  body += venue_lines;
  body += "symbols = { \"BTC/USDT\" = \"" + symbol + "\" }\n";
  body += "[sim]\nseed = 1\nlevels = 5\ndislocation_every_ms = 0\n";
  if (sim_tick_ms > 0) body += "tick_interval_ms = " + std::to_string(sim_tick_ms) + "\n";
  body += sim_lines;
  body += "[sim.prices]\n\"BTC/USDT\" = \"30000\"\n";
  body +=
      "[sim.accounts." + venue + "]\ntaker_fee = \"0.001\"\nbalances = { \"BTC\" = \"2\", \"USDT\" = \"100000\" }\n";
  body += account_lines;
  return UnitConfigToml(R"("BTC", "USDT")", body);
}

OrderIntent Intent(uint64_t id, Side side, const char* px, const char* qty, TimeInForce tif, bool post_only) {
  OrderIntent in;
  in.client_id = ClientOrderId{id};
  in.venue = VenueId{0};
  in.instrument = InstrumentId{0};
  in.side = side;
  in.tif = tif;
  in.post_only = post_only;
  in.limit_px = ParseDecimal<Price>(px).value;
  in.qty = ParseDecimal<Qty>(qty).value;
  return in;
}

void LoopbackSim::Start(boost::asio::io_context& ioc, const std::string& config_text, const std::string& order_log_path,
                        const std::vector<Level>& bids, const std::vector<Level>& asks) {
  auto c = sim::ParseSimConfig(config_text, "test");
  ASSERT_TRUE(c.ok()) << c.status();
  cfg = std::make_unique<sim::SimConfig>(*c);
  market = std::make_unique<sim::Market>(*cfg);
  market->SetPaused(true);
  server = std::make_unique<sim::Server>(ioc, *cfg, market.get());
  ASSERT_TRUE(server->Listen("").ok());
  log_path = order_log_path;
  log_file = std::fopen(log_path.c_str(), "w");
  ASSERT_NE(log_file, nullptr);
  server->SetOrderLog(log_file);
  server->StartClock();  // late replies and dead man's switches run on the market clock
  server->PublishChange(market->SetBook(0, 0, bids, asks));
}

void LoopbackSim::Stop() {
  if (server) server->Stop();
}

LoopbackSim::~LoopbackSim() {
  Stop();
  if (log_file) std::fclose(log_file);
}

std::vector<nlohmann::json> LoopbackSim::OrderLog() const {
  std::vector<nlohmann::json> v;
  if (log_file) std::fflush(log_file);
  std::ifstream f(log_path);
  for (std::string line; std::getline(f, line);) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) v.push_back(std::move(j));
  }
  return v;
}

int LoopbackSim::LogCount(const std::string& request) const {
  int n = 0;
  for (const nlohmann::json& j : OrderLog()) n += j.is_object() && j.value("request", "") == request ? 1 : 0;
  return n;
}

LoopbackRing::LoopbackRing()
    : consumer(std::make_unique<VenueRing::Consumer>(ring.TakeConsumer())),
      pub(std::make_unique<venues::VenuePublisher>(ring.TakeProducer(), nullptr, &counters)) {}

venues::VenueContext LoopbackRing::Context(boost::asio::io_context& ioc, const config::Config& base,
                                           const config::VenueConfig& venue) {
  venues::VenueContext ctx;
  ctx.id = VenueId{0};
  ctx.venue = &venue;
  ctx.config = &base;
  ctx.publisher = pub.get();
  ctx.counters = &counters;
  ctx.kill = &kill;
  ctx.log = &log;
  ctx.ioc = &ioc;
  return ctx;
}

void LoopbackRing::Drain() {
  pub->Flush();
  VenueMsg m;
  while (consumer->TryPop(m)) {
    if (m.kind == VenueMsg::Kind::kExec) execs.push_back(m.exec);
    if (m.kind == VenueMsg::Kind::kBalance) {
      updates.push_back(m.balance);
      balances[m.balance.asset.value] = m.balance.free + m.balance.locked;
    }
  }
}

std::vector<ExecReport> LoopbackRing::For(uint64_t id) const {
  std::vector<ExecReport> v;
  for (const ExecReport& e : execs)
    if (e.client_id.value == id) v.push_back(e);
  return v;
}

bool LoopbackRing::Final(uint64_t id) const {
  for (const ExecReport& e : execs)
    if (e.client_id.value == id && e.final) return true;
  return false;
}

bool LoopbackRing::Has(uint64_t id, ExecKind k) const {
  for (const ExecReport& e : execs)
    if (e.client_id.value == id && e.kind == k) return true;
  return false;
}

Qty LoopbackRing::Filled(uint64_t id) const {
  Qty q = Qty::Zero();
  for (const ExecReport& e : execs)
    if (e.client_id.value == id && e.kind == ExecKind::kFill) q += e.fill_qty;
  return q;
}

int LoopbackRing::FillCount(uint64_t id) const {
  int n = 0;
  for (const ExecReport& e : execs) n += e.client_id.value == id && e.kind == ExecKind::kFill ? 1 : 0;
  return n;
}

void ExpectUnusableAnswersPublishNothing(LoopbackRing& ring, const std::vector<UnusableBalanceAnswer>& answers,
                                         const std::function<bool(const venues::HttpResponse&)>& handle) {
  ring.Drain();
  ring.updates.clear();
  uint64_t errors = ring.counters.order_parse_errors.load();
  for (const UnusableBalanceAnswer& a : answers) {
    venues::HttpResponse r;
    r.status = a.status;
    r.body = a.body;
    if (a.status == 0) r.error = "connection refused";
    EXPECT_FALSE(handle(r)) << a.what;
    errors += a.counted ? 1 : 0;
    EXPECT_EQ(ring.counters.order_parse_errors.load(), errors) << a.what;
    ring.Drain();
    EXPECT_TRUE(ring.updates.empty()) << a.what << ": nothing published";
    ring.updates.clear();
  }
}

bool RunUntil(boost::asio::io_context& ioc, const std::function<void()>& drain, const std::function<bool()>& cond,
              std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    ioc.run_for(std::chrono::milliseconds(5));
    drain();
    if (cond()) return true;
  }
  return cond();
}

void ExpectFillsExplainTheAccount(const std::vector<ExecReport>& execs, const venues::SymbolTable& symbols,
                                  Amount start_btc, Amount start_usdt, Amount btc, Amount usdt) {
  Amount want_btc = start_btc, want_usdt = start_usdt;
  const AssetId btc_id = symbols.FindAsset("BTC"), usdt_id = symbols.FindAsset("USDT");
  for (const ExecReport& e : execs) {
    if (e.kind != ExecKind::kFill) continue;
    if (e.side == Side::kBuy) {
      want_btc += AmountFromQty(e.fill_qty);
      want_usdt -= e.fill_quote;
    } else {
      want_btc -= AmountFromQty(e.fill_qty);
      want_usdt += e.fill_quote;
    }
    if (e.fee_asset == btc_id) want_btc -= e.fee;
    if (e.fee_asset == usdt_id) want_usdt -= e.fee;
  }
  EXPECT_EQ(btc, want_btc) << "the simulator's BTC and the session's fills agree";
  EXPECT_EQ(usdt, want_usdt) << "the simulator's USDT and the session's fills agree";
}

}  // namespace hs::testing
