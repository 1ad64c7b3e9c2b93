// hs::venues::internal — stage 1 over a message's envelope only.
//
// Venues send a book message's bulk array last (OKX and Kraken `data`, Coinbase `events`), and
// the parsers read that array with strict in-place scanners anyway. simdjson's stage 1 over the
// whole frame — structural indexing and UTF-8 validation of every byte — is then mostly spent
// on bytes On-Demand never visits. EnvelopeSplit lets a parser run On-Demand over the envelope
// alone: it finds the array's key, copies the bytes before it into a scratch buffer and closes
// them with '}' (a complete JSON object when the key is a top-level member), and checks that
// the array and whatever follows is printable ASCII, which is what stage 1 would have enforced
// there (no control characters inside strings, no multi-byte sequence to validate).
//
// It only ever proposes: if the key is not where it seems (inside a nested value, a string),
// the copied prefix is not a valid object and On-Demand says so; the caller then parses the
// whole frame as usual. Nothing allocates.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace hs::venues::internal {

// How far into a frame the key is looked for (the envelopes before the arrays are ~50-120 bytes).
inline constexpr size_t kMaxEnvelope = 512;
// A scratch buffer for EnvelopeSplit: the prefix, its closing brace, simdjson's padding.
inline constexpr size_t kEnvelopeScratch = kMaxEnvelope + 1 + simdjson::SIMDJSON_PADDING;

// True when every byte of [p, end) is printable ASCII or DEL (0x20..0x7f). Signed bytes: 0x80
// and above are negative, so "every byte >= 0x20" is one signed minimum over the range. The
// loop folds 64 bytes per branch (a 2.7 KB Coinbase frame is ~40 iterations, not ~170) and
// finishes with one overlapping 16-byte load instead of a byte loop.
inline bool AllPrintableAscii(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
  if (end - p >= 16) {
    const char* const last = end - 16;  // the final block, overlapping what was checked
#if defined(__AVX2__)
    const __m256i limit32 = _mm256_set1_epi8(0x1f);
    for (; end - p >= 64; p += 64) {
      const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
      const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
      if (_mm256_movemask_epi8(_mm256_cmpgt_epi8(_mm256_min_epi8(a, b), limit32)) != -1) return false;
    }
#endif
    const __m128i limit = _mm_set1_epi8(0x1f);
    for (; last - p > 0; p += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      if (_mm_movemask_epi8(_mm_cmpgt_epi8(v, limit)) != 0xffff) return false;
    }
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(last));
    return _mm_movemask_epi8(_mm_cmpgt_epi8(v, limit)) == 0xffff;
  }
#endif
  for (; p != end; ++p)
    if (static_cast<signed char>(*p) < 0x20) return false;
  return true;
}

// Looks for `key` — written with its comma and the array's bracket, e.g. `,"data":[` — in the
// first kMaxEnvelope bytes of [data, data+len). On success copies the bytes before it to
// scratch (kEnvelopeScratch bytes), appends '}', sets *value to the array's '[' in the frame and
// returns the length of the closed prefix; returns 0 when the key is absent or the bytes from
// the array on are not all printable ASCII.
inline size_t EnvelopeSplit(const char* data, size_t len, std::string_view key, char* scratch,
                            const char** value) noexcept {
  const std::string_view window(data, len < kMaxEnvelope ? len : kMaxEnvelope);
  const size_t at = window.find(key);
  if (at == std::string_view::npos || at == 0) return 0;
  const char* const array = data + at + key.size() - 1;
  if (!AllPrintableAscii(array, data + len)) return 0;
  std::memcpy(scratch, data, at);
  scratch[at] = '}';
  *value = array;
  return at + 1;
}

}  // namespace hs::venues::internal
