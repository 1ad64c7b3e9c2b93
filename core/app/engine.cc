#include "core/app/engine.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "core/app/venue_factory.h"
#include "core/base/decimal.h"
#include "risk/risk_gate.h"

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

  journal::WriterOptions wo;
  wo.path = cfg_.journal.path;
  wo.engine_name = cfg_.name;
  wo.flush_interval_ns = cfg_.journal.flush_interval_us * 1000;
  wo.fsync = cfg_.journal.fsync;
  journal_ = std::make_unique<journal::JournalWriter>(wo, journal_ring_->TakeConsumer());
  if (auto s = journal_->Open(); !s.ok()) return s;

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
    if (auto s = vt->Init(); !s.ok()) return s;
    w.from_venues.push_back(venue_rings_[i]->TakeConsumer());
    w.to_venues.push_back(intent_rings_[i]->TakeProducer());
    w.venue_wakers.push_back(&vt->waker());
    venue_threads_.push_back(std::move(vt));
  }
  w.from_control = control_ring_->TakeConsumer();
  w.journal = journal::JournalSink(journal_ring_->TakeProducer());
  w.journal_failed = &journal_->failed_flag();
  w.telemetry = &telemetry_;
  w.metrics = &metrics_;
  w.waker = &core_waker_;
  // Client ids: unique per session (start time in ms shifted left leaves room for 2^20 orders).
  const uint64_t cid_base = (static_cast<uint64_t>(WallNow().value / 1'000'000) % 100'000'000'000ull) << 20;
  core_ = std::make_unique<engine::DecisionCore>(engine::ParamsFromConfig(cfg_, cid_base), std::move(w));

  admin_ = std::make_unique<control::AdminServer>(cfg_.admin_socket,
                                                  [this](const control::AdminCommand& c) { return HandleAdmin(c); });
  if (auto s = admin_->Open(); !s.ok()) return s;
  return absl::OkStatus();
}

void Engine::Start() {
  started_mono_ns_ = MonoNow().value;
  auto on_failure = [this](const std::string& agent, const std::string& what) {
    kill_.Trip();
    agent_failed_.store(true, std::memory_order_release);
    std::fprintf(stderr, "homeostat: agent %s failed: %s; kill switch set\n", agent.c_str(), what.c_str());
  };
  core_->Begin(WallNow());
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
  const bool tty = isatty(STDOUT_FILENO);
  while (!stop_requested_.load(std::memory_order_acquire)) {
    admin_->Poll(50);
    logger_->Drain();
    const int64_t now = MonoNow().value;
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
    if (deadline != 0 && now >= deadline) break;
    if (agent_failed_.load(std::memory_order_acquire)) break;
  }
  if (opts_.status_line && tty) std::printf("\n");
  Shutdown();
}

