#include "core/control/admin_parse.h"

#include <simdjson.h>

#include "risk/breakers.h"

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

constexpr AdminVerb kVerbs[] = {AdminVerb::kStatus,    AdminVerb::kKill,   AdminVerb::kResume, AdminVerb::kHalt,
                                AdminVerb::kReduce,    AdminVerb::kHelp,   AdminVerb::kPositions,
                                AdminVerb::kOrders,    AdminVerb::kPnl,    AdminVerb::kBreakers,
                                AdminVerb::kLimits,    AdminVerb::kReset};

std::string VerbList() {
  std::string o;
  for (AdminVerb v : kVerbs) o += (o.empty() ? "" : ", ") + std::string(AdminVerbName(v));
  return o;
}

std::string BreakerList() {
  std::string o;
  for (int b = 0; b < risk::kBreakers; ++b)
    o += (o.empty() ? "" : ", ") + std::string(risk::BreakerName(static_cast<risk::BreakerId>(b)));
  return o;
}

// The fields a line may carry; each at most once, each a string.
enum Field { kCmd = 0, kVenue, kName, kFormat, kFields };
constexpr const char* kFieldNames[kFields] = {"cmd", "venue", "name", "format"};

}  // namespace

const char* AdminVerbName(AdminVerb v) noexcept {
  switch (v) {
    case AdminVerb::kStatus: return "status";
    case AdminVerb::kKill: return "kill";
    case AdminVerb::kResume: return "resume";
    case AdminVerb::kHalt: return "halt";
    case AdminVerb::kReduce: return "reduce";
    case AdminVerb::kHelp: return "help";
    case AdminVerb::kPositions: return "positions";
    case AdminVerb::kOrders: return "orders";
    case AdminVerb::kPnl: return "pnl";
    case AdminVerb::kBreakers: return "breakers";
    case AdminVerb::kLimits: return "limits";
    case AdminVerb::kReset: return "reset";
  }
  return "?";
}

bool IsReadOnly(AdminVerb v) noexcept {
  switch (v) {
    case AdminVerb::kStatus:
    case AdminVerb::kHelp:
    case AdminVerb::kPositions:
    case AdminVerb::kOrders:
    case AdminVerb::kPnl:
    case AdminVerb::kBreakers:
    case AdminVerb::kLimits:
      return true;
    case AdminVerb::kKill:
    case AdminVerb::kResume:
    case AdminVerb::kHalt:
    case AdminVerb::kReduce:
    case AdminVerb::kReset:
      return false;
  }
  return false;  // an unknown value changes nothing only if it is never let through
}

const char* AdminRoleName(AdminRole r) noexcept { return r == AdminRole::kOperator ? "operator" : "viewer"; }

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
  std::string_view value[kFields];
  bool have[kFields] = {};
  for (auto [key, v] : obj) {
    int f = 0;
    while (f < kFields && key != kFieldNames[f]) ++f;
    if (f == kFields) {
      *error = "unknown field \"" + std::string(key) + "\" (expected cmd, venue, name, format)";
      return false;
    }
    if (have[f]) {
      *error = "duplicate field \"" + std::string(key) + "\"";
      return false;
    }
    have[f] = true;
    if (v.get_string().get(value[f])) {
      *error = "\"" + std::string(key) + "\" must be a string";
      return false;
    }
  }
  if (!have[kCmd]) {
    *error = "missing \"cmd\"";
    return false;
  }
  const std::string_view verb = value[kCmd];
  bool known = false;
  for (AdminVerb v : kVerbs) {
    if (verb == AdminVerbName(v)) {
      cmd->verb = v;
      known = true;
      break;
    }
  }
  if (!known) {
    *error = "unknown command \"" + std::string(verb) + "\" (" + VerbList() + ")";
    return false;
  }
  cmd->venue.clear();
  cmd->name.clear();
  cmd->breaker = 0;
  cmd->format = AdminFormat::kJson;
  const std::string verb_text(verb);

  if (have[kVenue]) {
    const std::string_view venue = value[kVenue];
    if (venue.empty()) {
      *error = "\"venue\" must not be empty (leave it out for every venue)";
      return false;
    }
    switch (cmd->verb) {
      case AdminVerb::kHalt:
      case AdminVerb::kReduce:
      case AdminVerb::kResume:
        cmd->venue = std::string(venue);
        break;
      case AdminVerb::kKill: {
        const std::string name = IsPlainName(venue) ? std::string(venue) : std::string("okx");
        *error = "kill is always global and takes no \"venue\"; to stop one venue send {\"cmd\":\"halt\",\"venue\":\"" +
                 name + "\"}";
        return false;
      }
      default:
        *error = "\"" + verb_text + "\" takes no \"venue\" (only halt, reduce and resume do)";
        return false;
    }
  }

  if (cmd->verb == AdminVerb::kReset) {
    if (!have[kName]) {
      *error = "reset needs \"name\": the breaker to reset (" + BreakerList() + ")";
      return false;
    }
    const std::string name(value[kName]);
    if (name.empty()) {
      *error = "\"name\" must not be empty: the breaker to reset (" + BreakerList() + ")";
      return false;
    }
    risk::BreakerId id{};
    // c_str stops at an embedded NUL: a name holding one must not match its prefix.
    if (name.find('\0') != std::string::npos || !risk::ParseBreakerName(name.c_str(), &id)) {
      *error = "unknown breaker \"" + (IsPlainName(name) ? name : std::string("?")) + "\" (breakers: " + BreakerList() + ")";
      return false;
    }
    cmd->name = name;
    cmd->breaker = static_cast<uint8_t>(id);
  } else if (have[kName]) {
    *error = "\"" + verb_text + "\" takes no \"name\" (only reset does)";
    return false;
  }

  if (have[kFormat]) {
    const std::string_view format = value[kFormat];
    if (!IsReadOnly(cmd->verb)) {
      *error = "\"" + verb_text + "\" takes no \"format\" (only the read-only commands do: status, help, positions, "
               "orders, pnl, breakers, limits)";
      return false;
    }
    if (format == "json") {
      cmd->format = AdminFormat::kJson;
    } else if (format == "table") {
      if (cmd->verb == AdminVerb::kStatus) {
        *error = "status is JSON only (\"format\":\"json\" or none); positions, orders, pnl, breakers and limits "
                 "have tables";
        return false;
      }
      cmd->format = AdminFormat::kTable;
    } else {
      *error = "\"format\" must be \"json\" or \"table\"";
      return false;
    }
  }
  return true;
}

}  // namespace hs::control
