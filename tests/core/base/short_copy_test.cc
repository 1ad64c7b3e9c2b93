// CopyShort: every length 0..32, at every source and destination alignment in a 16-byte window,
// copies exactly n bytes and writes nothing outside [dst, dst+n).
#include "core/base/short_copy.h"

#include <gtest/gtest.h>

#include <string>

namespace hs {
namespace {

TEST(CopyShort, ExactlyNBytesAtEveryLengthAndAlignment) {
  std::string src(80, '\0');
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<char>('A' + i % 50);
  for (size_t n = 0; n <= 32; ++n) {
    for (size_t s = 0; s < 16; ++s) {
      for (size_t d = 0; d < 16; ++d) {
        std::string dst(80, '#');
        CopyShort(dst.data() + d, src.data() + s, n);
        for (size_t i = 0; i < dst.size(); ++i) {
          const bool inside = i >= d && i < d + n;
          const char want = inside ? src[s + (i - d)] : '#';
          ASSERT_EQ(dst[i], want) << "n " << n << " src+" << s << " dst+" << d << " byte " << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace hs
