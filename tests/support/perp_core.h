// Test-only: a decision core on configs/perps-demo.toml (or a variant of its text), driven
// input by input as the venue threads and the control thread would: statuses, balances, book
// tops, marks with funding, timers, fills at the limit. Shared by the core's perpetual tests
// (perp_core_test, basis_carry_test, perp_alloc_test).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/engine/decision_core.h"

namespace hs::testing {

class PerpCoreDriver {
 public:
  // Venues and instruments of configs/perps-demo.toml.
  static constexpr VenueId kBinance{0};
  static constexpr VenueId kOkxSpot{1};
  static constexpr VenueId kBybitPerp{2};
  static constexpr VenueId kOkxSwap{3};
  static constexpr InstrumentId kSpot{0};
  static constexpr InstrumentId kPerp{1};

  // The demo config's text, changed by `edit` (nullptr: as it is). Every venue connected and its
  // starting balances in (Binance 0.2 BTC + 20,000 USDT, each perpetual venue 2,000 USDT).
  explicit PerpCoreDriver(const std::function<std::string(std::string)>& edit = nullptr);

  static std::string DemoText();

  void Send(const VenueMsg& m) { core->Step(m); }
  void Connect(VenueId v);
  void Balance(VenueId v, const char* asset, const char* amount, bool last);
  void Top(VenueId v, InstrumentId i, const char* bid, const char* ask, int64_t t_ms);
  // The perpetual's mark (and a funding rate) on venue v.
  void Mark(VenueId v, const char* px, int64_t t_ms, const char* funding_rate = "0.0001");
  void Timer(int64_t t_ms);
  std::vector<OrderIntent> Drain(VenueId v);
  // Fills `in` completely at its limit; the fee in `fee_asset` (USDT by default).
  void Fill(const OrderIntent& in, const char* fee, int64_t t_ms, const char* fee_asset = "USDT");
  Amount Free(VenueId v, const char* asset) const;

  config::Config cfg;
  engine::EngineParams params;
  std::vector<std::unique_ptr<IntentRing>> rings;
  std::vector<IntentRing::Consumer> out;
  std::unique_ptr<engine::DecisionCore> core;
};

}  // namespace hs::testing
