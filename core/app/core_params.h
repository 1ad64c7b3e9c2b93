// hs::app — turns the configuration into the decision core's parameters (the core itself knows
// no config types: DESIGN §6, its parts take plain parameter structs).
#pragma once

#include <cstdint>

#include "core/config/config.h"
#include "core/engine/engine_params.h"

namespace hs::app {

engine::EngineParams CoreParamsFromConfig(const config::Config& cfg, uint64_t client_id_base);

// Client ids of every session stay below this: "hs" + 16 digits is Kraken's 18-character
// free-text cl_ord_id, the tightest of the five venues' formats.
inline constexpr uint64_t kClientIdLimit = 10'000'000'000'000'000ull;  // 10^16
// Ids one session may use above its base.
inline constexpr uint64_t kSessionClientIds = uint64_t{1} << 20;

// The first client id of a session started at `wall_ns` (the app reads the wall clock; the core
// gets the result as a journaled input). The start time in 10 ms units, modulo 9·10^9 (a wrap
// every 2.85 years), times 2^20: a later session's ids never meet an earlier one's unless the
// earlier placed 2^20 orders per 10 ms it ran, and base + 2^20 stays below kClientIdLimit.
uint64_t SessionClientIdBase(int64_t wall_ns) noexcept;

// The risk part of the core's parameters ([risk], [risk.breakers.*]) into `out`: pre-trade
// limits per venue and instrument, breaker settings and the vol_spike measurement.
void RiskParamsFromConfig(const config::Config& cfg, engine::EngineParams* out);

}  // namespace hs::app
