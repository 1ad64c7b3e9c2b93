#include "core/control/admin_render.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "core/base/decimal.h"
#include "core/control/text_table.h"
#include "risk/breakers.h"
#include "risk/pre_trade.h"

namespace hs::control {

namespace {

template <typename T>
std::string Dec(T v) {
  return DecimalText(v.raw(), T::kDecimals);
}

std::string Bool(bool b) { return b ? "true" : "false"; }
std::string U(uint64_t x) { return std::to_string(x); }
std::string I(int64_t x) { return std::to_string(x); }

// A config name by id; "#N" for an id the config does not have (a view newer than the config
// would be a bug, but the text must still say which).
std::string VenueName(const config::Config& cfg, size_t v) {
  return v < cfg.venues.size() ? cfg.venues[v].name : "#" + std::to_string(v);
}
std::string InstrumentName(const config::Config& cfg, size_t i) {
  return i < cfg.instruments.size() ? cfg.instruments[i].name : "#" + std::to_string(i);
}
std::string AssetName(const config::Config& cfg, size_t a) {
  return a < cfg.assets.size() ? cfg.assets[a].name : "#" + std::to_string(a);
}

const char* SideText(Side s) { return s == Side::kBuy ? "buy" : "sell"; }
const char* TifText(TimeInForce t) {
  switch (t) {
    case TimeInForce::kIoc: return "ioc";
    case TimeInForce::kGtc: return "gtc";
    case TimeInForce::kFok: return "fok";
  }
  return "?";
}

std::string Table(const std::string& table) { return "{\"ok\":true,\"table\":" + JsonQuote(table) + "}"; }

// Where the observation that tripped a slot came from: " (okx BTC/USDT)", " (okx)", "".
std::string CauseWhere(const engine::BreakerView& b, const config::Config& cfg) {
  std::string w;
  if (b.cause_venue != 0xFFFF) w = VenueName(cfg, b.cause_venue);
  if (b.cause_instrument != 0xFFFF) w += (w.empty() ? "" : " ") + InstrumentName(cfg, b.cause_instrument);
  return w.empty() ? w : " (" + w + ")";
}

// The quote asset of the instrument a leg residual was seen on (its notional's unit).
std::string ResidualUnit(const engine::BreakerView& b, const config::Config& cfg) {
  if (b.cause_instrument < cfg.instruments.size())
    return AssetName(cfg, cfg.instruments[b.cause_instrument].quote.value);
  return ValuationAssetName(cfg);
}

// Effective per-venue values: 0 (or -1 for cancel_reserve) in [risk.venues.NAME] means the
// [risk] default.
int VenueOrderRate(const config::RiskConfig& r, size_t v) {
  return r.venue[v].order_rate != 0 ? r.venue[v].order_rate : r.order_rate;
}
int64_t VenueRateWindow(const config::RiskConfig& r, size_t v) {
  return r.venue[v].order_rate_window_ms != 0 ? r.venue[v].order_rate_window_ms : r.order_rate_window_ms;
}
int VenueCancelReserve(const config::RiskConfig& r, size_t v) {
  return r.venue[v].cancel_reserve >= 0 ? r.venue[v].cancel_reserve : r.cancel_reserve;
}
// The instruments a venue may trade: its allowlist, or every instrument it lists without one.
std::vector<std::string> VenueInstruments(const config::Config& cfg, size_t v) {
  const auto& allowed = cfg.risk.venue[v].allowed;
  const bool any = std::any_of(allowed.begin(), allowed.end(), [](bool b) { return b; });
  std::vector<std::string> names;
  if (any) {
    for (size_t i = 0; i < cfg.instruments.size(); ++i)
      if (allowed[i]) names.push_back(cfg.instruments[i].name);
  } else {
    for (const auto& s : cfg.venues[v].symbols) names.push_back(InstrumentName(cfg, s.instrument.value));
  }
  return names;
}
// Effective per-instrument order limits: 0 in [risk.instruments."NAME"] means the [risk] one.
template <typename T>
T Or(T own, T global) {
  return own.raw() != 0 ? own : global;
}

std::string DayStartText(int64_t minutes) {
  char b[16];
  std::snprintf(b, sizeof b, "%02lld:%02lld", static_cast<long long>(minutes / 60), static_cast<long long>(minutes % 60));
  return b;
}

std::string MaxPositionJson(const config::Config& cfg, const std::array<Amount, kMaxAssets>& m) {
  std::string o = "{";
  for (size_t a = 0; a < cfg.assets.size(); ++a) o += (a ? "," : "") + JsonQuote(cfg.assets[a].name) + ":" + JsonQuote(Dec(m[a]));
  return o + "}";
}
// "BTC 2, ETH 30" over the assets with a limit; "-" when none has one.
std::string MaxPositionText(const config::Config& cfg, const std::array<Amount, kMaxAssets>& m) {
  std::string o;
  for (size_t a = 0; a < cfg.assets.size(); ++a)
    if (m[a].raw() != 0) o += (o.empty() ? "" : ", ") + cfg.assets[a].name + " " + Dec(m[a]);
  return o.empty() ? "-" : o;
}
std::string Zero(const std::string& s) { return s == "0" ? "none" : s; }

}  // namespace

std::string JsonQuote(std::string_view s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += c;
    } else if (c == '\n') {
      o += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else {
      o += c;
    }
  }
  return o + "\"";
}

