// libFuzzer: admin command lines from outside never crash the parser, and what it accepts keeps
// the command rules (a venue only on halt/reduce/resume and never empty; a name only on reset,
// which always has one that names a breaker; a table only for the read-only views, never status;
// no over-long line).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/control/admin_parse.h"
#include "risk/breakers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using hs::control::AdminVerb;
  hs::control::AdminCommand c;
  std::string err;
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  if (!hs::control::ParseAdminCommand(line, &c, &err)) {
    if (err.empty()) std::abort();  // a refusal always says why
    return 0;
  }
  if (size == 0 || size > hs::control::kMaxAdminLineBytes) std::abort();
  const bool takes_venue = c.verb == AdminVerb::kHalt || c.verb == AdminVerb::kReduce || c.verb == AdminVerb::kResume;
  if (!takes_venue && !c.venue.empty()) std::abort();
  if ((c.verb == AdminVerb::kReset) == c.name.empty()) std::abort();
  if (c.verb == AdminVerb::kReset) {
    hs::risk::BreakerId id{};
    if (!hs::risk::ParseBreakerName(c.name.c_str(), &id) || static_cast<uint8_t>(id) != c.breaker) std::abort();
  }
  if (c.format == hs::control::AdminFormat::kTable && (!hs::control::IsReadOnly(c.verb) || c.verb == AdminVerb::kStatus))
    std::abort();
  return 0;
}
