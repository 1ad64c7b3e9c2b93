#include "core/base/crc32.h"

#include <array>
#include <cstring>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace hs {
namespace {

struct IeeeTables {
  uint32_t t[8][256];
};

constexpr IeeeTables MakeIeeeTables() {
  IeeeTables tb{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    tb.t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (int s = 1; s < 8; ++s) tb.t[s][i] = (tb.t[s - 1][i] >> 8) ^ tb.t[0][tb.t[s - 1][i] & 0xFF];
  }
  return tb;
}

constexpr IeeeTables kIeee = MakeIeeeTables();

constexpr std::array<uint32_t, 256> MakeCastagnoliTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0x82F63B78u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
[[maybe_unused]] constexpr std::array<uint32_t, 256> kCastagnoli = MakeCastagnoliTable();

#if defined(__x86_64__)
// Folding constants for the bit-reflected polynomial 0x04C11DB7 (Intel, "Fast CRC Computation
// for Generic Polynomials Using PCLMULQDQ Instruction"): powers of x modulo P, and the Barrett
// pair. Facts of the polynomial, not tunables.
constexpr int64_t kK1 = 0x154442bd4;  // x^(4·128+32) mod P: fold 512 bits forward
constexpr int64_t kK2 = 0x1c6e41596;  // x^(4·128−32) mod P
constexpr int64_t kK3 = 0x1751997d0;  // x^(128+32) mod P: fold 128 bits forward
constexpr int64_t kK4 = 0x0ccaa009e;  // x^(128−32) mod P
constexpr int64_t kK5 = 0x163cd6124;  // x^64 mod P
constexpr int64_t kPoly = 0x1db710641;  // P (reflected, with x^32)
constexpr int64_t kMu = 0x1f7011641;    // floor(x^64 / P) (reflected)

__attribute__((target("pclmul,sse4.1"))) inline __m128i FoldStep(__m128i x, __m128i k, __m128i next) noexcept {
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)), next);
}

__attribute__((target("pclmul,sse4.1"))) inline __m128i Load(const char* p) noexcept {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// Folds n bytes into the CRC register `state` (pre-inverted, as the table code keeps it).
// REQUIRES: n >= 64 and n % 16 == 0.
__attribute__((target("pclmul,sse4.1"))) uint32_t Fold(uint32_t state, const char* p, size_t n) noexcept {
  __m128i x1 = _mm_xor_si128(Load(p), _mm_cvtsi32_si128(static_cast<int>(state)));
  __m128i x2 = Load(p + 16);
  __m128i x3 = Load(p + 32);
  __m128i x4 = Load(p + 48);
  p += 64;
  n -= 64;
  __m128i k = _mm_set_epi64x(kK2, kK1);
  while (n >= 64) {
    x1 = FoldStep(x1, k, Load(p));
    x2 = FoldStep(x2, k, Load(p + 16));
    x3 = FoldStep(x3, k, Load(p + 32));
    x4 = FoldStep(x4, k, Load(p + 48));
    p += 64;
    n -= 64;
  }
  k = _mm_set_epi64x(kK4, kK3);
  x1 = FoldStep(x1, k, x2);
  x1 = FoldStep(x1, k, x3);
  x1 = FoldStep(x1, k, x4);
  while (n >= 16) {
    x1 = FoldStep(x1, k, Load(p));
    p += 16;
    n -= 16;
  }
  // 128 → 64 bits.
  x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, k, 0x10), _mm_srli_si128(x1, 8));
  // 64 → 32 bits.
  const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
  x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, mask32), _mm_set_epi64x(0, kK5), 0x00),
                     _mm_srli_si128(x1, 4));
  // Barrett reduction to the 32-bit remainder.
  const __m128i u = _mm_set_epi64x(kMu, kPoly);
  __m128i t = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), u, 0x10);
  t = _mm_clmulepi64_si128(_mm_and_si128(t, mask32), u, 0x00);
  return static_cast<uint32_t>(_mm_extract_epi32(_mm_xor_si128(t, x1), 1));
}

bool Detect() noexcept {
  __builtin_cpu_init();
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

const bool kClmul = Detect();
#else
constexpr bool kClmul = false;
#endif

}  // namespace

bool Crc32IeeeFolds() noexcept { return kClmul; }

uint32_t Crc32IeeeUpdate(uint32_t crc, const void* data, size_t len) noexcept {
#if defined(__x86_64__)
  if (kClmul && len >= 64) {
    const auto* p = static_cast<const char*>(data);
    const size_t folded = len & ~static_cast<size_t>(15);
    const uint32_t state = Fold(~crc, p, folded);
    // The table code inverts on entry and exit: hand it the register inverted.
    return Crc32IeeeTableUpdate(~state, p + folded, len - folded);
  }
#endif
  return Crc32IeeeTableUpdate(crc, data, len);
}

uint32_t Crc32IeeeTableUpdate(uint32_t crc, const void* data, size_t len) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  uint32_t c = ~crc;
  while (len >= 8) {
    uint32_t lo;
    uint32_t hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= c;
    c = kIeee.t[7][lo & 0xFF] ^ kIeee.t[6][(lo >> 8) & 0xFF] ^ kIeee.t[5][(lo >> 16) & 0xFF] ^
        kIeee.t[4][lo >> 24] ^ kIeee.t[3][hi & 0xFF] ^ kIeee.t[2][(hi >> 8) & 0xFF] ^
        kIeee.t[1][(hi >> 16) & 0xFF] ^ kIeee.t[0][hi >> 24];
    p += 8;
    len -= 8;
  }
  while (len-- > 0) c = kIeee.t[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
  return ~c;
}

uint32_t Crc32cUpdate(uint32_t crc, const void* data, size_t len) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  uint32_t c = ~crc;
#if defined(__SSE4_2__)
  uint64_t c64 = c;
  while (len >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c64 = _mm_crc32_u64(c64, v);
    p += 8;
    len -= 8;
  }
  c = static_cast<uint32_t>(c64);
  while (len-- > 0) c = _mm_crc32_u8(c, *p++);
#else
  while (len-- > 0) c = kCastagnoli[(c ^ *p++) & 0xFF] ^ (c >> 8);
#endif
  return ~c;
}

}  // namespace hs
