// hs::control — parsing one admin command line (line-delimited JSON, cold path).
//
//   {"cmd":"status"}  {"cmd":"kill"}  {"cmd":"resume"}  {"cmd":"halt","venue":"binance"}
// A line is input from outside: anything malformed is an error naming what is wrong. Each
// field appears at most once; "venue" is taken only by halt, reduce and resume and must not be
// empty (kill is always global). Whether a venue name exists is the engine's business.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hs::control {

// The longest command line the parser accepts (bytes, without the newline).
inline constexpr size_t kMaxAdminLineBytes = 4096;

inline constexpr uint32_t kUnknownPeerUid = 0xFFFFFFFFu;

enum class AdminVerb : uint8_t { kStatus = 0, kKill, kResume, kHalt, kReduce, kHelp };

struct AdminCommand {
  AdminVerb verb = AdminVerb::kStatus;
  std::string venue;  // empty = global (halt, reduce, resume); never empty when given on the wire
  // Who sent it (SO_PEERCRED of the connection; filled in by AdminServer, not by the parser),
  // so the engine can log and journal each command with its issuer. Until then: unknown
  // (uid -1 as the kernel spells "no uid", pid 0), never mistakable for root.
  uint32_t peer_uid = kUnknownPeerUid;
  int32_t peer_pid = 0;
};

// Returns true and fills cmd's verb and venue, or false with `error` saying what is wrong.
bool ParseAdminCommand(std::string_view line, AdminCommand* cmd, std::string* error);

}  // namespace hs::control
