// Coinbase order entry against the real homeostat-sim over real sockets: the engine's Orders
// session runs in this process on its own io_context (keep-alive REST + user-channel
// websocket), the simulator runs as a child with a freshly generated P-256 key pair (it holds
// only the public half). Each test scripts the simulator's book, sends intents and waits, with
// a deadline, for the ExecReports the session publishes.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "core/config/config.h"
#include "core/config/toml_reader.h"
#include "core/runtime/kill_switch.h"
#include "core/runtime/log.h"
#include "tests/support/loopback.h"
#include "venues/coinbase/coinbase_orders.h"
#include "venues/common/http_client.h"
#include "venues/common/jwt_es256.h"
#include "venues/common/venue_publisher.h"

namespace hs {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
constexpr char kKeyName[] = "organizations/sim-org/apiKeys/sim-key";

class CoinbaseOrdersLoopback : public testing::LoopbackFixture {
 protected:
  void SetUp() override {
    ASSERT_TRUE(venues::GenerateP256KeyPair(&priv_, &pub_).ok());
    const std::map<std::string, std::string> env = {
        {"HS_CB_KEY", kKeyName}, {"HS_CB_SECRET", priv_}, {"HS_CB_PUBLIC", pub_}};
    SetEnv(env, {priv_});
    // The session in this process reads its credentials from the environment too.
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    const std::string port = std::to_string(testing::FreePort());
    WriteConfig("coinbase-orders.toml",
                testing::EngineToml(R"("BTC", "USDT")", "cb-orders", "100000", "10", "") +
                    "[execution]\nack_timeout_ms = 400\nquery_attempts = 5\nquery_backoff_ms = 100\n" +
                    testing::kBtcUsdtInstrumentToml +
                    testing::Substitute(R"([[venues]]
name = "coinbase"
kind = "coinbase"
market_data_url = "ws://127.0.0.1:@PORT@"
order_url = "ws://127.0.0.1:@PORT@/user"
rest_url = "http://127.0.0.1:@PORT@"
api_key_env = "HS_CB_KEY"
api_secret_env = "HS_CB_SECRET"
taker_fee = "0.006"
reconnect_min_ms = 50
reconnect_max_ms = 200
symbols = { "BTC/USDT" = "BTC-USDT" }
[sim]
seed = 3
tick_interval_ms = 20
dislocation_every_ms = 0
[sim.prices]
"BTC/USDT" = "30000"
[sim.accounts.coinbase]
taker_fee = "0.006"
public_key_env = "HS_CB_PUBLIC"
balances = { BTC = "1", USDT = "10000" }
)",
                                        {{"@PORT@", port}}));
    ASSERT_NO_FATAL_FAILURE(StartSim(/*paused=*/true, {}, /*order_log=*/false));
    ASSERT_NO_FATAL_FAILURE(SetBook("coinbase", json::array({{"29990.00", "1"}}), json::array({{"30000.00", "0.5"}, {"30010.00", "2"}})));
    auto c = config::ParseConfig(config::ReadFile(config_), config_);
    ASSERT_TRUE(c.ok()) << c.status();
    cfg_ = std::make_unique<config::Config>(*std::move(c));
    symbols_ = std::make_unique<venues::SymbolTable>(*cfg_, cfg_->venues[0]);
    publisher_ = std::make_unique<venues::VenuePublisher>(ring_.TakeProducer(), nullptr, &counters_);
    ctx_.id = VenueId{0};
    ctx_.venue = &cfg_->venues[0];
    ctx_.config = cfg_.get();
    ctx_.publisher = publisher_.get();
    ctx_.counters = &counters_;
    ctx_.kill = &kill_;
    ctx_.log = &log_;
    ctx_.ioc = &ioc_;
    orders_ = std::make_unique<coinbase::Orders>(ctx_, symbols_.get(), nullptr);
    ASSERT_TRUE(orders_->Init().ok());
    orders_->Start();
    ASSERT_TRUE(Pump([&] { return orders_->connected(); }, 10s)) << "order entry never became ready";
    ASSERT_GE(balances_.size(), 2u) << "an accounts snapshot arrives before ready";
  }

