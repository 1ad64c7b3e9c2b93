// The admin commands' semantics (role check, audit, kill/resume/halt/reduce/reset) against a
// fake engine, and what the read-only commands render from a hand-built telemetry and config.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/control/admin_render.h"
#include "core/control/admin_service.h"
#include "core/control/text_table.h"
#include "risk/breakers.h"
#include "risk/pre_trade.h"
#include "tests/support/test_support.h"

namespace hs::control {
namespace {

using json = nlohmann::json;

// Two venues (binance id 0, okx id 1), BTC/USDT (0) and ETH/USDT (1); assets BTC 0, ETH 1, USDT 2.
config::Config TestConfig() {
  const std::string venues = R"([[venues]]
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
)";
  auto c = config::ParseConfig(testing::UnitConfigToml(R"("BTC", "ETH", "USDT")", std::string(testing::kBtcUsdtInstrumentToml) +
                                                                                    testing::kEthUsdtInstrumentToml + venues),
                               "test");
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : config::Config{};
}

struct Pushed {
  ControlOp op;
  VenueId venue;
  uint32_t uid;
  ControlOp refused_op;
  uint8_t arg;
};

class FakeEngine : public AdminActions {
 public:
  std::string TripKillSwitch() override {
    killed = true;
    ++kill_trips;
    return ",\"cancel_all_sent\":0,\"cancel_all_venues\":[],\"cancel_all_not_sent\":[]";
  }
  void ResetKillSwitch() override { killed = false; }
  bool KillSwitchSet() const override { return killed; }
  bool JournalFailed() const override { return journal_failed; }
  bool Push(ControlOp op, VenueId venue, uint32_t uid, ControlOp refused_op, uint8_t arg) override {
    if (ring_full) return false;
    pushed.push_back({op, venue, uid, refused_op, arg});
    return true;
  }
  void Log(AdminLogLevel level, const std::string& line) override { logs.push_back(line); }
  void ReadTelemetry(engine::CoreTelemetry* out) override { *out = *tel; }
  std::string StatusJson() override { return "{\"ok\":true,\"status\":1}"; }
  int64_t WallNowNs() override { return now_ns; }

  bool LogHas(const std::string& s) const {
    for (const auto& l : logs)
      if (l.find(s) != std::string::npos) return true;
    return false;
  }

  bool killed = false;
  int kill_trips = 0;
  bool journal_failed = false;
  bool ring_full = false;
  int64_t now_ns = 1'700'000'000'000'000'000;
  std::vector<Pushed> pushed;
  std::vector<std::string> logs;
  std::unique_ptr<engine::CoreTelemetry> tel = std::make_unique<engine::CoreTelemetry>();
};

AdminCommand Cmd(const std::string& line, AdminRole role, uint32_t uid = 1000) {
  AdminCommand c;
  std::string err;
  EXPECT_TRUE(ParseAdminCommand(line, &c, &err)) << line << ": " << err;
  c.role = role;
  c.peer_uid = uid;
  c.peer_pid = 77;
  return c;
}

// The cells of the table row whose first cell is `first` (cells are separated by two or more
// spaces); empty when no row starts with it.
std::vector<std::string> RowCells(const std::string& table, const std::string& first) {
  size_t at = 0;
  while (at < table.size()) {
    const size_t end = std::min(table.find('\n', at), table.size());
    const std::string line = table.substr(at, end - at);
    std::vector<std::string> cells;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && line[i] == ' ') ++i;
      size_t j = i;
      while (j < line.size() && !(line[j] == ' ' && (j + 1 >= line.size() || line[j + 1] == ' '))) ++j;
      if (j > i) cells.push_back(line.substr(i, j - i));
      i = j;
    }
    if (!cells.empty() && cells[0] == first) return cells;
    at = end + 1;
  }
  return {};
}
using Cells = std::vector<std::string>;

struct ServiceFixture {
  config::Config cfg = TestConfig();
  FakeEngine fake;
  AdminService service{cfg, &fake};
};

// ---- roles and audit

