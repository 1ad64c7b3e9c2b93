// libFuzzer: admin command lines from outside never crash the parser.
#include <cstdint>
#include <string>

#include "core/control/admin_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hs::control::AdminCommand c;
  std::string err;
  hs::control::ParseAdminCommand(std::string_view(reinterpret_cast<const char*>(data), size), &c, &err);
  return 0;
}