  void TearDown() override {
    if (orders_) orders_->Stop();
    ioc_.run_for(50ms);
    orders_.reset();
    LoopbackFixture::TearDown();
  }

  // Runs the io_context until cond holds (true) or the deadline passes (false).
  bool Pump(const std::function<bool()>& cond, std::chrono::milliseconds deadline) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
      ioc_.run_for(5ms);
      logger_.Drain();
      Drain();
      if (cond()) return true;
    }
    return false;
  }
  void Drain() {
    publisher_->Flush();
    VenueMsg m;
    while (consumer_.TryPop(m)) {
      if (m.kind == VenueMsg::Kind::kExec) execs_.push_back(m.exec);
      if (m.kind == VenueMsg::Kind::kBalance) balances_.push_back(m.balance);
    }
  }
  std::vector<ExecReport> For(uint64_t id) const {
    std::vector<ExecReport> out;
    for (const ExecReport& e : execs_)
      if (e.client_id.value == id) out.push_back(e);
    return out;
  }
  bool Final(uint64_t id) const {
    for (const ExecReport& e : For(id))
      if (e.final) return true;
    return false;
  }
  OrderIntent Intent(uint64_t id, Side side, TimeInForce tif, const char* px, const char* qty) {
    OrderIntent in;
    in.client_id = ClientOrderId{id};
    in.venue = VenueId{0};
    in.instrument = InstrumentId{0};
    in.side = side;
    in.tif = tif;
    in.limit_px = ParseDecimal<Price>(px).value;
    in.qty = ParseDecimal<Qty>(qty).value;
    return in;
  }
  // One request with a hand-made Authorization header; the HTTP status.
  int RawRequest(const std::string& method, const std::string& path, const std::string& auth) {
    venues::HttpRequest req;
    req.method = method;
    req.url = cfg_->venues[0].rest_url + path;
    if (!auth.empty()) req.headers = {{"Authorization", auth}};
    int status = -1;
    venues::HttpFetch(ioc_, req, [&](venues::HttpResponse r) { status = r.status; });
    EXPECT_TRUE(Pump([&] { return status != -1; }, 5s));
    return status;
  }

  uint64_t C(const std::atomic<uint64_t>& c) const { return c.load(); }
  bool Has(uint64_t id, ExecKind k) const {
    for (const ExecReport& e : For(id))
      if (e.kind == k) return true;
    return false;
  }
  Qty Filled(uint64_t id) const {
    Qty q = Qty::Zero();
    for (const ExecReport& e : For(id))
      if (e.kind == ExecKind::kFill) q += e.fill_qty;
    return q;
  }
  // The session's view of the account — the accounts snapshot plus every fill the core was told
  // (fees in the quote asset) — equals the simulator's books.
  void ExpectBalancesFollowTheReports() {
    ASSERT_GE(balances_.size(), 2u);
    Amount btc = balances_[0].free, usdt = balances_[1].free;
    for (const ExecReport& e : execs_) {
      if (e.kind != ExecKind::kFill) continue;
      const Amount base = AmountFromQty(e.fill_qty);
      btc = e.side == Side::kBuy ? btc + base : btc - base;
      usdt = e.side == Side::kBuy ? usdt - e.fill_quote : usdt + e.fill_quote;
      EXPECT_EQ(e.fee_asset, symbols_->FindAsset("USDT"));
      usdt -= e.fee;
    }
    const json acc = SimAccounts();
    EXPECT_EQ(btc, Amt(acc["coinbase"]["BTC"]));
    EXPECT_EQ(usdt, Amt(acc["coinbase"]["USDT"]));
  }

  std::string priv_, pub_;
  boost::asio::io_context ioc_{1};
  VenueRing ring_{4096};
  VenueRing::Consumer consumer_ = ring_.TakeConsumer();
  runtime::VenueCounters counters_;
  runtime::KillSwitch kill_;
  // The session's log goes to stderr (it must never hold the key: TearDown checks the engine's
  // outputs; here the log is visible in the test output).
  runtime::Logger logger_{"", true};
  runtime::LogChannel& log_ = *logger_.MakeChannel("coinbase");
  std::unique_ptr<config::Config> cfg_;
  std::unique_ptr<venues::SymbolTable> symbols_;
  std::unique_ptr<venues::VenuePublisher> publisher_;
  venues::VenueContext ctx_;
  std::unique_ptr<coinbase::Orders> orders_;
  std::vector<ExecReport> execs_;
  std::vector<BalanceUpdate> balances_;
};