TEST(AdminService, ViewerMayRunEveryReadOnlyCommand) {
  ServiceFixture f;
  for (const char* verb : {"status", "positions", "orders", "pnl", "breakers", "limits", "help"}) {
    for (const char* format : {"", ",\"format\":\"table\""}) {
      if (std::string(verb) == "status" && format[0] != '\0') continue;  // JSON only
      const std::string line = std::string("{\"cmd\":\"") + verb + "\"" + format + "}";
      const std::string reply = f.service.Handle(Cmd(line, AdminRole::kViewer));
      EXPECT_EQ(reply.rfind("{\"ok\":true", 0), 0u) << line << " -> " << reply;
      EXPECT_NO_THROW((void)json::parse(reply)) << reply;
    }
  }
  EXPECT_TRUE(f.fake.pushed.empty()) << "reading changes nothing and journals nothing";
}

TEST(AdminService, ViewerMutatingCommandsAreRefusedAndAudited) {
  struct Case {
    const char* line;
    const char* verb;
    ControlOp op;
  };
  const Case cases[] = {
      {R"({"cmd":"kill"})", "kill", ControlOp::kKill},
      {R"({"cmd":"halt"})", "halt", ControlOp::kHalt},
      {R"({"cmd":"halt","venue":"okx"})", "halt", ControlOp::kHalt},
      {R"({"cmd":"reduce"})", "reduce", ControlOp::kReduce},
      {R"({"cmd":"resume"})", "resume", ControlOp::kResume},
      {R"({"cmd":"reset","name":"divergence"})", "reset", ControlOp::kReset},
  };
  for (const Case& k : cases) {
    ServiceFixture f;
    const std::string reply = f.service.Handle(Cmd(k.line, AdminRole::kViewer, 1234));
    EXPECT_EQ(reply, std::string("{\"ok\":false,\"error\":\"uid 1234 is a viewer: ") + k.verb +
                         " changes the engine's state and needs an operator ([admin] operators); viewers may run "
                         "status, positions, orders, pnl, breakers, limits and help\"}")
        << k.line;
    ASSERT_EQ(f.fake.pushed.size(), 1u) << k.line;
    EXPECT_EQ(f.fake.pushed[0].op, ControlOp::kRefused);
    EXPECT_EQ(f.fake.pushed[0].refused_op, k.op);
    EXPECT_EQ(f.fake.pushed[0].uid, 1234u);
    EXPECT_TRUE(f.fake.LogHas("from uid 1234 (pid 77) REFUSED: uid 1234 is a viewer")) << k.line;
    EXPECT_EQ(f.fake.kill_trips, 0) << "a viewer's kill must not trip the switch";
  }
}

TEST(AdminService, RefusedPeerIsLoggedAndJournaled) {
  ServiceFixture f;
  f.service.OnRefusedPeer(AdminPeer{65534, 65534, 99, AdminRole::kViewer});
  EXPECT_TRUE(f.fake.LogHas("ADMIN connection from uid 65534 (pid 99) REFUSED: not an operator or viewer"));
  ASSERT_EQ(f.fake.pushed.size(), 1u);
  EXPECT_EQ(f.fake.pushed[0].op, ControlOp::kRefused);
  EXPECT_EQ(f.fake.pushed[0].refused_op, ControlOp::kNone);
  EXPECT_EQ(f.fake.pushed[0].uid, 65534u);
}

// ---- the state-changing commands, as an operator

TEST(AdminService, KillTripsTheSwitchThenTellsTheCore) {
  ServiceFixture f;
  const json r = json::parse(f.service.Handle(Cmd(R"({"cmd":"kill"})", AdminRole::kOperator)));
  EXPECT_TRUE(r["ok"].get<bool>());
  EXPECT_TRUE(r["halted"].get<bool>());
  EXPECT_TRUE(r["core_notified"].get<bool>());
  EXPECT_EQ(r["cancel_all_sent"], 0);
  EXPECT_TRUE(f.fake.killed);
  ASSERT_EQ(f.fake.pushed.size(), 1u);
  EXPECT_EQ(f.fake.pushed[0].op, ControlOp::kKill);
  EXPECT_FALSE(f.fake.pushed[0].venue.valid());
  EXPECT_TRUE(f.fake.LogHas("ADMIN kill from uid 1000 (pid 77): kill switch set"));
}

