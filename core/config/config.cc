#include "core/config/config.h"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "core/base/decimal.h"
#include "core/config/toml_reader.h"

namespace hs::config {

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

void ReadAdmin(const Node& root, Config& c) {
  const Node admin = root.Child("admin");
  admin.AllowOnly({"socket", "max_clients", "idle_timeout_s", "max_line_bytes"});
  c.admin_socket = admin.String("socket");
  if (c.admin_socket.empty()) admin.Fail("socket", "must not be empty");
  if (c.admin_socket.size() >= 100) admin.Fail("socket", "path longer than 99 bytes does not fit a Unix socket address");
  const AdminConfig admin_default;
  c.admin.max_clients = static_cast<int>(admin.Int("max_clients", 1, 1024, admin_default.max_clients));
  c.admin.idle_timeout_s = admin.Int("idle_timeout_s", 1, 86'400, admin_default.idle_timeout_s);
  // At most 4096: the admin command parser's own limit (core/control kMaxAdminLineBytes); no
  // admin command comes near it.
  c.admin.max_line_bytes = static_cast<int>(admin.Int("max_line_bytes", 64, 4096, admin_default.max_line_bytes));
}

void ReadJournal(const Node& root, Config& c) {
  const Node journal = root.Child("journal");
  journal.AllowOnly({"path", "flush_interval_us", "fsync", "ring_capacity"});
  c.journal.path = journal.String("path");
  if (c.journal.path.empty()) journal.Fail("path", "must not be empty");
  c.journal.flush_interval_us = journal.Int("flush_interval_us", 10, 1'000'000, 1000);
  c.journal.fsync = journal.Bool("fsync", true);
  c.journal.ring_capacity = static_cast<int>(journal.Int("ring_capacity", 1024, 1 << 22, 1 << 16));
  if ((c.journal.ring_capacity & (c.journal.ring_capacity - 1)) != 0) journal.Fail("ring_capacity", "must be a power of two");
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

void ReadRisk(const Node& root, Config& c) {
  const Node risk = root.Child("risk");
  risk.AllowOnly({"max_order_notional", "max_order_qty"});
  c.risk.max_order_notional = risk.Decimal<Notional>("max_order_notional");
  if (!c.risk.max_order_notional.is_positive()) risk.Fail("max_order_notional", "must be > 0");
  c.risk.max_order_qty = risk.Decimal<Qty>("max_order_qty", Qty::Zero());
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
      in.AllowOnly({"name", "base", "quote", "tick", "lot", "min_notional"});
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
                    "reconnect_max_ms", "thread", "symbols"});
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
      v.depth = static_cast<int>(vn.Int("depth", 0, 5000, 0));
      v.idle_timeout_ms = vn.Int("idle_timeout_ms", 100, 600'000, 30'000);
      v.reconnect_min_ms = vn.Int("reconnect_min_ms", 1, 60'000, 250);
      v.reconnect_max_ms = vn.Int("reconnect_max_ms", v.reconnect_min_ms, 600'000, 10'000);
      v.thread = vn.Has("thread") ? ReadThread(vn.Child("thread"), venue_default, cpus) : venue_default;

      const Node syms = vn.Child("symbols");
      for (const auto& [inst_name, sn] : syms.Entries()) {
        const InstrumentConfig* ic = c.FindInstrument(inst_name);
        if (ic == nullptr) syms.Fail(inst_name, "unknown instrument (not in instruments)");
        VenueSymbolConfig s;
        s.instrument = ic->id;
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
        s.price_decimals = DecimalsNeeded(s.tick.raw(), Price::kDecimals);
        s.qty_decimals = DecimalsNeeded(s.lot.raw(), Qty::kDecimals);
        v.symbols.push_back(s);
      }
      if (v.symbols.empty()) vn.Fail("symbols", "at least one symbol is required");
      if (c.venues.size() >= static_cast<size_t>(kMaxVenues)) vn.FailSelf("too many venues");
      c.venues.push_back(std::move(v));
    });
  }
  if (ok && c.venues.empty()) ok = errors.Collect([&] { root.Fail("venues", "at least one venue is required"); });
  return ok;
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
                  "venues", "sim"});
  Config c;
  c.origin = origin;
  ThreadConfig venue_default;
  errors.Collect([&] { ReadEngine(root, c); });
  errors.Collect([&] { ReadAdmin(root, c); });
  errors.Collect([&] { ReadJournal(root, c); });
  errors.Collect([&] { ReadLog(root, c); });
  const bool threads_ok = errors.Collect([&] { ReadThreads(root, cpus, c, venue_default); });
  errors.Collect([&] { ReadStrategy(root, c); });
  const bool risk_ok = errors.Collect([&] { ReadRisk(root, c); });
  // Instruments name assets, venues instruments.
  const bool markets_ok = errors.Collect([&] { ReadAssets(root, c); }) && ReadInstruments(root, c, errors) &&
                          threads_ok && ReadVenues(root, venue_default, cpus, c, errors);
  (void)markets_ok;
  (void)risk_ok;
  if (!errors.empty()) throw ConfigError(errors.Joined());
  return c;
}

}  // namespace

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
