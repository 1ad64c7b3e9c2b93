// Test-only: the parts every in-process order-entry loopback suite (<venue>_orders_loopback_test)
// shares. The simulator's Server and one venue's Orders session run on one io_context in the
// test's thread; a test runs it in slices until a condition holds or its deadline passes (no
// fixed sleeps), reads the ExecReports and BalanceUpdates the session published, the
// simulator's order log and its account. What a venue's session does and how its tests judge it
// stays in each venue's test.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/base/decimal.h"
#include "core/messages/rings.h"
#include "core/runtime/kill_switch.h"
#include "core/runtime/log.h"
#include "core/runtime/venue_counters.h"
#include "venues/common/http_client.h"
#include "venues/common/symbol_table.h"
#include "venues/common/venue_publisher.h"
#include "venues/common/venue_thread.h"
#include "venues/sim/sim_server.h"

namespace hs::testing {

// [[instruments]] BTC/USDT with tick 0.1 and lot 0.0001 (venues that quote BTC in tenths).
extern const char kBtcUsdtTenthsInstrumentToml[];

// The config of one venue trading BTC/USDT against the simulator on 127.0.0.1:<port> (market
// data, REST and orders on that port), with the simulator's account for it: 2 BTC and 100000
// USDT, 0.001 taker fee on both sides.
struct OrderLoopbackConfig {
  OrderLoopbackConfig(std::string venue_kind, std::string btc_usdt_symbol, std::string api_key_env,
                      std::string api_secret_env)
      : venue(std::move(venue_kind)),
        symbol(std::move(btc_usdt_symbol)),
        key_env(std::move(api_key_env)),
        secret_env(std::move(api_secret_env)) {}
  std::string venue;   // name and kind
  std::string symbol;  // the venue's symbol for BTC/USDT
  std::string key_env, secret_env;
  std::string passphrase_env;  // empty: none
  std::string instruments = kBtcUsdtTenthsInstrumentToml;
  std::string execution = "ack_timeout_ms = 300\nquery_attempts = 8\nquery_backoff_ms = 100\n";
  std::string venue_lines;  // more [[venues]] keys, each ending in a newline
  std::string order_path;   // appended to order_url (e.g. "/auth/v2"); empty: none
  std::string account_lines;  // more [sim.accounts.<venue>] keys, each ending in a newline
  int sim_tick_ms = 0;      // [sim] tick_interval_ms; 0 = the simulator's default
  std::string sim_lines;    // more [sim] keys, each ending in a newline
  std::string Toml(int port) const;
};

// A book level from decimal text (which must be valid).
inline Level Lvl(const char* px, const char* qty) {
  return Level{ParseDecimal<Price>(px).value, ParseDecimal<Qty>(qty).value};
}

// A limit intent for instrument 0 on venue 0.
OrderIntent Intent(uint64_t id, Side side, const char* px, const char* qty, TimeInForce tif = TimeInForce::kIoc,
                   bool post_only = false);

// The simulator in process: its config, a paused market, and the Server (clock running) with
// its order log written to a file.
struct LoopbackSim {
  // Parses `config_text`, listens on its ports, starts the clock and sets venue 0's BTC/USDT book.
  // Call through ASSERT_NO_FATAL_FAILURE.
  void Start(boost::asio::io_context& ioc, const std::string& config_text, const std::string& order_log_path,
             const std::vector<Level>& bids, const std::vector<Level>& asks);
  void Stop();
  ~LoopbackSim();
  // The order log so far, one object per line (a line that is not JSON is left out).
  std::vector<nlohmann::json> OrderLog() const;
  // How many order-log lines have this request ("place", "cancel", "query", ...).
  int LogCount(const std::string& request) const;
  Amount Balance(const std::string& asset) { return server->account(0).balance(asset); }

  std::unique_ptr<sim::SimConfig> cfg;
  std::unique_ptr<sim::Market> market;
  std::unique_ptr<sim::Server> server;
  std::FILE* log_file = nullptr;
  std::string log_path;
};

// The engine side of one venue: the ring the core would read, its publisher and counters, and
// what came out of it.
struct LoopbackRing {
  LoopbackRing();
  // The context an Orders session of venue 0 runs with (`venue` from `base`, or an edited copy).
  venues::VenueContext Context(boost::asio::io_context& ioc, const config::Config& base,
                               const config::VenueConfig& venue);
  // Moves everything published into execs and updates (and balances: free + locked per asset).
  void Drain();

  // The reports of one client id; whether one of them is final / of kind k; the filled quantity
  // and the number of fills.
  std::vector<ExecReport> For(uint64_t id) const;
  bool Final(uint64_t id) const;
  bool Has(uint64_t id, ExecKind k) const;
  Qty Filled(uint64_t id) const;
  int FillCount(uint64_t id) const;

  venues::SymbolTable symbols;
  runtime::VenueCounters counters;
  runtime::KillSwitch kill;
  runtime::LogChannel log{"orders-loopback-test", 0};
  VenueRing ring{4096};
  std::unique_ptr<VenueRing::Consumer> consumer;
  std::unique_ptr<venues::VenuePublisher> pub;
  std::vector<ExecReport> execs;
  std::vector<BalanceUpdate> updates;   // every balance update, in order
  std::map<uint16_t, Amount> balances;  // the latest free + locked per asset
};

// One venue's Orders session (OrdersT(ctx, symbols, on_state), Init, Start, Stop) on the ring.
template <typename OrdersT>
struct LoopbackSession : LoopbackRing {
  // Builds, initialises and starts the session; `venue` defaults to base.venues[0]. The result
  // of Init is in init (the session starts only when it is ok).
  void Start(boost::asio::io_context& ioc, const config::Config& base, const config::VenueConfig* venue = nullptr) {
    symbols = venues::SymbolTable(base, base.venues[0]);
    orders = std::make_unique<OrdersT>(Context(ioc, base, venue != nullptr ? *venue : base.venues[0]), &symbols, [] {});
    init = orders->Init();
    if (init.ok()) orders->Start();
  }
  std::unique_ptr<OrdersT> orders;
  absl::Status init;
};

// An answer to a venue's balance query that the session must refuse: `counted` when it is
// malformed (order_parse_errors), not when it is a refusal or a transport failure (status 0).
struct UnusableBalanceAnswer {
  const char* what;
  int status;
  std::string body;
  bool counted;
};

// Hands each answer to `handle` (the session's answer handler), expecting it refused, nothing
// published on `ring`, and order_parse_errors grown by exactly the malformed ones.
void ExpectUnusableAnswersPublishNothing(LoopbackRing& ring, const std::vector<UnusableBalanceAnswer>& answers,
                                         const std::function<bool(const venues::HttpResponse&)>& handle);

// Runs `ioc` in 5 ms slices, calling `drain` after each, until `cond` holds or `deadline` passes;
// whether it held.
bool RunUntil(boost::asio::io_context& ioc, const std::function<void()>& drain, const std::function<bool()>& cond,
              std::chrono::milliseconds deadline = std::chrono::milliseconds(10'000));

// The account moved by exactly the reported fills: starting BTC and USDT plus every fill (buy:
// BTC in, USDT out; sell: the reverse) minus each fee in its asset equal `btc` and `usdt`.
void ExpectFillsExplainTheAccount(const std::vector<ExecReport>& execs, const venues::SymbolTable& symbols,
                                  Amount start_btc, Amount start_usdt, Amount btc, Amount usdt);

}  // namespace hs::testing