TEST(AdminService, VenueResumeKeepsTheKillAndGlobalResumeClearsIt) {
  ServiceFixture f;
  f.service.Handle(Cmd(R"({"cmd":"kill"})", AdminRole::kOperator));
  const json venue = json::parse(f.service.Handle(Cmd(R"({"cmd":"resume","venue":"okx"})", AdminRole::kOperator)));
  EXPECT_EQ(venue["scope"], "okx");
  EXPECT_TRUE(venue["kill_switch"].get<bool>());
  EXPECT_NE(venue["message"].get<std::string>().find("kill switch stays set"), std::string::npos);
  EXPECT_EQ(f.fake.pushed.back().venue, VenueId{1});
  const std::string refused = f.service.Handle(Cmd(R"({"cmd":"reduce"})", AdminRole::kOperator));
  EXPECT_EQ(refused, "{\"ok\":false,\"error\":\"the kill switch is set: a global reduce cannot relax it; use resume first\"}");
  EXPECT_EQ(f.fake.pushed.back().op, ControlOp::kRefused);
  const json global = json::parse(f.service.Handle(Cmd(R"({"cmd":"resume"})", AdminRole::kOperator)));
  EXPECT_EQ(global["scope"], "global");
  EXPECT_FALSE(global["kill_switch"].get<bool>());
  EXPECT_FALSE(f.fake.killed);
  EXPECT_TRUE(f.fake.LogHas("ADMIN resume (global) from uid 1000"));
}

TEST(AdminService, HaltOfAnUnknownVenueIsRefusedNamingTheVenues) {
  ServiceFixture f;
  EXPECT_EQ(f.service.Handle(Cmd(R"({"cmd":"halt","venue":"nosuch"})", AdminRole::kOperator)),
            "{\"ok\":false,\"error\":\"unknown venue \\\"nosuch\\\" (venues: binance, okx)\"}");
  ASSERT_EQ(f.fake.pushed.size(), 1u);
  EXPECT_EQ(f.fake.pushed[0].op, ControlOp::kRefused);
  EXPECT_EQ(f.fake.pushed[0].refused_op, ControlOp::kHalt);
  EXPECT_TRUE(f.fake.LogHas("ADMIN halt --venue nosuch from uid 1000 (pid 77) REFUSED: unknown venue"));
}

TEST(AdminService, HaltAndReduceReachTheCoreWithTheirScope) {
  ServiceFixture f;
  EXPECT_EQ(f.service.Handle(Cmd(R"({"cmd":"halt","venue":"binance"})", AdminRole::kOperator)),
            "{\"ok\":true,\"scope\":\"binance\"}");
  EXPECT_EQ(f.service.Handle(Cmd(R"({"cmd":"reduce"})", AdminRole::kOperator)), "{\"ok\":true,\"scope\":\"global\"}");
  ASSERT_EQ(f.fake.pushed.size(), 2u);
  EXPECT_EQ(f.fake.pushed[0].op, ControlOp::kHalt);
  EXPECT_EQ(f.fake.pushed[0].venue, VenueId{0});
  EXPECT_EQ(f.fake.pushed[1].op, ControlOp::kReduce);
  EXPECT_FALSE(f.fake.pushed[1].venue.valid());
  EXPECT_TRUE(f.fake.LogHas("ADMIN halt (binance) from uid 1000 (pid 77): core notified"));
}

TEST(AdminService, ResetSendsTheBreakerToTheCore) {
  ServiceFixture f;
  EXPECT_EQ(f.service.Handle(Cmd(R"({"cmd":"reset","name":"divergence"})", AdminRole::kOperator, 501)),
            "{\"ok\":true,\"reset\":\"divergence\"}");
  ASSERT_EQ(f.fake.pushed.size(), 1u);
  EXPECT_EQ(f.fake.pushed[0].op, ControlOp::kReset);
  EXPECT_EQ(f.fake.pushed[0].arg, static_cast<uint8_t>(risk::BreakerId::kDivergence));
  EXPECT_FALSE(f.fake.pushed[0].venue.valid());
  EXPECT_EQ(f.fake.pushed[0].uid, 501u);
  EXPECT_TRUE(f.fake.LogHas("ADMIN reset divergence from uid 501 (pid 77): core notified"));
}

