// Recovery after a crash, on every venue's order session against the simulator in process: the
// engine was killed with orders whose outcome it never saw; the restarted engine's session (a
// fresh in-flight table on the same account, the simulator kept running) gets each as an
// OrderIntent with `query` set and must report the order's whole outcome since it was sent,
// from zero, once, never sending an order. One typed suite, instantiated per venue: the
// behaviour is the same everywhere, only the wire differs. The session and the simulator share
// one io_context, run in slices until each condition holds or its deadline passes.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "tests/support/order_loopback.h"
#include "tests/support/test_support.h"
#include "venues/binance/binance_orders.h"
#include "venues/bybit/bybit_orders.h"
#include "venues/coinbase/coinbase_orders.h"
#include "venues/common/jwt_es256.h"
#include "venues/kraken/kraken_orders.h"
#include "venues/okx/okx_orders.h"

namespace hs {
namespace {

using testing::Intent;
using testing::Lvl;

// What differs per venue: its session class and the config (and credentials) it runs with.
// kClosedUnfilledIsNotFound: the venue's answer cannot tell an order that closed with nothing
// filled from one it never had (Kraken: the executions snapshot lists open orders and recent
// trades only), so such an adopted order ends kRejected kNotFound; elsewhere kCanceled.
struct BinanceVenue {
  using Orders = binance::Orders;
  static constexpr bool kClosedUnfilledIsNotFound = false;
  static testing::OrderLoopbackConfig Config() {
    ::setenv("HS_REC_KEY", "rec-key", 1);
    ::setenv("HS_REC_SECRET", "binance-recovery-test-secret-0123456789", 1);  // test-only
    return testing::OrderLoopbackConfig("binance", "BTCUSDT", "HS_REC_KEY", "HS_REC_SECRET");
  }
};

struct OkxVenue {
  using Orders = okx::Orders;
  static constexpr bool kClosedUnfilledIsNotFound = false;
  static testing::OrderLoopbackConfig Config() {
    ::setenv("HS_REC_KEY", "rec-key", 1);
    ::setenv("HS_REC_SECRET", "okx-recovery-test-secret", 1);  // test-only
    ::setenv("HS_REC_PASS", "okx-recovery-pass", 1);
    testing::OrderLoopbackConfig c("okx", "BTC-USDT", "HS_REC_KEY", "HS_REC_SECRET");
    c.passphrase_env = "HS_REC_PASS";
    c.sim_tick_ms = 20;
    return c;
  }
};

struct BybitVenue {
  using Orders = bybit::Orders;
  static constexpr bool kClosedUnfilledIsNotFound = false;
  static testing::OrderLoopbackConfig Config() {
    ::setenv("HS_REC_KEY", "rec-key", 1);
    ::setenv("HS_REC_SECRET", "bybit-recovery-test-secret", 1);  // test-only
    testing::OrderLoopbackConfig c("bybit", "BTCUSDT", "HS_REC_KEY", "HS_REC_SECRET");
    c.sim_tick_ms = 10;
    return c;
  }
};

struct KrakenVenue {
  using Orders = kraken::Orders;
  static constexpr bool kClosedUnfilledIsNotFound = true;
  static testing::OrderLoopbackConfig Config() {
    ::setenv("HS_REC_KEY", "rec-key", 1);
    // Base64, the way Kraken issues secrets (64 bytes); test-only.
    ::setenv("HS_REC_SECRET",
             "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==", 1);
    testing::OrderLoopbackConfig c("kraken", "BTC/USDT", "HS_REC_KEY", "HS_REC_SECRET");
    c.order_path = "/auth/v2";
    return c;
  }
};

struct CoinbaseVenue {
  using Orders = coinbase::Orders;
  static constexpr bool kClosedUnfilledIsNotFound = false;
  static testing::OrderLoopbackConfig Config() {
    // A fresh P-256 pair: the session signs its JWTs with the private half, the simulator's
    // account holds the public one.
    std::string priv, pub;
    EXPECT_TRUE(venues::GenerateP256KeyPair(&priv, &pub).ok());
    ::setenv("HS_REC_KEY", "organizations/sim-org/apiKeys/sim-key", 1);
    ::setenv("HS_REC_SECRET", priv.c_str(), 1);
    ::setenv("HS_REC_PUBLIC", pub.c_str(), 1);
    testing::OrderLoopbackConfig c("coinbase", "BTC-USDT", "HS_REC_KEY", "HS_REC_SECRET");
    c.order_path = "/user";
    c.account_lines = "public_key_env = \"HS_REC_PUBLIC\"\n";
    c.sim_tick_ms = 20;
    return c;
  }
};

Qty Q(const char* s) { return ParseDecimal<Qty>(s).value; }
Amount A(const char* s) { return ParseDecimal<Amount>(s).value; }

OrderIntent Recovery(OrderIntent in) {
  in.query = true;
  return in;
}

template <typename Venue>
class OrdersRecovery : public ::testing::Test {
 protected:
  using Orders = typename Venue::Orders;