TEST_F(CoinbaseOrdersLoopback, IocFillsWithTheExactFeeAndBalancesAgree) {
  // The accounts snapshot gave the configured balances.
  EXPECT_EQ(balances_[0].free, Amt("1"));
  EXPECT_EQ(balances_[1].free, Amt("10000"));
  orders_->OnIntent(Intent(101, Side::kBuy, TimeInForce::kIoc, "30005.00", "0.01"));
  ASSERT_TRUE(Pump([&] { return Final(101); }, 10s));
  ASSERT_TRUE(Pump([&] { return For(101).size() >= 1; }, 1s));
  Pump([] { return false; }, 100ms);  // a late REST ack must not follow the final fill
  const auto r = For(101);
  const ExecReport& fill = r.back();
  ASSERT_EQ(fill.kind, ExecKind::kFill);
  EXPECT_TRUE(fill.final);
  EXPECT_EQ(fill.fill_qty, ParseDecimal<Qty>("0.01").value);
  EXPECT_EQ(fill.fill_px, ParseDecimal<Price>("30000").value);
  EXPECT_EQ(fill.fill_quote, Amt("300"));
  EXPECT_EQ(fill.fee, Amt("1.8")) << "0.006 of 300 USDT";
  EXPECT_EQ(fill.fee_asset, symbols_->FindAsset("USDT"));
  EXPECT_NE(fill.venue_order_id, 0u);
  for (size_t i = 0; i + 1 < r.size(); ++i) EXPECT_EQ(r[i].kind, ExecKind::kAck);
  const json acc = SimAccounts();
  EXPECT_EQ(Amt(acc["coinbase"]["USDT"]), Amt("9698.2"));
  EXPECT_EQ(Amt(acc["coinbase"]["BTC"]), Amt("1.01"));
  // An IOC larger than the crossing size fills what crosses and the remainder expires: one
  // final fill of the 1 BTC bid at 29990.
  orders_->OnIntent(Intent(102, Side::kSell, TimeInForce::kIoc, "29990.00", "1.005"));
  ASSERT_TRUE(Pump([&] { return Final(102); }, 10s));
  const ExecReport last = For(102).back();
  EXPECT_EQ(last.kind, ExecKind::kFill) << static_cast<int>(last.reason) << " " << last.venue_code;
  EXPECT_EQ(last.cum_qty, ParseDecimal<Qty>("1").value);
  EXPECT_EQ(last.fill_quote, Amt("29990"));
  EXPECT_EQ(last.fee, Amt("179.94"));
  // An IOC that finds nothing is canceled.
  orders_->OnIntent(Intent(103, Side::kSell, TimeInForce::kIoc, "31000.00", "0.01"));
  ASSERT_TRUE(Pump([&] { return Final(103); }, 10s));
  EXPECT_EQ(For(103).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(orders_->jwt_inline_signs(), 0u) << "every order used a token signed ahead";
}

TEST_F(CoinbaseOrdersLoopback, GtcRestsThenCancelsAndCancelAllClearsTheRest) {
  orders_->OnIntent(Intent(201, Side::kBuy, TimeInForce::kGtc, "29000.00", "0.01"));
  orders_->OnIntent(Intent(202, Side::kBuy, TimeInForce::kGtc, "29001.00", "0.01"));
  orders_->OnIntent(Intent(203, Side::kSell, TimeInForce::kGtc, "31000.00", "0.01"));
  ASSERT_TRUE(Pump([&] { return !For(201).empty() && !For(202).empty() && !For(203).empty(); }, 10s));
  for (uint64_t id : {201, 202, 203}) {
    EXPECT_EQ(For(id)[0].kind, ExecKind::kAck) << id << " reason " << static_cast<int>(For(id)[0].reason) << " code "
                                                << For(id)[0].venue_code;
    EXPECT_FALSE(For(id)[0].final);
  }
  ASSERT_TRUE(orders_->Cancel(ClientOrderId{201}));
  ASSERT_TRUE(Pump([&] { return Final(201); }, 10s));
  EXPECT_EQ(For(201).back().kind, ExecKind::kCanceled);
  // Find-by-client-id resolves through the id learned from the ack.
  bool found = false;
  orders_->FindByClientId(ClientOrderId{202}, [&](absl::StatusOr<coinbase::OrderInfo> o) {
    ASSERT_TRUE(o.ok()) << o.status();
    EXPECT_EQ(o->client_order_id, "hs202");
    EXPECT_EQ(o->status, "OPEN");
    found = true;
  });
  ASSERT_TRUE(Pump([&] { return found; }, 5s));
  int canceled = -1;
  orders_->CancelAll([&](absl::StatusOr<int> n) {
    ASSERT_TRUE(n.ok()) << n.status();
    canceled = *n;
  });
  ASSERT_TRUE(Pump([&] { return canceled >= 0 && Final(202) && Final(203); }, 10s));
  EXPECT_EQ(canceled, 2);
  EXPECT_EQ(For(202).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(For(203).back().kind, ExecKind::kCanceled);
}

TEST_F(CoinbaseOrdersLoopback, BadExpiredReplayedOrMissingJwtsAreRefused) {
  auto signer = venues::Es256Signer::FromPem(priv_);
  ASSERT_TRUE(signer.ok());
  const std::string host = "127.0.0.1:" + cfg_->venues[0].rest_url.substr(cfg_->venues[0].rest_url.rfind(':') + 1);
  const std::string uri = "GET " + host + "/api/v3/brokerage/accounts";
  const int64_t now = WallNow().value / 1'000'000'000;
  const std::string good = (*signer)->SignCdp(kKeyName, uri, now);
  EXPECT_EQ(RawRequest("GET", "/api/v3/brokerage/accounts", "Bearer " + good), 200);
  EXPECT_EQ(RawRequest("GET", "/api/v3/brokerage/accounts", "Bearer " + good), 401) << "a JWT serves one request";
  EXPECT_EQ(RawRequest("GET", "/api/v3/brokerage/accounts", ""), 401) << "no Authorization";
  EXPECT_EQ(RawRequest("GET", "/api/v3/brokerage/accounts", "Bearer " + (*signer)->SignCdp(kKeyName, uri, now - 300)), 401)
      << "expired";
  EXPECT_EQ(RawRequest("GET", "/api/v3/brokerage/accounts",
                       "Bearer " + (*signer)->SignCdp(kKeyName, "GET " + host + "/api/v3/brokerage/orders", now)),
            401)
      << "uri for another path";
  std::string other_priv, other_pub;
  ASSERT_TRUE(venues::GenerateP256KeyPair(&other_priv, &other_pub).ok());
  auto other = venues::Es256Signer::FromPem(other_priv);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(RawRequest("GET", "/api/v3/brokerage/accounts", "Bearer " + (*other)->SignCdp(kKeyName, uri, now)), 401)
      << "signed by another key";
  // The session itself is unaffected.
  orders_->OnIntent(Intent(301, Side::kBuy, TimeInForce::kIoc, "30000.00", "0.01"));
  ASSERT_TRUE(Pump([&] { return Final(301); }, 10s));
  EXPECT_EQ(For(301).back().kind, ExecKind::kFill);
}

TEST_F(CoinbaseOrdersLoopback, DuplicateUserUpdateChangesNothingAndDisconnectMarksInFlightUnknown) {
  // A GTC that crosses part of the book: one fill of 0.5, the rest rests (OPEN).
  ASSERT_NO_FATAL_FAILURE(SetBook("coinbase", json::array({{"29990.00", "0.5"}}), json::array({{"30000.00", "0.5"}})));
  orders_->OnIntent(Intent(401, Side::kSell, TimeInForce::kGtc, "29990.00", "0.8"));
  ASSERT_TRUE(Pump([&] {
    for (const ExecReport& e : For(401))
      if (e.kind == ExecKind::kFill) return true;
    return false;
  }, 10s));
  Pump([] { return false; }, 100ms);
  const size_t before = For(401).size();
  EXPECT_EQ(For(401).back().fill_quote, Amt("14995"));
  EXPECT_EQ(For(401).back().fee, Amt("89.97"));
  EXPECT_FALSE(For(401).back().final);
  const std::string vid(orders_->tracker().VenueOrderId(ClientOrderId{401}));
  ASSERT_FALSE(vid.empty());
  // The same cumulative state again, as the venue may repeat it.
  const json dup = {{"channel", "user"}, {"client_id", ""}, {"timestamp", "2026-01-01T00:00:00Z"}, {"sequence_num", 999},
                    {"events", json::array({{{"type", "update"},
                                             {"orders", json::array({{{"order_id", vid},
                                                                      {"client_order_id", "hs401"},
                                                                      {"status", "OPEN"},
                                                                      {"cumulative_quantity", "0.5"},
                                                                      {"leaves_quantity", "0.3"},
                                                                      {"avg_price", "29990"},
                                                                      {"total_fees", "89.97"},
                                                                      {"total_value_after_fees", "14905.03"},
                                                                      {"order_side", "SELL"}}})}}})}};
  const json r = SimCmd({{"cmd", "raw"}, {"venue", "coinbase"}, {"text", dup.dump()}});
  ASSERT_EQ(r.value("sent", 0), 1) << r.dump();
  Pump([] { return false; }, 200ms);
  EXPECT_EQ(For(401).size(), before) << "a repeated cumulative quantity is no new fill";
  // The user channel drops: the resting order's outcome is unknown now (still in flight).
  SimFault("coinbase", {{"disconnect", true}});
  ASSERT_TRUE(Pump([&] { return For(401).back().kind == ExecKind::kUnknown; }, 10s));
  EXPECT_FALSE(Final(401));
  // The session comes back by itself and the query by order id finds it resting: live again.
  ASSERT_TRUE(Pump([&] { return orders_->connected() && C(counters_.unknown_resolved) == 1; }, 10s));
  EXPECT_FALSE(Final(401));
  EXPECT_EQ(orders_->tracker().table().unknown(), 0);
}

// Fault drop_replies: the IOC fills 0.3 at 30000, but the venue writes no REST answer (that
// keep-alive connection answers nothing more) and no user push comes. Outcome: kUnknown only
// once the ack timeout ([execution] ack_timeout_ms, 400) has passed since the send; the
// session then reconnects the stuck REST connection, and since no order id is known the query
// lists the product's recent orders and matches client_order_id: one final fill with the
// venue's exact quote and fee; the slot is free. Order entry works again on the new
// connection (the next IOC is acked and filled there).
TEST_F(CoinbaseOrdersLoopback, DroppedReplyIsQueriedByClientIdAndResolved) {
  SimFault("coinbase", {{"drop_replies", 1}});
  const auto sent = std::chrono::steady_clock::now();
  orders_->OnIntent(Intent(501, Side::kBuy, TimeInForce::kIoc, "30005.00", "0.3"));
  ASSERT_TRUE(Pump([&] { return Has(501, ExecKind::kUnknown); }, 10s));
  const auto unknown_after = std::chrono::steady_clock::now() - sent;
  EXPECT_GE(unknown_after, std::chrono::milliseconds(cfg_->execution.ack_timeout_ms))
      << "no answer at all: unknown only at the ack timeout";
  ASSERT_TRUE(Pump([&] { return Final(501); }, 10s));
  const auto r = For(501);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].kind, ExecKind::kUnknown);
  EXPECT_EQ(r[0].venue_code, 0) << "no HTTP status: nothing came";
  EXPECT_EQ(r[1].kind, ExecKind::kFill);
  EXPECT_TRUE(r[1].final);
  EXPECT_EQ(r[1].fill_qty, ParseDecimal<Qty>("0.3").value);
  EXPECT_EQ(r[1].fill_quote, Amt("9000"));
  EXPECT_EQ(r[1].fee, Amt("54"));
  EXPECT_GE(C(counters_.order_queries), 1u);
  EXPECT_EQ(C(counters_.unknown_orders), 1u);
  EXPECT_EQ(C(counters_.unknown_resolved), 1u);
  EXPECT_EQ(orders_->tracker().active(), 0);
  ExpectBalancesFollowTheReports();
  ASSERT_TRUE(Pump([&] { return orders_->connected(); }, 10s));
  orders_->OnIntent(Intent(502, Side::kBuy, TimeInForce::kIoc, "30005.00", "0.01"));
  ASSERT_TRUE(Pump([&] { return Final(502); }, 10s));
  EXPECT_EQ(Filled(502), ParseDecimal<Qty>("0.01").value)
      << ExecKindName(For(502).back().kind) << " " << static_cast<int>(For(502).back().reason);
  EXPECT_FALSE(Has(502, ExecKind::kUnknown)) << "answered on the fresh connection";
  ExpectBalancesFollowTheReports();
}