TEST(AdminService, JournalBreakerCannotBeReset) {
  ServiceFixture f;
  const json r = json::parse(f.service.Handle(Cmd(R"({"cmd":"reset","name":"journal"})", AdminRole::kOperator)));
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_EQ(r["error"].get<std::string>().rfind("the journal breaker cannot be reset: ", 0), 0u) << r.dump();
  ASSERT_EQ(f.fake.pushed.size(), 1u);
  EXPECT_EQ(f.fake.pushed[0].op, ControlOp::kRefused);
  EXPECT_EQ(f.fake.pushed[0].refused_op, ControlOp::kReset);
  EXPECT_TRUE(f.fake.LogHas("ADMIN reset journal from uid 1000 (pid 77) REFUSED"));
}

TEST(AdminService, CommandsNotDeliveredWhenTheRingIsFullSaySo) {
  ServiceFixture f;
  f.fake.ring_full = true;
  EXPECT_EQ(f.service.Handle(Cmd(R"({"cmd":"reset","name":"stale"})", AdminRole::kOperator)),
            "{\"ok\":false,\"error\":\"reset not delivered: the control ring is full; try again\"}");
  EXPECT_EQ(f.service.Handle(Cmd(R"({"cmd":"halt"})", AdminRole::kOperator)),
            "{\"ok\":false,\"error\":\"halt not delivered: the control ring is full; try again\"}");
  EXPECT_TRUE(f.fake.LogHas("ADMIN reset stale from uid 1000 (pid 77): NOT delivered (control ring full)"));
}

TEST(AdminService, ResumeAfterAJournalFailureIsRefused) {
  ServiceFixture f;
  f.fake.journal_failed = true;
  EXPECT_EQ(f.service.Handle(Cmd(R"({"cmd":"resume"})", AdminRole::kOperator)),
            "{\"ok\":false,\"error\":\"the journal failed; trading cannot resume in this run\"}");
  EXPECT_EQ(f.fake.pushed.back().refused_op, ControlOp::kResume);
}

TEST(AdminService, HelpNamesTheCommandsAndThePeersRole) {
  ServiceFixture f;
  const json r = json::parse(f.service.Handle(Cmd(R"({"cmd":"help"})", AdminRole::kViewer)));
  EXPECT_EQ(r["role"], "viewer");
  EXPECT_EQ(r["read_only"].size(), 7u);
  EXPECT_EQ(r["operator_only"], json::parse(R"(["kill","resume","halt","reduce","reset"])"));
  std::string table;
  ASSERT_TRUE(ReplyMember(f.service.Handle(Cmd(R"({"cmd":"help","format":"table"})", AdminRole::kOperator)), "table",
                          &table));
  EXPECT_EQ(RowCells(table, "reset"), (Cells{"reset", "name (a breaker)", "operator"})) << table;
  EXPECT_EQ(RowCells(table, "status"), (Cells{"status", "viewer, operator"})) << table;
  EXPECT_NE(table.find("you are a operator"), std::string::npos) << table;
}

// ---- rendering

engine::BreakerView View(risk::BreakerId b, risk::BreakerScope scope, uint16_t index, risk::SlotState state) {
  engine::BreakerView v;
  v.breaker = static_cast<uint8_t>(b);
  v.scope = static_cast<uint8_t>(scope);
  v.index = index;
  v.state = static_cast<uint8_t>(state);
  v.action = static_cast<uint8_t>(risk::BreakerAction::kHalt);
  return v;
}

