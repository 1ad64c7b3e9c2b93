// hs::base — inline copies of short byte runs.
//
// A libc memcpy/memmove call with a run-time length costs a call and a size dispatch, several
// times the copy itself for the 1..24-byte decimal texts books and checksums move around. These
// copy n <= 32 bytes with at most two fixed-size (possibly overlapping) moves, reading and
// writing only [src, src+n) and [dst, dst+n).
#pragma once

#include <cstddef>
#include <cstring>

namespace hs {

// Copies n bytes, n <= 32. dst and src must not overlap.
inline void CopyShort(char* dst, const char* src, size_t n) noexcept {
  if (n >= 16) {
    char a[16], b[16];
    std::memcpy(a, src, 16);
    std::memcpy(b, src + n - 16, 16);
    std::memcpy(dst, a, 16);
    std::memcpy(dst + n - 16, b, 16);
  } else if (n >= 8) {
    char a[8], b[8];
    std::memcpy(a, src, 8);
    std::memcpy(b, src + n - 8, 8);
    std::memcpy(dst, a, 8);
    std::memcpy(dst + n - 8, b, 8);
  } else if (n >= 4) {
    char a[4], b[4];
    std::memcpy(a, src, 4);
    std::memcpy(b, src + n - 4, 4);
    std::memcpy(dst, a, 4);
    std::memcpy(dst + n - 4, b, 4);
  } else {
    for (size_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

}  // namespace hs
