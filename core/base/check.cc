#include "core/base/check.h"

#include <cstdio>
#include <cstdlib>

namespace hs::base::internal {

[[noreturn]] void CheckFailed(const char* file, int line, const char* expr, const char* msg) noexcept {
  std::fprintf(stderr, "FATAL %s:%d: check failed: %s: %s\n", file, line, expr, msg);
  std::fflush(stderr);
  std::abort();
}

}  // namespace hs::base::internal
