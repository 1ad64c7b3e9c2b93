// hs::app — turns the configuration into the decision core's parameters (the core itself knows
// no config types: DESIGN §6, its parts take plain parameter structs).
#pragma once

#include <cstdint>

#include "core/config/config.h"
#include "core/engine/engine_params.h"

namespace hs::app {

engine::EngineParams CoreParamsFromConfig(const config::Config& cfg, uint64_t client_id_base);

}  // namespace hs::app
