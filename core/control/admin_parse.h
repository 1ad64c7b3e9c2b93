// hs::control — parsing one admin command line (line-delimited JSON, cold path).
//
//   {"cmd":"status"}  {"cmd":"kill"}  {"cmd":"resume"}  {"cmd":"halt","venue":"binance"}
//   {"cmd":"breakers","format":"table"}  {"cmd":"reset","name":"divergence"}
// A line is input from outside: anything malformed is an error naming what is wrong. Each
// field appears at most once and is a string; "venue" is taken only by halt, reduce and resume
// and must not be empty (kill is always global); "name" only by reset, which needs it (a
// breaker name); "format" ("json" or "table") only by the read-only commands, and status is
// JSON only. Whether a venue name exists is the engine's business.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hs::control {

// The longest command line the parser accepts (bytes, without the newline).
inline constexpr size_t kMaxAdminLineBytes = 4096;

inline constexpr uint32_t kUnknownPeerUid = 0xFFFFFFFFu;

// New verbs go at the end: the values are stable.
enum class AdminVerb : uint8_t {
  kStatus = 0,
  kKill,
  kResume,
  kHalt,
  kReduce,
  kHelp,
  kPositions,
  kOrders,
  kPnl,
  kBreakers,
  kLimits,
  kReset,
};
const char* AdminVerbName(AdminVerb v) noexcept;  // "status", "kill", ... as on the wire
// True for the verbs that only read (status, help, positions, orders, pnl, breakers, limits):
// the ones a viewer may run.
bool IsReadOnly(AdminVerb v) noexcept;

enum class AdminFormat : uint8_t { kJson = 0, kTable };

// What the peer may do (AdminServer decides at accept from [admin] operators and viewers).
enum class AdminRole : uint8_t { kViewer = 0, kOperator };
const char* AdminRoleName(AdminRole r) noexcept;  // "viewer", "operator"

struct AdminCommand {
  AdminVerb verb = AdminVerb::kStatus;
  std::string venue;  // empty = global (halt, reduce, resume); never empty when given on the wire
  std::string name;   // reset: the breaker's name (checked); empty otherwise
  uint8_t breaker = 0;  // reset: the breaker (risk::BreakerId) `name` names
  AdminFormat format = AdminFormat::kJson;  // read-only verbs: how the reply renders
  // Who sent it (SO_PEERCRED of the connection; filled in by AdminServer, not by the parser),
  // so the engine can log and journal each command with its issuer. Until then: unknown
  // (uid -1 as the kernel spells "no uid", pid 0), never mistakable for root, and a viewer, so
  // a command nobody stamped cannot change anything.
  uint32_t peer_uid = kUnknownPeerUid;
  int32_t peer_pid = 0;
  AdminRole role = AdminRole::kViewer;
};

// Returns true and fills cmd's verb, venue, name, breaker and format, or false with `error`
// saying what is wrong. The peer fields are left as they are.
bool ParseAdminCommand(std::string_view line, AdminCommand* cmd, std::string* error);

}  // namespace hs::control
