// [risk.breakers.NAME]: the circuit breakers' settings (risk/breakers.h). Each breaker has a
// fixed set of scopes it may watch, a default scope and action, and its own keys, stored raw in
// BreakerConfigEntry as config.h lists. A table switches its breaker on (unless it says
// enabled = false); without one only the journal and clock breakers run.
#include <array>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/internal/sections.h"

namespace hs::config::internal {
namespace {

// risk::BreakerScope and risk::BreakerAction values (config does not link hs::risk; the test
// checks these against the enums).
enum Scope : uint8_t { kGlobal = 0, kVenue = 1, kInstrument = 2 };
enum Action : uint8_t { kReduce = 0, kHalt = 1 };
constexpr const char* kScopeNames[] = {"global", "venue", "instrument"};

constexpr uint8_t Bit(Scope s) { return static_cast<uint8_t>(1u << s); }

// In risk::BreakerId order: the index is the breaker's id.
enum Id : int {
  kStale = 0,
  kIntegrity,
  kDivergence,
  kVolSpike,
  kDrawdown,
  kDailyLoss,
  kRejectRate,
  kUnknownOrders,
  kLegImbalance,
  kJournal,
  kClock,
  kCount
};

struct Spec {
  const char* name;
  uint8_t scopes;  // Bit() of each allowed scope
  Scope scope;     // default
  Action action;   // default
};

constexpr std::array<Spec, kCount> kSpecs = {{
    {"stale", Bit(kGlobal) | Bit(kInstrument), kInstrument, kHalt},
    {"integrity", Bit(kGlobal) | Bit(kVenue), kVenue, kHalt},
    {"divergence", Bit(kGlobal) | Bit(kVenue) | Bit(kInstrument), kVenue, kHalt},
    {"vol_spike", Bit(kGlobal) | Bit(kInstrument), kInstrument, kReduce},
    {"drawdown", Bit(kGlobal), kGlobal, kHalt},
    {"daily_loss", Bit(kGlobal), kGlobal, kHalt},
    {"reject_rate", Bit(kGlobal) | Bit(kVenue), kVenue, kHalt},
    {"unknown_orders", Bit(kGlobal) | Bit(kVenue), kVenue, kHalt},
    // Leg residuals are measured over every instrument together: global only.
    {"leg_imbalance", Bit(kGlobal), kGlobal, kReduce},
    {"journal", Bit(kGlobal), kGlobal, kHalt},
    {"clock", Bit(kGlobal), kGlobal, kHalt},
}};
static_assert(std::tuple_size_v<decltype(RiskConfig::breakers)> == kCount, "one entry per breaker");

constexpr int64_t kMaxMs = 3'600'000;
constexpr int64_t kMaxCount = 1'000'000;
// The bps-valued thresholds are read in [0, 10000): 100% away from the reference, or a drawdown
// of all of NAV, is no threshold.
constexpr Rate kBpsBound = Rate::FromRaw(Rate::kScale);
// A halflife longer than a week is no longer a spike detector.
constexpr double kMaxHalflifeS = 7 * 86'400;

// Milliseconds of the own keys, as stored (window_ms and the ms thresholds stay in ms).
struct Defaults {
  int64_t threshold = 0;
  int64_t threshold2 = 0;
  int64_t window_ms = 0;
  int64_t min_count = 0;
};

Defaults OwnDefaults(Id id) {
  switch (id) {
    case kStale: return {.window_ms = 2'000};
    case kIntegrity: return {.threshold = 20, .window_ms = 60'000};
    case kDivergence: return {.threshold = Rate::kScale / 100, .window_ms = 500};  // 100 bps
    case kVolSpike: return {.threshold = 3 * Rate::kScale};
    case kDrawdown: return {.threshold = Rate::kScale / 20};  // 500 bps
    case kDailyLoss: return {};                                // max_loss is required
    case kRejectRate: return {.threshold = Rate::kScale / 2, .window_ms = 60'000, .min_count = 10};
    case kUnknownOrders: return {.threshold = 30'000};
    case kLegImbalance: return {.threshold2 = 30'000};  // max_notional is required
    case kJournal: return {};
    case kClock: return {.threshold = 10'000};
    case kCount: break;
  }
  return {};
}

BreakerConfigEntry DefaultEntry(Id id) {
  BreakerConfigEntry e;
  const Spec& spec = kSpecs[id];
  e.enabled = id == kJournal || id == kClock;
  e.scope = spec.scope;
  e.action = spec.action;
  e.cooldown_ms = 5'000;
  e.latch = id == kJournal;
  const Defaults d = OwnDefaults(id);
  e.threshold = d.threshold;
  e.threshold2 = d.threshold2;
  e.window_ms = d.window_ms;
  e.min_count = d.min_count;
  return e;
}

std::string AllowedScopes(uint8_t scopes) {
  std::string out;
  for (uint8_t s = kGlobal; s <= kInstrument; ++s) {
    if ((scopes & (1u << s)) != 0) out += (out.empty() ? "" : ", ") + std::string(kScopeNames[s]);
  }
  return out;
}

uint8_t ReadScope(const Node& n, const Spec& spec) {
  const std::string text = n.String("scope");
  for (uint8_t s = kGlobal; s <= kInstrument; ++s) {
    if (text == kScopeNames[s] && (spec.scopes & (1u << s)) != 0) return s;
  }
  n.Fail("scope", "\"" + text + "\" is not a scope the " + spec.name + " breaker allows (" + AllowedScopes(spec.scopes) +
                      ")");
}

// A bps key that must be above 0: as Node::Bps, in [0, 10000), and not 0.
int64_t PositiveBps(const Node& n, const std::string& key, int64_t dflt) {
  const Rate r = n.Bps(key, Rate::Zero(), kBpsBound, Rate::FromRaw(dflt));
  if (!r.is_positive()) n.Fail(key, "\"" + n.String(key) + "\" must be > 0");
  return r.raw();
}

// The keys of breaker `id` beyond the common ones, into `e`.
void ReadOwnKeys(Id id, const Node& n, BreakerConfigEntry& e, ErrorList& errors) {
  const auto ms = [&](const char* key, int64_t lo, int64_t& out) {
    errors.Collect([&] { out = n.Int(key, lo, kMaxMs, out); });
  };
  switch (id) {
    case kStale:
      ms("after_ms", 0, e.window_ms);
      break;
    case kIntegrity:
      errors.Collect([&] { e.threshold = n.Int("max_events", 1, kMaxCount, e.threshold); });
      ms("window_ms", 1, e.window_ms);
      break;
    case kDivergence:
      errors.Collect([&] { e.threshold = PositiveBps(n, "divergence_bps", e.threshold); });
      ms("after_ms", 0, e.window_ms);
      break;
    case kVolSpike: {
      errors.Collect([&] {
        if (!n.Has("ratio")) return;
        const Rate ratio = n.Decimal<Rate>("ratio");
        if (ratio <= Rate::FromUnits(1) || ratio > Rate::FromUnits(1000)) {
          n.Fail("ratio", "\"" + n.String("ratio") + "\" is outside (1, 1000] (short over long volatility; 1 is calm)");
        }
        e.threshold = ratio.raw();
      });
      const bool short_ok = errors.Collect([&] {
        e.short_halflife_s = n.Double("short_halflife_s", 0, kMaxHalflifeS, e.short_halflife_s, Bounds::kOpenClosed);
      });
      const bool long_ok = errors.Collect([&] {
        e.long_halflife_s = n.Double("long_halflife_s", 0, kMaxHalflifeS, e.long_halflife_s, Bounds::kOpenClosed);
      });
      if (short_ok && long_ok && e.short_halflife_s >= e.long_halflife_s) {
        std::ostringstream ss;
        ss << e.short_halflife_s << " is not below long_halflife_s " << e.long_halflife_s;
        n.Report("short_halflife_s", ss.str());
      }
      ms("sample_ms", 1, e.sample_ms);
      errors.Collect([&] { e.warmup = static_cast<int>(n.Int("warmup", 2, kMaxCount, e.warmup)); });
      break;
    }
    case kDrawdown:
      errors.Collect([&] { e.threshold = PositiveBps(n, "max_drawdown_bps", e.threshold); });
      break;
    case kDailyLoss:
      errors.Collect([&] {
        if (!e.enabled && !n.Has("max_loss")) return;  // a breaker switched off needs no limit
        const Amount max = n.Decimal<Amount>("max_loss");
        if (!max.is_positive()) n.Fail("max_loss", "\"" + n.String("max_loss") + "\" must be > 0");
        e.threshold = max.raw();
      });
      break;
    case kRejectRate:
      errors.Collect([&] {
        if (!n.Has("max_rate")) return;
        const Rate r = n.FractionClosed("max_rate", Rate::Zero(), Rate::FromUnits(1));
        if (!r.is_positive()) {
          n.Fail("max_rate", "\"" + n.String("max_rate") + "\" must be > 0 (a fraction of orders: 0.5 = half rejected)");
        }
        e.threshold = r.raw();
      });
      errors.Collect([&] { e.min_count = n.Int("min_orders", 1, kMaxCount, e.min_count); });
      ms("window_ms", 1, e.window_ms);
      break;
    case kUnknownOrders:
      ms("max_age_ms", 1, e.threshold);
      break;
    case kLegImbalance:
      errors.Collect([&] {
        if (!e.enabled && !n.Has("max_notional")) return;
        const Notional max = n.Decimal<Notional>("max_notional");
        if (!max.is_positive()) n.Fail("max_notional", "\"" + n.String("max_notional") + "\" must be > 0");
        e.threshold = max.raw();
      });
      ms("max_age_ms", 1, e.threshold2);
      break;
    case kJournal:
      break;
    case kClock:
      ms("max_time_jump_ms", 1, e.threshold);
      break;
    case kCount:
      break;
  }
}

std::vector<std::string_view> OwnKeys(Id id) {
  switch (id) {
    case kStale: return {"after_ms"};
    case kIntegrity: return {"max_events", "window_ms"};
    case kDivergence: return {"divergence_bps", "after_ms"};
    case kVolSpike: return {"ratio", "short_halflife_s", "long_halflife_s", "sample_ms", "warmup"};
    case kDrawdown: return {"max_drawdown_bps"};
    case kDailyLoss: return {"max_loss"};
    case kRejectRate: return {"max_rate", "min_orders", "window_ms"};
    case kUnknownOrders: return {"max_age_ms"};
    case kLegImbalance: return {"max_notional", "max_age_ms"};
    case kJournal: return {};
    case kClock: return {"max_time_jump_ms"};
    case kCount: break;
  }
  return {};
}

void ReadBreaker(Id id, const Node& n, BreakerConfigEntry& e, ErrorList& errors) {
  std::vector<std::string_view> keys = {"enabled", "scope", "action", "cooldown_ms", "latch"};
  for (std::string_view k : OwnKeys(id)) keys.push_back(k);
  errors.Collect([&] { n.AllowOnly(keys); });
  if (!n.IsTable()) return;
  const Spec& spec = kSpecs[id];
  errors.Collect([&] { e.enabled = n.Bool("enabled", true); });
  errors.Collect([&] {
    if (n.Has("scope")) e.scope = ReadScope(n, spec);
  });
  errors.Collect([&] {
    if (!n.Has("action")) return;
    const std::string a = n.String("action");
    if (a != "reduce" && a != "halt") n.Fail("action", "\"" + a + "\" is not an action (reduce or halt)");
    e.action = a == "reduce" ? kReduce : kHalt;
  });
  errors.Collect([&] { e.cooldown_ms = n.Int("cooldown_ms", 0, kMaxMs, e.cooldown_ms); });
  errors.Collect([&] { e.latch = n.Bool("latch", e.latch); });
  if (id == kJournal) {
    // A failed journal means inputs are no longer recorded: trading on cannot be replayed.
    const char* why = "the journal breaker always halts and latches";
    if (!e.enabled) n.Report("enabled", std::string("false: ") + why);
    if (e.action != kHalt) n.Report("action", std::string("\"reduce\": ") + why);
    if (!e.latch) n.Report("latch", std::string("false: ") + why);
    e.enabled = true;
    e.action = kHalt;
    e.latch = true;
  }
  ReadOwnKeys(id, n, e, errors);
}

}  // namespace

void ReadBreakers(const Node& risk, RiskConfig& r, ErrorList& errors) {
  for (int id = 0; id < kCount; ++id) r.breakers[id] = DefaultEntry(static_cast<Id>(id));
  if (!risk.Has("breakers")) return;
  const Node breakers = risk.Child("breakers");
  std::vector<std::string_view> names;
  for (const Spec& s : kSpecs) names.push_back(s.name);
  errors.Collect([&] { breakers.AllowOnly(names); });
  if (!breakers.IsTable()) return;
  for (int id = 0; id < kCount; ++id) {
    if (breakers.Has(kSpecs[id].name)) {
      ReadBreaker(static_cast<Id>(id), breakers.Child(kSpecs[id].name), r.breakers[id], errors);
    }
  }
}

}  // namespace hs::config::internal
