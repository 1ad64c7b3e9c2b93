// hs::control — what the admin commands do: the role check, the read-only views, and the
// state-changing commands (kill, resume, halt, reduce, reset) with their audit. The engine owns
// the things acted on (kill switch, control ring, journal, telemetry) and lends them through
// AdminActions; it only wires AdminServer's handler to Handle.
//
// Audit: every state-changing command is logged with the peer's uid, pid and result, and
// reaches the journal: the core journals each control command it receives, and a refused one is
// pushed as ControlOp::kRefused with what was asked (refused_op). A viewer asking for a
// state-changing command is refused and audited the same way.
//
// Runs on the control thread only; cold path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/config/config.h"
#include "core/control/admin_parse.h"
#include "core/control/admin_server.h"
#include "core/engine/telemetry.h"
#include "core/messages/messages.h"

namespace hs::control {

enum class AdminLogLevel : uint8_t { kInfo = 0, kWarn, kError };

// What the engine lends the service.
class AdminActions {
 public:
  virtual ~AdminActions() = default;
  // Sets the kill switch (read directly by every order session) and has each connected trading
  // venue send its cancel-all; returns the reply's cancel-all members
  // (`,"cancel_all_sent":N,"cancel_all_venues":[...],"cancel_all_not_sent":[...]`).
  virtual std::string TripKillSwitch() = 0;
  virtual void ResetKillSwitch() = 0;
  virtual bool KillSwitchSet() const = 0;
  virtual bool JournalFailed() const = 0;
  // Queues a control command for the core (which journals it); false when the ring is full.
  virtual bool Push(ControlOp op, VenueId venue, uint32_t peer_uid, ControlOp refused_op, uint8_t arg) = 0;
  virtual void Log(AdminLogLevel level, const std::string& line) = 0;
  // The core's newest published telemetry.
  virtual void ReadTelemetry(engine::CoreTelemetry* out) = 0;
  // The full `status` reply (the engine's own counters are in it).
  virtual std::string StatusJson() = 0;
  // Wall clock, ns (open orders' ages).
  virtual int64_t WallNowNs() = 0;
};

class AdminService {
 public:
  // Both must outlive the service.
  AdminService(const config::Config& cfg, AdminActions* actions);

  // The one-line JSON reply to a parsed command (AdminServer's handler).
  std::string Handle(const AdminCommand& cmd);
  // A peer refused at accept (AdminServer's on_refused_peer): logged and journaled.
  void OnRefusedPeer(const AdminPeer& peer);

 private:
  std::string ReadOnly(const AdminCommand& cmd);
  std::string Help(const AdminCommand& cmd) const;
  std::string Kill(const AdminCommand& cmd);
  std::string Resume(const AdminCommand& cmd, VenueId venue);
  std::string HaltOrReduce(const AdminCommand& cmd, ControlOp op, VenueId venue);
  std::string Reset(const AdminCommand& cmd);
  // Logs a refused state-changing request with the peer's uid and why, and journals it as
  // kRefused (asked = what was refused). Returns the error reply.
  std::string Refuse(const AdminCommand& cmd, ControlOp asked, const std::string& why);
  void Log(AdminLogLevel level, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

  const config::Config& cfg_;
  AdminActions* actions_;
  std::unique_ptr<engine::CoreTelemetry> tel_;  // large: kept on the heap, reused per command
};

// The ControlOp a state-changing verb asks the core for (kNone for the read-only ones).
ControlOp ControlOpFor(AdminVerb v) noexcept;

}  // namespace hs::control