  // The simulator and the first engine's session, connected.
  void Start() {
    const testing::OrderLoopbackConfig c = Venue::Config();
    ASSERT_NO_FATAL_FAILURE(sim_.Start(ioc_, c.Toml(testing::FreePort()), dir_.File("orders.jsonl"),
                                       {Lvl("29999.0", "1"), Lvl("29998.0", "1")},
                                       {Lvl("30001.0", "0.3"), Lvl("30002.0", "0.5")}));
    first_.Start(ioc_, sim_.cfg->base);
    ASSERT_TRUE(first_.init.ok()) << first_.init;
    ASSERT_TRUE(Run(first_, [&] { return first_.orders->connected(); }));
  }
  // The engine was killed: its session ends and nothing reads its reports any more. (The
  // object stays: callbacks of requests it had out may still run on the shared io_context.)
  void KillFirstSession() { first_.orders->Stop(); }
  // The restarted engine's session on the same account: a fresh in-flight table and its own
  // ring. Not connected yet when this returns (a recovery intent may arrive before it is ready).
  void StartFreshSession(bool cancel_all_on_connect = false) {
    fresh_.symbols = venues::SymbolTable(sim_.cfg->base, sim_.cfg->base.venues[0]);
    fresh_.orders = std::make_unique<Orders>(fresh_.Context(ioc_, sim_.cfg->base, sim_.cfg->base.venues[0]),
                                             &fresh_.symbols, [] {});
    ASSERT_TRUE(fresh_.orders->Init().ok());
    fresh_.orders->SetCancelAllOnConnect(cancel_all_on_connect);
    fresh_.orders->Start();
  }
  void TearDown() override {
    if (first_.orders) first_.orders->Stop();
    if (fresh_.orders) fresh_.orders->Stop();
    sim_.Stop();
    ioc_.run_for(std::chrono::milliseconds(50));
  }
  bool Run(testing::LoopbackRing& r, const std::function<bool()>& cond) {
    return testing::RunUntil(ioc_, [&] { r.Drain(); }, cond);
  }
  static int Finals(const testing::LoopbackRing& r, uint64_t id) {
    int n = 0;
    for (const ExecReport& e : r.For(id)) n += e.final ? 1 : 0;
    return n;
  }
  // The fresh session's reports alone, booked on the starting balances, equal the account:
  // the recovered outcome is whole (nothing of it was reported by the first session here).
  void ExpectFreshReportsExplainTheAccount() {
    testing::ExpectFillsExplainTheAccount(fresh_.execs, fresh_.symbols, A("2"), A("100000"), sim_.Balance("BTC"),
                                          sim_.Balance("USDT"));
  }
  uint64_t C(const runtime::VenueCounters::C& c) const { return c.load(); }
  // The order ended with nothing filled: final kCanceled (or kNotFound where the venue cannot
  // tell that from an order it never had), one final, no fill.
  void ExpectClosedUnfilled(uint64_t id) {
    const auto r = fresh_.For(id);
    ASSERT_FALSE(r.empty());
    EXPECT_TRUE(r.back().final);
    if (Venue::kClosedUnfilledIsNotFound && r.back().kind == ExecKind::kRejected) {
      EXPECT_EQ(r.back().reason, RejectReason::kNotFound);
    } else {
      EXPECT_EQ(r.back().kind, ExecKind::kCanceled);
    }
    EXPECT_EQ(Finals(fresh_, id), 1);
    EXPECT_EQ(fresh_.FillCount(id), 0);
  }
  // Orders the fresh session still tracks.
  int Live() {
    if constexpr (requires(Orders& o) { o.inflight(); }) {
      return fresh_.orders->inflight().live();
    } else {
      return fresh_.orders->tracker().active();
    }
  }