TEST(AdminRender, BreakersJsonHasTheFieldsAndScopeStrings) {
  ServiceFixture f;
  engine::CoreTelemetry& t = *f.fake.tel;
  engine::BreakerView div = View(risk::BreakerId::kDivergence, risk::BreakerScope::kVenue, 1, risk::SlotState::kLatched);
  div.latch = true;
  div.trips = 3;
  div.cause_venue = 1;
  div.cause_instrument = 0;
  div.last_value = 2'125'000;      // 0.02125 = 212.5 bps
  div.last_threshold = 1'000'000;  // 0.01 = 100 bps
  div.tripped_at_ns = 1'764'752'821'123'000'000;
  engine::BreakerView dd = View(risk::BreakerId::kDrawdown, risk::BreakerScope::kGlobal, 0, risk::SlotState::kTripped);
  dd.action = static_cast<uint8_t>(risk::BreakerAction::kReduce);
  dd.trips = 1;
  dd.last_value = 1'500'000;
  dd.last_threshold = 1'000'000;
  dd.tripped_at_ns = 5;
  dd.cleared_at_ns = 4;
  engine::BreakerView stale = View(risk::BreakerId::kStale, risk::BreakerScope::kInstrument, 1, risk::SlotState::kOk);
  t.breakers[0] = div;
  t.breakers[1] = dd;
  t.breakers[2] = stale;
  t.breaker_views = 3;
  t.breakers_tripped = 2;
  t.breaker_trips = 4;

  const json r = json::parse(f.service.Handle(Cmd(R"({"cmd":"breakers"})", AdminRole::kViewer)));
  EXPECT_EQ(r["tripped"], 2);
  EXPECT_EQ(r["trips"], 4);
  const json& b = r["breakers"];
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0], json::parse(R"J({"name":"divergence","scope":"venue:okx","state":"latched","action":"halt",
      "latch":true,"trips":3,"last_cause":"divergence 212.5 bps > 100 bps (okx BTC/USDT)",
      "tripped_at_ns":1764752821123000000,"cleared_at_ns":0,"last_value":2125000,"last_threshold":1000000})J"));
  EXPECT_EQ(b[1]["name"], "drawdown");
  EXPECT_EQ(b[1]["scope"], "global");
  EXPECT_EQ(b[1]["state"], "tripped");
  EXPECT_EQ(b[1]["action"], "reduce");
  EXPECT_EQ(b[1]["last_cause"], "drawdown 150 bps > 100 bps");
  EXPECT_EQ(b[1]["tripped_at_ns"], 5);
  EXPECT_EQ(b[1]["cleared_at_ns"], 4);
  EXPECT_EQ(b[2]["scope"], "instrument:ETH/USDT");
  EXPECT_EQ(b[2]["state"], "ok");
  EXPECT_EQ(b[2]["trips"], 0);
  EXPECT_EQ(b[2]["last_cause"], "") << "never tripped: no cause";

  std::string table;
  ASSERT_TRUE(ReplyMember(f.service.Handle(Cmd(R"({"cmd":"breakers","format":"table"})", AdminRole::kViewer)), "table",
                          &table));
  EXPECT_NE(table.find("breakers: 2 tripped now, 4 trips so far"), std::string::npos) << table;
  for (const char* row : {"divergence  venue:okx", "drawdown    global", "stale       instrument:ETH/USDT",
                          "divergence 212.5 bps > 100 bps (okx BTC/USDT)", "2025-12-03 09:07:01.123Z"})
    EXPECT_NE(table.find(row), std::string::npos) << row << "\n" << table;
}

TEST(AdminRender, BreakerCauseInEachBreakersUnits) {
  const config::Config cfg = TestConfig();
  struct Case {
    risk::BreakerId b;
    int64_t value, threshold;
    uint16_t venue, instrument;
    uint8_t cause;
    const char* text;
  };
  const Case cases[] = {
      {risk::BreakerId::kStale, 1, 2, 0xFFFF, 0, 0, "usable venues 1 < quorum 2 (BTC/USDT)"},
      {risk::BreakerId::kIntegrity, 7, 5, 0, 0xFFFF, 0, "feed integrity events 7 > 5 in the window (binance)"},
      {risk::BreakerId::kDivergence, 2'125'000, 1'000'000, 1, 0, 0, "divergence 212.5 bps > 100 bps (okx BTC/USDT)"},
      {risk::BreakerId::kVolSpike, 320'000'000, 300'000'000, 0xFFFF, 1, 0, "volatility ratio 3.2 > 3 (ETH/USDT)"},
      {risk::BreakerId::kDrawdown, 1'000'000, 1'000'000, 0xFFFF, 0xFFFF, 0, "drawdown 100 bps = 100 bps"},
      {risk::BreakerId::kDailyLoss, 1'200'500'000'000, 1'000'000'000'000, 0xFFFF, 0xFFFF, 0,
       "daily loss 1200.5 USDT > 1000 USDT"},
      {risk::BreakerId::kRejectRate, 60'000'000, 50'000'000, 1, 0xFFFF, 0, "reject rate 60% > 50% (okx)"},
      {risk::BreakerId::kUnknownOrders, 5200, 5000, 0, 0xFFFF, 0, "unknown order age 5200 ms > 5000 ms (binance)"},
      {risk::BreakerId::kLegImbalance, 1'500'000'000'000, 1'000'000'000'000, 0xFFFF, 0, 0,
       "leg residual 1500 USDT > 1000 USDT (BTC/USDT)"},
      {risk::BreakerId::kLegImbalance, 3000, 2000, 0xFFFF, 0, 1, "leg residual age 3000 ms > 2000 ms (BTC/USDT)"},
      {risk::BreakerId::kJournal, 1, 0, 0xFFFF, 0xFFFF, 0, "journal write or fsync failed"},
      {risk::BreakerId::kClock, -1'500'000, 0, 0xFFFF, 0xFFFF, 0, "input time stepped back 1.5 ms"},
      {risk::BreakerId::kClock, 2'500'000'000, 1'000'000'000, 0xFFFF, 0xFFFF, 1, "input time jumped 2500 ms > 1000 ms"},
  };
  for (const Case& k : cases) {
    engine::BreakerView v = View(k.b, risk::BreakerScope::kGlobal, 0, risk::SlotState::kTripped);
    v.trips = 1;
    v.last_value = k.value;
    v.last_threshold = k.threshold;
    v.cause_venue = k.venue;
    v.cause_instrument = k.instrument;
    v.last_cause = k.cause;
    EXPECT_EQ(BreakerCauseText(v, cfg), k.text) << risk::BreakerName(k.b);
  }
}

