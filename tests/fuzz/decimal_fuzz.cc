// libFuzzer: the decimal parsers agree (fast path, one-pass quoted, checked) and round-trip.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/base/decimal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 64) return 0;
  const int scale = data[0] % 10;
  const std::string s(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (hs::Sign sign : {hs::Sign::kNonNegative, hs::Sign::kAllowNegative}) {
    int64_t a = 0, b = 0;
    const auto ea = hs::decimal_internal::ParseRaw(s, scale, sign, &a);
    const auto eb = hs::decimal_internal::ParseRawChecked(s, scale, sign, &b);
    if (ea != eb || (ea == hs::DecimalError::kOk && a != b)) std::abort();
    if (ea == hs::DecimalError::kOk) {
      char out[hs::kMaxDecimalText];
      hs::FormatDecimal(a, scale, out);
      int64_t back = 0;
      if (hs::decimal_internal::ParseRawChecked(out, scale, hs::Sign::kAllowNegative, &back) != hs::DecimalError::kOk ||
          back != a)
        std::abort();
    }
  }
  // A tail after the closing quote as long as a real message's, so the 16-byte vector path runs
  // whenever the input is short enough for it; the scalar path runs on the longer ones.
  const std::string q = "\"" + s + "\"],[\"1.5\",\"2\"]]";
  int64_t v = 0, w = 0;
  std::string_view text;
  hs::DecimalError err;
  const char* next = hs::decimal_internal::ParseQuotedRaw(q.data(), q.data() + q.size(), scale, &v, &text, &err);
  const auto ec = hs::decimal_internal::ParseRawChecked(s, scale, hs::Sign::kNonNegative, &w);
  if (next != nullptr && (ec != hs::DecimalError::kOk || v != w)) {
    // Only a string containing a quote may legitimately differ (the quoted parser stops at it).
    if (s.find('"') == std::string::npos) std::abort();
  }
  return 0;
}