std::string DecimalText(int64_t raw, int scale) {
  char buf[kMaxDecimalText];
  FormatDecimal(raw, scale, buf);
  return buf;
}

const std::string& ValuationAssetName(const config::Config& cfg) {
  static const std::string kNone = "?";
  const AssetId a = cfg.allocation.enabled ? cfg.allocation.valuation_asset
                                           : (cfg.instruments.empty() ? AssetId{} : cfg.instruments.front().quote);
  return a.value < cfg.assets.size() ? cfg.assets[a.value].name : kNone;
}

std::string BreakerScopeText(const engine::BreakerView& b, const config::Config& cfg) {
  switch (static_cast<risk::BreakerScope>(b.scope)) {
    case risk::BreakerScope::kGlobal: return "global";
    case risk::BreakerScope::kVenue: return "venue:" + VenueName(cfg, b.index);
    case risk::BreakerScope::kInstrument: return "instrument:" + InstrumentName(cfg, b.index);
  }
  return "?";
}

std::string BreakerCauseText(const engine::BreakerView& b, const config::Config& cfg) {
  if (b.trips == 0) return "";
  const int64_t v = b.last_value, t = b.last_threshold;
  // The comparison as it stood, whichever way the breaker trips.
  const std::string cmp = v > t ? " > " : (v < t ? " < " : " = ");
  auto bps = [](int64_t rate_raw) { return DecimalText(rate_raw, 4) + " bps"; };   // Rate raw (10^-8) → bps
  auto pct = [](int64_t rate_raw) { return DecimalText(rate_raw, 6) + "%"; };      // Rate raw → percent
  auto ms_of_ns = [](int64_t ns) { return DecimalText(ns, 6) + " ms"; };
  std::string text;
  switch (static_cast<risk::BreakerId>(b.breaker)) {
    case risk::BreakerId::kStale:
      text = "usable venues " + I(v) + cmp + "quorum " + I(t);
      break;
    case risk::BreakerId::kIntegrity:
      text = "feed integrity events " + I(v) + cmp + I(t) + " in the window";
      break;
    case risk::BreakerId::kDivergence:
      text = "divergence " + bps(v) + cmp + bps(t);
      break;
    case risk::BreakerId::kVolSpike:
      text = "volatility ratio " + DecimalText(v, 8) + cmp + DecimalText(t, 8);
      break;
    case risk::BreakerId::kDrawdown:
      text = "drawdown " + bps(v) + cmp + bps(t);
      break;
    case risk::BreakerId::kDailyLoss: {
      const std::string& unit = ValuationAssetName(cfg);
      text = "daily loss " + DecimalText(v, 9) + " " + unit + cmp + DecimalText(t, 9) + " " + unit;
      break;
    }
    case risk::BreakerId::kRejectRate:
      text = "reject rate " + pct(v) + cmp + pct(t);
      break;
    case risk::BreakerId::kUnknownOrders:
      text = "unknown order age " + I(v) + " ms" + cmp + I(t) + " ms";
      break;
    case risk::BreakerId::kLegImbalance:
      if (b.last_cause == 1) {
        text = "leg residual age " + I(v) + " ms" + cmp + I(t) + " ms";
      } else {
        const std::string unit = ResidualUnit(b, cfg);
        text = "leg residual " + DecimalText(v, 9) + " " + unit + cmp + DecimalText(t, 9) + " " + unit;
      }
      break;
    case risk::BreakerId::kJournal:
      text = "journal write or fsync failed";
      break;
    case risk::BreakerId::kClock:
      if (b.last_cause == 0) {
        text = "input time stepped back " + ms_of_ns(v < 0 ? -v : v);
      } else {
        text = "input time jumped " + ms_of_ns(v) + cmp + ms_of_ns(t);
      }
      break;
    default:
      text = "breaker " + I(b.breaker) + " value " + I(v) + cmp + I(t);
      break;
  }
  return text + CauseWhere(b, cfg);
}