  testing::TempDir dir_;
  boost::asio::io_context ioc_;
  testing::LoopbackSim sim_;
  testing::LoopbackSession<Orders> first_;
  testing::LoopbackSession<Orders> fresh_;
};

using Venues = ::testing::Types<BinanceVenue, OkxVenue, BybitVenue, KrakenVenue, CoinbaseVenue>;
class VenueNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, BinanceVenue>) return "Binance";
    if (std::is_same_v<T, OkxVenue>) return "Okx";
    if (std::is_same_v<T, BybitVenue>) return "Bybit";
    if (std::is_same_v<T, KrakenVenue>) return "Kraken";
    return "Coinbase";
  }
};
TYPED_TEST_SUITE(OrdersRecovery, Venues, VenueNames);

// An IOC order filled on the venue; the engine died before it read the answer. The fresh
// session gets the recovery intent before it is even connected, finds the order by client id
// and reports its whole fill from zero, final, once; no order is placed.
TYPED_TEST(OrdersRecovery, FilledIocIsReportedWholeOnceByAFreshSession) {
  ASSERT_NO_FATAL_FAILURE(this->Start());
  const OrderIntent in = Intent(2101, Side::kBuy, "30001.5", "0.2");
  this->first_.orders->OnIntent(in);
  ASSERT_TRUE(this->Run(this->first_, [&] { return this->sim_.LogCount("place") == 1; }));
  this->KillFirstSession();
  ASSERT_NO_FATAL_FAILURE(this->StartFreshSession());
  ASSERT_FALSE(this->fresh_.orders->connected());
  this->fresh_.orders->OnIntent(Recovery(in));
  ASSERT_TRUE(this->Run(this->fresh_, [&] { return this->fresh_.Final(2101); }));
  EXPECT_EQ(this->fresh_.Filled(2101), Q("0.2")) << "the whole fill, counted from zero";
  EXPECT_EQ(this->fresh_.For(2101).back().kind, ExecKind::kFill);
  EXPECT_EQ(this->fresh_.For(2101).back().cum_qty, Q("0.2"));
  EXPECT_EQ(this->Finals(this->fresh_, 2101), 1);
  for (const ExecReport& e : this->fresh_.For(2101)) EXPECT_NE(e.kind, ExecKind::kRejected);
  EXPECT_EQ(this->Live(), 0) << "released: no further report can follow";
  EXPECT_EQ(this->sim_.LogCount("place"), 1) << "a recovery intent never places an order";
  EXPECT_EQ(this->C(this->fresh_.counters.unknown_orders), 1u);
  EXPECT_EQ(this->C(this->fresh_.counters.unknown_resolved), 1u);
  this->ExpectFreshReportsExplainTheAccount();
}

// The journal names an order the venue never received: the fresh session (already connected
// this time) ends it kRejected kNotFound, final, with nothing filled.
TYPED_TEST(OrdersRecovery, OrderTheVenueNeverSawIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(this->Start());
  this->KillFirstSession();
  ASSERT_NO_FATAL_FAILURE(this->StartFreshSession());
  ASSERT_TRUE(this->Run(this->fresh_, [&] { return this->fresh_.orders->connected(); }));
  this->fresh_.orders->OnIntent(Recovery(Intent(2201, Side::kSell, "29999.0", "0.1")));
  ASSERT_TRUE(this->Run(this->fresh_, [&] { return this->fresh_.Final(2201); }));
  ASSERT_EQ(this->fresh_.For(2201).size(), 1u);
  EXPECT_EQ(this->fresh_.For(2201).back().kind, ExecKind::kRejected);
  EXPECT_EQ(this->fresh_.For(2201).back().reason, RejectReason::kNotFound);
  EXPECT_EQ(this->Live(), 0);
  EXPECT_EQ(this->sim_.LogCount("place"), 0);
}

// A recovery intent whose client id's slot is taken by a live order is refused locally
// (kBackpressure), as a new order would be; the live order is untouched.
TYPED_TEST(OrdersRecovery, RecoveryIntentForABusySlotIsRefusedLocally) {
  ASSERT_NO_FATAL_FAILURE(this->Start());
  this->KillFirstSession();
  ASSERT_NO_FATAL_FAILURE(this->StartFreshSession());
  this->fresh_.orders->OnIntent(Recovery(Intent(2301, Side::kBuy, "29000.0", "0.1")));
  this->fresh_.orders->OnIntent(
      Recovery(Intent(2301 + venues::InFlightTable::kCapacity, Side::kBuy, "29000.0", "0.1")));
  this->fresh_.Drain();
  const auto refused = this->fresh_.For(2301 + venues::InFlightTable::kCapacity);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].kind, ExecKind::kRejected);
  EXPECT_EQ(refused[0].reason, RejectReason::kBackpressure);
  EXPECT_TRUE(refused[0].final);
  EXPECT_EQ(this->Live(), 1);
}

