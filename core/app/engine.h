// hs::app — the engine: builds every agent from the config, wires their rings, runs them on
// their threads, and serves the control side (admin socket, status line, log) on the calling
// thread until a signal, a timeout or a shutdown. No singletons: everything is owned here and
// handed to the agents (STYLE §12).
#pragma once

#include <atomic>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/config/config.h"
#include "core/control/admin_server.h"
#include "core/app/journal_replay.h"
#include "core/control/admin_service.h"
#include "core/engine/decision_core.h"
#include "core/engine/telemetry.h"
#include "core/journal/journal_writer.h"
#include "core/messages/rings.h"
#include "core/runtime/agent_runner.h"
#include "core/runtime/instance_lock.h"
#include "core/runtime/kill_switch.h"
#include "core/runtime/log.h"
#include "core/runtime/venue_counters.h"
#include "venues/common/venue_thread.h"

namespace hs::app {

struct RunOptions {
  std::string journal_path;   // overrides [journal].path
  std::string socket_path;    // overrides [admin].socket
  std::string log_path;       // overrides [log].path
  std::string summary_path;   // write summary JSON here on exit
  std::string ca_file;        // extra trusted CA for TLS venues
  double seconds = 0;         // stop after this long (0 = until signal)
  bool status_line = false;   // print a live status line to stdout every second
};

class Engine : private control::AdminActions {
 public:
  Engine(config::Config cfg, RunOptions opts);
  ~Engine();

  absl::Status Init();
  void Start();
  // Serves control until stop; returns when everything has stopped.
  void Run();
  // Requests a stop (signal-safe: only sets a flag).
  // Signal-safe. The first request drains, a second one stops at once.
  void RequestStop() noexcept {
    stop_signals_.fetch_add(1, std::memory_order_acq_rel);
    stop_requested_.store(true, std::memory_order_release);
  }
  // An agent failed during the run (the kill switch was set and the engine stopped).
  bool failed() const noexcept { return agent_failed_.load(std::memory_order_acquire); }

  std::string StatusJson() override;  // the admin `status` reply
  std::string SummaryJson();
  std::string StatusLine();

 private:
  // What the admin commands act on (control::AdminService does the rest).
  std::string TripKillSwitch() override;
  void ResetKillSwitch() override { kill_.Reset(); }
  bool KillSwitchSet() const override { return kill_.halted(); }
  bool JournalFailed() const override { return journal_->failed(); }
  bool Push(ControlOp op, VenueId venue, uint32_t peer_uid, ControlOp refused_op, uint8_t arg) override {
    return PushControl(op, venue, peer_uid, refused_op, arg);
  }
  void Log(control::AdminLogLevel level, const std::string& line) override;
  void ReadTelemetry(engine::CoreTelemetry* out) override { telemetry_.Read(out); }
  int64_t WallNowNs() override { return WallNow().value; }

  absl::Status Recover();
  const char* PhaseName() const;
  bool PushControl(ControlOp op, VenueId venue, uint32_t peer_uid, ControlOp refused_op = ControlOp::kNone,
                   uint8_t arg = 0);
  std::string SendCancelAlls();
  void FinalBalanceCheck();
  std::string VenueCounts(const std::array<uint64_t, kMaxVenues>& n) const;
  std::string VenuesJson();
  void Shutdown();
  void ReadTelemetry();
  runtime::LatencyHistogram::Snapshot TickToOrder() const;  // all venues' histograms merged
  int64_t TimerPeriodMs() const { return cfg_.timer_ms; }  // [engine] timer_ms

  config::Config cfg_;
  RunOptions opts_;
  // One engine per journal and per admin socket: taken before either is touched, released
  // last (declared first, destroyed last).
  std::optional<runtime::InstanceLock> journal_lock_;
  std::optional<runtime::InstanceLock> socket_lock_;
  std::unique_ptr<runtime::Logger> logger_;
  runtime::LogChannel* main_log_ = nullptr;
  runtime::KillSwitch kill_;
  runtime::Waker core_waker_;
  std::vector<std::unique_ptr<VenueRing>> venue_rings_;
  std::vector<std::unique_ptr<IntentRing>> intent_rings_;
  std::unique_ptr<ControlRing> control_ring_;
  ControlRing::Producer control_;
  std::unique_ptr<journal::EntryRing> journal_ring_;
  std::vector<std::unique_ptr<runtime::VenueCounters>> counters_;
  std::vector<std::unique_ptr<venues::VenueThread>> venue_threads_;
  std::unique_ptr<journal::JournalWriter> journal_;
  std::unique_ptr<engine::DecisionCore> core_;
  engine::TelemetrySlot telemetry_;
  engine::CoreMetrics metrics_;
  engine::CoreTelemetry tel_;  // control thread's copy
  // Perpetuals: what the log has said so far (LogMargin writes a line when these move).
  engine::MarginCounters logged_margin_{};
  void LogMargin();
  std::vector<std::unique_ptr<runtime::AgentRunner>> venue_runners_;
  std::unique_ptr<runtime::AgentRunner> core_runner_;
  std::unique_ptr<runtime::AgentRunner> journal_runner_;
  std::unique_ptr<control::AdminService> admin_service_;
  std::unique_ptr<control::AdminServer> admin_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<uint64_t> stop_signals_{0};
  std::atomic<bool> agent_failed_{false};
  int64_t started_mono_ns_ = 0;
  int64_t stopped_mono_ns_ = 0;
  std::string final_venues_json_;  // the venues as they were just before shutdown (summary)
  uint64_t request_id_ = 0;
  uint64_t timer_drops_ = 0;  // kTimer inputs not sent: the control ring was full
  bool started_ = false;
  bool stopped_ = false;
  // Durability: where this session appends, and what recovery found.
  journal::AppendPoint append_at_;
  RecoveredState recovery_;
  std::atomic<bool> recovering_{false};
  std::atomic<uint64_t> recovered_records_{0};
  int64_t recovery_ms_ = 0;
  bool resumed_ = false;
};

}  // namespace hs::app