// Faults reject_orders + drop_replies: the venue refuses the order and the refusal is never
// written. Outcome: kUnknown at the ack timeout, then the listing has no such
// client_order_id: kRejected kNotFound.
TEST_F(CoinbaseOrdersLoopback, LostRefusalEndsNotFound) {
  SimFault("coinbase", {{"reject_orders", 1}, {"drop_replies", 1}});
  orders_->OnIntent(Intent(511, Side::kBuy, TimeInForce::kIoc, "30005.00", "0.1"));
  ASSERT_TRUE(Pump([&] { return Final(511); }, 10s));
  EXPECT_TRUE(Has(511, ExecKind::kUnknown));
  EXPECT_EQ(For(511).back().kind, ExecKind::kRejected);
  EXPECT_EQ(For(511).back().reason, RejectReason::kNotFound);
  EXPECT_EQ(orders_->tracker().active(), 0);
  ExpectBalancesFollowTheReports();
}

// Faults drop_replies + late_replies (1500 ms): no REST answer, the user pushes late. The
// query (after the ack timeout) settles the order first; the late pushes change nothing
// (counted once).
TEST_F(CoinbaseOrdersLoopback, LatePushesAfterTheQueryChangeNothing) {
  SimFault("coinbase", {{"drop_replies", 1}, {"late_replies", 1}, {"late_reply_ms", 1500}});
  orders_->OnIntent(Intent(521, Side::kBuy, TimeInForce::kIoc, "30005.00", "0.2"));
  ASSERT_TRUE(Pump([&] { return Final(521); }, 10s));
  EXPECT_EQ(For(521).front().kind, ExecKind::kUnknown);
  EXPECT_EQ(C(counters_.unknown_resolved), 1u);
  const size_t reports = For(521).size();
  ASSERT_TRUE(Pump([&] { return orders_->connected(); }, 10s)) << "the REST connection was renewed";
  // A second order whose pushes are held too: they go out after the first one's (same delay,
  // in order), so its final fill means the late pushes of 521 have arrived.
  SimFault("coinbase", {{"late_replies", 1}, {"late_reply_ms", 1500}});
  orders_->OnIntent(Intent(522, Side::kBuy, TimeInForce::kIoc, "30005.00", "0.1"));
  ASSERT_TRUE(Pump([&] { return Final(522); }, 10s));
  EXPECT_EQ(For(521).size(), reports);
  EXPECT_EQ(Filled(521), ParseDecimal<Qty>("0.2").value);
  ExpectBalancesFollowTheReports();
}