void Engine::Shutdown() {
  if (stopped_) return;
  stopped_ = true;
  logger_->Direct(runtime::LogLevel::kInfo, "homeostat stopping");
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

std::string Engine::HandleAdmin(const control::AdminCommand& cmd) {
  VenueId venue = VenueId::Invalid();
  if (!cmd.venue.empty()) {
    const config::VenueConfig* v = cfg_.FindVenue(cmd.venue);
    if (v == nullptr) return "{\"ok\":false,\"error\":" + Q("unknown venue \"" + cmd.venue + "\"") + "}";
    venue = v->id;
  }
  auto push = [&](ControlOp op) {
    ControlCommand c;
    c.op = op;
    c.venue = venue;
    c.request_id = ++request_id_;
    c.time = WallNow();
    const bool ok = control_.TryPush(c);
    core_waker_.Wake();
    return ok;
  };
  switch (cmd.verb) {
    case control::AdminVerb::kStatus:
      return StatusJson();
    case control::AdminVerb::kKill: {
      // The flag first, directly read by every order session; the core hears of it after.
      kill_.Trip();
      const bool queued = push(ControlOp::kKill);
      logger_->Direct(runtime::LogLevel::kWarn, "KILL by operator: kill switch set, no new orders will be sent");
      return std::string("{\"ok\":true,\"halted\":true,\"core_notified\":") + (queued ? "true" : "false") +
             ",\"message\":\"kill switch set: no new order leaves this engine until resume\"}";
    }
    case control::AdminVerb::kResume: {
      if (journal_->failed())
        return "{\"ok\":false,\"error\":\"the journal failed; trading cannot resume in this run\"}";
      kill_.Reset();
      const bool queued = push(ControlOp::kResume);
      logger_->Direct(runtime::LogLevel::kWarn, "RESUME by operator%s%s", venue.valid() ? " for " : "",
                      cmd.venue.c_str());
      return std::string("{\"ok\":") + (queued ? "true" : "false") + ",\"halted\":false}";
    }
    case control::AdminVerb::kHalt:
    case control::AdminVerb::kReduce: {
      const bool queued = push(cmd.verb == control::AdminVerb::kHalt ? ControlOp::kHalt : ControlOp::kReduce);
      return std::string("{\"ok\":") + (queued ? "true" : "false") + "}";
    }
    case control::AdminVerb::kHelp:
      return "{\"ok\":true,\"commands\":[\"status\",\"kill\",\"resume\",\"halt\",\"reduce\",\"help\"]}";
  }
  return "{\"ok\":false,\"error\":\"unhandled\"}";
}

std::string Engine::StatusJson() {
  ReadTelemetry();
  const engine::CoreTelemetry& t = tel_;
  runtime::LatencyHistogram::Snapshot t2o, dec;
  for (auto& c : counters_) {
    runtime::LatencyHistogram::Snapshot s;
    c->tick_to_order_ns.SnapshotInto(&s);
    t2o.Merge(s);
  }
  metrics_.decision_ns.SnapshotInto(&dec);
  std::string o = "{\"ok\":true,\"engine\":" + Q(cfg_.name);
  o += ",\"uptime_s\":" + std::to_string((MonoNow().value - started_mono_ns_) / 1'000'000'000);
  o += ",\"state\":" + Q(risk::TradingStateName(static_cast<risk::TradingState>(t.global_state)));
  o += std::string(",\"kill_switch\":") + (kill_.halted() ? "true" : "false");
  o += ",\"journal\":{\"path\":" + Q(cfg_.journal.path) + ",\"records\":" + std::to_string(journal_->records_written()) +
       ",\"durable_seq\":" + std::to_string(journal_->durable_seq()) + ",\"failed\":" + (journal_->failed() ? "true" : "false") + "}";
  o += ",\"venues\":[";
  for (size_t v = 0; v < cfg_.venues.size(); ++v) {
    const config::VenueConfig& vc = cfg_.venues[v];
    const engine::VenueView& vv = t.venue[v];
    const runtime::VenueCounters& c = *counters_[v];
    if (v) o += ",";
    o += "{\"name\":" + Q(vc.name) + ",\"kind\":" + Q(config::VenueKindName(vc.kind));
    o += std::string(",\"connected\":") + (c.md_connected.load() ? "true" : "false");
    o += std::string(",\"orders_connected\":") + (c.orders_connected.load() ? "true" : "false");
    o += ",\"trading_state\":" + Q(risk::TradingStateName(static_cast<risk::TradingState>(vv.trading_state)));
    o += std::string(",\"balances_known\":") + (vv.balances_known ? "true" : "false");
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
         ",\"order_rejects\":" + n(c.order_rejects) + ",\"order_parse_errors\":" + n(c.order_parse_errors) + "}";
  }
  o += "]";
  const engine::CoreCounters& cc = t.counters;
  o += ",\"counters\":{\"messages\":" + std::to_string(cc.messages) + ",\"book_tops\":" + std::to_string(cc.book_tops) +
       ",\"opportunities\":" + std::to_string(cc.opportunities) +
       ",\"opportunities_taken\":" + std::to_string(cc.opportunities_taken) +
       ",\"opportunities_capped\":" + std::to_string(cc.opportunities_capped) +
       ",\"orders_sent\":" + std::to_string(cc.orders_sent) + ",\"acks\":" + std::to_string(cc.acks) +
       ",\"fills\":" + std::to_string(cc.fills) + ",\"cancels\":" + std::to_string(cc.cancels) +
       ",\"rejects\":" + std::to_string(cc.rejects) + ",\"unknown\":" + std::to_string(cc.unknown) +
       ",\"risk_rejects\":" + std::to_string(cc.risk_rejects) +
       ",\"intent_ring_full\":" + std::to_string(cc.intent_ring_full) +
       ",\"legs_unbalanced\":" + std::to_string(cc.legs_unbalanced) +
       ",\"telemetry_drops\":" + std::to_string(cc.telemetry_drops) +
       ",\"stale_quotes\":" + std::to_string(cc.stale_quotes) +
       ",\"journal_stalls\":" + std::to_string(cc.journal_stalls) + "}";
  o += ",\"pnl_quote\":" + Dec(t.pnl_quote) + ",\"fees_quote\":" + Dec(t.fees_quote);
  o += ",\"valuation_asset\":" + Q(cfg_.assets[cfg_.instruments.front().quote.value].name);
  o += ",\"tick_to_order_ns\":" + Hist(t2o) + ",\"decision_ns\":" + Hist(dec);
  o += ",\"admin\":{\"commands\":" + std::to_string(admin_->commands()) + ",\"errors\":" + std::to_string(admin_->errors()) +
       ",\"refused_peers\":" + std::to_string(admin_->refused_peers()) + "}";
  o += "}";
  return o;
}

std::string Engine::SummaryJson() {
  // The same figures as status, as the demo's summary file.
  std::string s = StatusJson();
  const double secs = static_cast<double>(MonoNow().value - started_mono_ns_) / 1e9;
  const engine::CoreCounters& cc = tel_.counters;
  runtime::LatencyHistogram::Snapshot t2o;
  for (auto& c : counters_) {
    runtime::LatencyHistogram::Snapshot x;
    c->tick_to_order_ns.SnapshotInto(&x);
    t2o.Merge(x);
  }
  char head[512];
  std::snprintf(head, sizeof head,
                "{\"duration_s\":%.1f,\"opportunities\":%llu,\"orders_sent\":%llu,\"fills\":%llu,\"pnl_quote\":%s,"
                "\"tick_to_order_ns\":%s,\"status\":",
                secs, static_cast<unsigned long long>(cc.opportunities), static_cast<unsigned long long>(cc.orders_sent),
                static_cast<unsigned long long>(cc.fills), Dec(tel_.pnl_quote).c_str(), Hist(t2o).c_str());
  return std::string(head) + s + "}";
}

std::string Engine::StatusLine() {
  ReadTelemetry();
  const engine::CoreTelemetry& t = tel_;
  std::string line;
  for (size_t v = 0; v < cfg_.venues.size(); ++v) {
    const config::VenueConfig& vc = cfg_.venues[v];
    const runtime::VenueCounters& c = *counters_[v];
    const engine::BookView& b = t.venue[v].books[vc.symbols.front().instrument.value];
    const char* st = !c.md_connected.load() ? "down" : (b.usable ? "synced" : "sync..");
    line += vc.name + " " + st + " " + Dec(b.bid) + "/" + Dec(b.ask) + " | ";
  }
  runtime::LatencyHistogram::Snapshot t2o;
  for (auto& c : counters_) {
    runtime::LatencyHistogram::Snapshot x;
    c->tick_to_order_ns.SnapshotInto(&x);
    t2o.Merge(x);
  }
  const engine::CoreCounters& cc = t.counters;
  char tail[256];
  std::snprintf(tail, sizeof tail, "opp %llu sent %llu fills %llu pnl %s | t2o p50 %s p99 %s%s",
                static_cast<unsigned long long>(cc.opportunities), static_cast<unsigned long long>(cc.orders_sent),
                static_cast<unsigned long long>(cc.fills), Dec(t.pnl_quote).c_str(), Us(t2o.Percentile(0.5)).c_str(),
                Us(t2o.Percentile(0.99)).c_str(), kill_.halted() ? " | KILLED" : "");
  return line + tail;
}

}  // namespace hs::app
