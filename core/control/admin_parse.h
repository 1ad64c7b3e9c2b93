// hs::control — parsing one admin command line (line-delimited JSON, cold path).
//
//   {"cmd":"status"}  {"cmd":"kill"}  {"cmd":"resume"}  {"cmd":"halt","venue":"binance"}
// A line is input from outside: anything malformed is an error naming what is wrong.
#pragma once

#include <string>
#include <string_view>

namespace hs::control {

enum class AdminVerb : uint8_t { kStatus = 0, kKill, kResume, kHalt, kReduce, kHelp };

struct AdminCommand {
  AdminVerb verb = AdminVerb::kStatus;
  std::string venue;  // empty = global
  uint32_t peer_uid = 0;  // the client's credentials (SO_PEERCRED), for the audit log
  int32_t peer_pid = 0;
};

// Returns true and fills cmd, or false with `error` saying what is wrong.
bool ParseAdminCommand(std::string_view line, AdminCommand* cmd, std::string* error);

}  // namespace hs::control
