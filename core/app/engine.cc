#include "core/app/engine.h"

#include <grp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "core/app/core_params.h"
#include "core/app/venue_factory.h"
#include "core/base/decimal.h"
#include "risk/pre_trade.h"
#include "risk/trading_state.h"

namespace hs::app {

namespace {

std::string Dec(int64_t raw, int scale) {
  char buf[kMaxDecimalText];
  FormatDecimal(raw, scale, buf);
  return buf;
}
template <typename T>
std::string Dec(T v) {
  return Dec(v.raw(), T::kDecimals);
}

std::string Q(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

std::string Hist(const runtime::LatencyHistogram::Snapshot& h) {
  char b[256];
  std::snprintf(b, sizeof b, "{\"count\":%llu,\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,\"p999\":%llu,\"max\":%llu}",
                static_cast<unsigned long long>(h.count), static_cast<unsigned long long>(h.Percentile(0.5)),
                static_cast<unsigned long long>(h.Percentile(0.9)), static_cast<unsigned long long>(h.Percentile(0.99)),
                static_cast<unsigned long long>(h.Percentile(0.999)), static_cast<unsigned long long>(h.max));
  return b;
}

std::string Us(uint64_t ns) {
  char b[32];
  if (ns >= 1'000'000) {
    std::snprintf(b, sizeof b, "%.2fms", static_cast<double>(ns) / 1e6);
  } else {
    std::snprintf(b, sizeof b, "%.1fus", static_cast<double>(ns) / 1e3);
  }
  return b;
}

absl::Status EnsureParent(const std::string& path, const char* what) {
  const std::filesystem::path p(path);
  if (!p.has_parent_path()) return absl::OkStatus();
  std::error_code ec;
  std::filesystem::create_directories(p.parent_path(), ec);
  if (ec) return absl::UnavailableError(std::string(what) + ": cannot create directory '" + p.parent_path().string() + "': " + ec.message());
  return absl::OkStatus();
}

// {"arbitrage":N,"rebalance":N,...}: orders sent per purpose.
std::string PurposeCounts(const std::array<uint64_t, kOrderPurposes>& n) {
  std::string o = "{";
  for (int k = 0; k < kOrderPurposes; ++k) {
    if (k) o += ",";
    o += Q(OrderPurposeName(static_cast<OrderPurpose>(k))) + ":" + std::to_string(n[static_cast<size_t>(k)]);
  }
  return o + "}";
}

// A fraction as a JSON number, exactly as its decimal text ("0.5", "-0.0125").
std::string Num(Rate r) { return Dec(r); }

// The allocation as status shows it: NAV, the largest drift, per asset weight against its
// (effective) target and band, and why rebalance runs did not trade.
// Perpetual margin (issue 15): per perpetual venue its account and positions as the engine
// computes them, and the counters. Distances are fractions (0.25 = 25% from liquidation).
std::string MarginJson(const engine::CoreTelemetry& t, const config::Config& cfg) {
  const engine::MarginCounters& mc = t.margin_counters;
  auto u = [](uint64_t x) { return std::to_string(x); };
  std::string o = "{\"min_liq_distance\":" + Q(Dec(mc.min_distance)) + ",\"liquidations_reported\":" +
                  u(mc.liquidations) + ",\"liq_price_mismatches\":" + u(mc.liq_mismatches) +
                  ",\"worst_liq_gap\":" + Q(Dec(mc.worst_liq_gap)) + ",\"size_mismatches\":" + u(mc.size_mismatches) +
                  ",\"funding_payments\":" + u(mc.funding_payments) + ",\"funding_total\":" + Q(Dec(mc.funding_total)) +
                  ",\"delever_orders\":" + u(mc.delever_orders) + ",\"delever_notional\":" + Q(Dec(mc.delever_notional)) +
                  ",\"delever_refused\":" + u(mc.delever_refused) + ",\"reducing_rounds\":" + u(mc.reducing_rounds) +
                  ",\"venues\":{";
  bool first = true;
  for (const config::VenueConfig& vc : cfg.venues) {
    if (!vc.perp()) continue;
    const engine::MarginView& mv = t.margin[vc.id.value];
    o += std::string(first ? "" : ",") + Q(vc.name) + ":{\"mode\":" + Q(MarginModeName(static_cast<MarginMode>(mv.mode))) +
         ",\"leverage\":" + Q(Dec(vc.leverage)) + ",\"wallet\":" + Q(Dec(mv.wallet)) + ",\"equity\":" + Q(Dec(mv.equity)) +
         ",\"maint_margin\":" + Q(Dec(mv.maint_margin)) + ",\"distance\":" + Q(Dec(mv.distance)) +
         ",\"deleveraging\":" + (mv.deleveraging ? "true" : "false") + ",\"positions\":{";
    first = false;
    bool pf = true;
    for (const config::VenueSymbolConfig& sym : vc.symbols) {
      const engine::PerpView& pv = mv.positions[sym.instrument.value];
      o += std::string(pf ? "" : ",") + Q(cfg.instruments[sym.instrument.value].name) + ":{\"size\":" + Q(Dec(pv.size)) +
           ",\"entry\":" + Q(Dec(pv.entry)) + ",\"mark\":" + Q(Dec(pv.mark)) + ",\"liq\":" + Q(Dec(pv.liq)) +
           ",\"venue_liq\":" + Q(Dec(pv.venue_liq)) + ",\"upl\":" + Q(Dec(pv.upl)) + ",\"funding\":" +
           Q(Dec(pv.funding)) + ",\"distance\":" + Q(Dec(pv.distance)) + "}";
      pf = false;
    }
    o += "}}";
  }
  return o + "}}";
}

std::string AllocationStatusJson(const engine::AllocationView& av, const config::Config& cfg) {
  if (!av.enabled) return "{\"enabled\":false}";
  std::string o = "{\"enabled\":true,\"nav\":" + Q(Dec(av.nav)) + ",\"max_abs_drift\":" + Num(av.max_abs_drift) +
                  ",\"out_of_band\":" + std::to_string(av.out_of_band) + ",\"assets\":{";
  for (size_t a = 0; a < cfg.assets.size(); ++a) {
    if (a) o += ",";
    o += Q(cfg.assets[a].name) + ":{\"weight\":" + Num(av.weight[a]) + ",\"target\":" + Num(av.target[a]) +
         ",\"effective_target\":" + Num(av.effective_target[a]) + ",\"band\":" + Num(av.band[a]) +
         ",\"drift\":" + Num(av.drift[a]) + ",\"in_band\":" + (av.in_band[a] ? "true" : "false") + "}";
  }
  auto u = [](uint64_t x) { return std::to_string(x); };
  const engine::RebalanceCounters& rc = av.rebalance;
  o += "},\"rebalance\":{\"runs\":" + u(rc.runs) + ",\"orders\":" + u(av.rebalance_orders) +
       ",\"notional\":" + Q(Dec(av.rebalance_notional)) + ",\"waiting_small\":" + u(rc.waiting_small) +
       ",\"skipped_cost\":" + u(rc.skipped_cost) + ",\"skipped_depth\":" + u(rc.skipped_depth) +
       ",\"skipped_no_reference\":" + u(rc.skipped_no_reference) + ",\"skipped_pace\":" + u(rc.skipped_pace) +
       ",\"skipped_no_venue\":" + u(rc.skipped_no_venue) + ",\"unpriced_runs\":" + u(av.unpriced_runs) +
       ",\"waiting_balances_runs\":" + u(av.waiting_balances_runs) + "}}";
  return o;
}

// The allocation over the run, keyed by asset, with the backtest summary's keys.
std::string AllocationSummaryJson(const engine::AllocationView& av, const config::Config& cfg) {
  const engine::AllocationStats& st = av.stats;
  std::string o = "{";
  for (size_t a = 0; a < cfg.assets.size(); ++a) {
    const AssetId id{static_cast<uint16_t>(a)};
    char pct[32];
    std::snprintf(pct, sizeof pct, "%lld.%02lld", static_cast<long long>(st.time_in_band_bp(id) / 100),
                  static_cast<long long>(st.time_in_band_bp(id) % 100));
    if (a) o += ",";
    o += Q(cfg.assets[a].name) + ":{\"target\":" + Num(av.target[a]) + ",\"band\":" + Num(av.band[a]) +
         ",\"effective_target_end\":" + Num(st.effective_target_end(id)) +
         ",\"weight_start\":" + Num(st.weight_start(id)) + ",\"weight_end\":" + Num(st.weight_end(id)) +
         ",\"max_abs_drift\":" + Num(st.max_abs_drift(id)) + ",\"time_in_band_pct\":" + pct + "}";
  }
  return o + "}";
}

runtime::IdleStrategy::Params IdleFor(const config::ThreadConfig& t) {
  runtime::IdleStrategy::Params p;
  p.kind = t.idle;
  return p;
}

}  // namespace

Engine::Engine(config::Config cfg, RunOptions opts) : cfg_(std::move(cfg)), opts_(std::move(opts)) {
  if (!opts_.journal_path.empty()) cfg_.journal.path = opts_.journal_path;
  if (!opts_.socket_path.empty()) cfg_.admin_socket = opts_.socket_path;
  if (!opts_.log_path.empty()) cfg_.log_path = opts_.log_path;
}

Engine::~Engine() {
  if (started_ && !stopped_) Shutdown();
}

absl::Status Engine::Init() {
  for (auto [path, what] : {std::pair{cfg_.log_path, "log"}, std::pair{cfg_.journal.path, "journal"},
                            std::pair{cfg_.admin_socket, "admin socket"}}) {
    if (path.empty()) continue;
    if (auto s = EnsureParent(path, what); !s.ok()) return s;
  }
  // One engine per journal and per admin socket (DESIGN §9). Both locks come before anything
  // is opened, so a second engine changes nothing: no log line, no journal opened for writing,
  // no socket file unlinked. The kernel releases them however this process ends.
  {
    auto jl = runtime::InstanceLock::Acquire(runtime::LockPathFor(cfg_.journal.path), "journal " + cfg_.journal.path);
    if (!jl.ok()) return jl.status();
    journal_lock_.emplace(std::move(*jl));
    auto sl = runtime::InstanceLock::Acquire(runtime::LockPathFor(cfg_.admin_socket), "admin socket " + cfg_.admin_socket);
    if (!sl.ok()) return sl.status();
    socket_lock_.emplace(std::move(*sl));
  }
  logger_ = std::make_unique<runtime::Logger>(cfg_.log_path, /*echo_stderr=*/true);
  main_log_ = logger_->MakeChannel("control");
  logger_->Direct(runtime::LogLevel::kInfo, "homeostat starting: config %s, %zu venues, %zu instruments",
                  cfg_.origin.c_str(), cfg_.venues.size(), cfg_.instruments.size());

  // Never more spinning threads than cores (DESIGN §5).
  int spinners = (cfg_.core_thread.idle == runtime::IdleKind::kBusySpin) +
                 (cfg_.journal_thread.idle == runtime::IdleKind::kBusySpin);
  for (const auto& v : cfg_.venues) spinners += v.thread.idle == runtime::IdleKind::kBusySpin;
  const int cores = runtime::HardwareCores();
  if (spinners > cores)
    return absl::InvalidArgumentError("threads: " + std::to_string(spinners) + " busy-spin threads configured but this machine has " +
                                      std::to_string(cores) + " cores; use idle = \"backoff\" for some");

  TscClock::Calibrate();

  const size_t nv = cfg_.venues.size();
  control_ring_ = std::make_unique<ControlRing>(256);
  control_ = control_ring_->TakeProducer();
  journal_ring_ = std::make_unique<journal::EntryRing>(static_cast<size_t>(cfg_.journal.ring_capacity));

  // The journal (DESIGN §8) is a directory no restart truncates. A torn tail the last run left
  // is kept aside in a file next to its segment and the segment cut back to its valid prefix;
  // the new session appends after it. A journal damaged anywhere else stops the start: the
  // operator looks at it (`homeostat journal verify`) before anything trades on top of it.
  auto at = journal::PrepareAppend(cfg_.journal.path);
  if (!at.ok()) return at.status();
  if (!at->tail_file.empty())
    logger_->Direct(runtime::LogLevel::kWarn, "journal: torn tail of the last run (%s) kept in %s (%llu bytes); appending after seq %llu",
                    at->tail_damage.c_str(), at->tail_file.c_str(), static_cast<unsigned long long>(at->tail_bytes),
                    static_cast<unsigned long long>(at->next_seq - 1));
  append_at_ = *at;
  const std::string config_text = journal::NormalizeConfigText(cfg_.source_text);
  journal::WriterOptions wo;
  wo.path = cfg_.journal.path;
  wo.engine_name = cfg_.name;
  wo.flush_interval_ns = cfg_.journal.flush_interval_us * 1000;
  wo.fsync = cfg_.journal.fsync;
  wo.segment_bytes = static_cast<uint64_t>(cfg_.journal.segment_mb) << 20;
  wo.config_text = config_text;
  journal_ = std::make_unique<journal::JournalWriter>(wo, journal_ring_->TakeConsumer());

  engine::DecisionCore::Wiring w;
  for (size_t i = 0; i < nv; ++i) {
    venue_rings_.push_back(std::make_unique<VenueRing>(4096));
    intent_rings_.push_back(std::make_unique<IntentRing>(256));
    counters_.push_back(std::make_unique<runtime::VenueCounters>());
  }
  for (size_t i = 0; i < nv; ++i) {
    const config::VenueConfig& vc = cfg_.venues[i];
    auto vt = std::make_unique<venues::VenueThread>(vc.id, intent_rings_[i]->TakeConsumer(),
                                                    venue_rings_[i]->TakeProducer(), &core_waker_, counters_[i].get());
    venues::VenueContext ctx;
    ctx.id = vc.id;
    ctx.venue = &vc;
    ctx.config = &cfg_;
    ctx.publisher = &vt->publisher();
    ctx.counters = counters_[i].get();
    ctx.kill = &kill_;
    ctx.log = logger_->MakeChannel(vc.name);
    ctx.ioc = &vt->ioc();
    ctx.ca_file = opts_.ca_file;
    auto adapter = MakeVenueAdapter(ctx);
    if (!adapter.ok()) return adapter.status();
    vt->SetAdapter(std::move(*adapter));
    vt->SetKillSwitch(&kill_);
    vt->SetBalanceCheckPeriod(cfg_.execution.balance_check_s * 1000);
    if (auto s = vt->Init(); !s.ok()) return s;
    w.from_venues.push_back(venue_rings_[i]->TakeConsumer());
    w.to_venues.push_back(intent_rings_[i]->TakeProducer());
    w.venue_wakers.push_back(&vt->waker());
    venue_threads_.push_back(std::move(vt));
  }
  w.from_control = control_ring_->TakeConsumer();
  w.journal = journal::JournalSink(journal_ring_->TakeProducer(), append_at_.next_seq,
                                   static_cast<size_t>(cfg_.journal.spill_records));
  w.journal_failed = &journal_->failed_flag();
  w.telemetry = &telemetry_;
  w.metrics = &metrics_;
  w.waker = &core_waker_;
  w.kill = &kill_;  // the core mirrors each venue's HALTED state into the flag its order session reads
  // Client ids: unique per session, and short enough for every venue (SessionClientIdBase).
  const uint64_t cid_base = SessionClientIdBase(WallNow().value);
  core_ = std::make_unique<engine::DecisionCore>(CoreParamsFromConfig(cfg_, cid_base), std::move(w));

  control::AdminServer::Options ao;
  ao.max_clients = cfg_.admin.max_clients;
  ao.idle_timeout_ms = cfg_.admin.idle_timeout_s * 1000;
  ao.max_line_bytes = static_cast<size_t>(cfg_.admin.max_line_bytes);
  ao.operators = cfg_.admin.operators;
  ao.viewers = cfg_.admin.viewers;
  if (!cfg_.admin.group.empty()) {
    const group* g = getgrnam(cfg_.admin.group.c_str());
    if (g == nullptr)
      return absl::InvalidArgumentError("[admin] group \"" + cfg_.admin.group + "\" does not exist (admin socket " +
                                        cfg_.admin_socket + ")");
    ao.group_gid = g->gr_gid;
  }
  admin_service_ = std::make_unique<control::AdminService>(cfg_, static_cast<control::AdminActions*>(this));
  ao.on_refused_peer = [this](const control::AdminPeer& p) { admin_service_->OnRefusedPeer(p); };
  admin_ = std::make_unique<control::AdminServer>(
      cfg_.admin_socket, std::move(ao), [this](const control::AdminCommand& c) { return admin_service_->Handle(c); });
  if (auto s = admin_->Open(); !s.ok()) return s;
  if (auto s = Recover(); !s.ok()) return s;
  // The new session's first segment: only after recovery read the journal as it was.
  if (auto s = journal_->Open(append_at_); !s.ok()) return s;
  return absl::OkStatus();
}

absl::Status Engine::Recover() {
  // Recovery before trading (DESIGN §8): the core's state at the end of the journal, from the
  // newest snapshot and the records after it; the admin socket answers meanwhile (phase
  // "recovering"). The core then starts its session from that state: it queries the orders
  // the old session left open and trades only once each venue has reconciled.
  auto scan = journal::ScanJournalTail(cfg_.journal.path);
  if (!scan.ok()) return scan.status();
  if (scan->records == 0) return absl::OkStatus();
  recovering_.store(true, std::memory_order_release);
  const int64_t t0 = MonoNow().value;
  auto rec = app::RecoverState(*scan, [this](uint64_t n) {
    recovered_records_.store(n, std::memory_order_relaxed);
    admin_->Poll(0);
  });
  if (!rec.ok()) return absl::DataLossError("journal recovery failed: " + std::string(rec.status().message()));
  if (auto s = core_->LoadState(rec->state); !s.ok())
    return absl::DataLossError("journal recovery: the recovered state does not load: " + std::string(s.message()));
  recovery_ = *rec;
  recovery_ms_ = (MonoNow().value - t0) / 1'000'000;
  recovered_records_.store(rec->records, std::memory_order_relaxed);
  resumed_ = true;
  // Orders the venue knows and the journal does not: canceled when each session first connects.
  for (auto& vt : venue_threads_) vt->SetCancelAllOnConnect(true);
  logger_->Direct(runtime::LogLevel::kInfo,
                  "journal: recovered %llu records (from seq %llu; snapshot at %llu) of %llu in %lld ms; %llu sessions before",
                  static_cast<unsigned long long>(rec->records), static_cast<unsigned long long>(rec->from_seq),
                  static_cast<unsigned long long>(rec->snapshot_at), static_cast<unsigned long long>(rec->last_seq),
                  static_cast<long long>(recovery_ms_), static_cast<unsigned long long>(rec->sessions));
  recovering_.store(false, std::memory_order_release);
  return absl::OkStatus();
}

void Engine::Start() {
  started_mono_ns_ = MonoNow().value;
  auto on_failure = [this](const std::string& agent, const std::string& what) {
    kill_.Trip();
    agent_failed_.store(true, std::memory_order_release);
    std::fprintf(stderr, "homeostat: agent %s failed: %s; kill switch set\n", agent.c_str(), what.c_str());
  };
  core_->Begin(WallNow(), journal::NormalizeConfigText(cfg_.source_text));
  core_->PublishTelemetry();
  journal_runner_ = std::make_unique<runtime::AgentRunner>();
  journal_runner_->Start(journal_.get(), runtime::ThreadSpec{"hs-journal", cfg_.journal_thread.cpu, IdleFor(cfg_.journal_thread)},
                         on_failure);
  core_runner_ = std::make_unique<runtime::AgentRunner>();
  core_runner_->Start(core_.get(), runtime::ThreadSpec{"hs-core", cfg_.core_thread.cpu, IdleFor(cfg_.core_thread)},
                      on_failure);
  for (size_t i = 0; i < venue_threads_.size(); ++i) {
    auto r = std::make_unique<runtime::AgentRunner>();
    const config::VenueConfig& vc = cfg_.venues[i];
    r->Start(venue_threads_[i].get(), runtime::ThreadSpec{"hs-" + vc.name, vc.thread.cpu, IdleFor(vc.thread)}, on_failure);
    venue_runners_.push_back(std::move(r));
  }
  started_ = true;
  logger_->Direct(runtime::LogLevel::kInfo, "homeostat running; admin socket %s, journal %s", cfg_.admin_socket.c_str(),
                  cfg_.journal.path.c_str());
}

void Engine::Run() {
  const int64_t deadline = opts_.seconds > 0 ? started_mono_ns_ + static_cast<int64_t>(opts_.seconds * 1e9) : 0;
  int64_t next_line = MonoNow().value + 1'000'000'000;
  // Time-driven work in the core runs on kTimer inputs sent from here every timer_ms; the core
  // journals them like every other input, so a replay sees the same ticks.
  const int64_t timer_ns = TimerPeriodMs() * 1'000'000;
  int64_t next_timer = MonoNow().value + timer_ns;
  const bool tty = isatty(STDOUT_FILENO);
  // Stopping (the run's length, or a signal) first drains: the core starts no new group and open
  // ones get up to [execution] drain_ms to end (filled, hedged, unwound or dust); timers keep
  // running so repairs can. A second signal, a failed agent or the deadline ends it at once.
  int64_t drain_until = 0;
  uint64_t stops_seen = 0;
  int64_t next_margin_log = 0;
  for (;;) {
    const int64_t until_timer_ms = (next_timer - MonoNow().value) / 1'000'000;
    admin_->Poll(static_cast<int>(std::clamp<int64_t>(until_timer_ms, 0, 50)));
    logger_->Drain();
    const int64_t now = MonoNow().value;
    if (now >= next_timer) {
      // One tick per period; after a stall the missed ones are skipped, not sent in a burst.
      next_timer += timer_ns;
      if (next_timer <= now) next_timer = now + timer_ns;
      if (!PushControl(ControlOp::kTimer, VenueId::Invalid(), kNoPeer)) ++timer_drops_;
    }
    if (opts_.status_line && now >= next_line) {
      next_line += 1'000'000'000;
      const std::string line = StatusLine();
      if (tty) {
        std::printf("\r\033[K%s", line.c_str());
      } else {
        std::printf("%s\n", line.c_str());
      }
      std::fflush(stdout);
    }
    if (now >= next_margin_log) {
      next_margin_log = now + 1'000'000'000;
      LogMargin();
    }
    if (agent_failed_.load(std::memory_order_acquire)) break;
    const uint64_t stops = stop_signals_.load(std::memory_order_acquire);
    const bool stop = stop_requested_.load(std::memory_order_acquire) || (deadline != 0 && now >= deadline);
    if (drain_until == 0 && stop) {
      if (cfg_.execution.drain_ms == 0 || !PushControl(ControlOp::kDrain, VenueId::Invalid(), kNoPeer)) break;
      drain_until = now + cfg_.execution.drain_ms * 1'000'000;
      stops_seen = stops;
      logger_->Direct(runtime::LogLevel::kInfo, "homeostat draining: no new group; open ones get up to %lld ms",
                      static_cast<long long>(cfg_.execution.drain_ms));
      continue;
    }
    if (drain_until != 0) {
      ReadTelemetry();
      const bool drained = tel_.draining && tel_.open_orders == 0 && tel_.open_repairs == 0;
      if (drained || now >= drain_until || stops != stops_seen) {
        logger_->Direct(runtime::LogLevel::kInfo, "homeostat drain %s: %llu orders and %d repairs open",
                        drained ? "complete" : "cut short", static_cast<unsigned long long>(tel_.open_orders),
                        tel_.open_repairs);
        if (stops == stops_seen) FinalBalanceCheck();
        break;
      }
    }
  }
  if (opts_.status_line && tty) std::printf("\n");
  Shutdown();
}

void Engine::Shutdown() {
  if (stopped_) return;
  stopped_ = true;
  logger_->Direct(runtime::LogLevel::kInfo, "homeostat stopping");
  // The venues as they stand now, for the summary: after this they disconnect.
  ReadTelemetry();
  final_venues_json_ = VenuesJson();
  stopped_mono_ns_ = MonoNow().value;
  for (auto& r : venue_runners_) r->RequestStop();
  for (auto& r : venue_runners_) r->Join();
  if (core_runner_) {
    core_runner_->RequestStop();
    core_waker_.Wake();
    core_runner_->Join();
  }
  if (journal_runner_) {
    journal_runner_->RequestStop();
    journal_runner_->Join();
  }
  if (admin_) admin_->Close();
  ReadTelemetry();
  if (journal_->failed()) logger_->Direct(runtime::LogLevel::kError, "journal failed: %s", journal_->failure().c_str());
  logger_->Direct(runtime::LogLevel::kInfo, "homeostat stopped: %llu journal records",
                  static_cast<unsigned long long>(journal_->records_written()));
  logger_->Drain();
  if (!opts_.summary_path.empty()) {
    if (EnsureParent(opts_.summary_path, "summary").ok()) {
      if (std::FILE* f = std::fopen(opts_.summary_path.c_str(), "w")) {
        const std::string s = SummaryJson();
        std::fwrite(s.data(), 1, s.size(), f);
        std::fputc('\n', f);
        std::fclose(f);
      }
    }
  }
}

void Engine::ReadTelemetry() { telemetry_.Read(&tel_); }

void Engine::LogMargin() {
  // The core counts; the control thread says it in the log (the core never logs): a venue's
  // liquidation price beyond tolerance of the engine's formula, a liquidation the venue reported,
  // deleveraging started.
  ReadTelemetry();
  const engine::MarginCounters& m = tel_.margin_counters;
  engine::MarginCounters& was = logged_margin_;
  if (m.liq_mismatches > was.liq_mismatches)
    logger_->Direct(runtime::LogLevel::kWarn,
                    "margin: %llu venue liquidation price(s) beyond tolerance of the engine's formula "
                    "(%llu in all; worst gap %s of mark)",
                    static_cast<unsigned long long>(m.liq_mismatches - was.liq_mismatches),
                    static_cast<unsigned long long>(m.liq_mismatches), Dec(m.worst_liq_gap).c_str());
  if (m.liquidations > was.liquidations)
    logger_->Direct(runtime::LogLevel::kError, "margin: the venue liquidated %llu position(s) (%llu in all)",
                    static_cast<unsigned long long>(m.liquidations - was.liquidations),
                    static_cast<unsigned long long>(m.liquidations));
  if (m.delever_orders > was.delever_orders)
    logger_->Direct(runtime::LogLevel::kWarn,
                    "margin: %llu deleveraging order(s) sent (%llu in all, %s notional); smallest distance %s",
                    static_cast<unsigned long long>(m.delever_orders - was.delever_orders),
                    static_cast<unsigned long long>(m.delever_orders), Dec(m.delever_notional).c_str(),
                    Dec(m.min_distance).c_str());
  was = m;
}

runtime::LatencyHistogram::Snapshot Engine::TickToOrder() const {
  runtime::LatencyHistogram::Snapshot all;
  for (const auto& c : counters_) {
    runtime::LatencyHistogram::Snapshot one;
    c->tick_to_order_ns.SnapshotInto(&one);
    all.Merge(one);
  }
  return all;
}

bool Engine::PushControl(ControlOp op, VenueId venue, uint32_t peer_uid, ControlOp refused_op, uint8_t arg) {
  ControlCommand c;
  c.op = op;
  c.venue = venue;
  c.refused_op = refused_op;
  c.arg = arg;
  c.peer_uid = peer_uid;
  c.request_id = ++request_id_;
  c.time = WallNow();
  const bool ok = control_.TryPush(c);
  core_waker_.Wake();
  return ok;
}

void Engine::Log(control::AdminLogLevel level, const std::string& line) {
  const runtime::LogLevel l = level == control::AdminLogLevel::kError  ? runtime::LogLevel::kError
                              : level == control::AdminLogLevel::kWarn ? runtime::LogLevel::kWarn
                                                                       : runtime::LogLevel::kInfo;
  logger_->Direct(l, "%s", line.c_str());
}

std::string Engine::TripKillSwitch() {
  kill_.Trip();
  return SendCancelAlls();
}

// After Trip(): every venue thread sees the cancel-all epoch move on its next duty cycle; wake
// them and wait (bounded, on the control thread only) until each trading venue whose order
// session is up has written its cancel-all. The core is never waited on. Returns the reply's
// `"cancel_all_sent":N,"cancel_all_venues":[...],"cancel_all_not_sent":[...]` members.
// After the drain: every trading venue is asked for its balances once more and the core
// reconciles them (summary `reconciled`). Waits, bounded, until each has been compared (or
// deferred) or 2 s pass; telemetry arrives on timer inputs, which keep going meanwhile.
void Engine::FinalBalanceCheck() {
  ReadTelemetry();
  std::vector<uint64_t> before(cfg_.venues.size());
  for (size_t v = 0; v < cfg_.venues.size(); ++v) {
    before[v] = tel_.venue[v].reconcile_checks + tel_.venue[v].reconcile_deferred;
    if (cfg_.venues[v].trading) venue_threads_[v]->RequestBalanceCheck();
  }
  const int64_t timer_ns = TimerPeriodMs() * 1'000'000;
  const int64_t until = MonoNow().value + 2'000'000'000;
  int64_t next_timer = MonoNow().value;
  for (;;) {
    const int64_t now = MonoNow().value;
    if (now >= next_timer) {
      next_timer = now + timer_ns;
      if (!PushControl(ControlOp::kTimer, VenueId::Invalid(), kNoPeer)) ++timer_drops_;
    }
    ReadTelemetry();
    bool all = true;
    for (size_t v = 0; v < cfg_.venues.size(); ++v)
      if (cfg_.venues[v].trading && cfg_.venues[v].api_key_env.size() > 0 &&
          tel_.venue[v].reconcile_checks + tel_.venue[v].reconcile_deferred == before[v])
        all = false;
    if (all || now >= until) break;
    admin_->Poll(static_cast<int>(timer_ns / 1'000'000));
  }
}

// {"<venue name>": orders sent, ...} over the configured venues.
std::string Engine::VenueCounts(const std::array<uint64_t, kMaxVenues>& n) const {
  std::string o = "{";
  for (size_t v = 0; v < cfg_.venues.size() && v < n.size(); ++v)
    o += (v ? "," : "") + Q(cfg_.venues[v].name) + ":" + std::to_string(n[v]);
  return o + "}";
}

std::string Engine::SendCancelAlls() {
  std::vector<bool> expect(cfg_.venues.size());
  for (size_t v = 0; v < cfg_.venues.size(); ++v) {
    expect[v] = cfg_.venues[v].trading && counters_[v]->orders_connected.load(std::memory_order_relaxed);
    venue_threads_[v]->waker().Wake();
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(250);
  std::string sent, missing;
  int n = 0;
  for (size_t v = 0; v < cfg_.venues.size(); ++v) {
    if (!expect[v]) continue;
    while (!venue_threads_[v]->CancelAllCaughtUp() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    if (venue_threads_[v]->CancelAllCaughtUp() && venue_threads_[v]->last_cancel_all_sent()) {
      ++n;
      sent += (sent.empty() ? "" : ",") + Q(cfg_.venues[v].name);
    } else {
      missing += (missing.empty() ? "" : ",") + Q(cfg_.venues[v].name);
    }
  }
  return ",\"cancel_all_sent\":" + std::to_string(n) + ",\"cancel_all_venues\":[" + sent +
         "],\"cancel_all_not_sent\":[" + missing + "]";
}

std::string Engine::VenuesJson() {
  const engine::CoreTelemetry& t = tel_;
  std::string o = "[";
  for (size_t v = 0; v < cfg_.venues.size(); ++v) {
    const config::VenueConfig& vc = cfg_.venues[v];
    const engine::VenueView& vv = t.venue[v];
    const runtime::VenueCounters& c = *counters_[v];
    if (v) o += ",";
    o += "{\"name\":" + Q(vc.name) + ",\"kind\":" + Q(config::VenueKindName(vc.kind));
    o += std::string(",\"connected\":") + (c.md_connected.load() ? "true" : "false");
    o += std::string(",\"orders_connected\":") + (c.orders_connected.load() ? "true" : "false");
    o += ",\"trading_state\":" + Q(risk::TradingStateName(static_cast<risk::TradingState>(vv.trading_state)));
    o += ",\"operator_state\":" + Q(risk::TradingStateName(static_cast<risk::TradingState>(vv.operator_state)));
    o += ",\"breaker_state\":" + Q(risk::TradingStateName(static_cast<risk::TradingState>(vv.breaker_state)));
    o += std::string(",\"trading\":") + (cfg_.venues[v].trading ? "true" : "false");
    o += std::string(",\"balances_known\":") + (vv.balances_known ? "true" : "false");
    o += ",\"reconcile\":{\"checks\":" + std::to_string(vv.reconcile_checks) +
         ",\"mismatches\":" + std::to_string(vv.reconcile_mismatches) +
         ",\"deferred\":" + std::to_string(vv.reconcile_deferred) +
         ",\"reconciled\":" + (vv.reconciled ? "true" : "false") + ",\"max_diff\":" + Q(Dec(vv.reconcile_max_diff)) + "}";
    o += ",\"books\":[";
    for (size_t k = 0; k < vc.symbols.size(); ++k) {
      const auto& s = vc.symbols[k];
      const engine::BookView& b = vv.books[s.instrument.value];
      if (k) o += ",";
      o += "{\"instrument\":" + Q(cfg_.instruments[s.instrument.value].name) + ",\"symbol\":" + Q(s.symbol) +
           ",\"state\":" + Q(FeedStateName(b.state)) + ",\"usable\":" + (b.usable ? "true" : "false") +
           ",\"bid\":" + Q(Dec(b.bid)) + ",\"bid_qty\":" + Q(Dec(b.bid_qty)) + ",\"ask\":" + Q(Dec(b.ask)) +
           ",\"ask_qty\":" + Q(Dec(b.ask_qty)) + ",\"updates\":" + std::to_string(b.updates) + "}";
    }
    o += "],\"balances\":{";
    for (size_t a = 0; a < cfg_.assets.size(); ++a) {
      if (a) o += ",";
      o += Q(cfg_.assets[a].name) + ":" + Q(Dec(vv.balances[a]));
    }
    o += "}";
    auto n = [](const runtime::VenueCounters::C& x) { return std::to_string(x.load(std::memory_order_relaxed)); };
    o += ",\"md_messages\":" + n(c.md_messages) + ",\"parse_errors\":" + n(c.parse_errors) +
         ",\"unknown_messages\":" + n(c.unknown_messages) + ",\"stale_dropped\":" + n(c.stale_dropped) +
         ",\"gaps\":" + n(c.gaps) + ",\"checksum_failures\":" + n(c.checksum_failures) +
         ",\"crossed_books\":" + n(c.crossed_books) + ",\"resyncs\":" + n(c.resyncs) +
         ",\"disconnects\":" + n(c.disconnects) + ",\"tops_conflated\":" + n(c.tops_conflated) +
         ",\"orders_sent\":" + n(c.orders_sent) + ",\"orders_halted\":" + n(c.orders_halted) +
         ",\"order_rejects\":" + n(c.order_rejects) + ",\"order_parse_errors\":" + n(c.order_parse_errors) +
         ",\"cancel_all\":{\"sent\":" + n(c.cancel_all_sent) + ",\"confirmed\":" + n(c.cancel_all_confirmed) + "}" +
         ",\"cancels_sent\":" + n(c.cancels_sent) + ",\"unknown_orders\":" + n(c.unknown_orders) +
         ",\"unknown_resolved\":" + n(c.unknown_resolved) + ",\"order_queries\":" + n(c.order_queries) +
         ",\"dead_man_refreshes\":" + n(c.dead_man_refreshes) + ",\"rate_limited\":" + n(c.rate_limited) + "}";
  }
  return o + "]";
}

const char* Engine::PhaseName() const {
  if (recovering_.load(std::memory_order_acquire) || !started_) return "recovering";
  switch (static_cast<engine::DecisionCore::Phase>(tel_.phase)) {
    case engine::DecisionCore::Phase::kRecovering:
      return "recovering";
    case engine::DecisionCore::Phase::kReconciling:
      return "reconciling";
    case engine::DecisionCore::Phase::kTrading:
      return "trading";
  }
  return "?";
}

std::string Engine::StatusJson() {
  ReadTelemetry();
  const engine::CoreTelemetry& t = tel_;
  const runtime::LatencyHistogram::Snapshot t2o = TickToOrder();
  runtime::LatencyHistogram::Snapshot dec;
  metrics_.decision_ns.SnapshotInto(&dec);
  const int64_t now = stopped_mono_ns_ != 0 ? stopped_mono_ns_ : MonoNow().value;
  std::string o = "{\"ok\":true,\"engine\":" + Q(cfg_.name);
  o += ",\"uptime_s\":" + std::to_string((now - started_mono_ns_) / 1'000'000'000);
  o += ",\"state\":" + Q(risk::TradingStateName(static_cast<risk::TradingState>(t.global_state)));
  o += ",\"phase\":" + Q(PhaseName());
  o += std::string(",\"kill_switch\":") + (kill_.halted() ? "true" : "false");
  o += std::string(",\"kill_latched_in_core\":") + (t.killed ? "true" : "false");
  o += ",\"journal\":{\"path\":" + Q(cfg_.journal.path) + ",\"records\":" + std::to_string(journal_->records_written()) +
       ",\"durable_seq\":" + std::to_string(journal_->durable_seq()) + ",\"failed\":" + (journal_->failed() ? "true" : "false") +
       ",\"session\":" + std::to_string(append_at_.session) + ",\"first_seq\":" + std::to_string(append_at_.next_seq) +
       ",\"segments\":" + std::to_string(journal_->segments_opened()) +
       ",\"backlogs\":" + std::to_string(t.counters.journal_backlogs) + "}";
  o += ",\"recovery\":{\"resumed\":" + std::string(resumed_ ? "true" : "false") +
       ",\"records\":" + std::to_string(recovered_records_.load(std::memory_order_relaxed)) +
       ",\"from_seq\":" + std::to_string(recovery_.from_seq) + ",\"snapshot_at\":" + std::to_string(recovery_.snapshot_at) +
       ",\"ms\":" + std::to_string(recovery_ms_) + ",\"tail_file\":" + Q(append_at_.tail_file) +
       ",\"orders_queried\":" + std::to_string(t.recovered_orders) +
       ",\"reconcile_timeouts\":" + std::to_string(t.reconcile_timeouts) + "}";
  // After shutdown the venue threads are gone: show them as they were just before.
  o += ",\"venues\":" + (final_venues_json_.empty() ? VenuesJson() : final_venues_json_);
  const engine::CoreCounters& cc = t.counters;
  auto u = [](uint64_t x) { return std::to_string(x); };
  o += ",\"counters\":{\"messages\":" + u(cc.messages) + ",\"book_tops\":" + u(cc.book_tops) +
       ",\"opportunities\":" + u(cc.opportunities) + ",\"opportunities_taken\":" + u(cc.opportunities_taken) +
       ",\"opportunities_capped\":" + u(cc.opportunities_capped) + ",\"arb_groups_sent\":" + u(cc.arb_groups_sent) +
       ",\"orders_sent\":" + u(cc.orders_sent) + ",\"orders_filled\":" + u(cc.orders_filled) +
       ",\"orders_partly_filled\":" + u(cc.orders_partly_filled) + ",\"orders_unfilled\":" + u(cc.orders_unfilled) +
       ",\"orders_rejected\":" + u(cc.orders_rejected) + ",\"orders_open\":" + u(t.open_orders) +
       ",\"ack_reports\":" + u(cc.ack_reports) + ",\"fill_reports\":" + u(cc.fill_reports) +
       ",\"cancel_reports\":" + u(cc.cancel_reports) + ",\"reject_reports\":" + u(cc.reject_reports) +
       ",\"unknown_reports\":" + u(cc.unknown_reports) + ",\"unknown_exec\":" + u(cc.unknown_exec) +
       ",\"risk_rejects\":" + u(cc.risk_rejects) + ",\"intent_ring_full\":" + u(cc.intent_ring_full) +
       ",\"legs_unbalanced\":" + u(cc.legs_unbalanced) + ",\"telemetry_drops\":" + u(cc.telemetry_drops) +
       ",\"stale_quotes\":" + u(cc.stale_quotes) + ",\"journal_stalls\":" + u(cc.journal_stalls) +
       ",\"liquidity_takes\":" + u(cc.liquidity_takes) + ",\"liquidity_netted_reads\":" +
       u(cc.liquidity_netted_reads) + ",\"liquidity_table_full\":" + u(cc.liquidity_table_full) +
       ",\"timer_drops\":" + u(timer_drops_) + ",\"duplicate_fills\":" + u(cc.duplicate_fills) + "}";
  o += ",\"orders_by_purpose\":" + PurposeCounts(cc.orders_by_purpose);
  o += ",\"orders_by_venue\":" + VenueCounts(cc.orders_by_venue);
  o += ",\"unknown_orders\":{\"seen\":" + u(cc.unknown_orders_seen) + ",\"resolved\":" + u(cc.unknown_orders_resolved) + "}";
  o += ",\"pnl_quote\":" + Q(Dec(t.pnl_quote)) + ",\"fees_quote\":" + Q(Dec(t.fees_quote));
  o += ",\"nav\":" + Q(Dec(t.nav)) + ",\"nav_stale\":" + (t.nav_stale ? "true" : "false") +
       ",\"nav_complete\":" + (t.nav_complete ? "true" : "false") + ",\"realized_pnl\":" + Q(Dec(t.realized_pnl)) +
       ",\"unrealized_pnl\":" + Q(Dec(t.unrealized_pnl));
  o += ",\"allocation\":" + AllocationStatusJson(t.allocation, cfg_);
  o += ",\"margin\":" + MarginJson(t, cfg_);
  o += ",\"breakers\":{\"tripped\":" + u(static_cast<uint64_t>(std::max(t.breakers_tripped, 0))) +
       ",\"trips\":" + u(t.breaker_trips) + "}";
  // The pre-trade gate's refusals by check (only the checks that refused something).
  o += ",\"risk_rejects_by_check\":{";
  bool first = true;
  for (int k = 1; k < risk::kVerdicts; ++k) {
    const uint64_t n = t.risk.rejects_by_check[static_cast<size_t>(k)];
    if (n == 0) continue;
    o += std::string(first ? "" : ",") + Q(risk::VerdictName(static_cast<risk::Verdict>(k))) + ":" + u(n);
    first = false;
  }
  o += "}";
  const engine::LegCounters& lg = t.legs;
  o += ",\"legs\":{\"open_groups\":" + u(static_cast<uint64_t>(t.open_repairs)) +
       ",\"residual_notional\":" + Q(Dec(t.residual_notional)) +
       ",\"oldest_residual_ms\":" + u(static_cast<uint64_t>(t.oldest_residual_age.value / 1'000'000)) +
       ",\"groups_ended\":" + u(lg.groups_ended) + ",\"balanced\":" + u(lg.balanced) + ",\"residuals\":" +
       u(lg.residuals) + ",\"hedged\":" + u(lg.hedged) + ",\"unwound\":" + u(lg.unwound) + ",\"stuck\":" +
       u(lg.stuck) + ",\"hedge_orders\":" + u(lg.hedge_orders) + ",\"unwind_orders\":" + u(lg.unwind_orders) +
       ",\"to_dust\":" + u(lg.to_dust) + ",\"dust_sweeps\":" + u(lg.dust_sweeps) + ",\"table_full\":" +
       u(lg.table_full) + ",\"dust_entries\":" + u(static_cast<uint64_t>(t.dust_entries)) +
       ",\"dust_notional\":" + Q(Dec(t.dust_notional)) + "}";
  o += ",\"valuation_asset\":" + Q(cfg_.assets[cfg_.instruments.front().quote.value].name);
  o += ",\"tick_to_order_ns\":" + Hist(t2o) + ",\"decision_ns\":" + Hist(dec);
  o += ",\"admin\":{\"commands\":" + u(admin_->commands()) + ",\"errors\":" + u(admin_->errors()) +
       ",\"refused_peers\":" + u(admin_->refused_peers()) + ",\"refused_full\":" + u(admin_->refused_full()) +
       ",\"idle_closed\":" + u(admin_->idle_closed()) + ",\"clients\":" + u(admin_->clients()) +
       ",\"refused_commands\":" + u(t.refused_commands) + "}";
  o += "}";
  return o;
}

std::string Engine::SummaryJson() {
  // Status as it stands after shutdown (final counters), with the venues as they were just
  // before it, and the headline figures on top. Every money value is a decimal string.
  const std::string status = StatusJson();
  const int64_t end = stopped_mono_ns_ != 0 ? stopped_mono_ns_ : MonoNow().value;
  const engine::CoreCounters& cc = tel_.counters;
  const runtime::LatencyHistogram::Snapshot t2o = TickToOrder();
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", static_cast<double>(end - started_mono_ns_) / 1e9);
  auto u = [](uint64_t x) { return std::to_string(x); };
  std::string o = std::string("{\"duration_s\":") + secs;
  o += ",\"opportunities\":{\"episodes\":" + u(cc.opportunities) + ",\"taken\":" + u(cc.opportunities_taken) +
       ",\"capped\":" + u(cc.opportunities_capped) + ",\"groups_sent\":" + u(cc.arb_groups_sent) + "}";
  o += ",\"orders\":{\"sent\":" + u(cc.orders_sent) + ",\"filled\":" + u(cc.orders_filled) +
       ",\"partly_filled\":" + u(cc.orders_partly_filled) + ",\"unfilled\":" + u(cc.orders_unfilled) +
       ",\"rejected\":" + u(cc.orders_rejected) + ",\"open\":" + u(tel_.open_orders) + "}";
  o += ",\"orders_by_purpose\":" + PurposeCounts(cc.orders_by_purpose);
  // Two-leg groups: how each ended. open_at_end: residuals not repaired when the engine stopped.
  const engine::LegCounters& lg = tel_.legs;
  o += ",\"groups\":{\"total\":" + u(lg.groups_ended) + ",\"balanced\":" + u(lg.balanced) + ",\"hedged\":" +
       u(lg.hedged) + ",\"unwound\":" + u(lg.unwound) + ",\"to_dust\":" + u(lg.to_dust) + ",\"open_at_end\":" +
       u(static_cast<uint64_t>(tel_.open_repairs)) + "}";
  o += ",\"dust\":{\"entries\":" + u(static_cast<uint64_t>(tel_.dust_entries)) + ",\"notional\":" +
       Q(Dec(tel_.dust_notional)) + "}";
  o += ",\"unknown_orders\":{\"seen\":" + u(cc.unknown_orders_seen) + ",\"resolved\":" + u(cc.unknown_orders_resolved) + "}";
  o += ",\"orders_by_venue\":" + VenueCounts(cc.orders_by_venue);
  // reconciled: every trading venue's last balance snapshot (one is asked for at the end of the
  // drain) equalled the engine's books to within 10^-8.
  bool reconciled = true;
  for (size_t v = 0; v < cfg_.venues.size(); ++v)
    if (cfg_.venues[v].trading) reconciled = reconciled && tel_.venue[v].reconciled && tel_.venue[v].reconcile_checks > 0;
  o += std::string(",\"reconciled\":") + (reconciled ? "true" : "false");
  o += ",\"pnl_quote\":" + Q(Dec(tel_.pnl_quote)) + ",\"fees_quote\":" + Q(Dec(tel_.fees_quote));
  const engine::AllocationView& av = tel_.allocation;
  if (av.enabled) {
    char bps[32];
    const double n = av.rebalance_notional.ToDoubleForStats();
    std::snprintf(bps, sizeof bps, "%.2f", n > 0 ? av.rebalance_cost_weighted / n * 1e4 : 0.0);
    o += ",\"allocation\":" + AllocationSummaryJson(av, cfg_) + ",\"rebalance_orders\":" + u(av.rebalance_orders) +
         ",\"rebalance_cost_bps\":" + bps + ",\"nav_start\":" + Q(Dec(av.stats.nav_start())) +
         ",\"nav_end\":" + Q(Dec(av.stats.nav_end())) + ",\"converged_at_t\":" +
         (av.stats.converged() ? std::to_string(av.stats.converged_at().value) : std::string("null"));
  }
  // Perpetuals: the smallest distance to liquidation seen with a position open (1 = never at risk).
  o += ",\"min_liq_distance\":" + Q(Dec(tel_.margin_counters.min_distance)) +
       ",\"liquidations_reported\":" + u(tel_.margin_counters.liquidations);
  o += ",\"tick_to_order_ns\":" + Hist(t2o) + ",\"status\":" + status + "}";
  return o;
}

std::string Engine::StatusLine() {
  ReadTelemetry();
  const engine::CoreTelemetry& t = tel_;
  // One instrument fits a line: the config's first; `ctl status` shows every book.
  const config::InstrumentConfig& shown = cfg_.instruments.front();
  std::string line = shown.name;
  if (cfg_.instruments.size() > 1)
    line += " (1 of " + std::to_string(cfg_.instruments.size()) + " instruments; ctl status shows all)";
  line += ": ";
  for (size_t v = 0; v < cfg_.venues.size(); ++v) {
    const config::VenueConfig& vc = cfg_.venues[v];
    const runtime::VenueCounters& c = *counters_[v];
    bool lists = false;
    for (const auto& s : vc.symbols) lists = lists || s.instrument == shown.id;
    if (!lists) continue;
    const engine::BookView& b = t.venue[v].books[shown.id.value];
    const char* st = !c.md_connected.load() ? "down" : (b.usable ? "synced" : "sync..");
    line += vc.name + " " + st + " " + Dec(b.bid) + "/" + Dec(b.ask) + " | ";
  }
  const runtime::LatencyHistogram::Snapshot t2o = TickToOrder();
  const engine::CoreCounters& cc = t.counters;
  char tail[256];
  std::string drift;
  if (t.allocation.enabled) {
    int worst = 0;
    for (size_t a = 0; a < cfg_.assets.size(); ++a) {
      const Rate d = t.allocation.drift[a], w = t.allocation.drift[static_cast<size_t>(worst)];
      if ((d.is_negative() ? -d : d) > (w.is_negative() ? -w : w)) worst = static_cast<int>(a);
    }
    drift = "drift max " + Dec(t.allocation.drift[static_cast<size_t>(worst)]) + " " + cfg_.assets[static_cast<size_t>(worst)].name +
            " (" + std::to_string(t.allocation.out_of_band) + " out of band) | ";
  }
  std::snprintf(tail, sizeof tail, "opp %llu sent %llu filled %llu pnl %s | t2o p50 %s p99 %s%s",
                static_cast<unsigned long long>(cc.opportunities), static_cast<unsigned long long>(cc.orders_sent),
                static_cast<unsigned long long>(cc.orders_filled + cc.orders_partly_filled), Dec(t.pnl_quote).c_str(),
                Us(t2o.Percentile(0.5)).c_str(), Us(t2o.Percentile(0.99)).c_str(), kill_.halted() ? " | KILLED" : "");
  return line + drift + tail;
}

}  // namespace hs::app
