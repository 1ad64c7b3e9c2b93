#include "core/base/crc32.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <random>
#include <string>

namespace hs {
namespace {

TEST(Crc32, KnownCheckValues) {
  EXPECT_EQ(Crc32Ieee("123456789"), 0xCBF43926u);  // the standard check value
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(Crc32Ieee(""), 0u);
}

TEST(Crc32, VenueChecksumStrings) {
  // vectors.json: okx_book_checksum_examples (signed reinterpretation) and kraken.
  EXPECT_EQ(static_cast<int32_t>(Crc32Ieee("3366.1:7:3366.8:9:3366:6:3368:8")), -1881014294);
  EXPECT_EQ(static_cast<int32_t>(Crc32Ieee("3366.1:7:3366.8:9:3368:8:3372:8")), 831078360);
}

// Differential against zlib over random lengths and split points (seeded).
TEST(Crc32, MatchesZlibIncrementally) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 300, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    const size_t cut = s.empty() ? 0 : rng() % s.size();
    const uint32_t a = Crc32IeeeUpdate(Crc32IeeeUpdate(0, s.data(), cut), s.data() + cut, s.size() - cut);
    const uint32_t z = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
    ASSERT_EQ(a, z) << "len " << s.size();
    // CRC-32C is incremental too.
    ASSERT_EQ(Crc32cUpdate(Crc32cUpdate(0, s.data(), cut), s.data() + cut, s.size() - cut), Crc32c(s.data(), s.size()));
  }
}

// The folded (PCLMULQDQ) path equals the table path and zlib on every length 0..2100 at every
// alignment mod 64, whole and split at a random point (seeded).
TEST(Crc32, FoldedPathMatchesTheTables) {
  std::printf("crc32: carry-less multiply %s\n", Crc32IeeeFolds() ? "in use" : "not available");
  std::mt19937_64 rng(99);
  std::string buf(4200, '\0');
  for (char& c : buf) c = static_cast<char>(rng());
  for (size_t len = 0; len < 2100; ++len) {
    const char* p = buf.data() + rng() % 64;
    const uint32_t table = Crc32IeeeTableUpdate(0, p, len);
    ASSERT_EQ(table, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(p), static_cast<uInt>(len)))) << len;
    ASSERT_EQ(Crc32IeeeUpdate(0, p, len), table) << len;
    const size_t cut = len == 0 ? 0 : rng() % len;
    ASSERT_EQ(Crc32IeeeUpdate(Crc32IeeeUpdate(0, p, cut), p + cut, len - cut), table) << len << " cut " << cut;
  }
}

}  // namespace
}  // namespace hs
