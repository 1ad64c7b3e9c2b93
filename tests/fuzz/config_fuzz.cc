// libFuzzer: any config text yields a config or an error; never an escaping exception or crash.
#include <cstdint>
#include <string>

#include "core/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  auto c = hs::config::ParseConfig(std::string(reinterpret_cast<const char*>(data), size), "fuzz.toml");
  (void)c;
  return 0;
}
