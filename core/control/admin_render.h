// hs::control — what the read-only admin commands show, rendered from the core's telemetry and
// the config: positions, open orders, PnL, breakers and limits, each as the JSON reply
// ({"ok":true,...}; money as decimal strings, as status has it) and as a plain-text table (what
// `homeostat ctl` prints without --json). Pure functions of their arguments; cold path.
#pragma once

#include <cstdint>
#include <string>

#include "core/config/config.h"
#include "core/engine/telemetry.h"

namespace hs::control {

// What a read-only command renders from: the telemetry copy, the config, and the wall clock now
// (open orders' ages: their times are input times, wall ns).
struct RenderInput {
  const config::Config& cfg;
  const engine::CoreTelemetry& tel;
  int64_t now_wall_ns = 0;
};

// The asset NAV, PnL and fees are counted in: [allocation] names it; without one, the first
// instrument's quote (as the core's params have it).
const std::string& ValuationAssetName(const config::Config& cfg);

// A breaker slot's scope as `ctl breakers` shows it: "global", "venue:okx", "instrument:BTC/USDT".
std::string BreakerScopeText(const engine::BreakerView& b, const config::Config& cfg);
// The last trip's cause in the breaker's own units (risk/breakers.h), with where it was seen:
// "divergence 212.5 bps > 100 bps (okx BTC/USDT)". Empty when the slot never tripped.
std::string BreakerCauseText(const engine::BreakerView& b, const config::Config& cfg);
// Wall ns as "2026-12-03 09:07:01.123Z"; "-" for 0 (never).
std::string WallTimeText(int64_t ns);

std::string PositionsJson(const RenderInput& in);
std::string PositionsTable(const RenderInput& in);
std::string OrdersJson(const RenderInput& in);
std::string OrdersTable(const RenderInput& in);
std::string PnlJson(const RenderInput& in);
std::string PnlTable(const RenderInput& in);
std::string BreakersJson(const RenderInput& in);
std::string BreakersTable(const RenderInput& in);
std::string LimitsJson(const RenderInput& in);
std::string LimitsTable(const RenderInput& in);

// JSON helpers the service shares: a quoted, escaped string; raw/10^scale as exact decimal text.
std::string JsonQuote(std::string_view s);
std::string DecimalText(int64_t raw, int scale);

}  // namespace hs::control
