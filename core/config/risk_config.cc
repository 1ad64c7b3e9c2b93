// [risk]: order limits, throttles, the trading day, positions, per-instrument overrides and
// per-venue controls (DESIGN §7). The breakers are read in breaker_config.cc.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/config/internal/sections.h"

namespace hs::config::internal {
namespace {

// collar_bps is read in [0, 10000) bps: a collar of 100% admits every price.
constexpr Rate kCollarBound = Rate::FromRaw(Rate::kScale);
// Throttle bounds: far beyond any venue's documented budget, small enough for the throttles'
// fixed-size windows.
constexpr int64_t kMaxOpenOrders = 4096;
constexpr int64_t kMaxOrderRate = 100'000;
constexpr int64_t kMaxWindowMs = 3'600'000;
constexpr int64_t kMaxRepeat = 1000;

// "HH:MM" in 00:00..23:59, exactly two digits each: minutes past midnight, or -1.
int64_t ParseDayStart(const std::string& s) {
  const auto digit = [&](size_t i) { return s[i] >= '0' && s[i] <= '9'; };
  if (s.size() != 5 || s[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) return -1;
  const int64_t h = (s[0] - '0') * 10 + (s[1] - '0');
  const int64_t m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return -1;
  return h * 60 + m;
}

// ASSET = "amount" entries of a max_position table (of [risk] or of a venue) into `out`.
void ReadMaxPosition(const Node& n, const Config& c, std::array<Amount, kMaxAssets>& out, ErrorList& errors) {
  std::vector<std::pair<std::string, Node>> entries;
  if (!errors.Collect([&] { entries = n.Entries(); })) return;
  for (const auto& entry : entries) {
    const std::string& name = entry.first;  // named: lambdas cannot capture structured bindings in C++20
    errors.Collect([&] {
      const AssetConfig* asset = c.FindAsset(name);
      if (asset == nullptr) n.Fail(name, "unknown asset (not in assets)");
      out[asset->id.value] = n.Decimal<Amount>(name);
    });
  }
}

// [risk.instruments."NAME"]: per-instrument order limits.
void ReadInstrumentLimits(const Node& risk, Config& c, ErrorList& errors) {
  if (!risk.Has("instruments")) return;
  const Node table = risk.Child("instruments");
  std::vector<std::pair<std::string, Node>> entries;
  if (!errors.Collect([&] { entries = table.Entries(); })) return;
  for (const auto& entry : entries) {
    const std::string& name = entry.first;
    const Node& n = entry.second;
    errors.Collect([&] {
      const InstrumentConfig* ic = c.FindInstrument(name);
      if (ic == nullptr) table.Fail(name, "unknown instrument (not in instruments)");
      if (!OpenTable(n, {"max_order_qty", "max_order_notional", "min_order_notional"}, errors)) return;
      RiskInstrumentConfig& ri = c.risk.instrument[ic->id.value];
      errors.Collect([&] { ri.max_order_qty = n.Decimal<Qty>("max_order_qty", Qty::Zero()); });
      const bool max_ok =
          errors.Collect([&] { ri.max_order_notional = n.Decimal<Notional>("max_order_notional", Notional::Zero()); });
      const bool min_ok =
          errors.Collect([&] { ri.min_order_notional = n.Decimal<Notional>("min_order_notional", Notional::Zero()); });
      // The caps that hold for this instrument: its own, else the global ones.
      const Notional max = ri.max_order_notional.is_positive() ? ri.max_order_notional : c.risk.max_order_notional;
      const Notional min = ri.min_order_notional.is_positive() ? ri.min_order_notional : c.risk.min_order_notional;
      if (max_ok && min_ok && max.is_positive() && min > max) {
        n.Report(ri.min_order_notional.is_positive() ? "min_order_notional" : "max_order_notional",
                 "minimum order notional " + Text(min) + " is above the maximum " + Text(max) +
                     ": no order of this instrument could pass");
      }
    });
  }
}

// What a [risk.venues.NAME] table sets; unset keys take the [risk] values.
struct VenueTable {
  bool present = false;
  std::optional<std::array<bool, kMaxInstruments>> allowed;
  std::optional<int> max_open_orders;
  std::optional<int> order_rate;
  std::optional<int64_t> order_rate_window_ms;
  std::optional<int> cancel_reserve;
  std::array<Amount, kMaxAssets> max_position{};
};

// `instruments = [...]` of one venue: each must exist, be listed by the venue and appear once.
std::array<bool, kMaxInstruments> ReadAllowlist(const Node& n, const Config& c, const VenueConfig& v) {
  std::array<bool, kMaxInstruments> allowed{};
  std::array<bool, kMaxInstruments> listed{};
  std::string listed_names;
  for (const VenueSymbolConfig& s : v.symbols) {
    listed[s.instrument.value] = true;
    listed_names += (listed_names.empty() ? "" : ", ") + c.instruments[s.instrument.value].name;
  }
  for (const std::string& name : n.Strings("instruments")) {
    const InstrumentConfig* ic = c.FindInstrument(name);
    if (ic == nullptr) n.Fail("instruments", "\"" + name + "\" is not an instrument (not in instruments)");
    if (!listed[ic->id.value]) {
      n.Fail("instruments", "\"" + name + "\" is not listed by venue " + v.name + " (its symbols: " + listed_names + ")");
    }
    if (allowed[ic->id.value]) n.Fail("instruments", "\"" + name + "\" is listed twice");
    allowed[ic->id.value] = true;
  }
  return allowed;
}

VenueTable ReadVenueTable(const Node& n, const Config& c, const VenueConfig& v, ErrorList& errors) {
  VenueTable t;
  t.present = true;
  if (!OpenTable(n,
                 {"instruments", "max_open_orders", "order_rate", "order_rate_window_ms", "cancel_reserve",
                  "max_position"},
                 errors)) {
    return t;
  }
  errors.Collect([&] {
    if (n.Has("instruments")) t.allowed = ReadAllowlist(n, c, v);
  });
  errors.Collect([&] {
    if (n.Has("max_open_orders")) t.max_open_orders = static_cast<int>(n.Int("max_open_orders", 0, kMaxOpenOrders));
  });
  errors.Collect([&] {
    if (n.Has("order_rate")) t.order_rate = static_cast<int>(n.Int("order_rate", 0, kMaxOrderRate));
  });
  errors.Collect([&] {
    if (n.Has("order_rate_window_ms")) t.order_rate_window_ms = n.Int("order_rate_window_ms", 1, kMaxWindowMs);
  });
  errors.Collect([&] {
    if (n.Has("cancel_reserve")) t.cancel_reserve = static_cast<int>(n.Int("cancel_reserve", 0, kMaxOrderRate));
  });
  if (n.Has("max_position")) ReadMaxPosition(n.Child("max_position"), c, t.max_position, errors);
  return t;
}

// Final values of one venue: its table's, else the [risk] ones.
RiskVenueConfig ResolveVenue(const VenueConfig& v, const VenueTable& t, const RiskConfig& r) {
  RiskVenueConfig rv;
  if (t.allowed.has_value()) {
    rv.allowed = *t.allowed;
  } else {
    for (const VenueSymbolConfig& s : v.symbols) rv.allowed[s.instrument.value] = true;
  }
  rv.max_open_orders = t.max_open_orders.value_or(r.max_open_orders);
  rv.order_rate = t.order_rate.value_or(r.order_rate);
  rv.order_rate_window_ms = t.order_rate_window_ms.value_or(r.order_rate_window_ms);
  rv.cancel_reserve = t.cancel_reserve.value_or(r.cancel_reserve);
  rv.max_position = t.max_position;
  return rv;
}

// A venue whose reserve leaves no room for new orders: the error names the key the venue set
// (`n` is its table). With both from [risk], ReadRisk has checked them.
void CheckVenueReserve(const VenueTable& t, const RiskVenueConfig& rv, const Node& n) {
  if (rv.order_rate == 0 || rv.cancel_reserve < rv.order_rate) return;
  if (t.cancel_reserve.has_value()) {
    n.Report("cancel_reserve", std::to_string(rv.cancel_reserve) + " is not below order_rate " +
                                   std::to_string(rv.order_rate) + " (the reserve is kept out of the rate)");
  } else if (t.order_rate.has_value()) {
    n.Report("order_rate", std::to_string(rv.order_rate) + " is not above risk.cancel_reserve " +
                               std::to_string(rv.cancel_reserve) + " (the reserve is kept out of the rate)");
  }
}

// [risk.liquidation]: distances are fractions in [0, 1); delever < reduce <= min.
void ReadLiquidation(const Node& n, LiquidationConfig& l, ErrorList& errors) {
  if (!OpenTable(n, {"enabled", "min_distance", "reduce_distance", "delever_distance", "max_delever_notional_per_s",
                     "max_leverage", "liq_price_tolerance_bps"},
                 errors))
    return;
  const LiquidationConfig dflt;
  const Rate one = Rate::FromUnits(1);
  errors.Collect([&] { l.enabled = n.Bool("enabled", true); });
  const bool min_ok = errors.Collect([&] { l.min_distance = n.Fraction("min_distance", Rate::Zero(), one, dflt.min_distance); });
  const bool red_ok =
      errors.Collect([&] { l.reduce_distance = n.Fraction("reduce_distance", Rate::Zero(), one, dflt.reduce_distance); });
  const bool del_ok =
      errors.Collect([&] { l.delever_distance = n.Fraction("delever_distance", Rate::Zero(), one, dflt.delever_distance); });
  if (min_ok && red_ok && del_ok) {
    errors.Collect([&] {
      if (!(l.delever_distance < l.reduce_distance))
        n.Fail("delever_distance", "\"" + Text(l.delever_distance) + "\" must be below reduce_distance \"" +
                                       Text(l.reduce_distance) + "\" (delever < reduce <= min)");
      if (l.reduce_distance > l.min_distance)
        n.Fail("reduce_distance", "\"" + Text(l.reduce_distance) + "\" must not exceed min_distance \"" +
                                      Text(l.min_distance) + "\" (delever < reduce <= min)");
    });
  }
  errors.Collect([&] {
    l.max_delever_notional_per_s =
        n.Decimal<Notional>("max_delever_notional_per_s", dflt.max_delever_notional_per_s);
    if (!l.max_delever_notional_per_s.is_positive()) n.Fail("max_delever_notional_per_s", "must be > 0");
  });
  errors.Collect([&] {
    l.max_leverage = n.Decimal<Rate>("max_leverage", dflt.max_leverage);
    if (l.max_leverage < one || l.max_leverage > Rate::FromUnits(125))
      n.Fail("max_leverage", "\"" + Text(l.max_leverage) + "\" is outside [1, 125]");
  });
  errors.Collect([&] {
    l.liq_price_tolerance = n.Bps("liq_price_tolerance_bps", Rate::Zero(), Rate::FromRaw(Rate::kScale / 10),
                                  dflt.liq_price_tolerance);
  });
}

}  // namespace

bool ReadRisk(const Node& root, RiskConfig& r, ErrorList& errors) {
  std::optional<Node> maybe;
  if (!errors.Collect([&] { maybe = root.Child("risk"); })) return false;
  const Node& risk = *maybe;
  if (!OpenTable(risk,
                 {"max_order_notional", "max_order_qty", "min_order_notional", "collar_bps", "max_open_orders",
                  "order_rate", "order_rate_window_ms", "cancel_reserve", "repeat_max", "repeat_window_ms",
                  "self_trade_prevention", "daily_notional_cap", "day_start_utc", "max_position", "instruments",
                  "venues", "breakers", "liquidation"},
                 errors)) {
    return false;
  }
  const RiskConfig dflt;
  const bool max_ok = errors.Collect([&] {
    r.max_order_notional = risk.Decimal<Notional>("max_order_notional");
    if (!r.max_order_notional.is_positive()) risk.Fail("max_order_notional", "must be > 0");
  });
  errors.Collect([&] { r.max_order_qty = risk.Decimal<Qty>("max_order_qty", Qty::Zero()); });
  errors.Collect([&] {
    r.min_order_notional = risk.Decimal<Notional>("min_order_notional", Notional::Zero());
    if (max_ok && r.min_order_notional > r.max_order_notional) {
      risk.Fail("min_order_notional", "\"" + Text(r.min_order_notional) + "\" is above max_order_notional \"" +
                                          Text(r.max_order_notional) + "\"");
    }
  });
  errors.Collect([&] { r.collar = risk.Bps("collar_bps", Rate::Zero(), kCollarBound, dflt.collar); });
  errors.Collect([&] {
    r.max_open_orders = static_cast<int>(risk.Int("max_open_orders", 0, kMaxOpenOrders, dflt.max_open_orders));
  });
  const bool rate_ok =
      errors.Collect([&] { r.order_rate = static_cast<int>(risk.Int("order_rate", 0, kMaxOrderRate, dflt.order_rate)); });
  errors.Collect([&] {
    r.order_rate_window_ms = risk.Int("order_rate_window_ms", 1, kMaxWindowMs, dflt.order_rate_window_ms);
  });
  errors.Collect([&] {
    r.cancel_reserve = static_cast<int>(risk.Int("cancel_reserve", 0, kMaxOrderRate, dflt.cancel_reserve));
    if (rate_ok && r.order_rate > 0 && r.cancel_reserve >= r.order_rate) {
      risk.Fail("cancel_reserve", std::to_string(r.cancel_reserve) + " is not below order_rate " +
                                      std::to_string(r.order_rate) + " (the reserve is kept out of the rate)");
    }
  });
  errors.Collect([&] { r.repeat_max = static_cast<int>(risk.Int("repeat_max", 0, kMaxRepeat, dflt.repeat_max)); });
  errors.Collect([&] { r.repeat_window_ms = risk.Int("repeat_window_ms", 1, kMaxWindowMs, dflt.repeat_window_ms); });
  errors.Collect([&] { r.self_trade_prevention = risk.Bool("self_trade_prevention", dflt.self_trade_prevention); });
  errors.Collect([&] { r.daily_notional_cap = risk.Decimal<Notional>("daily_notional_cap", Notional::Zero()); });
  errors.Collect([&] {
    if (!risk.Has("day_start_utc")) return;
    const std::string text = risk.String("day_start_utc");
    const int64_t min = ParseDayStart(text);
    if (min < 0) risk.Fail("day_start_utc", "\"" + text + "\" is not a time of day \"HH:MM\" in 00:00..23:59");
    r.day_start_utc_min = min;
  });
  ReadBreakers(risk, r, errors);
  if (risk.Has("liquidation")) ReadLiquidation(risk.Child("liquidation"), r.liquidation, errors);
  return max_ok;
}

void ReadRiskMarkets(const Node& root, Config& c, ErrorList& errors) {
  // Without a readable [risk] table ReadRisk has reported it.
  if (!root.Has("risk")) return;
  const Node risk = root.Child("risk");
  if (!risk.IsTable()) return;
  if (risk.Has("max_position")) ReadMaxPosition(risk.Child("max_position"), c, c.risk.max_position, errors);
  ReadInstrumentLimits(risk, c, errors);

  std::array<VenueTable, kMaxVenues> tables{};
  std::optional<Node> venues;
  if (risk.Has("venues")) {
    venues = risk.Child("venues");
    std::vector<std::pair<std::string, Node>> entries;
    errors.Collect([&] { entries = venues->Entries(); });
    for (const auto& entry : entries) {
      const std::string& name = entry.first;
      const Node& n = entry.second;
      errors.Collect([&] {
        const VenueConfig* v = c.FindVenue(name);
        if (v == nullptr) venues->Fail(name, "unknown venue (not in venues)");
        tables[v->id.value] = ReadVenueTable(n, c, *v, errors);
      });
    }
  }
  for (const VenueConfig& v : c.venues) {
    const VenueTable& t = tables[v.id.value];
    c.risk.venue[v.id.value] = ResolveVenue(v, t, c.risk);
    if (t.present) CheckVenueReserve(t, c.risk.venue[v.id.value], venues->Child(v.name));
  }
}

}  // namespace hs::config::internal
