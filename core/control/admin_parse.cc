#include "core/control/admin_parse.h"

#include <simdjson.h>

namespace hs::control {

namespace {

// Venue names as the config spells them; anything else is not echoed into a suggestion.
bool IsPlainName(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool ParseAdminCommand(std::string_view line, AdminCommand* cmd, std::string* error) {
  if (line.empty()) {
    *error = "empty command line";
    return false;
  }
  if (line.size() > kMaxAdminLineBytes) {
    *error = "command line longer than " + std::to_string(kMaxAdminLineBytes) + " bytes";
    return false;
  }
  // The DOM parser validates the whole line (trailing garbage included); this is a cold path.
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(line.data(), line.size()).get(doc)) {
    *error = "not JSON";
    return false;
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) {
    *error = "expected a JSON object like {\"cmd\":\"status\"}";
    return false;
  }
  // The DOM keeps every member, duplicates included: a second "cmd" must not silently win.
  std::string_view verb;
  std::string_view venue;
  bool have_cmd = false;
  bool have_venue = false;
  for (auto [key, value] : obj) {
    const bool is_cmd = key == "cmd";
    if (!is_cmd && key != "venue") {
      *error = "unknown field \"" + std::string(key) + "\" (expected cmd, venue)";
      return false;
    }
    bool& seen = is_cmd ? have_cmd : have_venue;
    if (seen) {
      *error = "duplicate field \"" + std::string(key) + "\"";
      return false;
    }
    seen = true;
    if (value.get_string().get(is_cmd ? verb : venue)) {
      *error = is_cmd ? "\"cmd\" must be a string" : "\"venue\" must be a string";
      return false;
    }
  }
  if (!have_cmd) {
    *error = "missing \"cmd\"";
    return false;
  }
  if (verb == "status") {
    cmd->verb = AdminVerb::kStatus;
  } else if (verb == "kill") {
    cmd->verb = AdminVerb::kKill;
  } else if (verb == "resume") {
    cmd->verb = AdminVerb::kResume;
  } else if (verb == "halt") {
    cmd->verb = AdminVerb::kHalt;
  } else if (verb == "reduce") {
    cmd->verb = AdminVerb::kReduce;
  } else if (verb == "help") {
    cmd->verb = AdminVerb::kHelp;
  } else {
    *error = "unknown command \"" + std::string(verb) + "\" (status, kill, resume, halt, reduce, help)";
    return false;
  }
  cmd->venue.clear();
  if (!have_venue) return true;
  if (venue.empty()) {
    *error = "\"venue\" must not be empty (leave it out for every venue)";
    return false;
  }
  switch (cmd->verb) {
    case AdminVerb::kHalt:
    case AdminVerb::kReduce:
    case AdminVerb::kResume:
      cmd->venue = std::string(venue);
      return true;
    case AdminVerb::kKill: {
      const std::string name = IsPlainName(venue) ? std::string(venue) : std::string("okx");
      *error = "kill is always global and takes no \"venue\"; to stop one venue send {\"cmd\":\"halt\",\"venue\":\"" +
               name + "\"}";
      return false;
    }
    case AdminVerb::kStatus:
    case AdminVerb::kHelp:
      *error = "\"" + std::string(verb) + "\" takes no \"venue\" (only halt, reduce and resume do)";
      return false;
  }
  *error = "unhandled command";
  return false;
}

}  // namespace hs::control