TEST(AdminRender, PositionsPerAssetWithVenueTotals) {
  ServiceFixture f;
  engine::CoreTelemetry& t = *f.fake.tel;
  t.venue[0].balances[0] = Amount::FromRaw(500'000'000);    // binance BTC 0.5
  t.venue[1].balances[0] = Amount::FromRaw(1'000'000'000);  // okx BTC 1
  t.positions[0].position = Amount::FromRaw(1'500'000'000);
  t.positions[0].avg_cost = Price::FromRaw(30'000'000'000'000);
  t.positions[0].value = Amount::FromRaw(46'500'000'000'000);
  t.positions[0].realized = Amount::FromRaw(-12'500'000'000);
  t.positions[0].unrealized = Amount::FromRaw(1'500'000'000'000);
  t.positions[0].fees = Amount::FromRaw(3'000'000'000);
  const json r = json::parse(f.service.Handle(Cmd(R"({"cmd":"positions"})", AdminRole::kViewer)));
  EXPECT_EQ(r["valuation_asset"], "USDT");
  ASSERT_EQ(r["positions"].size(), 3u);
  EXPECT_EQ(r["positions"][0], json::parse(R"({"asset":"BTC","position":"1.5","venues":{"binance":"0.5","okx":"1"},
      "avg_cost":"30000","value":"46500","realized":"-12.5","unrealized":"1500","fees":"3"})"));
  EXPECT_EQ(r["positions"][2]["asset"], "USDT");
  std::string table;
  ASSERT_TRUE(ReplyMember(f.service.Handle(Cmd(R"({"cmd":"positions","format":"table"})", AdminRole::kViewer)), "table",
                          &table));
  EXPECT_NE(table.find("ASSET  POSITION  binance  okx  AVG COST  VALUE  REALIZED  UNREALIZED  FEES"), std::string::npos)
      << table;
  EXPECT_NE(table.find("BTC         1.5      0.5    1     30000  46500     -12.5        1500     3"), std::string::npos)
      << table;
}

TEST(AdminRender, OpenOrdersWithTheirAges) {
  ServiceFixture f;
  engine::CoreTelemetry& t = *f.fake.tel;
  engine::OpenOrderView& o = t.orders[0];
  o.id = ClientOrderId{9001};
  o.venue = VenueId{1};
  o.instrument = InstrumentId{0};
  o.side = Side::kSell;
  o.purpose = OrderPurpose::kHedge;
  o.tif = TimeInForce::kGtc;
  o.unknown = true;
  o.limit_px = Price::FromRaw(30'100'500'000'000);
  o.qty = Qty::FromRaw(2'000'000);
  o.filled = Qty::FromRaw(500'000);
  o.opened_at = Nanos{f.fake.now_ns - 2'345'000'000};
  o.group = 12;
  t.order_views = 1;
  t.open_orders = 70;  // more than the views hold: the table says so
  const json r = json::parse(f.service.Handle(Cmd(R"({"cmd":"orders"})", AdminRole::kViewer)));
  EXPECT_EQ(r["open"], 70);
  EXPECT_EQ(r["shown"], 1);
  ASSERT_EQ(r["orders"].size(), 1u);
  const json& j = r["orders"][0];
  EXPECT_EQ(j["client_id"], 9001);
  EXPECT_EQ(j["venue"], "okx");
  EXPECT_EQ(j["instrument"], "BTC/USDT");
  EXPECT_EQ(j["side"], "sell");
  EXPECT_EQ(j["purpose"], OrderPurposeName(OrderPurpose::kHedge));
  EXPECT_EQ(j["tif"], "gtc");
  EXPECT_EQ(j["price"], "30100.5");
  EXPECT_EQ(j["qty"], "0.02");
  EXPECT_EQ(j["filled"], "0.005");
  EXPECT_TRUE(j["unknown"].get<bool>());
  EXPECT_EQ(j["age_ms"], 2345);
  EXPECT_EQ(j["group"], 12);
  std::string table;
  ASSERT_TRUE(
      ReplyMember(f.service.Handle(Cmd(R"({"cmd":"orders","format":"table"})", AdminRole::kViewer)), "table", &table));
  EXPECT_NE(table.find("open orders: 70 (the oldest 1 shown)"), std::string::npos) << table;
  EXPECT_NE(table.find("9001"), std::string::npos) << table;
  EXPECT_NE(table.find("okx    BTC/USDT    sell"), std::string::npos) << table;
  f.fake.tel->order_views = 0;
  f.fake.tel->open_orders = 0;
  ASSERT_TRUE(
      ReplyMember(f.service.Handle(Cmd(R"({"cmd":"orders","format":"table"})", AdminRole::kViewer)), "table", &table));
  EXPECT_NE(table.find("(no open orders)"), std::string::npos) << table;
}

TEST(AdminRender, PnlFigures) {
  ServiceFixture f;
  engine::CoreTelemetry& t = *f.fake.tel;
  t.nav = Amount::FromRaw(100'000'000'000'000);
  t.realized_pnl = Amount::FromRaw(25'000'000'000);
  t.unrealized_pnl = Amount::FromRaw(-5'000'000'000);
  t.fees_quote = Amount::FromRaw(2'500'000'000);
  t.pnl_quote = Amount::FromRaw(17'500'000'000);
  t.nav_stale = true;
  const json r = json::parse(f.service.Handle(Cmd(R"({"cmd":"pnl"})", AdminRole::kViewer)));
  EXPECT_EQ(r, json::parse(R"({"ok":true,"valuation_asset":"USDT","nav":"100000","realized":"25","unrealized":"-5",
      "fees":"2.5","pnl":"17.5","nav_stale":true,"nav_complete":true})"));
  std::string table;
  ASSERT_TRUE(ReplyMember(f.service.Handle(Cmd(R"({"cmd":"pnl","format":"table"})", AdminRole::kViewer)), "table", &table));
  EXPECT_EQ(RowCells(table, "pnl"), (Cells{"pnl", "17.5"})) << table;
  EXPECT_EQ(RowCells(table, "unrealized"), (Cells{"unrealized", "-5"})) << table;
  EXPECT_NE(table.find("stale reference"), std::string::npos) << table;
}

TEST(AdminRender, LimitsShowConfigAndUsage) {
  ServiceFixture f;
  config::RiskConfig& r = f.cfg.risk;
  r.max_order_notional = Notional::FromRaw(5'000'000'000'000);
  r.collar = Rate::FromRaw(1'500'000);  // 150 bps
  r.order_rate = 50;
  r.order_rate_window_ms = 1000;
  r.cancel_reserve = 5;
  r.daily_notional_cap = Notional::FromRaw(1'000'000'000'000'000);
  r.day_start_utc_min = 8 * 60 + 30;
  r.max_position[0] = Amount::FromRaw(2'000'000'000);
  r.venue[1].order_rate = 20;
  r.venue[1].cancel_reserve = -1;
  r.venue[1].allowed[0] = true;  // okx: BTC/USDT only
  r.venue[0].max_open_orders = 8;
  r.instrument[1].max_order_notional = Notional::FromRaw(700'000'000'000);
  engine::RiskUsageView& u = f.fake.tel->risk;
  u.open_orders[0] = 3;
  u.rate_in_window[1] = 11;
  u.daily_notional = Notional::FromRaw(12'345'000'000'000);
  u.rejects_by_check[static_cast<size_t>(risk::Verdict::kCollar)] = 4;
  u.rejects_by_check[static_cast<size_t>(risk::Verdict::kOrderRate)] = 2;

  const json j = json::parse(f.service.Handle(Cmd(R"({"cmd":"limits"})", AdminRole::kViewer)));
  const json& g = j["global"];
  EXPECT_EQ(g["max_order_notional"], "5000");
  EXPECT_EQ(g["collar_bps"], "150");
  EXPECT_EQ(g["daily_notional_cap"], "1000000");
  EXPECT_EQ(g["daily_notional_used"], "12345");
  EXPECT_EQ(g["day_start_utc"], "08:30");
  EXPECT_EQ(g["max_position"]["BTC"], "2");
  ASSERT_EQ(j["venues"].size(), 2u);
  EXPECT_EQ(j["venues"][0]["name"], "binance");
  EXPECT_EQ(j["venues"][0]["instruments"], json::parse(R"(["BTC/USDT","ETH/USDT"])")) << "no allowlist: what it lists";
  EXPECT_EQ(j["venues"][0]["max_open_orders"], 8);
  EXPECT_EQ(j["venues"][0]["open_orders"], 3);
  EXPECT_EQ(j["venues"][0]["order_rate"], 50) << "0 = the [risk] default";
  EXPECT_EQ(j["venues"][1]["instruments"], json::parse(R"(["BTC/USDT"])"));
  EXPECT_EQ(j["venues"][1]["order_rate"], 20);
  EXPECT_EQ(j["venues"][1]["rate_in_window"], 11);
  EXPECT_EQ(j["venues"][1]["cancel_reserve"], 5) << "-1 = the [risk] default";
  EXPECT_EQ(j["instruments"][0]["max_order_notional"], "5000") << "0 = the [risk] limit";
  EXPECT_EQ(j["instruments"][1]["max_order_notional"], "700");
  EXPECT_EQ(j["rejects"]["collar"], 4);
  EXPECT_EQ(j["rejects"]["order_rate"], 2);
  EXPECT_EQ(j["rejects"].size(), static_cast<size_t>(risk::kVerdicts - 1)) << "every check but accept";

  std::string table;
  ASSERT_TRUE(
      ReplyMember(f.service.Handle(Cmd(R"({"cmd":"limits","format":"table"})", AdminRole::kViewer)), "table", &table));
  EXPECT_EQ(RowCells(table, "daily_notional_cap"), (Cells{"daily_notional_cap", "1000000", "12345"})) << table;
  EXPECT_EQ(RowCells(table, "collar_bps"), (Cells{"collar_bps", "150"})) << table;
  EXPECT_EQ(RowCells(table, "max_order_qty"), (Cells{"max_order_qty", "none"})) << table;
  EXPECT_EQ(RowCells(table, "okx"), (Cells{"okx", "0", "32", "11", "20", "1000", "5", "BTC/USDT", "-"})) << table;
  EXPECT_EQ(RowCells(table, "binance"),
            (Cells{"binance", "3", "8", "0", "50", "1000", "5", "BTC/USDT,ETH/USDT", "-"}))
      << table;
  EXPECT_EQ(RowCells(table, "ETH/USDT"), (Cells{"ETH/USDT", "none", "700", "none"})) << table;
  EXPECT_EQ(RowCells(table, "collar"), (Cells{"collar", "4"})) << table;
  EXPECT_EQ(RowCells(table, "halted"), (Cells{"halted", "0"})) << table;
}

TEST(TextTable, ColumnsAlignNumbersRightAndTextLeft) {
  TextTable t({"NAME", "QTY"});
  t.AddRow({"btc", "1.5"});
  t.AddRow({"ethereum", "-20"});
  t.AddRow({"x"});  // padded
  EXPECT_EQ(t.Render(), "NAME      QTY\n--------  ---\nbtc       1.5\nethereum  -20\nx\n");
  EXPECT_EQ(TextTable({"A"}).Render("(empty)"), "A\n-\n(empty)\n");
}

}  // namespace
}  // namespace hs::control
