#include "core/control/admin_service.h"

#include <cstdarg>
#include <cstdio>

#include "core/control/admin_render.h"
#include "core/control/text_table.h"
#include "risk/breakers.h"

namespace hs::control {

namespace {

std::string Error(const std::string& msg) { return "{\"ok\":false,\"error\":" + JsonQuote(msg) + "}"; }

constexpr AdminVerb kReadOnlyVerbs[] = {AdminVerb::kStatus, AdminVerb::kPositions, AdminVerb::kOrders, AdminVerb::kPnl,
                                        AdminVerb::kBreakers, AdminVerb::kLimits, AdminVerb::kHelp};
constexpr AdminVerb kOperatorVerbs[] = {AdminVerb::kKill, AdminVerb::kResume, AdminVerb::kHalt, AdminVerb::kReduce,
                                        AdminVerb::kReset};

}  // namespace

ControlOp ControlOpFor(AdminVerb v) noexcept {
  switch (v) {
    case AdminVerb::kKill: return ControlOp::kKill;
    case AdminVerb::kResume: return ControlOp::kResume;
    case AdminVerb::kHalt: return ControlOp::kHalt;
    case AdminVerb::kReduce: return ControlOp::kReduce;
    case AdminVerb::kReset: return ControlOp::kReset;
    default: return ControlOp::kNone;
  }
}

AdminService::AdminService(const config::Config& cfg, AdminActions* actions)
    : cfg_(cfg), actions_(actions), tel_(std::make_unique<engine::CoreTelemetry>()) {}

void AdminService::Log(AdminLogLevel level, const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  actions_->Log(level, buf);
}

std::string AdminService::Handle(const AdminCommand& cmd) {
  if (IsReadOnly(cmd.verb)) return ReadOnly(cmd);
  const ControlOp op = ControlOpFor(cmd.verb);
  // Every state-changing command from here on is audited: logged with the peer's uid and the
  // result, and journaled (the core journals what it receives; refusals go as kRefused).
  if (cmd.role != AdminRole::kOperator) {
    return Refuse(cmd, op,
                  "uid " + std::to_string(cmd.peer_uid) + " is a viewer: " + AdminVerbName(cmd.verb) +
                      " changes the engine's state and needs an operator ([admin] operators); viewers may run "
                      "status, positions, orders, pnl, breakers, limits and help");
  }
  if (cmd.verb == AdminVerb::kReset) return Reset(cmd);
  VenueId venue = VenueId::Invalid();
  if (!cmd.venue.empty()) {
    const config::VenueConfig* v = cfg_.FindVenue(cmd.venue);
    if (v == nullptr) {
      std::string known;
      for (const auto& vc : cfg_.venues) known += (known.empty() ? "" : ", ") + vc.name;
      return Refuse(cmd, op, "unknown venue \"" + cmd.venue + "\" (venues: " + known + ")");
    }
    venue = v->id;
  }
  switch (cmd.verb) {
    case AdminVerb::kKill:
      // The parser refuses a scoped kill too; kill is never scoped.
      if (venue.valid()) return Refuse(cmd, op, "kill is always global; to stop one venue use halt with that venue");
      return Kill(cmd);
    case AdminVerb::kResume:
      return Resume(cmd, venue);
    case AdminVerb::kHalt:
    case AdminVerb::kReduce:
      return HaltOrReduce(cmd, op, venue);
    default:
      break;
  }
  return Error("unhandled command");
}

std::string AdminService::ReadOnly(const AdminCommand& cmd) {
  if (cmd.verb == AdminVerb::kStatus) return actions_->StatusJson();
  if (cmd.verb == AdminVerb::kHelp) return Help(cmd);
  actions_->ReadTelemetry(tel_.get());
  const RenderInput in{cfg_, *tel_, actions_->WallNowNs()};
  const bool table = cmd.format == AdminFormat::kTable;
  switch (cmd.verb) {
    case AdminVerb::kPositions: return table ? PositionsTable(in) : PositionsJson(in);
    case AdminVerb::kOrders: return table ? OrdersTable(in) : OrdersJson(in);
    case AdminVerb::kPnl: return table ? PnlTable(in) : PnlJson(in);
    case AdminVerb::kBreakers: return table ? BreakersTable(in) : BreakersJson(in);
    case AdminVerb::kLimits: return table ? LimitsTable(in) : LimitsJson(in);
    default: break;
  }
  return Error("unhandled command");
}

std::string AdminService::Help(const AdminCommand& cmd) const {
  auto list = [](const auto& verbs) {
    std::string o;
    for (AdminVerb v : verbs) o += (o.empty() ? "" : ",") + JsonQuote(AdminVerbName(v));
    return "[" + o + "]";
  };
  if (cmd.format == AdminFormat::kTable) {
    TextTable t({"COMMAND", "TAKES", "WHO"});
    for (AdminVerb v : kReadOnlyVerbs)
      t.AddRow({AdminVerbName(v), v == AdminVerb::kStatus || v == AdminVerb::kHelp ? "" : "format", "viewer, operator"});
    for (AdminVerb v : kOperatorVerbs)
      t.AddRow({AdminVerbName(v), v == AdminVerb::kReset ? "name (a breaker)" : (v == AdminVerb::kKill ? "" : "venue"),
                "operator"});
    return "{\"ok\":true,\"table\":" + JsonQuote(t.Render() + "you are a " + AdminRoleName(cmd.role) + "\n") + "}";
  }
  return "{\"ok\":true,\"commands\":[\"status\",\"kill\",\"resume\",\"halt\",\"reduce\",\"help\",\"positions\","
         "\"orders\",\"pnl\",\"breakers\",\"limits\",\"reset\"],\"venue_scoped\":[\"halt\",\"reduce\",\"resume\"],"
         "\"read_only\":" + list(kReadOnlyVerbs) + ",\"operator_only\":" + list(kOperatorVerbs) +
         ",\"formats\":[\"json\",\"table\"],\"role\":" + JsonQuote(AdminRoleName(cmd.role)) + "}";
}

std::string AdminService::Kill(const AdminCommand& cmd) {
  // The flag first, directly read by every order session; the core hears of it after.
  const std::string cancels = actions_->TripKillSwitch();
  const bool queued = actions_->Push(ControlOp::kKill, VenueId::Invalid(), cmd.peer_uid, ControlOp::kNone, 0);
  Log(AdminLogLevel::kWarn, "ADMIN kill from uid %u (pid %d): kill switch set, no new order leaves this engine; core %s",
      cmd.peer_uid, cmd.peer_pid, queued ? "notified" : "NOT notified (control ring full)");
  return std::string("{\"ok\":true,\"halted\":true,\"core_notified\":") + (queued ? "true" : "false") + cancels +
         ",\"message\":\"kill switch set: no new order leaves this engine until a global resume; cancel-all "
         "sent to every connected trading venue (confirmations in status: venues[].cancel_all)\"}";
}

std::string AdminService::Resume(const AdminCommand& cmd, VenueId venue) {
  if (actions_->JournalFailed())
    return Refuse(cmd, ControlOp::kResume, "the journal failed; trading cannot resume in this run");
  // Only a global resume clears the kill latch; a venue resume leaves it (and the global
  // state) exactly as it is.
  if (!venue.valid()) actions_->ResetKillSwitch();
  const bool queued = actions_->Push(ControlOp::kResume, venue, cmd.peer_uid, ControlOp::kNone, 0);
  const bool still_killed = actions_->KillSwitchSet();
  const char* scope = venue.valid() ? cmd.venue.c_str() : "global";
  Log(AdminLogLevel::kWarn, "ADMIN resume (%s) from uid %u (pid %d): %s%s", scope, cmd.peer_uid, cmd.peer_pid,
      queued ? "core notified" : "NOT delivered (control ring full)",
      still_killed ? "; the global kill switch stays set" : "");
  if (!queued) return Error("resume not delivered: the control ring is full; try again");
  std::string o = std::string("{\"ok\":true,\"scope\":") + JsonQuote(scope) +
                  ",\"kill_switch\":" + (still_killed ? "true" : "false");
  if (still_killed)
    o += ",\"message\":" +
         JsonQuote("venue " + cmd.venue + " resumed; the global kill switch stays set: only a global resume clears it");
  return o + "}";
}

std::string AdminService::HaltOrReduce(const AdminCommand& cmd, ControlOp op, VenueId venue) {
  if (op == ControlOp::kReduce && !venue.valid() && actions_->KillSwitchSet())
    return Refuse(cmd, op, "the kill switch is set: a global reduce cannot relax it; use resume first");
  const bool queued = actions_->Push(op, venue, cmd.peer_uid, ControlOp::kNone, 0);
  const char* scope = venue.valid() ? cmd.venue.c_str() : "global";
  Log(AdminLogLevel::kWarn, "ADMIN %s (%s) from uid %u (pid %d): %s", ControlOpName(op), scope, cmd.peer_uid,
      cmd.peer_pid, queued ? "core notified" : "NOT delivered (control ring full)");
  if (!queued) return Error(std::string(ControlOpName(op)) + " not delivered: the control ring is full; try again");
  return std::string("{\"ok\":true,\"scope\":") + JsonQuote(scope) + "}";
}

std::string AdminService::Reset(const AdminCommand& cmd) {
  if (static_cast<risk::BreakerId>(cmd.breaker) == risk::BreakerId::kJournal)
    return Refuse(cmd, ControlOp::kReset,
                  "the journal breaker cannot be reset: a failed journal stays failed for the run; stop the engine, "
                  "fix the journal's disk and start it again");
  const bool queued = actions_->Push(ControlOp::kReset, VenueId::Invalid(), cmd.peer_uid, ControlOp::kNone, cmd.breaker);
  Log(AdminLogLevel::kWarn, "ADMIN reset %s from uid %u (pid %d): %s", cmd.name.c_str(), cmd.peer_uid, cmd.peer_pid,
      queued ? "core notified" : "NOT delivered (control ring full)");
  if (!queued) return Error("reset not delivered: the control ring is full; try again");
  return "{\"ok\":true,\"reset\":" + JsonQuote(cmd.name) + "}";
}

std::string AdminService::Refuse(const AdminCommand& cmd, ControlOp asked, const std::string& why) {
  std::string what = ControlOpName(asked);
  if (!cmd.venue.empty()) what += " --venue " + cmd.venue;
  if (!cmd.name.empty()) what += " " + cmd.name;
  Log(AdminLogLevel::kWarn, "ADMIN %s from uid %u (pid %d) REFUSED: %s", what.c_str(), cmd.peer_uid, cmd.peer_pid,
      why.c_str());
  if (!actions_->Push(ControlOp::kRefused, VenueId::Invalid(), cmd.peer_uid, asked, cmd.breaker))
    Log(AdminLogLevel::kError, "ADMIN audit record not journaled: the control ring is full");
  return Error(why);
}

void AdminService::OnRefusedPeer(const AdminPeer& peer) {
  Log(AdminLogLevel::kWarn,
      "ADMIN connection from uid %u (pid %d) REFUSED: not an operator or viewer of this engine ([admin] operators, "
      "viewers)",
      peer.uid, peer.pid);
  if (!actions_->Push(ControlOp::kRefused, VenueId::Invalid(), peer.uid, ControlOp::kNone, 0))
    Log(AdminLogLevel::kError, "ADMIN audit record not journaled: the control ring is full");
}

}  // namespace hs::control