// Fault duplicate_fills: the user push arrives twice. Outcome: one final fill of 0.3.
TEST_F(CoinbaseOrdersLoopback, DuplicateFillsAreCountedOnce) {
  SimFault("coinbase", {{"duplicate_fills", 1}});
  orders_->OnIntent(Intent(531, Side::kBuy, TimeInForce::kIoc, "30010.00", "0.3"));
  ASSERT_TRUE(Pump([&] { return Final(531); }, 10s));
  // The duplicate went out before the next order's push.
  orders_->OnIntent(Intent(532, Side::kSell, TimeInForce::kIoc, "29990.00", "0.01"));
  ASSERT_TRUE(Pump([&] { return Final(532); }, 10s));
  EXPECT_EQ(Filled(531), ParseDecimal<Qty>("0.3").value);
  int fills = 0;
  for (const ExecReport& e : For(531)) fills += e.kind == ExecKind::kFill;
  EXPECT_EQ(fills, 1);
  EXPECT_EQ(C(counters_.unknown_orders), 0u);
  ExpectBalancesFollowTheReports();
}

// Fault disconnect_orders: the IOC executes and is acked, then the user channel closes before
// its push. Outcome: kUnknown at the disconnect; after the reconnect the query by order id
// settles it (0.3 filled, final).
TEST_F(CoinbaseOrdersLoopback, DisconnectMidOrderIsResolvedAfterReconnect) {
  SimFault("coinbase", {{"disconnect_orders", 1}});
  orders_->OnIntent(Intent(541, Side::kBuy, TimeInForce::kIoc, "30005.00", "0.3"));
  ASSERT_TRUE(Pump([&] { return Final(541); }, 10s));
  EXPECT_TRUE(Has(541, ExecKind::kUnknown));
  EXPECT_EQ(Filled(541), ParseDecimal<Qty>("0.3").value);
  EXPECT_EQ(For(541).back().kind, ExecKind::kFill);
  EXPECT_EQ(C(counters_.unknown_resolved), 1u);
  ASSERT_TRUE(Pump([&] { return orders_->connected(); }, 10s));
  orders_->OnIntent(Intent(542, Side::kSell, TimeInForce::kIoc, "29990.00", "0.01"));
  ASSERT_TRUE(Pump([&] { return Final(542); }, 10s));
  ExpectBalancesFollowTheReports();
}

