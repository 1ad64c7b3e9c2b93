#include "core/control/admin_parse.h"

#include <simdjson.h>

namespace hs::control {

bool ParseAdminCommand(std::string_view line, AdminCommand* cmd, std::string* error) {
  if (line.empty()) {
    *error = "empty command line";
    return false;
  }
  if (line.size() > 4096) {
    *error = "command line longer than 4096 bytes";
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
  std::string verb;
  bool have_cmd = false;
  for (auto [key, value] : obj) {
    std::string_view val;
    if (key == "cmd") {
      if (value.get_string().get(val)) {
        *error = "\"cmd\" must be a string";
        return false;
      }
      verb = std::string(val);
      have_cmd = true;
    } else if (key == "venue") {
      if (value.get_string().get(val)) {
        *error = "\"venue\" must be a string";
        return false;
      }
      cmd->venue = std::string(val);
    } else {
      *error = "unknown field \"" + std::string(key) + "\" (expected cmd, venue)";
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
    *error = "unknown command \"" + verb + "\" (status, kill, resume, halt, reduce, help)";
    return false;
  }
  return true;
}

}  // namespace hs::control
