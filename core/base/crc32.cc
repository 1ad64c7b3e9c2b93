#include "core/base/crc32.h"

#include <array>
#include <cstring>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
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

}  // namespace

uint32_t Crc32IeeeUpdate(uint32_t crc, const void* data, size_t len) noexcept {
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
