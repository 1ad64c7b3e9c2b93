#include "core/config/config.h"

#include <grp.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "core/base/decimal.h"
#include "core/config/internal/sections.h"
#include "core/config/toml_reader.h"

namespace hs::config {

namespace internal {

bool OpenTable(const Node& n, std::initializer_list<std::string_view> keys, ErrorList& errors) {
  errors.Collect([&] { n.AllowOnly(keys); });
  return n.IsTable();
}

}  // namespace internal

const char* MarketKindName(MarketKind k) noexcept {
  switch (k) {
    case MarketKind::kSpot:
      return "spot";
    case MarketKind::kPerpetual:
      return "perpetual";
  }
  return "?";
}

const char* VenueKindName(VenueKind k) noexcept {
  switch (k) {
    case VenueKind::kBinance:
      return "binance";
    case VenueKind::kOkx:
      return "okx";
    case VenueKind::kBybit:
      return "bybit";
    case VenueKind::kKraken:
      return "kraken";
    case VenueKind::kCoinbase:
      return "coinbase";
  }
  return "?";
}

bool ParseVenueKind(const std::string& s, VenueKind* out) noexcept {
  for (VenueKind k : {VenueKind::kBinance, VenueKind::kOkx, VenueKind::kBybit, VenueKind::kKraken,
                      VenueKind::kCoinbase}) {
    if (s == VenueKindName(k)) {
      *out = k;
      return true;
    }
  }
  return false;
}

const InstrumentConfig* Config::FindInstrument(const std::string& n) const {
  for (const auto& i : instruments)
    if (i.name == n) return &i;
  return nullptr;
}
const VenueConfig* Config::FindVenue(const std::string& n) const {
  for (const auto& v : venues)
    if (v.name == n) return &v;
  return nullptr;
}
const AssetConfig* Config::FindAsset(const std::string& n) const {
  for (const auto& a : assets)
    if (a.name == n) return &a;
  return nullptr;
}

std::vector<int> AllowedCpus() {
  // cpu_set_t holds 1024 CPUs; a kernel built for more refuses it (EINVAL), so grow until the
  // mask fits.
  for (int n = CPU_SETSIZE; n <= (1 << 16); n *= 2) {
    cpu_set_t* set = CPU_ALLOC(n);
    if (set == nullptr) return {};
    const size_t size = CPU_ALLOC_SIZE(n);
    if (sched_getaffinity(0, size, set) != 0) {
      CPU_FREE(set);
      if (errno == EINVAL) continue;
      return {};
    }
    std::vector<int> cpus;
    for (int cpu = 0; cpu < n; ++cpu) {
      if (CPU_ISSET_S(cpu, size, set)) cpus.push_back(cpu);
    }
    CPU_FREE(set);
    return cpus;
  }
  return {};
}

std::string CpuListText(std::vector<int> cpus) {
  if (cpus.empty()) return "none";
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  std::string out;
  for (size_t i = 0; i < cpus.size();) {
    size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

namespace {

using internal::OpenTable;
using internal::Text;

// `cpus`: the CPUs a `cpu` key may name, ascending.
ThreadConfig ReadThread(const Node& n, ThreadConfig dflt, const std::vector<int>& cpus) {
  n.AllowOnly({"cpu", "idle"});
  ThreadConfig t = dflt;
  t.cpu = static_cast<int>(n.Int("cpu", -1, 1023, dflt.cpu));
  if (n.Has("cpu") && t.cpu >= 0 && !std::binary_search(cpus.begin(), cpus.end(), t.cpu)) {
    n.Fail("cpu", std::to_string(t.cpu) + " is not a CPU this process may run on (CPUs " + CpuListText(cpus) + ")");
  }
  if (n.Has("idle")) {
    const std::string idle = n.String("idle");
    if (!runtime::ParseIdleKind(idle, &t.idle)) n.Fail("idle", "\"" + idle + "\" is not an idle strategy (busy-spin or backoff)");
  }
  return t;
}

// Checks a venue URL as far as venues::ParseUrl (venues/common/url.cc) reads it: scheme, then an
// authority up to the first '/' or '?', split at its last ':' into host and port. Anything
// accepted here that parser accepts too; this is stricter where that parser would take a value
// that cannot work (spaces, bracketed IPv6 literals, whose ':' it does not understand).
void CheckUrl(const Node& n, const std::string& key, const std::string& url, bool websocket) {
  if (url.empty()) return;
  const auto starts = [&](std::string_view p) { return url.compare(0, p.size(), p) == 0; };
  size_t at = 0;
  if (websocket) {
    at = starts("wss://") ? 6 : starts("ws://") ? 5 : 0;
  } else {
    at = starts("https://") ? 8 : starts("http://") ? 7 : 0;
  }
  if (at == 0) n.Fail(key, "\"" + url + "\" must start with " + (websocket ? "ws:// or wss://" : "http:// or https://"));
  for (size_t i = 0; i < url.size(); ++i) {
    const auto c = static_cast<unsigned char>(url[i]);
    if (c <= 0x20 || c == 0x7f) n.Fail(key, "space or control character at offset " + std::to_string(i) + " of the URL");
  }
  const std::string in_url = " in \"" + url + "\"";
  const std::string_view rest = std::string_view(url).substr(at);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.find_first_of("[]") != std::string_view::npos) n.Fail(key, "bracketed IPv6 hosts are not supported" + in_url);
  const size_t colon = authority.rfind(':');
  if (authority.substr(0, colon).empty()) n.Fail(key, "missing host" + in_url);
  if (colon == std::string_view::npos) return;  // the scheme's default port
  const std::string port(authority.substr(colon + 1));
  if (port.empty()) n.Fail(key, "empty port after ':'" + in_url);
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    n.Fail(key, "port \"" + port + "\" is not a number" + in_url);
  }
  if (port.size() > 5 || std::stoi(port) < 1 || std::stoi(port) > 65535) {
    n.Fail(key, "port " + port + " is out of range (1-65535)" + in_url);
  }
}

void ReadEngine(const Node& root, Config& c) {
  const Node engine = root.Child("engine");
  engine.AllowOnly({"name", "timer_ms"});
  c.name = engine.String("name");
  c.timer_ms = engine.Int("timer_ms", 1, 1000, Config{}.timer_ms);
}

// True when group `name` exists on this host (getgrnam_r; the buffer grows until the entry fits).
bool GroupExists(const std::string& name) {
  std::vector<char> buf(1024);
  for (;;) {
    group g{};
    group* found = nullptr;
    const int rc = getgrnam_r(name.c_str(), &g, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < (1u << 20)) {
      buf.resize(buf.size() * 2);
      continue;
    }
    return rc == 0 && found != nullptr;
  }
}

// admin.operators or admin.viewers: uids, each once. uid_t's (uid_t)-1 means "no uid", so the
// largest is 4294967294.
std::vector<uint32_t> ReadUids(const Node& admin, const std::string& key) {
  std::vector<uint32_t> uids;
  if (!admin.Has(key)) return uids;
  for (const int64_t uid : admin.Ints(key, 0, 4'294'967'294)) {
    if (std::find(uids.begin(), uids.end(), uid) != uids.end()) {
      admin.Fail(key, "uid " + std::to_string(uid) + " is listed twice");
    }
    uids.push_back(static_cast<uint32_t>(uid));
  }
  return uids;
}

void ReadAdmin(const Node& root, Config& c, ErrorList& errors) {
  std::optional<Node> maybe;
  if (!errors.Collect([&] { maybe = root.Child("admin"); })) return;
  const Node& admin = *maybe;
  if (!OpenTable(admin, {"socket", "max_clients", "idle_timeout_s", "max_line_bytes", "group", "operators", "viewers"},
                 errors)) {
    return;
  }
  errors.Collect([&] {
    c.admin_socket = admin.String("socket");
    if (c.admin_socket.empty()) admin.Fail("socket", "must not be empty");
    if (c.admin_socket.size() >= 100) admin.Fail("socket", "path longer than 99 bytes does not fit a Unix socket address");
  });
  const AdminConfig admin_default;
  errors.Collect([&] {
    c.admin.max_clients = static_cast<int>(admin.Int("max_clients", 1, 1024, admin_default.max_clients));
  });
  errors.Collect([&] { c.admin.idle_timeout_s = admin.Int("idle_timeout_s", 1, 86'400, admin_default.idle_timeout_s); });
  // At most 4096: the admin command parser's own limit (core/control kMaxAdminLineBytes); no
  // admin command comes near it.
  errors.Collect([&] {
    c.admin.max_line_bytes = static_cast<int>(admin.Int("max_line_bytes", 64, 4096, admin_default.max_line_bytes));
  });
  errors.Collect([&] {
    if (!admin.Has("group")) return;
    const std::string group = admin.String("group");
    if (group.empty()) admin.Fail("group", "must not be empty (leave it out for a socket only this uid may use)");
    // The socket is chowned to it at start; a name that does not resolve would fail only then.
    if (!GroupExists(group)) admin.Fail("group", "\"" + group + "\" is not a group on this host");
    c.admin.group = group;
  });
  const bool operators_ok = errors.Collect([&] { c.admin.operators = ReadUids(admin, "operators"); });
  const bool viewers_ok = errors.Collect([&] { c.admin.viewers = ReadUids(admin, "viewers"); });
  if (!operators_ok || !viewers_ok) return;
  for (const uint32_t uid : c.admin.viewers) {
    if (std::find(c.admin.operators.begin(), c.admin.operators.end(), uid) != c.admin.operators.end()) {
      admin.Report("viewers", "uid " + std::to_string(uid) + " is an operator too (a uid belongs in one list)");
    }
  }
}

void ReadJournal(const Node& root, Config& c) {
  const Node journal = root.Child("journal");
  journal.AllowOnly({"path", "flush_interval_us", "fsync", "ring_capacity", "segment_mb", "snapshot_every",
                     "spill_records", "reconcile_timeout_ms"});
  c.journal.path = journal.String("path");
  if (c.journal.path.empty()) journal.Fail("path", "must not be empty");
  c.journal.flush_interval_us = journal.Int("flush_interval_us", 10, 1'000'000, 1000);
  c.journal.fsync = journal.Bool("fsync", true);
  c.journal.ring_capacity = static_cast<int>(journal.Int("ring_capacity", 1024, 1 << 22, 1 << 16));
  if ((c.journal.ring_capacity & (c.journal.ring_capacity - 1)) != 0) journal.Fail("ring_capacity", "must be a power of two");
  c.journal.segment_mb = journal.Int("segment_mb", 1, 1 << 16, 64);
  c.journal.snapshot_every = journal.Int("snapshot_every", 0, int64_t{1} << 40, 100000);
  if (c.journal.snapshot_every != 0 && c.journal.snapshot_every < 1000)
    journal.Fail("snapshot_every", "must be 0 (never) or at least 1000 records");
  // At least what the core keeps free before it reads an input (DecisionCore::kMaxRecordsPerInput
  // + kSnapshotReserve, checked in core_params.cc), with room to spare.
  c.journal.spill_records = static_cast<int>(journal.Int("spill_records", kMinSpillRecords, 1 << 22, 1 << 16));
  c.journal.reconcile_timeout_ms = journal.Int("reconcile_timeout_ms", 100, 3'600'000, 30000);
}

void ReadLog(const Node& root, Config& c) {
  if (root.Has("log")) {
    const Node log = root.Child("log");
    log.AllowOnly({"path"});
    c.log_path = log.String("path", "");
  }
}

// Sets `venue_default`, the thread settings of a venue without its own.
void ReadThreads(const Node& root, const std::vector<int>& cpus, Config& c, ThreadConfig& venue_default) {
  if (root.Has("threads")) {
    const Node th = root.Child("threads");
    th.AllowOnly({"core", "venues", "journal"});
    if (th.Has("core")) c.core_thread = ReadThread(th.Child("core"), c.core_thread, cpus);
    if (th.Has("venues")) venue_default = ReadThread(th.Child("venues"), venue_default, cpus);
    if (th.Has("journal")) c.journal_thread = ReadThread(th.Child("journal"), c.journal_thread, cpus);
  }
}

void ReadStrategy(const Node& root, Config& c) {
  const Node strategy = root.Child("strategy");
  strategy.AllowOnly({"enabled", "min_edge", "max_leg_notional", "cooldown_ms", "max_quote_age_ms"});
  c.strategy.enabled = strategy.Bool("enabled", true);
  c.strategy.min_edge = strategy.Fraction("min_edge", Rate::Zero(), kMinEdgeBound);
  c.strategy.max_leg_notional = strategy.Decimal<Notional>("max_leg_notional");
  if (!c.strategy.max_leg_notional.is_positive()) strategy.Fail("max_leg_notional", "must be > 0");
  c.strategy.cooldown_ms = strategy.Int("cooldown_ms", 0, 3'600'000, 250);
  c.strategy.max_quote_age_ms = strategy.Int("max_quote_age_ms", 1, 3'600'000, 5'000);
}

void ReadAssets(const Node& root, Config& c) {
  std::set<std::string> seen;
  for (const std::string& a : root.Strings("assets")) {
    if (a.empty()) root.Fail("assets", "asset names must not be empty");
    if (!seen.insert(a).second) root.Fail("assets", "duplicate asset \"" + a + "\"");
    if (c.assets.size() >= static_cast<size_t>(kMaxAssets)) root.Fail("assets", "too many assets");
    c.assets.push_back({AssetId{static_cast<uint16_t>(c.assets.size())}, a});
  }
  if (c.assets.empty()) root.Fail("assets", "at least one asset is required");
}

// mm_tiers = [{ max_value = "2000000", mmr = "0.005", imr = "0.01", deduction = "0" }, ...]:
// 1 to margin::kMaxTiers tiers, max_value ascending, 0 < mmr < imr <= 1, deduction >= 0.
void ReadTiers(const Node& in, margin::Tiers* out) {
  const std::vector<Node> tiers = in.Array("mm_tiers");
  if (tiers.empty()) in.Fail("mm_tiers", "at least one tier is required");
  if (tiers.size() > static_cast<size_t>(margin::kMaxTiers))
    in.Fail("mm_tiers", std::to_string(tiers.size()) + " tiers; at most " + std::to_string(margin::kMaxTiers));
  const Rate one = Rate::FromUnits(1);
  for (size_t k = 0; k < tiers.size(); ++k) {
    const Node& t = tiers[k];
    if (!t.IsTable()) in.Fail("mm_tiers", "tier " + std::to_string(k) + " is not a table { max_value, mmr, imr, deduction }");
    t.AllowOnly({"max_value", "mmr", "imr", "deduction"});
    margin::Tier& tier = out->tier[k];
    tier.max_value = t.Decimal<Notional>("max_value");
    if (!tier.max_value.is_positive()) t.Fail("max_value", "must be > 0");
    if (k > 0 && tier.max_value <= out->tier[k - 1].max_value)
      t.Fail("max_value", "must be above the previous tier's (tiers ascend)");
    tier.mmr = t.Fraction("mmr", Rate::FromRaw(1), one);
    tier.imr = t.FractionClosed("imr", Rate::FromRaw(1), one);
    if (tier.imr <= tier.mmr) t.Fail("imr", "must be above mmr (initial margin exceeds maintenance)");
    tier.deduction = t.Decimal<Amount>("deduction", Amount::Zero());
  }
  out->count = static_cast<int>(tiers.size());
}

// Reads every instrument, recording the errors of each; true when all were read cleanly.
bool ReadInstruments(const Node& root, Config& c, ErrorList& errors) {
  std::vector<Node> elements;
  if (!errors.Collect([&] { elements = root.Array("instruments"); })) return false;
  std::set<std::string> seen;
  bool ok = true;
  for (const Node& element : elements) {
    ok &= errors.Collect([&] {
      InstrumentConfig ic;
      ic.id = InstrumentId{static_cast<uint16_t>(c.instruments.size())};
      // Named by index until the name is known to be good, by name after.
      ic.name = element.String("name");
      if (ic.name.empty()) element.Fail("name", "must not be empty");
      if (!seen.insert(ic.name).second) element.Fail("name", "duplicate instrument \"" + ic.name + "\"");
      const Node in = element.Named(ic.name);
      in.AllowOnly({"name", "kind", "market", "base", "quote", "tick", "lot", "min_notional", "contract_size",
                    "mm_tiers", "funding_interval_s"});
      // kind = "spot" | "perp"; the older market = "spot" | "perpetual" says the same.
      const std::string kind = in.String("kind", "spot");
      if (kind != "spot" && kind != "perp")
        in.Fail("kind", "\"" + kind + "\" is not an instrument kind (\"spot\" or \"perp\")");
      const std::string market = in.String("market", kind == "perp" ? "perpetual" : "spot");
      if (market != "spot" && market != "perpetual")
        in.Fail("market", "\"" + market + "\" is not a market (\"spot\" or \"perpetual\")");
      if ((market == "perpetual") != (kind == "perp") && in.Has("kind"))
        in.Fail("market", "\"" + market + "\" contradicts kind = \"" + kind + "\"");
      ic.market = market == "perpetual" ? MarketKind::kPerpetual : MarketKind::kSpot;
      if (ic.perp()) {
        ic.contract_size = in.Decimal<Qty>("contract_size", Qty::FromUnits(1));
        if (!ic.contract_size.is_positive()) in.Fail("contract_size", "must be > 0");
        ic.funding_interval_s = in.Int("funding_interval_s", 1, 86'400, 28'800);
        if (!in.Has("mm_tiers"))
          in.Fail("mm_tiers", "required for a perpetual: the venue's maintenance-margin tiers "
                              "[{ max_value, mmr, imr, deduction }, ...]");
        ReadTiers(in, &ic.mm_tiers);
      } else {
        for (const char* k : {"contract_size", "mm_tiers", "funding_interval_s"})
          if (in.Has(k)) in.Fail(k, "only a perpetual (kind = \"perp\") has one");
      }
      const std::string base = in.String("base");
      const std::string quote = in.String("quote");
      const AssetConfig* b = c.FindAsset(base);
      const AssetConfig* q = c.FindAsset(quote);
      if (b == nullptr) in.Fail("base", "unknown asset \"" + base + "\" (not in assets)");
      if (q == nullptr) in.Fail("quote", "unknown asset \"" + quote + "\" (not in assets)");
      if (b->id == q->id) in.Fail("quote", "base and quote must differ");
      ic.base = b->id;
      ic.quote = q->id;
      ic.tick = in.Decimal<Price>("tick");
      ic.lot = in.Decimal<Qty>("lot");
      if (!ic.tick.is_positive()) in.Fail("tick", "must be > 0");
      if (!ic.lot.is_positive()) in.Fail("lot", "must be > 0");
      ic.min_notional = in.Decimal<Notional>("min_notional", Notional::Zero());
      if (c.instruments.size() >= static_cast<size_t>(kMaxInstruments)) in.FailSelf("too many instruments");
      c.instruments.push_back(ic);
    });
  }
  if (ok && c.instruments.empty()) ok = errors.Collect([&] { root.Fail("instruments", "at least one instrument is required"); });
  return ok;
}

// A venue's perpetual keys: every symbol of one market (Bybit serves spot and linear on separate
// public endpoints, and a venue here is one account), contract sizes per symbol, margin mode and
// leverage. Leverage is checked against [risk.liquidation] max_leverage once risk is read.
void ReadVenuePerp(const Node& vn, const Config& c, VenueConfig& v) {
  const MarketKind market = v.symbols.front().market;
  for (const VenueSymbolConfig& s : v.symbols)
    if (s.market != market)
      vn.Fail("symbols", "lists both spot and perpetual instruments: a venue is one market (give the perpetuals "
                         "their own [[venues]] entry)");
  const bool perp = market == MarketKind::kPerpetual;
  for (VenueSymbolConfig& s : v.symbols) s.contract_size = c.instruments[s.instrument.value].contract_size;
  if (!perp) {
    for (const char* k : {"contract_sizes", "margin_mode", "leverage"})
      if (vn.Has(k)) vn.Fail(k, "only a venue that lists perpetuals has one");
    return;
  }
  if (v.kind != VenueKind::kBybit && v.kind != VenueKind::kOkx)
    vn.Fail("symbols", "perpetuals are supported on bybit (linear) and okx (SWAP) venues only");
  if (vn.Has("contract_sizes")) {
    const Node cs = vn.Child("contract_sizes");
    for (const auto& [inst_name, node] : cs.Entries()) {
      const InstrumentConfig* ic = c.FindInstrument(inst_name);
      if (ic == nullptr) cs.Fail(inst_name, "unknown instrument (not in instruments)");
      VenueSymbolConfig* sym = nullptr;
      for (VenueSymbolConfig& s : v.symbols)
        if (s.instrument == ic->id) sym = &s;
      if (sym == nullptr) cs.Fail(inst_name, "not one of this venue's symbols");
      sym->contract_size = node.ToDecimal<Qty>(node.AsString(), node.path(), Sign::kNonNegative);
      if (!sym->contract_size.is_positive()) cs.Fail(inst_name, "must be > 0");
    }
  }
  // An order's size on the wire counts contracts (base ÷ contract size): every multiple of the
  // lot must divide into contracts exactly at 8 decimals, or an order could not be written.
  // OKX orders count whole contracts (sz): there the lot must be a whole number of them.
  for (const VenueSymbolConfig& s : v.symbols) {
    const __int128 scaled = static_cast<__int128>(s.lot.raw()) * Qty::kScale;
    if (scaled % s.contract_size.raw() != 0)
      vn.Fail("contract_sizes", c.instruments[s.instrument.value].name + ": lot " + Text(s.lot) +
                                    " is not a whole number of 10^-8 contracts of " + Text(s.contract_size));
    if (v.kind == VenueKind::kOkx && s.lot.raw() % s.contract_size.raw() != 0)
      vn.Fail("symbols", c.instruments[s.instrument.value].name + ": lot " + Text(s.lot) +
                             " is not a whole number of contracts of " + Text(s.contract_size) +
                             " (OKX orders count whole contracts: give the symbol lot = \"" + Text(s.contract_size) +
                             "\" or a multiple)");
  }
  const std::string mode = vn.String("margin_mode", "cross");
  if (mode == "cross") {
    v.margin_mode = MarginMode::kCross;
  } else if (mode == "isolated") {
    v.margin_mode = MarginMode::kIsolated;
  } else {
    vn.Fail("margin_mode", "\"" + mode + "\" is not a margin mode (\"cross\" or \"isolated\")");
  }
  v.leverage = vn.Decimal<Rate>("leverage", Rate::FromUnits(1));
  if (v.leverage < Rate::FromUnits(1) || v.leverage > Rate::FromUnits(125))
    vn.Fail("leverage", "\"" + Text(v.leverage) + "\" is outside [1, 125]");
}

// Reads every venue, recording the errors of each; true when all were read cleanly.
bool ReadVenues(const Node& root, const ThreadConfig& venue_default, const std::vector<int>& cpus, Config& c,
                ErrorList& errors) {
  std::vector<Node> elements;
  if (!errors.Collect([&] { elements = root.Array("venues"); })) return false;
  std::set<std::string> seen;
  bool ok = true;
  for (const Node& element : elements) {
    ok &= errors.Collect([&] {
      VenueConfig v;
      v.id = VenueId{static_cast<uint8_t>(c.venues.size())};
      // Named by index until the name is known to be good, by name after.
      v.name = element.String("name");
      if (v.name.empty()) element.Fail("name", "must not be empty");
      if (!seen.insert(v.name).second) element.Fail("name", "duplicate venue \"" + v.name + "\"");
      const Node vn = element.Named(v.name);
      vn.AllowOnly({"name", "kind", "market_data_url", "rest_url", "order_url", "api_key_env", "api_secret_env",
                    "passphrase_env", "taker_fee", "trading", "depth", "idle_timeout_ms", "reconnect_min_ms",
                    "reconnect_max_ms", "dead_man_s", "order_rate", "order_rate_window_ms", "thread", "symbols",
                    "contract_sizes", "margin_mode", "leverage"});
      const std::string kind = vn.String("kind");
      if (!ParseVenueKind(kind, &v.kind)) vn.Fail("kind", "\"" + kind + "\" is not a venue kind (binance, okx, bybit, kraken, coinbase)");
      v.market_data_url = vn.String("market_data_url");
      CheckUrl(vn, "market_data_url", v.market_data_url, true);
      v.rest_url = vn.String("rest_url", "");
      CheckUrl(vn, "rest_url", v.rest_url, false);
      v.order_url = vn.String("order_url", "");
      CheckUrl(vn, "order_url", v.order_url, true);
      v.api_key_env = vn.String("api_key_env", "");
      v.api_secret_env = vn.String("api_secret_env", "");
      v.passphrase_env = vn.String("passphrase_env", "");
      v.taker_fee = vn.Fraction("taker_fee", Rate::Zero(), kTakerFeeBound);
      v.trading = vn.Bool("trading", !v.order_url.empty());
      if (v.trading && v.order_url.empty()) vn.Fail("order_url", "required when trading = true");
      if (v.trading && (v.api_key_env.empty() || v.api_secret_env.empty()))
        vn.Fail("api_key_env", "api_key_env and api_secret_env are required when trading = true");
      // OKX order entry resolves unknown orders, arms cancel-all-after and checks balances only
      // through signed REST: without rest_url there is nothing to fall back on.
      if (v.trading && v.kind == VenueKind::kOkx && v.rest_url.empty())
        vn.Report("rest_url", "required when an OKX venue trades (order queries, the dead man's switch "
                              "cancel-all-after and balance checks go over signed REST)");
      v.depth = static_cast<int>(vn.Int("depth", 0, 5000, 0));
      v.idle_timeout_ms = vn.Int("idle_timeout_ms", 100, 600'000, 30'000);
      v.reconnect_min_ms = vn.Int("reconnect_min_ms", 1, 60'000, 250);
      v.reconnect_max_ms = vn.Int("reconnect_max_ms", v.reconnect_min_ms, 600'000, 10'000);
      v.dead_man_s = static_cast<int>(vn.Int("dead_man_s", 0, 86'399, 0));
      if (v.dead_man_s != 0) {
        // Each venue's own range (../shared/venues/ORDERS.md §3); spot Binance and Coinbase have none.
        switch (v.kind) {
          case VenueKind::kBinance:
          case VenueKind::kCoinbase:
            vn.Fail("dead_man_s", std::to_string(v.dead_man_s) + ", but " + kind +
                                      " spot has no dead man's switch: it must be 0 (the engine cancels on kill instead)");
            break;
          case VenueKind::kOkx:
            if (v.dead_man_s < 10 || v.dead_man_s > 120)
              vn.Fail("dead_man_s", std::to_string(v.dead_man_s) + " is outside OKX cancel-all-after's range: 0 or [10, 120]");
            break;
          case VenueKind::kBybit:
            if (v.dead_man_s < 3 || v.dead_man_s > 300)
              vn.Fail("dead_man_s", std::to_string(v.dead_man_s) + " is outside Bybit DCP's timeWindow range: 0 or [3, 300]");
            break;
          case VenueKind::kKraken:
            break;  // 1..86399, checked above
        }
      }
      v.order_rate = vn.Int("order_rate", 0, 1'000'000, 0);
      v.order_rate_window_ms = vn.Int("order_rate_window_ms", 0, 86'400'000, 0);
      if ((v.order_rate == 0) != (v.order_rate_window_ms == 0))
        vn.Fail("order_rate", "order_rate and order_rate_window_ms go together (both 0 = the venue's documented budget)");
      v.thread = vn.Has("thread") ? ReadThread(vn.Child("thread"), venue_default, cpus) : venue_default;

      const Node syms = vn.Child("symbols");
      // Venue text is unique per market: two instruments on one spelling would route one's
      // messages and orders to the other.
      std::map<std::pair<MarketKind, std::string>, std::string> used;
      for (const auto& [inst_name, sn] : syms.Entries()) {
        const InstrumentConfig* ic = c.FindInstrument(inst_name);
        if (ic == nullptr) syms.Fail(inst_name, "unknown instrument (not in instruments)");
        VenueSymbolConfig s;
        s.instrument = ic->id;
        s.market = ic->market;
        s.tick = ic->tick;
        s.lot = ic->lot;
        if (sn.IsString()) {
          s.symbol = sn.AsString();
        } else {
          sn.AllowOnly({"symbol", "tick", "lot"});
          s.symbol = sn.String("symbol");
          s.tick = sn.Decimal<Price>("tick", ic->tick);
          s.lot = sn.Decimal<Qty>("lot", ic->lot);
          if (!s.tick.is_positive()) sn.Fail("tick", "must be > 0");
          if (!s.lot.is_positive()) sn.Fail("lot", "must be > 0");
        }
        if (s.symbol.empty() || s.symbol.size() > 32) syms.Fail(inst_name, "venue symbol must be 1 to 32 characters");
        const auto [at, fresh] = used.emplace(std::make_pair(s.market, s.symbol), inst_name);
        if (!fresh)
          syms.Fail(inst_name, "venue symbol \"" + s.symbol + "\" is already " + at->second + "'s in the " +
                                   MarketKindName(s.market) + " market");
        s.price_decimals = DecimalsNeeded(s.tick.raw(), Price::kDecimals);
        s.qty_decimals = DecimalsNeeded(s.lot.raw(), Qty::kDecimals);
        v.symbols.push_back(s);
      }
      if (v.symbols.empty()) vn.Fail("symbols", "at least one symbol is required");
      ReadVenuePerp(vn, c, v);
      if (c.venues.size() >= static_cast<size_t>(kMaxVenues)) vn.FailSelf("too many venues");
      c.venues.push_back(std::move(v));
    });
  }
  if (ok && c.venues.empty()) ok = errors.Collect([&] { root.Fail("venues", "at least one venue is required"); });
  return ok;
}

// [execution] (optional).
void ReadExecution(const Node& root, Config& c, ErrorList& errors) {
  if (!root.Has("execution")) return;
  const Node ex = root.Child("execution");
  if (!OpenTable(ex, {"repair_legs", "hedge_slippage_bps", "hedge_attempts", "hedge_timeout_ms", "unwind_slippage_bps",
                      "unwind_attempts", "ack_timeout_ms", "query_attempts", "query_backoff_ms", "balance_check_s", "drain_ms"},
                 errors))
    return;
  ExecutionConfig& e = c.execution;
  const ExecutionConfig dflt;
  errors.Collect([&] { e.repair_legs = ex.Bool("repair_legs", dflt.repair_legs); });
  errors.Collect(
      [&] { e.hedge_slippage = ex.Bps("hedge_slippage_bps", Rate::Zero(), kRepairSlippageBound, dflt.hedge_slippage); });
  errors.Collect([&] { e.hedge_attempts = ex.Int("hedge_attempts", 0, 20, dflt.hedge_attempts); });
  errors.Collect([&] { e.hedge_timeout_ms = ex.Int("hedge_timeout_ms", 1, 600'000, dflt.hedge_timeout_ms); });
  errors.Collect([&] {
    e.unwind_slippage = ex.Bps("unwind_slippage_bps", Rate::Zero(), kRepairSlippageBound, dflt.unwind_slippage);
  });
  errors.Collect([&] { e.unwind_attempts = ex.Int("unwind_attempts", 0, 20, dflt.unwind_attempts); });
  errors.Collect([&] { e.ack_timeout_ms = ex.Int("ack_timeout_ms", 50, 60'000, dflt.ack_timeout_ms); });
  errors.Collect([&] { e.query_attempts = ex.Int("query_attempts", 1, 100, dflt.query_attempts); });
  errors.Collect([&] { e.query_backoff_ms = ex.Int("query_backoff_ms", 10, 60'000, dflt.query_backoff_ms); });
  errors.Collect([&] { e.balance_check_s = ex.Int("balance_check_s", 0, 86'400, dflt.balance_check_s); });
  errors.Collect([&] { e.drain_ms = ex.Int("drain_ms", 0, 600'000, dflt.drain_ms); });
}

// [reference]. Needs the instruments and venues.
void ReadReference(const Node& root, Config& c, ErrorList& errors) {
  ReferenceConfig& r = c.reference;
  std::array<std::vector<std::string>, kMaxInstruments> listed_on;  // venue names per instrument
  for (const VenueConfig& v : c.venues) {
    for (const VenueSymbolConfig& s : v.symbols) listed_on[s.instrument.value].push_back(v.name);
  }
  for (const InstrumentConfig& ic : c.instruments) {
    r.min_venues[ic.id.value] = listed_on[ic.id.value].size() >= 2 ? 2 : 1;
  }
  if (!root.Has("reference")) return;

  const Node ref = root.Child("reference");
  if (!OpenTable(ref, {"max_age_ms", "outlier_bps", "min_venues"}, errors)) return;
  const ReferenceConfig dflt;
  errors.Collect([&] { r.max_age_ms = ref.Int("max_age_ms", 1, 600'000, dflt.max_age_ms); });
  errors.Collect([&] { r.outlier = ref.Bps("outlier_bps", Rate::Zero(), kOutlierBound, dflt.outlier); });
  errors.Collect([&] {
    if (!ref.Has("min_venues")) return;
    const int min_venues = static_cast<int>(ref.Int("min_venues", 1, kMaxVenues));
    for (const InstrumentConfig& ic : c.instruments) {
      const std::vector<std::string>& venues = listed_on[ic.id.value];
      // An instrument no venue lists has no reference to form; nothing to require of it.
      if (venues.empty()) continue;
      r.min_venues[ic.id.value] = min_venues;
      if (static_cast<size_t>(min_venues) <= venues.size()) continue;
      std::string names;
      for (const std::string& v : venues) names += (names.empty() ? "" : ", ") + v;
      ref.Report("min_venues", std::to_string(min_venues) + ", but instrument \"" + ic.name + "\" is listed on only " +
                                   std::to_string(venues.size()) + (venues.size() == 1 ? " venue" : " venues") + " (" +
                                   names + ")");
    }
  });
}

// "0.99, not 1 (BTC 0.5 + ETH 0.2 + USDT 0.29)" when `shares` (name, share) do not sum to exactly
// 1; "" when they do. Raw Rate counts add exactly: each is at most 1e8, at most 64 of them.
std::string SumNotOne(const std::vector<std::pair<std::string, Rate>>& shares) {
  int64_t sum = 0;
  std::string terms;
  for (const auto& [name, share] : shares) {
    sum += share.raw();
    terms += (terms.empty() ? "" : " + ") + name + " " + Text(share);
  }
  if (sum == Rate::kScale) return "";
  return Text(Rate::FromRaw(sum)) + ", not 1 (" + (terms.empty() ? "none given" : terms) + ")";
}

// Reads [allocation.targets] into a.targets. True when every target was read cleanly and the
// weights sum to 1: then the weights can be relied on.
bool ReadTargets(const Node& al, const Config& c, AllocationConfig& a, ErrorList& errors) {
  const size_t before = errors.size();
  std::vector<std::pair<std::string, Node>> entries;
  if (!errors.Collect([&] { entries = al.Child("targets").Entries(); })) return false;
  const Node targets = al.Child("targets");
  for (const auto& entry : entries) {
    const std::string& name = entry.first;  // named: lambdas cannot capture structured bindings in C++20
    const Node& n = entry.second;
    errors.Collect([&] {
      const AssetConfig* asset = c.FindAsset(name);
      if (asset == nullptr) targets.Fail(name, "unknown asset (not in assets)");
      AllocationConfig::Target& t = a.targets[asset->id.value];
      t.set = true;
      if (!OpenTable(n, {"weight", "band", "perp_share"}, errors)) return;
      const Rate one = Rate::FromUnits(1);
      errors.Collect([&] {
        if (!n.Has("perp_share")) return;
        t.perp_share = n.FractionClosed("perp_share", Rate::Zero(), one);
        // Held as perpetuals: some venue must list a perpetual on this asset.
        bool listed = false;
        for (const InstrumentConfig& ic : c.instruments)
          for (const VenueConfig& v : c.venues)
            for (const VenueSymbolConfig& sym : v.symbols)
              listed = listed || (ic.perp() && ic.base == asset->id && sym.instrument == ic.id && v.trading);
        if (t.perp_share.is_positive() && !listed)
          n.Fail("perp_share", "\"" + Text(t.perp_share) + "\" but no trading venue lists a perpetual on " + name);
      });
      const bool weight_ok = errors.Collect([&] { t.weight = n.FractionClosed("weight", Rate::Zero(), one); });
      const bool band_ok = errors.Collect([&] { t.band = n.FractionClosed("band", Rate::Zero(), one); });
      if (!weight_ok || !band_ok) return;
      if (t.weight.is_zero() && t.band.is_positive()) {
        n.Report("band", "\"" + Text(t.band) + "\" must be 0 when the weight is 0");
      } else if (t.weight.is_positive() && t.band >= t.weight) {
        n.Report("band", "\"" + Text(t.band) + "\" must be smaller than its weight \"" + Text(t.weight) + "\"");
      }
    });
  }
  std::string missing;
  for (const AssetConfig& asset : c.assets) {
    if (!a.targets[asset.id.value].set) missing += (missing.empty() ? "" : ", ") + asset.name;
  }
  if (!missing.empty()) {
    targets.ReportSelf("no target for " + missing +
                       " (every asset needs one; weight = \"0\", band = \"0\" to hold none)");
  }
  if (errors.size() != before) return false;
  std::vector<std::pair<std::string, Rate>> weights;
  for (const AssetConfig& asset : c.assets) weights.emplace_back(asset.name, a.targets[asset.id.value].weight);
  const std::string off = SumNotOne(weights);
  if (!off.empty()) targets.ReportSelf("weights sum to " + off);
  return errors.size() == before;
}

// Reads venue shares, the string-valued entries of `n` (`skip_tables`: its table-valued entries
// are per-asset overrides the caller reads), into `shares`, and checks that they sum to 1.
void ReadVenueShares(const Node& n, const std::vector<std::pair<std::string, Node>>& entries, const Config& c,
                     bool skip_tables, std::array<Rate, kMaxVenues>& shares, ErrorList& errors) {
  const size_t before = errors.size();
  std::array<bool, kMaxVenues> given{};
  for (const auto& entry : entries) {
    const std::string& name = entry.first;
    if (skip_tables && entry.second.IsTable()) continue;
    errors.Collect([&] {
      const VenueConfig* v = c.FindVenue(name);
      if (v == nullptr) n.Fail(name, "unknown venue (not in venues)");
      const Rate share = n.FractionClosed(name, Rate::Zero(), Rate::FromUnits(1));
      if (!v->trading && share.is_positive()) {
        n.Fail(name, "\"" + Text(share) + "\", but venue " + v->name +
                         " does not trade (trading = false): its share must be 0");
      }
      shares[v->id.value] = share;
      given[v->id.value] = true;
    });
  }
  if (errors.size() != before) return;
  std::vector<std::pair<std::string, Rate>> listed;
  for (const VenueConfig& v : c.venues) {
    if (given[v.id.value]) listed.emplace_back(v.name, shares[v.id.value]);
  }
  const std::string off = SumNotOne(listed);
  if (!off.empty()) n.ReportSelf("shares sum to " + off);
}

// Reads [allocation.venue_shares] into a.venue_share.
void ReadAllVenueShares(const Node& al, const Config& c, AllocationConfig& a, ErrorList& errors) {
  std::vector<std::pair<std::string, Node>> entries;
  if (!errors.Collect([&] { entries = al.Child("venue_shares").Entries(); })) return;
  const Node vs = al.Child("venue_shares");
  std::array<Rate, kMaxVenues> dflt{};
  ReadVenueShares(vs, entries, c, true, dflt, errors);
  std::array<bool, kMaxAssets> overridden{};
  for (const auto& entry : entries) {
    const std::string& name = entry.first;
    const Node& e = entry.second;
    if (!e.IsTable()) continue;
    errors.Collect([&] {
      const AssetConfig* asset = c.FindAsset(name);
      if (asset == nullptr) vs.Fail(name, "unknown asset (a table here overrides one asset's venue shares)");
      overridden[asset->id.value] = true;
      ReadVenueShares(e, e.Entries(), c, false, a.venue_share[asset->id.value], errors);
    });
  }
  for (const AssetConfig& asset : c.assets) {
    if (!overridden[asset.id.value]) a.venue_share[asset.id.value] = dflt;
  }
}

void ReadVolTarget(const Node& al, AllocationConfig& a, ErrorList& errors) {
  if (!al.Has("vol_target")) return;
  const Node n = al.Child("vol_target");
  if (!OpenTable(n, {"enabled", "annual_vol", "lambda", "sample_ms", "warmup_samples", "min_scale", "max_scale"},
                 errors)) {
    return;
  }
  VolTargetConfig& v = a.vol;
  const VolTargetConfig dflt;
  errors.Collect([&] { v.enabled = n.Bool("enabled", true); });
  errors.Collect([&] { v.annual_vol = n.Double("annual_vol", 0, 10, dflt.annual_vol, Bounds::kOpenClosed); });
  errors.Collect([&] { v.lambda = n.Double("lambda", 0, 1, dflt.lambda, Bounds::kOpen); });
  errors.Collect([&] { v.sample_ms = n.Int("sample_ms", 1, 86'400'000, dflt.sample_ms); });
  errors.Collect([&] {
    v.warmup_samples = static_cast<int>(n.Int("warmup_samples", 2, 1'000'000, dflt.warmup_samples));
  });
  const bool min_ok =
      errors.Collect([&] { v.min_scale = n.Double("min_scale", 0, 1, dflt.min_scale, Bounds::kOpenClosed); });
  const bool max_ok =
      errors.Collect([&] { v.max_scale = n.Double("max_scale", 0, 1, dflt.max_scale, Bounds::kOpenClosed); });
  if (min_ok && max_ok && v.min_scale > v.max_scale) {
    std::ostringstream ss;
    ss << v.min_scale << " is above max_scale " << v.max_scale;
    n.Report("min_scale", ss.str());
  }
}

// [allocation.basis]: cash and carry (issue 15). Rates are per funding interval, exit < min.
void ReadBasis(const Node& al, AllocationConfig& a, ErrorList& errors) {
  if (!al.Has("basis")) return;
  const Node n = al.Child("basis");
  if (!OpenTable(n, {"enabled", "min_funding_rate", "exit_funding_rate", "max_notional"}, errors)) return;
  AllocationConfig::Basis& b = a.basis;
  const AllocationConfig::Basis dflt;
  const Rate cap = Rate::FromRaw(Rate::kScale / 10);  // 10% per interval: a percentage written as a fraction
  errors.Collect([&] { b.enabled = n.Bool("enabled", true); });
  const bool min_ok = errors.Collect([&] { b.min_funding_rate = n.Fraction("min_funding_rate", Rate::Zero(), cap, dflt.min_funding_rate); });
  const bool exit_ok =
      errors.Collect([&] { b.exit_funding_rate = n.Fraction("exit_funding_rate", Rate::Zero(), cap, dflt.exit_funding_rate); });
  if (min_ok && exit_ok && b.exit_funding_rate >= b.min_funding_rate)
    n.Report("exit_funding_rate", "\"" + Text(b.exit_funding_rate) + "\" must be below min_funding_rate \"" +
                                      Text(b.min_funding_rate) + "\" (the carry would open and close on one rate)");
  errors.Collect([&] {
    b.max_notional = n.Decimal<Notional>("max_notional");
    if (!b.max_notional.is_positive()) n.Fail("max_notional", "must be > 0");
  });
}

// [allocation]. Needs the assets, instruments and venues; `risk_ok`: [risk] was read cleanly.
void ReadAllocation(const Node& root, bool risk_ok, Config& c, ErrorList& errors) {
  if (!root.Has("allocation")) return;
  AllocationConfig& a = c.allocation;
  a.enabled = true;
  const Node al = root.Child("allocation");
  if (!OpenTable(al,
                 {"valuation_asset", "rebalance_interval_ms", "trade_to", "min_trade_notional", "max_trade_notional",
                  "max_cost_bps", "pace_notional_per_min", "venue_band", "targets", "venue_shares", "vol_target", "basis"},
                 errors)) {
    return;
  }

  const bool valuation_ok = errors.Collect([&] {
    const std::string name = al.String("valuation_asset");
    const AssetConfig* asset = c.FindAsset(name);
    if (asset == nullptr) al.Fail("valuation_asset", "unknown asset \"" + name + "\" (not in assets)");
    a.valuation_asset = asset->id;
    const bool quote = std::any_of(c.instruments.begin(), c.instruments.end(),
                                   [&](const InstrumentConfig& ic) { return ic.quote == asset->id; });
    if (!quote) al.Fail("valuation_asset", "\"" + name + "\" is not the quote of any instrument");
  });
  const AllocationConfig dflt;
  errors.Collect([&] {
    a.rebalance_interval_ms = al.Int("rebalance_interval_ms", 1, 3'600'000, dflt.rebalance_interval_ms);
  });
  errors.Collect([&] {
    const std::string to = al.String("trade_to", "edge");
    if (to != "edge" && to != "target") al.Fail("trade_to", "\"" + to + "\" is neither \"edge\" nor \"target\"");
    a.trade_to_target = to == "target";
  });

  const bool min_ok = errors.Collect([&] { a.min_trade_notional = al.Decimal<Notional>("min_trade_notional"); });
  const bool max_ok = errors.Collect([&] {
    a.max_trade_notional = al.Decimal<Notional>("max_trade_notional");
    if (!a.max_trade_notional.is_positive()) al.Fail("max_trade_notional", "must be > 0");
    if (risk_ok && a.max_trade_notional > c.risk.max_order_notional) {
      al.Fail("max_trade_notional", "\"" + Text(a.max_trade_notional) + "\" is above risk.max_order_notional \"" +
                                        Text(c.risk.max_order_notional) + "\"");
    }
  });
  if (min_ok && max_ok && a.min_trade_notional > a.max_trade_notional) {
    al.Report("min_trade_notional", "\"" + Text(a.min_trade_notional) + "\" is above max_trade_notional \"" +
                                        Text(a.max_trade_notional) + "\"");
  }
  errors.Collect([&] {
    a.pace_notional_per_min = al.Decimal<Notional>("pace_notional_per_min");
    if (!a.pace_notional_per_min.is_positive()) al.Fail("pace_notional_per_min", "must be > 0");
    if (min_ok && a.pace_notional_per_min < a.min_trade_notional) {
      al.Fail("pace_notional_per_min", "\"" + Text(a.pace_notional_per_min) + "\" is below min_trade_notional \"" +
                                           Text(a.min_trade_notional) + "\": no correction could ever trade");
    }
  });
  errors.Collect([&] { a.max_cost = al.Bps("max_cost_bps", Rate::Zero(), kMaxCostBound); });
  errors.Collect([&] { a.venue_band = al.Fraction("venue_band", Rate::Zero(), Rate::FromUnits(1)); });

  ReadBasis(al, a, errors);
  const bool targets_ok = ReadTargets(al, c, a, errors);
  if (valuation_ok && targets_ok) {
    // Every other asset the portfolio holds is valued through an instrument a venue lists, with
    // the asset as base and the valuation asset as quote.
    std::array<bool, kMaxInstruments> listed{};
    for (const VenueConfig& v : c.venues) {
      for (const VenueSymbolConfig& s : v.symbols) listed[s.instrument.value] = true;
    }
    const Node targets = al.Child("targets");
    const std::string& valuation = c.assets[a.valuation_asset.value].name;
    for (const AssetConfig& asset : c.assets) {
      const AllocationConfig::Target& t = a.targets[asset.id.value];
      if (asset.id == a.valuation_asset || t.weight.is_zero()) continue;
      const bool valued = std::any_of(c.instruments.begin(), c.instruments.end(), [&](const InstrumentConfig& ic) {
        return ic.base == asset.id && ic.quote == a.valuation_asset && listed[ic.id.value];
      });
      if (!valued) {
        targets.Report(asset.name, "weight " + Text(t.weight) + ", but no instrument a venue lists values " +
                                       asset.name + " in " + valuation + " (base " + asset.name + ", quote " +
                                       valuation + ")");
      }
    }
  }
  ReadAllVenueShares(al, c, a, errors);
  ReadVolTarget(al, a, errors);
}

Config Parse(const std::string& text, const std::string& origin, const ParseOptions& options) {
  std::vector<int> cpus = options.cpus.has_value() ? *options.cpus : AllowedCpus();
  std::sort(cpus.begin(), cpus.end());

  const toml::value doc = ParseToml(text, origin);
  // Every error is recorded and reading goes on; the list is thrown at the end. Sections are
  // read one by one (the first error of each, or all of them where a section reads field by
  // field); a section that names what another defines is read only when that one was read
  // cleanly, so one mistake does not come back as a cascade of unknown names.
  ErrorList errors;
  const Node root(&doc, "", origin, &errors);
  // [sim] belongs to homeostat-sim, which reads the same file.
  root.AllowOnly({"engine", "admin", "journal", "log", "threads", "strategy", "risk", "assets", "instruments",
                  "venues", "reference", "allocation", "execution", "sim"});
  Config c;
  c.origin = origin;
  c.source_text = text;
  ThreadConfig venue_default;
  errors.Collect([&] { ReadEngine(root, c); });
  ReadAdmin(root, c, errors);
  errors.Collect([&] { ReadJournal(root, c); });
  errors.Collect([&] { ReadLog(root, c); });
  const bool threads_ok = errors.Collect([&] { ReadThreads(root, cpus, c, venue_default); });
  errors.Collect([&] { ReadStrategy(root, c); });
  const bool risk_ok = internal::ReadRisk(root, c.risk, errors);
  ReadExecution(root, c, errors);
  // Instruments name assets, venues instruments; [reference] and [allocation] name all three.
  const bool markets_ok = errors.Collect([&] { ReadAssets(root, c); }) && ReadInstruments(root, c, errors) &&
                          threads_ok && ReadVenues(root, venue_default, cpus, c, errors);
  if (markets_ok) {
    internal::ReadRiskMarkets(root, c, errors);
    for (const VenueConfig& v : c.venues) {
      if (v.perp() && v.leverage > c.risk.liquidation.max_leverage)
        errors.Add(c.origin + ": venues." + KeyText(v.name) + ".leverage: \"" + Text(v.leverage) +
                   "\" is above risk.liquidation.max_leverage \"" + Text(c.risk.liquidation.max_leverage) + "\"");
    }
    ReadReference(root, c, errors);
    ReadAllocation(root, risk_ok, c, errors);
  }
  if (!errors.empty()) throw ConfigError(errors.Joined());
  return c;
}

}  // namespace

std::string WithoutLiquidationLimits(const std::string& text) {
  static constexpr std::string_view kLine = "enabled = false  # homeostat run --no-liquidation-limits\n";
  // Line by line: the [risk.liquidation] header, then its keys until the next table header.
  std::string out;
  out.reserve(text.size() + kLine.size() + 24);
  bool in_table = false;
  bool found = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    end = end == std::string::npos ? text.size() : end + 1;
    const std::string_view line(text.data() + pos, end - pos);
    const size_t first = line.find_first_not_of(" \t");
    const std::string_view body = first == std::string_view::npos ? std::string_view() : line.substr(first);
    if (!body.empty() && body.front() == '[') {
      in_table = body.rfind("[risk.liquidation]", 0) == 0;
      out.append(line);
      if (in_table) {
        if (out.back() != '\n') out.push_back('\n');
        out.append(kLine);
        found = true;
      }
    } else if (in_table && (body.rfind("enabled", 0) == 0) &&
               body.substr(7).find_first_not_of(" \t") != std::string_view::npos &&
               body.substr(7)[body.substr(7).find_first_not_of(" \t")] == '=') {
      // the table's own `enabled` key: dropped (the line above replaces it)
    } else {
      out.append(line);
    }
    pos = end;
  }
  if (!found) {
    if (!out.empty() && out.back() != '\n') out.push_back('\n');
    out.append("\n[risk.liquidation]\n");
    out.append(kLine);
  }
  return out;
}

absl::StatusOr<Config> ParseConfig(const std::string& text, const std::string& origin, const ParseOptions& options) {
  try {
    return Parse(text, origin, options);
  } catch (const ConfigError& e) {
    return absl::InvalidArgumentError(e.what());
  }
}

absl::StatusOr<Config> LoadConfig(const std::string& path, const ParseOptions& options) {
  std::string text;
  try {
    text = ReadFile(path);
  } catch (const ConfigError& e) {
    return absl::NotFoundError(e.what());
  }
  return ParseConfig(text, path, options);
}

}  // namespace hs::config