// A GTC order rests on the venue: the fresh session's query finds it open and cancels it, so
// recovery ends with nothing of ours resting that the core did not decide anew.
TYPED_TEST(OrdersRecovery, RestingGtcIsQueriedThenCanceled) {
  ASSERT_NO_FATAL_FAILURE(this->Start());
  const OrderIntent in = Intent(2401, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc, /*post_only=*/true);
  this->first_.orders->OnIntent(in);
  ASSERT_TRUE(this->Run(this->first_, [&] { return this->first_.Has(2401, ExecKind::kAck); })) << "it rests";
  this->KillFirstSession();
  ASSERT_NO_FATAL_FAILURE(this->StartFreshSession());
  ASSERT_TRUE(this->Run(this->fresh_, [&] { return this->fresh_.orders->connected(); }));
  this->fresh_.orders->OnIntent(Recovery(in));
  ASSERT_TRUE(this->Run(this->fresh_, [&] { return this->fresh_.Final(2401); }));
  const auto r = this->fresh_.For(2401);
  EXPECT_EQ(r.back().kind, ExecKind::kCanceled) << "found open, then canceled";
  EXPECT_TRUE(r.back().final);
  EXPECT_EQ(this->Finals(this->fresh_, 2401), 1);
  EXPECT_EQ(this->fresh_.FillCount(2401), 0);
  EXPECT_EQ(this->Live(), 0);
  EXPECT_EQ(this->sim_.LogCount("place"), 1);
  EXPECT_GE(this->sim_.LogCount("cancel") + this->sim_.LogCount("cancel_all"), 1) << "a cancel reached the venue";
  this->ExpectFreshReportsExplainTheAccount();
}

// With cancel-all on connect, the fresh session's first ready cancels everything of the
// account before the adopted order is settled: the adopted order ends with nothing filled, and
// an order the journal never knew of (the second one) no longer rests either; a later status
// probe for it (another recovery intent) finds it closed.
TYPED_TEST(OrdersRecovery, CancelAllOnConnectClearsTheAccountBeforeAdoptedOrdersSettle) {
  ASSERT_NO_FATAL_FAILURE(this->Start());
  const OrderIntent known = Intent(2501, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc, true);
  const OrderIntent unknown = Intent(2502, Side::kSell, "31000.0", "0.1", TimeInForce::kGtc, true);
  this->first_.orders->OnIntent(known);
  this->first_.orders->OnIntent(unknown);
  ASSERT_TRUE(this->Run(this->first_, [&] {
    return this->first_.Has(2501, ExecKind::kAck) && this->first_.Has(2502, ExecKind::kAck);
  }));
  this->KillFirstSession();
  ASSERT_NO_FATAL_FAILURE(this->StartFreshSession(/*cancel_all_on_connect=*/true));
  this->fresh_.orders->OnIntent(Recovery(known));
  ASSERT_TRUE(this->Run(this->fresh_, [&] {
    return this->fresh_.Final(2501) && this->C(this->fresh_.counters.cancel_all_confirmed) >= 1;
  }));
  EXPECT_EQ(this->C(this->fresh_.counters.cancel_all_sent), 1u) << "once, at the first connect";
  this->ExpectClosedUnfilled(2501);
  this->fresh_.orders->OnIntent(Recovery(unknown));
  ASSERT_TRUE(this->Run(this->fresh_, [&] { return this->fresh_.Final(2502); }));
  EXPECT_FALSE(this->fresh_.Has(2502, ExecKind::kAck)) << "found closed: the cancel-all took it, not this probe";
  this->ExpectClosedUnfilled(2502);
  EXPECT_EQ(this->C(this->fresh_.counters.cancel_all_sent), 1u);
  EXPECT_EQ(this->Live(), 0);
  this->ExpectFreshReportsExplainTheAccount();
}

}  // namespace
}  // namespace hs