// Fault partial_orders: an IOC buy of 0.30001 up to 30005.00 (0.5 offered at 30000.00) takes
// only half its size, rounded down to the 0.00001 lot: 0.15; the venue expires the rest.
// Outcome: exactly one kFill of 0.15 @ 30000 (quote 4500, fee 27 USDT), final, cum 0.15 (an
// IOC remainder needs no report of its own); nothing else but an ack; the session's balances
// equal the sim's (USDT 5473, BTC 1.15).
TEST_F(CoinbaseOrdersLoopback, PartialIocFillsHalfAndExpiresTheRest) {
  SimFault("coinbase", {{"partial_orders", 1}});
  orders_->OnIntent(Intent(601, Side::kBuy, TimeInForce::kIoc, "30005.00", "0.30001"));
  ASSERT_TRUE(Pump([&] { return Final(601); }, 10s));
  int fills = 0;
  for (const ExecReport& e : For(601)) {
    if (e.kind == ExecKind::kFill) {
      ++fills;
      EXPECT_TRUE(e.final);
      EXPECT_EQ(e.fill_qty, ParseDecimal<Qty>("0.15").value);
      EXPECT_EQ(e.cum_qty, ParseDecimal<Qty>("0.15").value);
      EXPECT_EQ(e.fill_px, ParseDecimal<Price>("30000").value);
      EXPECT_EQ(e.fill_quote, Amt("4500"));
      EXPECT_EQ(e.fee, Amt("27"));
    } else {
      EXPECT_EQ(e.kind, ExecKind::kAck);
    }
  }
  EXPECT_EQ(fills, 1);
  EXPECT_EQ(C(counters_.unknown_orders), 0u);
  EXPECT_EQ(orders_->tracker().active(), 0);
  const json acc = SimAccounts();
  EXPECT_EQ(Amt(acc["coinbase"]["USDT"]), Amt("5473"));
  EXPECT_EQ(Amt(acc["coinbase"]["BTC"]), Amt("1.15"));
  ExpectBalancesFollowTheReports();
  // The fault is spent: the next IOC takes its whole size.
  orders_->OnIntent(Intent(602, Side::kBuy, TimeInForce::kIoc, "30005.00", "0.1"));
  ASSERT_TRUE(Pump([&] { return Final(602); }, 10s));
  EXPECT_EQ(Filled(602), ParseDecimal<Qty>("0.1").value);
  ExpectBalancesFollowTheReports();
}

