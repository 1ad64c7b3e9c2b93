// hs::config::internal — readers of single config sections, shared by the loader's files
// (config.cc reads the file and most sections; risk_config.cc and breaker_config.cc read [risk]).
// Cold path: these throw ConfigError or record into an ErrorList, as toml_reader.h describes.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "core/base/decimal.h"
#include "core/config/config.h"
#include "core/config/toml_reader.h"

namespace hs::config::internal {

// A fixed-point value as the config writes it: "0.0015", "5000".
template <typename T>
std::string Text(T v) {
  char buf[kMaxDecimalText];
  const int n = Format(v, buf);
  return std::string(buf, static_cast<size_t>(n));
}

// Checks the keys of table `n`, recording each unknown one, so its fields can then be read one
// by one. False (recorded) when `n` is not a table at all.
bool OpenTable(const Node& n, std::initializer_list<std::string_view> keys, ErrorList& errors);

// [risk]: the order limits, throttles and day settings, and [risk.breakers.*]. Needs nothing
// else of the file. True when max_order_notional was read cleanly (others compare with it).
bool ReadRisk(const Node& root, RiskConfig& r, ErrorList& errors);

// [risk.max_position], [risk.instruments.*] and [risk.venues.*], then the per-venue resolution:
// every configured venue's RiskVenueConfig gets its final values. Needs the assets, instruments
// and venues, and ReadRisk run first.
void ReadRiskMarkets(const Node& root, Config& c, ErrorList& errors);

// [risk.breakers.*] into r.breakers (defaults for the breakers without a table).
void ReadBreakers(const Node& risk, RiskConfig& r, ErrorList& errors);

}  // namespace hs::config::internal