std::string WallTimeText(int64_t ns) {
  if (ns == 0) return "-";
  const time_t secs = static_cast<time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char b[48];
  std::snprintf(b, sizeof b, "%04d-%02d-%02d %02d:%02d:%02d.%03lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>((ns % 1'000'000'000) / 1'000'000));
  return b;
}

// ---- positions

std::string PositionsJson(const RenderInput& in) {
  const config::Config& cfg = in.cfg;
  std::string o = "{\"ok\":true,\"valuation_asset\":" + JsonQuote(ValuationAssetName(cfg)) + ",\"positions\":[";
  for (size_t a = 0; a < cfg.assets.size(); ++a) {
    const engine::PositionView& p = in.tel.positions[a];
    o += (a ? "," : "") + std::string("{\"asset\":") + JsonQuote(cfg.assets[a].name) +
         ",\"position\":" + JsonQuote(Dec(p.position)) + ",\"venues\":{";
    for (size_t v = 0; v < cfg.venues.size(); ++v)
      o += (v ? "," : "") + JsonQuote(cfg.venues[v].name) + ":" + JsonQuote(Dec(in.tel.venue[v].balances[a]));
    o += "},\"avg_cost\":" + JsonQuote(Dec(p.avg_cost)) + ",\"value\":" + JsonQuote(Dec(p.value)) +
         ",\"realized\":" + JsonQuote(Dec(p.realized)) + ",\"unrealized\":" + JsonQuote(Dec(p.unrealized)) +
         ",\"fees\":" + JsonQuote(Dec(p.fees)) + "}";
  }
  return o + "]}";
}

std::string PositionsTable(const RenderInput& in) {
  const config::Config& cfg = in.cfg;
  const std::string& val = ValuationAssetName(cfg);
  std::vector<std::string> header = {"ASSET", "POSITION"};
  for (const auto& vc : cfg.venues) header.push_back(vc.name);
  for (const char* h : {"AVG COST", "VALUE", "REALIZED", "UNREALIZED", "FEES"}) header.push_back(h);
  TextTable t(std::move(header));
  for (size_t a = 0; a < cfg.assets.size(); ++a) {
    const engine::PositionView& p = in.tel.positions[a];
    std::vector<std::string> row = {cfg.assets[a].name, Dec(p.position)};
    for (size_t v = 0; v < cfg.venues.size(); ++v) row.push_back(Dec(in.tel.venue[v].balances[a]));
    row.push_back(Dec(p.avg_cost));
    for (Amount x : {p.value, p.realized, p.unrealized, p.fees}) row.push_back(Dec(x));
    t.AddRow(std::move(row));
  }
  return Table("positions (money in " + val + ")\n" + t.Render());
}

// ---- open orders

std::string OrdersJson(const RenderInput& in) {
  const config::Config& cfg = in.cfg;
  const engine::CoreTelemetry& tel = in.tel;
  const int shown = std::clamp(tel.order_views, 0, engine::kMaxOrderViews);
  std::string o = "{\"ok\":true,\"open\":" + U(tel.open_orders) + ",\"shown\":" + I(shown) + ",\"orders\":[";
  for (int k = 0; k < shown; ++k) {
    const engine::OpenOrderView& v = tel.orders[static_cast<size_t>(k)];
    const int64_t age_ns = std::max<int64_t>(0, in.now_wall_ns - v.opened_at.value);
    o += (k ? "," : "") + std::string("{\"client_id\":") + U(v.id.value) + ",\"venue\":" +
         JsonQuote(VenueName(cfg, v.venue.value)) + ",\"instrument\":" + JsonQuote(InstrumentName(cfg, v.instrument.value)) +
         ",\"side\":" + JsonQuote(SideText(v.side)) + ",\"purpose\":" + JsonQuote(OrderPurposeName(v.purpose)) +
         ",\"tif\":" + JsonQuote(TifText(v.tif)) + ",\"price\":" + JsonQuote(Dec(v.limit_px)) +
         ",\"qty\":" + JsonQuote(Dec(v.qty)) + ",\"filled\":" + JsonQuote(Dec(v.filled)) +
         ",\"unknown\":" + Bool(v.unknown) + ",\"group\":" + U(v.group) + ",\"opened_at_ns\":" + I(v.opened_at.value) +
         ",\"age_ms\":" + I(age_ns / 1'000'000) + "}";
  }
  return o + "]}";
}

std::string OrdersTable(const RenderInput& in) {
  const config::Config& cfg = in.cfg;
  const engine::CoreTelemetry& tel = in.tel;
  const int shown = std::clamp(tel.order_views, 0, engine::kMaxOrderViews);
  TextTable t({"CLIENT ID", "VENUE", "INSTRUMENT", "SIDE", "PURPOSE", "TIF", "PRICE", "QTY", "FILLED", "UNKNOWN", "AGE MS"});
  for (int k = 0; k < shown; ++k) {
    const engine::OpenOrderView& v = tel.orders[static_cast<size_t>(k)];
    const int64_t age_ns = std::max<int64_t>(0, in.now_wall_ns - v.opened_at.value);
    t.AddRow({U(v.id.value), VenueName(cfg, v.venue.value), InstrumentName(cfg, v.instrument.value), SideText(v.side),
              OrderPurposeName(v.purpose), TifText(v.tif), Dec(v.limit_px), Dec(v.qty), Dec(v.filled),
              v.unknown ? "yes" : "no", I(age_ns / 1'000'000)});
  }
  std::string head = "open orders: " + U(tel.open_orders);
  if (tel.open_orders > static_cast<uint64_t>(shown)) head += " (the oldest " + I(shown) + " shown)";
  return Table(head + "\n" + t.Render("(no open orders)"));
}

// ---- PnL

std::string PnlJson(const RenderInput& in) {
  const engine::CoreTelemetry& t = in.tel;
  return "{\"ok\":true,\"valuation_asset\":" + JsonQuote(ValuationAssetName(in.cfg)) + ",\"nav\":" + JsonQuote(Dec(t.nav)) +
         ",\"realized\":" + JsonQuote(Dec(t.realized_pnl)) + ",\"unrealized\":" + JsonQuote(Dec(t.unrealized_pnl)) +
         ",\"fees\":" + JsonQuote(Dec(t.fees_quote)) + ",\"pnl\":" + JsonQuote(Dec(t.pnl_quote)) +
         ",\"nav_stale\":" + Bool(t.nav_stale) + ",\"nav_complete\":" + Bool(t.nav_complete) + "}";
}

std::string PnlTable(const RenderInput& in) {
  const engine::CoreTelemetry& t = in.tel;
  TextTable tab({"FIGURE", "VALUE"});
  tab.AddRow({"nav", Dec(t.nav)});
  tab.AddRow({"realized", Dec(t.realized_pnl)});
  tab.AddRow({"unrealized", Dec(t.unrealized_pnl)});
  tab.AddRow({"fees", Dec(t.fees_quote)});
  tab.AddRow({"pnl", Dec(t.pnl_quote)});
  std::string note;
  if (t.nav_stale) note += "some holdings valued at a stale reference\n";
  if (!t.nav_complete) note += "some holdings not priced: nav is incomplete\n";
  return Table("pnl (in " + ValuationAssetName(in.cfg) + "; pnl = realized + unrealized - fees)\n" + tab.Render() + note);
}

// ---- breakers

std::string BreakersJson(const RenderInput& in) {
  const engine::CoreTelemetry& tel = in.tel;
  const int n = std::clamp(tel.breaker_views, 0, engine::kMaxBreakerViews);
  std::string o = "{\"ok\":true,\"tripped\":" + I(tel.breakers_tripped) + ",\"trips\":" + U(tel.breaker_trips) +
                  ",\"breakers\":[";
  for (int k = 0; k < n; ++k) {
    const engine::BreakerView& b = tel.breakers[static_cast<size_t>(k)];
    o += (k ? "," : "") + std::string("{\"name\":") + JsonQuote(risk::BreakerName(static_cast<risk::BreakerId>(b.breaker))) +
         ",\"scope\":" + JsonQuote(BreakerScopeText(b, in.cfg)) +
         ",\"state\":" + JsonQuote(risk::SlotStateName(static_cast<risk::SlotState>(b.state))) +
         ",\"action\":" + JsonQuote(risk::BreakerActionName(static_cast<risk::BreakerAction>(b.action))) +
         ",\"latch\":" + Bool(b.latch) + ",\"trips\":" + U(b.trips) +
         ",\"last_cause\":" + JsonQuote(BreakerCauseText(b, in.cfg)) + ",\"tripped_at_ns\":" + I(b.tripped_at_ns) +
         ",\"cleared_at_ns\":" + I(b.cleared_at_ns) + ",\"last_value\":" + I(b.last_value) +
         ",\"last_threshold\":" + I(b.last_threshold) + "}";
  }
  return o + "]}";
}

std::string BreakersTable(const RenderInput& in) {
  const engine::CoreTelemetry& tel = in.tel;
  const int n = std::clamp(tel.breaker_views, 0, engine::kMaxBreakerViews);
  TextTable t({"BREAKER", "SCOPE", "STATE", "ACTION", "LATCH", "TRIPS", "LAST CAUSE", "TRIPPED AT", "CLEARED AT"});
  for (int k = 0; k < n; ++k) {
    const engine::BreakerView& b = tel.breakers[static_cast<size_t>(k)];
    const std::string cause = BreakerCauseText(b, in.cfg);
    t.AddRow({risk::BreakerName(static_cast<risk::BreakerId>(b.breaker)), BreakerScopeText(b, in.cfg),
              risk::SlotStateName(static_cast<risk::SlotState>(b.state)),
              risk::BreakerActionName(static_cast<risk::BreakerAction>(b.action)), b.latch ? "yes" : "no", U(b.trips),
              cause.empty() ? "-" : cause, WallTimeText(b.tripped_at_ns), WallTimeText(b.cleared_at_ns)});
  }
  return Table("breakers: " + I(tel.breakers_tripped) + " tripped now, " + U(tel.breaker_trips) + " trips so far\n" +
               t.Render("(no breaker enabled)"));
}

// ---- limits

std::string LimitsJson(const RenderInput& in) {
  const config::Config& cfg = in.cfg;
  const config::RiskConfig& r = cfg.risk;
  const engine::RiskUsageView& u = in.tel.risk;
  std::string o = "{\"ok\":true,\"global\":{\"max_order_notional\":" + JsonQuote(Dec(r.max_order_notional)) +
                  ",\"max_order_qty\":" + JsonQuote(Dec(r.max_order_qty)) +
                  ",\"min_order_notional\":" + JsonQuote(Dec(r.min_order_notional)) +
                  ",\"collar_bps\":" + JsonQuote(DecimalText(r.collar.raw(), 4)) +
                  ",\"max_open_orders\":" + I(r.max_open_orders) + ",\"order_rate\":" + I(r.order_rate) +
                  ",\"order_rate_window_ms\":" + I(r.order_rate_window_ms) + ",\"cancel_reserve\":" + I(r.cancel_reserve) +
                  ",\"repeat_max\":" + I(r.repeat_max) + ",\"repeat_window_ms\":" + I(r.repeat_window_ms) +
                  ",\"self_trade_prevention\":" + Bool(r.self_trade_prevention) +
                  ",\"daily_notional_cap\":" + JsonQuote(Dec(r.daily_notional_cap)) +
                  ",\"daily_notional_used\":" + JsonQuote(Dec(u.daily_notional)) +
                  ",\"day_start_utc\":" + JsonQuote(DayStartText(r.day_start_utc_min)) +
                  ",\"day_start_ns\":" + I(u.day_start_ns) + ",\"max_position\":" + MaxPositionJson(cfg, r.max_position) +
                  "},\"venues\":[";
  for (size_t v = 0; v < cfg.venues.size(); ++v) {
    const config::RiskVenueConfig& rv = r.venue[v];
    std::string inst;
    for (const auto& n : VenueInstruments(cfg, v)) inst += (inst.empty() ? "" : ",") + JsonQuote(n);
    o += (v ? "," : "") + std::string("{\"name\":") + JsonQuote(cfg.venues[v].name) + ",\"instruments\":[" + inst +
         "],\"max_open_orders\":" + I(rv.max_open_orders) + ",\"open_orders\":" + I(u.open_orders[v]) +
         ",\"order_rate\":" + I(VenueOrderRate(r, v)) + ",\"order_rate_window_ms\":" + I(VenueRateWindow(r, v)) +
         ",\"rate_in_window\":" + I(u.rate_in_window[v]) + ",\"cancel_reserve\":" + I(VenueCancelReserve(r, v)) +
         ",\"max_position\":" + MaxPositionJson(cfg, rv.max_position) + "}";
  }
  o += "],\"instruments\":[";
  for (size_t i = 0; i < cfg.instruments.size(); ++i) {
    const config::RiskInstrumentConfig& ri = r.instrument[i];
    o += (i ? "," : "") + std::string("{\"name\":") + JsonQuote(cfg.instruments[i].name) +
         ",\"max_order_qty\":" + JsonQuote(Dec(Or(ri.max_order_qty, r.max_order_qty))) +
         ",\"max_order_notional\":" + JsonQuote(Dec(Or(ri.max_order_notional, r.max_order_notional))) +
         ",\"min_order_notional\":" + JsonQuote(Dec(Or(ri.min_order_notional, r.min_order_notional))) + "}";
  }
  o += "],\"rejects\":{";
  for (int k = 1; k < risk::kVerdicts; ++k)
    o += (k > 1 ? "," : "") + JsonQuote(risk::VerdictName(static_cast<risk::Verdict>(k))) + ":" +
         U(u.rejects_by_check[static_cast<size_t>(k)]);
  return o + "}}";
}

std::string LimitsTable(const RenderInput& in) {
  const config::Config& cfg = in.cfg;
  const config::RiskConfig& r = cfg.risk;
  const engine::RiskUsageView& u = in.tel.risk;
  TextTable g({"LIMIT", "VALUE", "USED"});
  g.AddRow({"max_order_notional", Zero(Dec(r.max_order_notional)), ""});
  g.AddRow({"max_order_qty", Zero(Dec(r.max_order_qty)), ""});
  g.AddRow({"min_order_notional", Zero(Dec(r.min_order_notional)), ""});
  g.AddRow({"collar_bps", Zero(DecimalText(r.collar.raw(), 4)), ""});
  g.AddRow({"repeat_max", r.repeat_max == 0 ? "off" : I(r.repeat_max) + " per " + I(r.repeat_window_ms) + " ms", ""});
  g.AddRow({"self_trade_prevention", r.self_trade_prevention ? "on" : "off", ""});
  g.AddRow({"daily_notional_cap", Zero(Dec(r.daily_notional_cap)), Dec(u.daily_notional)});
  g.AddRow({"day_start_utc", DayStartText(r.day_start_utc_min), WallTimeText(u.day_start_ns)});
  g.AddRow({"max_position", MaxPositionText(cfg, r.max_position), ""});

  TextTable vt({"VENUE", "OPEN ORDERS", "MAX OPEN", "RATE IN WINDOW", "ORDER RATE", "WINDOW MS", "CANCEL RESERVE",
                "INSTRUMENTS", "MAX POSITION"});
  for (size_t v = 0; v < cfg.venues.size(); ++v) {
    std::string inst;
    for (const auto& n : VenueInstruments(cfg, v)) inst += (inst.empty() ? "" : ",") + n;
    const int max_open = r.venue[v].max_open_orders;
    const int rate = VenueOrderRate(r, v);
    vt.AddRow({cfg.venues[v].name, I(u.open_orders[v]), max_open == 0 ? "none" : I(max_open), I(u.rate_in_window[v]),
               rate == 0 ? "off" : I(rate), I(VenueRateWindow(r, v)), I(VenueCancelReserve(r, v)), inst,
               MaxPositionText(cfg, r.venue[v].max_position)});
  }

  TextTable it({"INSTRUMENT", "MAX ORDER QTY", "MAX ORDER NOTIONAL", "MIN ORDER NOTIONAL"});
  for (size_t i = 0; i < cfg.instruments.size(); ++i) {
    const config::RiskInstrumentConfig& ri = r.instrument[i];
    it.AddRow({cfg.instruments[i].name, Zero(Dec(Or(ri.max_order_qty, r.max_order_qty))),
               Zero(Dec(Or(ri.max_order_notional, r.max_order_notional))),
               Zero(Dec(Or(ri.min_order_notional, r.min_order_notional)))});
  }

  TextTable rt({"CHECK", "REJECTS"});
  for (int k = 1; k < risk::kVerdicts; ++k)
    rt.AddRow({risk::VerdictName(static_cast<risk::Verdict>(k)), U(u.rejects_by_check[static_cast<size_t>(k)])});

  return Table("global limits\n" + g.Render() + "\nvenues\n" + vt.Render() + "\ninstruments\n" + it.Render() +
               "\npre-trade rejects by check\n" + rt.Render());
}

}  // namespace hs::control