// Fault rate_limit_orders: the create is answered HTTP 429 with Coinbase's error body
// (RATE_LIMIT_EXCEEDED) and not handled. Outcome: final kRejected with RejectReason::
// kRateLimited, venue_code 429, counted rate_limited and order_rejects; nothing booked. The
// session backs off (kVenueLimitBackoffNs): an order sent right after is refused here at once
// (kRateLimited, no venue code, never tracked), rate_limited counted again.
TEST_F(CoinbaseOrdersLoopback, VenueRateLimitRejectsAndBacksOff) {
  ASSERT_EQ(C(counters_.rate_limited), 0u);
  SimFault("coinbase", {{"rate_limit_orders", 1}});
  orders_->OnIntent(Intent(611, Side::kBuy, TimeInForce::kIoc, "30005.00", "0.1"));
  ASSERT_TRUE(Pump([&] { return Final(611); }, 10s));
  ASSERT_EQ(For(611).size(), 1u);
  EXPECT_EQ(For(611)[0].kind, ExecKind::kRejected);
  EXPECT_EQ(For(611)[0].reason, RejectReason::kRateLimited);
  EXPECT_EQ(For(611)[0].venue_code, 429);
  EXPECT_EQ(C(counters_.rate_limited), 1u);
  EXPECT_EQ(C(counters_.order_rejects), 1u);
  EXPECT_EQ(orders_->tracker().active(), 0);

  orders_->OnIntent(Intent(612, Side::kBuy, TimeInForce::kIoc, "30005.00", "0.1"));
  Drain();
  ASSERT_EQ(For(612).size(), 1u) << "refused at once, locally";
  EXPECT_EQ(For(612)[0].kind, ExecKind::kRejected);
  EXPECT_EQ(For(612)[0].reason, RejectReason::kRateLimited);
  EXPECT_EQ(For(612)[0].venue_code, 0);
  EXPECT_EQ(C(counters_.rate_limited), 2u);
  EXPECT_EQ(orders_->tracker().active(), 0) << "nothing was sent";
  const json acc = SimAccounts();
  EXPECT_EQ(Amt(acc["coinbase"]["BTC"]), Amt("1"));
  EXPECT_EQ(Amt(acc["coinbase"]["USDT"]), Amt("10000"));
  ExpectBalancesFollowTheReports();
}

}  // namespace
}  // namespace hs
