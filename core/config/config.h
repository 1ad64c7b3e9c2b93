// hs::config — the engine's configuration, loaded once at startup from TOML.
//
// Holds venues (URLs, credential variable names, fees, symbols), instruments (tick, lot, min
// notional), strategy and risk limits, threads (CPU, idle strategy), journal and admin socket.
// Assets, instruments and venues get dense ids here in file order (DESIGN §3). Secrets are not
// read here: only the *names* of the environment variables that hold them (see Credentials).
// Loading is all-or-nothing: any malformed field is an absl::Status naming it and its value;
// every error found is reported at once, one per line.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/margin/margin_math.h"
#include "core/messages/messages.h"
#include "core/runtime/idle.h"

namespace hs::config {

// Exclusive upper bounds of the fraction-valued keys, each read in [0, bound). 10% is far beyond
// any real taker fee or edge; a value that large is a percentage or bps count written where a
// fraction belongs ("5" for 5 bps).
inline constexpr Rate kTakerFeeBound = Rate::FromRaw(Rate::kScale / 10);
inline constexpr Rate kMinEdgeBound = Rate::FromRaw(Rate::kScale / 10);
// allocation.max_cost_bps is read in [0, 1000) bps: 10%, the same sanity bound as the fee.
inline constexpr Rate kMaxCostBound = Rate::FromRaw(Rate::kScale / 10);
// reference.outlier_bps is read in [0, 10000) bps: a deviation of 100% excludes nothing.
inline constexpr Rate kOutlierBound = Rate::FromRaw(Rate::kScale);
// Hedge and unwind slippage: [0, 10%).
inline constexpr Rate kRepairSlippageBound = Rate::FromRaw(Rate::kScale / 10);

struct ThreadConfig {
  int cpu = -1;  // -1 = unpinned
  runtime::IdleKind idle = runtime::IdleKind::kBackoff;
};

struct AssetConfig {
  AssetId id;
  std::string name;
};

// The market an instrument trades in. A venue's symbol text is unique only within one market
// (Bybit and OKX spell the spot and the perpetual BTCUSDT alike), so symbols are keyed by venue,
// market and text. In the file: `kind = "spot" | "perp"` (`market = "perpetual"` is read too).
// A perpetual is linear: margined and settled in its quote asset; its position counts toward
// the base asset's exposure (issue 15).
enum class MarketKind : uint8_t { kSpot = 0, kPerpetual };
const char* MarketKindName(MarketKind k) noexcept;

struct InstrumentConfig {
  InstrumentId id;
  std::string name;  // "BTC/USDT"
  MarketKind market = MarketKind::kSpot;
  AssetId base;
  AssetId quote;
  Price tick;
  Qty lot;
  Notional min_notional;
  // Perpetuals only.
  Qty contract_size = Qty::FromUnits(1);  // base per contract (OKX ctVal "0.01"); a venue may override
  margin::Tiers mm_tiers;                 // `mm_tiers = [{ max_value, mmr, imr, deduction }, ...]`, ascending
  int64_t funding_interval_s = 28'800;    // 8 h; shortened for demos and tests (1..86400)
  bool perp() const noexcept { return market == MarketKind::kPerpetual; }
};

// One instrument as a venue lists it. Tick and lot default to the instrument's.
struct VenueSymbolConfig {
  InstrumentId instrument;
  MarketKind market = MarketKind::kSpot;  // the instrument's
  std::string symbol;  // venue text: "BTCUSDT", "BTC-USDT", "BTC/USD"
  Price tick;
  Qty lot;
  int price_decimals = 0;  // decimals of tick, e.g. 2 for 0.01 (Kraken checksum, order text)
  int qty_decimals = 0;    // decimals of lot
  // Perpetuals: base per contract on this venue (the venue table's `contract_sizes`, else the
  // instrument's). Orders and positions on the wire count contracts: wire = base / contract_size.
  Qty contract_size = Qty::FromUnits(1);
};

enum class VenueKind : uint8_t { kBinance = 0, kOkx, kBybit, kKraken, kCoinbase };
const char* VenueKindName(VenueKind k) noexcept;

// A venue's documented order-entry budget (../shared/venues/ORDERS.md §5): new orders per window.
struct OrderRate {
  int64_t orders = 0;
  int64_t window_ms = 0;
};
// Binance 50 / 10 s (account), OKX 60 / 2 s (per instrument), Bybit 20 / 1 s (spot create),
// Kraken 60 / 1 s (a ceiling; its own decaying counter governs), Coinbase 30 / 1 s (private REST).
constexpr OrderRate DefaultOrderRate(VenueKind k) noexcept {
  switch (k) {
    case VenueKind::kBinance: return {50, 10'000};
    case VenueKind::kOkx: return {60, 2'000};
    case VenueKind::kBybit: return {20, 1'000};
    case VenueKind::kKraken: return {60, 1'000};
    case VenueKind::kCoinbase: return {30, 1'000};
  }
  return {};
}
bool ParseVenueKind(const std::string& s, VenueKind* out) noexcept;

struct VenueConfig {
  VenueId id;
  std::string name;  // unique label: "binance", "okx", ...
  VenueKind kind = VenueKind::kBinance;
  std::string market_data_url;  // ws:// or wss:// base
  std::string rest_url;         // http:// or https:// base (snapshots, tokens)
  std::string order_url;        // ws:// or wss:// base for order entry; empty = no trading
  std::string api_key_env;      // names of environment variables, never the values
  std::string api_secret_env;
  std::string passphrase_env;
  Rate taker_fee;
  bool trading = true;
  int depth = 0;  // book depth to subscribe/keep; 0 = venue default
  int64_t idle_timeout_ms = 30'000;
  int64_t reconnect_min_ms = 250;
  int64_t reconnect_max_ms = 10'000;
  // Dead man's switch armed by the order session while connected (Kraken
  // cancel_all_orders_after), in seconds; 0 = off. 0..86399 (the venue's bound is < 86400).
  int dead_man_s = 0;           // venue's dead man's switch timeout (0 = off); range per kind
  // Order-entry rate budget: at most order_rate new orders per order_rate_window_ms (0 = the
  // venue's documented default: DefaultOrderRate). Cancels keep a reserve beyond it.
  int64_t order_rate = 0;
  int64_t order_rate_window_ms = 0;
  ThreadConfig thread;
  std::vector<VenueSymbolConfig> symbols;
  // Perpetuals (a venue lists spot or perpetual symbols, not both: Bybit serves them on separate
  // public endpoints). Set on the venue by the order session at start (Bybit set-margin-mode
  // and set-leverage, OKX set-leverage with mgnMode); leverage <= [risk.liquidation] max_leverage.
  MarginMode margin_mode = MarginMode::kCross;
  Rate leverage = Rate::FromUnits(1);
  bool perp() const noexcept { return !symbols.empty() && symbols.front().market == MarketKind::kPerpetual; }
};

struct StrategyConfig {
  bool enabled = true;
  Rate min_edge;                 // required edge beyond both taker fees, as a fraction of price
  Notional max_leg_notional;     // cap per arbitrage leg
  int64_t cooldown_ms = 250;     // per instrument and venue pair after an attempt
  int64_t max_quote_age_ms = 5'000;  // a resting top older than this never prices a trade
};

// [execution]: what happens after orders go out. Leg repairs (hedge, then unwind) of groups whose
// legs filled different quantities.
struct ExecutionConfig {
  bool repair_legs = true;
  Rate hedge_slippage = Rate::FromRaw(100'000);  // hedge_slippage_bps = "10"
  int64_t hedge_attempts = 3;                     // 0..20
  int64_t hedge_timeout_ms = 2'000;               // 1..600000
  Rate unwind_slippage = Rate::FromRaw(500'000);  // unwind_slippage_bps = "50"
  int64_t unwind_attempts = 3;                    // 0..20
  int64_t ack_timeout_ms = 2'000;                 // no reply by then: the order is unknown (50..60000)
  int64_t query_attempts = 8;                     // queries of an unknown order, with backoff (1..100)
  int64_t query_backoff_ms = 200;                 // first query retry wait; doubles up to 5 s (10..60000)
  int64_t balance_check_s = 60;                   // balances re-queried this often (0 = only at start and after unknowns)
  int64_t drain_ms = 3'000;                       // on stop: time open groups get to end (0..600000)
};

// [risk.instruments."NAME"]: per-instrument overrides of the order limits (0 = the global one).
struct RiskInstrumentConfig {
  Qty max_order_qty;
  Notional max_order_notional;
  Notional min_order_notional;  // at the limit price; 0 = none beyond the instrument's min_notional
};

// [risk.venues.NAME]: per-venue controls. After loading, the entry of every configured venue
// holds final values: each key the venue's table leaves out is the [risk] value (so 0 below means
// off, not "the default"); entries past the last venue keep these defaults.
struct RiskVenueConfig {
  // Instrument allowlist by instrument id: `instruments = ["BTC/USDT", ...]`; absent = every
  // instrument the venue lists.
  std::array<bool, kMaxInstruments> allowed{};
  int max_open_orders = 32;          // 0 = no limit; the [risk] value is the default
  int order_rate = 0;                // orders per order_rate_window_ms; 0 = the [risk] default
  int64_t order_rate_window_ms = 0;  // 0 = the [risk] default
  int cancel_reserve = -1;           // -1 = the [risk] default
  // [risk.venues.NAME.max_position]: ASSET = "amount" (0 = no limit), by asset id.
  std::array<Amount, kMaxAssets> max_position{};
};

// [risk.breakers.NAME]: one circuit breaker (names: stale, integrity, divergence, vol_spike,
// drawdown, daily_loss, reject_rate, unknown_orders, leg_imbalance, journal, clock). Common keys:
// enabled (true when the table is present), scope ("global" | "venue" | "instrument", where the
// breaker allows it), action ("reduce" | "halt"), cooldown_ms, latch. Own keys, stored raw in
// threshold / threshold2 / window_ms / min_count:
//   stale          after_ms (window: how long below quorum before tripping)
//   integrity      max_events (threshold, a count), window_ms
//   divergence     divergence_bps (threshold, a Rate), after_ms (window)
//   vol_spike      ratio (threshold, a Rate, e.g. "3"), short_halflife_s, long_halflife_s, sample_ms, warmup
//   drawdown       max_drawdown_bps (threshold, a Rate)
//   daily_loss     max_loss (threshold, an Amount in the valuation asset)
//   reject_rate    max_rate (threshold, a Rate), min_orders (min_count), window_ms
//   unknown_orders max_age_ms (threshold, ms)
//   leg_imbalance  max_notional (threshold, a Notional), max_age_ms (threshold2, ms)
//   journal        (none; always halt and latch)
//   clock          max_time_jump_ms (threshold, ms)
struct BreakerConfigEntry {
  bool enabled = false;
  uint8_t scope = 0;   // risk::BreakerScope
  uint8_t action = 1;  // risk::BreakerAction (halt)
  int64_t cooldown_ms = 5'000;
  bool latch = false;
  int64_t threshold = 0;
  int64_t threshold2 = 0;
  int64_t window_ms = 0;
  int64_t min_count = 0;
  // vol_spike only.
  double short_halflife_s = 10;
  double long_halflife_s = 300;
  int64_t sample_ms = 1'000;
  int warmup = 30;
};

// [risk.liquidation]: keeps every perpetual position away from the venue's liquidation (issue 15).
// Distance = |mark − liquidation price| / mark per isolated position; for cross margin
// 1 − MM/equity of the venue account. Thresholds: delever_distance < reduce_distance <= min_distance.
struct LiquidationConfig {
  bool enabled = true;          // false: `homeostat run --no-liquidation-limits` (demos, the crash test)
  Rate min_distance = Rate::FromRaw(15'000'000);     // 0.15: a new order may not end closer than this
  Rate reduce_distance = Rate::FromRaw(10'000'000);  // 0.10: below, the venue goes REDUCING
  Rate delever_distance = Rate::FromRaw(7'000'000);  // 0.07: below, reduce-only IOC deleveraging
  Notional max_delever_notional_per_s = Notional::FromUnits(50'000);
  Rate max_leverage = Rate::FromUnits(20);           // caps every venue's `leverage`
  // The venue's pushed liquidation price may differ from the engine's formula by this fraction of
  // mark before the difference is counted and logged (fee terms the venues do not document).
  Rate liq_price_tolerance = Rate::FromRaw(200'000);  // 20 bps
};

struct RiskConfig {
  Notional max_order_notional;
  Qty max_order_qty;  // 0 = no separate qty cap
  Notional min_order_notional;           // 0 = none beyond each instrument's min_notional
  Rate collar = Rate::FromRaw(1'000'000);  // collar_bps = "100"; 0 = off; [0, 1)
  int max_open_orders = 32;              // per venue default; 0 = no limit
  int order_rate = 50;                   // per venue default: orders per order_rate_window_ms; 0 = off
  int64_t order_rate_window_ms = 1'000;
  int cancel_reserve = 5;                // of order_rate, kept for cancels; < order_rate
  int repeat_max = 60;                   // same venue, instrument and side; 0 = off
  int64_t repeat_window_ms = 10'000;
  bool self_trade_prevention = true;
  Notional daily_notional_cap;           // 0 = no cap
  int64_t day_start_utc_min = 0;         // day_start_utc = "HH:MM", minutes past 00:00 UTC
  std::array<Amount, kMaxAssets> max_position{};  // [risk.max_position] ASSET = "amount"; 0 = none
  std::array<RiskInstrumentConfig, kMaxInstruments> instrument{};  // by instrument id
  std::array<RiskVenueConfig, kMaxVenues> venue{};                 // by venue id
  std::array<BreakerConfigEntry, 11> breakers{};                   // by risk::BreakerId
  LiquidationConfig liquidation;
};

// The smallest [journal] spill_records: the core reads an input only while its spill has room
// for everything one input and a snapshot can write (DecisionCore::kMaxRecordsPerInput +
// kSnapshotReserve = 5120), and some more.
inline constexpr int kMinSpillRecords = 8192;

struct JournalConfig {
  std::string path;                  // a directory of segments (format 3)
  int64_t flush_interval_us = 1000;  // group-commit window
  bool fsync = true;                 // fdatasync after each group write
  int ring_capacity = 1 << 16;
  int64_t segment_mb = 64;           // a segment rotates when it reaches this size
  int64_t snapshot_every = 100000;   // the core writes a snapshot every this many records (0 = never)
  int spill_records = 1 << 16;       // the core's spill area when the ring is full (records)
  int64_t reconcile_timeout_ms = 30000;  // after a restart: how long venues get to reconcile
};

// Limits of the admin socket ([admin]); its path is Config::admin_socket.
struct AdminConfig {
  int max_clients = 16;        // connections served at once
  int64_t idle_timeout_s = 30;  // a connection silent this long is closed
  int max_line_bytes = 4096;   // longest request line
  // Permissions. group: the socket is 0660 and owned by this group (name); empty: 0600.
  std::string group;
  // uids that may run every command; empty = the engine's own uid only.
  std::vector<uint32_t> operators;
  // uids that may run read-only commands (status, positions, orders, pnl, breakers, limits, help).
  std::vector<uint32_t> viewers;
};

// [reference]: how the reference price of each instrument is formed from the venues' books.
// Optional; without it the defaults below hold.
struct ReferenceConfig {
  // A venue's book older than this (input time) is left out of the reference. 1..600000.
  int64_t max_age_ms = 2000;
  // A venue whose price is further than this fraction from the others' is an outlier, left out.
  // Written in bps (outlier_bps = "50"), stored as the fraction (0.005); [0, 1).
  Rate outlier = Rate::FromRaw(500'000);
  // Per instrument id: fresh, non-outlier venues needed before a reference exists. Without
  // min_venues: 2 where two or more venues list the instrument, else 1. With it: that value for
  // every instrument a venue lists (more than the venues listing one is an error). 0 past the
  // last instrument.
  std::array<int, kMaxInstruments> min_venues{};
};

// [allocation.vol_target]: scales the weight of each risky asset (every asset but the
// valuation asset) by target volatility / EWMA volatility, clamped to [min_scale, max_scale].
// Statistics, so doubles. Without the table it is off.
struct VolTargetConfig {
  bool enabled = false;     // the table's `enabled`, default true when the table is present
  double annual_vol = 0.6;  // target annualised volatility per risky asset, (0, 10]
  double lambda = 0.94;     // EWMA decay per sample, (0, 1)
  int64_t sample_ms = 60'000;  // returns are sampled from the reference this often (input time)
  int warmup_samples = 20;     // returns needed before the EWMA volatility is used; >= 2
  double min_scale = 0.25;     // (0, max_scale]
  double max_scale = 1.0;      // [min_scale, 1]
};

// [allocation]: the target shape of the portfolio the rebalancer keeps. Plain data, checked
// here; the engine converts it. Without the table (enabled = false) the engine runs
// arbitrage only.
struct AllocationConfig {
  bool enabled = false;  // an [allocation] table is present
  // The asset NAV, notionals and costs are counted in; the quote of at least one instrument.
  AssetId valuation_asset;
  int64_t rebalance_interval_ms = 1000;  // how often the rebalancer looks; 1..3600000
  // trade_to: false = "edge" (a correction stops at the band edge), true = "target".
  bool trade_to_target = false;
  // In the valuation asset. A smaller correction waits; min <= max.
  Notional min_trade_notional;
  // Cap per rebalance order; > 0 and at most risk.max_order_notional.
  Notional max_trade_notional;
  // Rebalance notional per minute; > 0 and at least min_trade_notional.
  Notional pace_notional_per_min;
  // Fee plus slippage against the reference above which a correction is skipped. Written in bps
  // (max_cost_bps = "15"), stored as the fraction (0.0015 = raw 150000); [0, 0.1).
  Rate max_cost;
  // Allowed drift of a venue's share of an asset from venue_share; [0, 1).
  Rate venue_band;

  struct Target {
    bool set = false;  // the asset has an entry in [allocation.targets] (every asset must)
    Rate weight;       // share of NAV, [0, 1]; the weights sum to exactly 1
    Rate band;         // allowed drift of the share either way; band < weight, or 0 at weight 0
    // Share of the target exposure held as perpetuals, [0, 1] (issue 15). An asset's exposure is
    // spot plus perpetual delta; weights apply to exposure. 0: all spot.
    Rate perp_share;
  };
  // By asset id.
  std::array<Target, kMaxAssets> targets{};
  // [asset id][venue id]: the share of the asset to hold on each venue, summing to exactly 1:
  // the asset's [allocation.venue_shares.<ASSET>] override, else the default shares. A venue
  // not listed gets 0; a venue that does not trade must get 0.
  std::array<std::array<Rate, kMaxVenues>, kMaxAssets> venue_share{};
  VolTargetConfig vol;
  // [allocation.basis]: cash and carry. Where a perpetual's funding (or basis) pays more than
  // min_funding_rate per interval net of costs, hold up to max_notional long spot and short perp
  // on top of the target, delta unchanged; unwind below exit_funding_rate.
  struct Basis {
    bool enabled = false;
    Rate min_funding_rate = Rate::FromRaw(10'000);   // 0.0001 per interval, after costs
    Rate exit_funding_rate = Rate::FromRaw(2'000);   // below this the carry is unwound
    Notional max_notional;                           // per asset, in the valuation asset
  } basis;
};

struct Config {
  std::string origin;  // file path or "<embedded demo config>"
  // The text it was parsed from (the journal records its normalized form each session; replay
  // parses that back). Holds no secret: credentials come from the environment.
  std::string source_text;
  std::string name;
  int64_t timer_ms = 10;  // [engine] timer_ms: the control thread's timer period, 1..1000
  std::string admin_socket;
  AdminConfig admin;
  std::string log_path;
  JournalConfig journal;
  ThreadConfig core_thread;
  ThreadConfig journal_thread;
  StrategyConfig strategy;
  RiskConfig risk;
  ExecutionConfig execution;
  std::vector<AssetConfig> assets;
  std::vector<InstrumentConfig> instruments;
  std::vector<VenueConfig> venues;
  ReferenceConfig reference;
  AllocationConfig allocation;

  const InstrumentConfig* FindInstrument(const std::string& name) const;
  const VenueConfig* FindVenue(const std::string& name) const;
  const AssetConfig* FindAsset(const std::string& name) const;
};

struct ParseOptions {
  // The CPUs a `cpu` key may name (any order). Unset: the CPUs this process may run on,
  // AllowedCpus(), the set a thread pinned later can be pinned to. Tests inject a fixed set.
  std::optional<std::vector<int>> cpus;
};

// Parses config text. `origin` names it in errors.
absl::StatusOr<Config> ParseConfig(const std::string& text, const std::string& origin,
                                   const ParseOptions& options = {});
// Reads and parses a file.
absl::StatusOr<Config> LoadConfig(const std::string& path, const ParseOptions& options = {});

// The CPUs this process may run on (sched_getaffinity), ascending; empty if that call fails.
std::vector<int> AllowedCpus();
// A CPU set as ranges, as the kernel writes cpu lists: {0, 1, 2, 5, 7, 8} → "0-2,5,7-8";
// {} → "none".
std::string CpuListText(std::vector<int> cpus);

// `homeostat run --no-liquidation-limits`: the same config text with [risk.liquidation]
// enabled = false (the table's own `enabled` line replaced, or the table added). The flag changes
// the text, not the parsed struct, so the journal's config records it and replay decides alike.
std::string WithoutLiquidationLimits(const std::string& text);

// The demo configuration compiled into the binaries (configs/demo.toml).
const std::string& EmbeddedDemoConfig();
// Two Binance-format venues, top of book only (configs/bench.toml): the benchmarks' and the
// hot-path tests' fixed setup.
const std::string& EmbeddedBenchConfig();

}  // namespace hs::config
