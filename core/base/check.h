// hs::base — invariant checks.
//
// HS_CHECK guards invariants on cold paths and stops the process when one breaks: a bug,
// never an expected failure (those are result codes, see STYLE §6). HS_DCHECK is the same on
// hot paths in debug and sanitizer builds, and compiles to nothing in optimized builds.
#pragma once

namespace hs::base::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* expr, const char* msg) noexcept;
}  // namespace hs::base::internal

#define HS_CHECK(cond, msg)                                                       \
  do {                                                                            \
    if (__builtin_expect(!(cond), 0)) {                                           \
      ::hs::base::internal::CheckFailed(__FILE__, __LINE__, #cond, (msg));        \
    }                                                                             \
  } while (0)

#if defined(NDEBUG) && !defined(HS_SANITIZED)
#define HS_DCHECK(cond, msg) \
  do {                       \
  } while (0)
#else
#define HS_DCHECK(cond, msg) HS_CHECK(cond, msg)
#endif
