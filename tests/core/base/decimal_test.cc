#include "core/base/decimal.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>
#include <string>

namespace hs {
namespace {

int64_t RawOf(std::string_view s, int scale, Sign sign = Sign::kAllowNegative) {
  int64_t raw = 0;
  const DecimalError e = ParseDecimalRaw(s, scale, sign, &raw);
  EXPECT_EQ(e, DecimalError::kOk) << "'" << s << "': " << DecimalErrorText(e);
  return raw;
}

DecimalError ErrOf(std::string_view s, int scale = 8, Sign sign = Sign::kAllowNegative) {
  int64_t raw = 0;
  return ParseDecimalRaw(s, scale, sign, &raw);
}

TEST(DecimalParse, AcceptsTheVenueForms) {
  EXPECT_EQ(RawOf("25.35190000", 8), 2535190000);
  EXPECT_EQ(RawOf("0.1", 8), 10000000);
  EXPECT_EQ(RawOf("8477", 8), 847700000000);
  EXPECT_EQ(RawOf("-1.5", 8), -150000000);
  EXPECT_EQ(RawOf("0", 8), 0);
  EXPECT_EQ(RawOf("-0", 8), 0);
  EXPECT_EQ(RawOf("0.0000046", 9), 4600);
  EXPECT_EQ(RawOf("007.50", 2), 750);  // leading zeros are harmless
  EXPECT_EQ(RawOf("45283.5", 9), 45283500000000);
}

TEST(DecimalParse, TypedForms) {
  EXPECT_EQ(ParseDecimal<Price>("25.3519").value.raw(), 25351900000);
  EXPECT_EQ(ParseDecimal<Qty>("31.21000000").value.raw(), 3121000000);
  EXPECT_EQ(ParseDecimal<Rate>("0.001").value.raw(), 100000);
  EXPECT_EQ(ParseDecimal<Amount>("-2.5", Sign::kAllowNegative).value.raw(), -2500000000);
}

TEST(DecimalParse, RejectsMalformedWithTheRightReason) {
  EXPECT_EQ(ErrOf(""), DecimalError::kEmpty);
  EXPECT_EQ(ErrOf("."), DecimalError::kNoDigits);
  EXPECT_EQ(ErrOf("-"), DecimalError::kNoDigits);
  EXPECT_EQ(ErrOf("1."), DecimalError::kNoDigits);
  EXPECT_EQ(ErrOf(".5"), DecimalError::kNoDigits);
  EXPECT_EQ(ErrOf("-.5"), DecimalError::kNoDigits);
  EXPECT_EQ(ErrOf("1.2.3"), DecimalError::kMultipleDots);
  EXPECT_EQ(ErrOf("1..2"), DecimalError::kMultipleDots);
  EXPECT_EQ(ErrOf("1e5"), DecimalError::kExponent);
  EXPECT_EQ(ErrOf("1E-3"), DecimalError::kExponent);
  EXPECT_EQ(ErrOf("1.5e3"), DecimalError::kExponent);
  EXPECT_EQ(ErrOf("abc"), DecimalError::kBadChar);
  EXPECT_EQ(ErrOf("1,5"), DecimalError::kBadChar);
  EXPECT_EQ(ErrOf("+1"), DecimalError::kBadChar);
  EXPECT_EQ(ErrOf("--1"), DecimalError::kBadChar);
  EXPECT_EQ(ErrOf("0x10"), DecimalError::kBadChar);
  EXPECT_EQ(ErrOf("  1"), DecimalError::kWhitespace);
  EXPECT_EQ(ErrOf("1 "), DecimalError::kWhitespace);
  EXPECT_EQ(ErrOf("1\t"), DecimalError::kWhitespace);
  EXPECT_EQ(ErrOf("NaN"), DecimalError::kBadChar);
  EXPECT_EQ(ErrOf("inf"), DecimalError::kBadChar);
  EXPECT_EQ(ErrOf(std::string_view("1\0", 2)), DecimalError::kBadChar);
}

TEST(DecimalParse, SignOnlyWhereAllowed) {
  EXPECT_EQ(ErrOf("-1", 8, Sign::kNonNegative), DecimalError::kSignNotAllowed);
  EXPECT_EQ(ErrOf("-0", 8, Sign::kNonNegative), DecimalError::kSignNotAllowed);
  EXPECT_EQ(ParseDecimal<Qty>("-1").error, DecimalError::kSignNotAllowed);
  EXPECT_TRUE(ParseDecimal<Qty>("1").ok());
}

TEST(DecimalParse, ExtraDecimalsOnlyWhenZero) {
  EXPECT_EQ(RawOf("1.123456780000", 8), 112345678);
  EXPECT_EQ(ErrOf("1.123456781", 8), DecimalError::kTooPrecise);
  EXPECT_EQ(ErrOf("0.0000000001", 9), DecimalError::kTooPrecise);
  EXPECT_EQ(ParseDecimal<Qty>("0.000000001").error, DecimalError::kTooPrecise);
  EXPECT_EQ(ParseDecimal<Qty>("0.000000010").value.raw(), 1);
  // A syntax error beyond the scale is still reported as syntax.
  EXPECT_EQ(ErrOf("1.123456789.1", 8), DecimalError::kMultipleDots);
  EXPECT_EQ(ErrOf("1.123456789e1", 8), DecimalError::kExponent);
}

TEST(DecimalParse, OverflowAtTheExactBoundary) {
  // int64 max = 9223372036854775807: at scale 9 the largest value is 9223372036.854775807.
  EXPECT_EQ(RawOf("9223372036.854775807", 9), INT64_MAX);
  EXPECT_EQ(ErrOf("9223372036.854775808", 9, Sign::kNonNegative), DecimalError::kOverflow);
  EXPECT_EQ(RawOf("-9223372036.854775808", 9), INT64_MIN);
  EXPECT_EQ(ErrOf("-9223372036.854775809", 9), DecimalError::kOverflow);
  EXPECT_EQ(ErrOf("9223372037", 9), DecimalError::kOverflow);  // overflows only when scaled
  EXPECT_EQ(ErrOf("99999999999999999999999999", 0), DecimalError::kOverflow);
  EXPECT_EQ(RawOf("9223372036854775807", 0), INT64_MAX);
  EXPECT_EQ(ErrOf("9223372036854775808", 0, Sign::kNonNegative), DecimalError::kOverflow);
}

TEST(DecimalParse, ErrorTextsAreDistinct) {
  std::set<std::string> texts;
  for (int e = 0; e <= static_cast<int>(DecimalError::kTooPrecise); ++e)
    texts.insert(DecimalErrorText(static_cast<DecimalError>(e)));
  EXPECT_EQ(texts.size(), static_cast<size_t>(DecimalError::kTooPrecise) + 1);
}

std::string Fmt(int64_t raw, int scale) {
  char buf[kMaxDecimalText];
  const int n = FormatDecimal(raw, scale, buf);
  EXPECT_EQ(static_cast<size_t>(n), std::strlen(buf));
  return buf;
}

std::string FmtFixed(int64_t raw, int scale, int decimals) {
  char buf[kMaxDecimalText];
  const int n = FormatDecimalFixed(raw, scale, decimals, buf);
  if (n < 0) return "<error>";
  return std::string(buf, static_cast<size_t>(n));
}

TEST(DecimalFormat, Shortest) {
  EXPECT_EQ(Fmt(2535190000, 8), "25.3519");
  EXPECT_EQ(Fmt(847700000000, 8), "8477");
  EXPECT_EQ(Fmt(-150000000, 8), "-1.5");
  EXPECT_EQ(Fmt(0, 8), "0");
  EXPECT_EQ(Fmt(1, 9), "0.000000001");
  EXPECT_EQ(Fmt(-1, 9), "-0.000000001");
  EXPECT_EQ(Fmt(INT64_MAX, 9), "9223372036.854775807");
  EXPECT_EQ(Fmt(INT64_MIN, 9), "-9223372036.854775808");
  EXPECT_EQ(Fmt(INT64_MAX, 0), "9223372036854775807");
}

TEST(DecimalFormat, FixedDecimalsNeverRound) {
  EXPECT_EQ(FmtFixed(23416100000000, 9, 8), "23416.10000000");
  EXPECT_EQ(FmtFixed(847000, 8, 8), "0.00847000");
  EXPECT_EQ(FmtFixed(847700000000, 8, 0), "8477");
  EXPECT_EQ(FmtFixed(45281000000000, 9, 1), "45281.0");
  EXPECT_EQ(FmtFixed(15, 1, 3), "1.500");   // more decimals than the scale: zero padded
  EXPECT_EQ(FmtFixed(123456789, 8, 2), "<error>");  // would need rounding
  EXPECT_EQ(FmtFixed(-5, 1, 2), "-0.50");
}

TEST(DecimalFormat, DecimalsNeeded) {
  EXPECT_EQ(DecimalsNeeded(10000000, 9), 2);  // 0.01
  EXPECT_EQ(DecimalsNeeded(1000, 8), 5);      // 0.00001
  EXPECT_EQ(DecimalsNeeded(100000000, 8), 0);
  EXPECT_EQ(DecimalsNeeded(1, 8), 8);
}

// Every value printed then parsed comes back identical, across scales and signs (seeded).
TEST(DecimalRoundTrip, RandomValues) {
  const uint64_t seed = 0x5eed1234;
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 200000; ++i) {
    const int scale = static_cast<int>(rng() % 10);
    int64_t raw = static_cast<int64_t>(rng());
    if (i % 3 == 0) raw %= 1'000'000'000;  // plenty of small values too
    char buf[kMaxDecimalText];
    FormatDecimal(raw, scale, buf);
    int64_t back = 0;
    ASSERT_EQ(ParseDecimalRaw(buf, scale, Sign::kAllowNegative, &back), DecimalError::kOk) << buf << " seed " << seed;
    ASSERT_EQ(back, raw) << buf << " scale " << scale << " seed " << seed;
    const int d = DecimalsNeeded(raw, scale) + static_cast<int>(rng() % 4);
    if (d <= 18) {
      ASSERT_GE(FormatDecimalFixed(raw, scale, d, buf), 0);
      ASSERT_EQ(ParseDecimalRaw(buf, scale, Sign::kAllowNegative, &back), DecimalError::kOk) << buf;
      ASSERT_EQ(back, raw);
    }
  }
}

// Every single-character string and every two-character string over a relevant alphabet
// parses or fails without crashing, and accepted ones round-trip.
TEST(DecimalParse, ExhaustiveShortStrings) {
  const std::string alphabet = "0123456789.-+eE x";
  for (char a : alphabet) {
    for (char b : alphabet) {
      for (char c : alphabet) {
        const std::string s = {a, b, c};
        int64_t raw = 0;
        const DecimalError e = ParseDecimalRaw(s, 2, Sign::kAllowNegative, &raw);
        if (e == DecimalError::kOk) {
          char buf[kMaxDecimalText];
          FormatDecimal(raw, 2, buf);
          int64_t again = 0;
          ASSERT_EQ(ParseDecimalRaw(buf, 2, Sign::kAllowNegative, &again), DecimalError::kOk) << s;
          ASSERT_EQ(again, raw) << s;
        }
      }
    }
  }
}

}  // namespace
}  // namespace hs

namespace hs {
namespace {
// The inline fast path and the fully checked path agree on every input: same value, same error
// (seeded random strings over a decimal-ish alphabet, all lengths up to 30, scales 0..9).
TEST(DecimalParse, FastPathAgreesWithCheckedPath) {
  const uint64_t seed = 0xdec1;
  std::mt19937_64 rng(seed);
  const char alphabet[] = "00000123456789999...-e x";
  for (int i = 0; i < 400000; ++i) {
    std::string s(rng() % 31, '0');
    for (char& c : s) c = alphabet[rng() % (sizeof alphabet - 1)];
    if (i % 2 == 0 && s.size() > 3) s[rng() % s.size()] = '.';
    const int scale = static_cast<int>(rng() % 10);
    for (Sign sign : {Sign::kNonNegative, Sign::kAllowNegative}) {
      int64_t a = 123, b = 456;
      const DecimalError ea = decimal_internal::ParseRaw(s, scale, sign, &a);
      const DecimalError eb = decimal_internal::ParseRawChecked(s, scale, sign, &b);
      ASSERT_EQ(ea, eb) << "'" << s << "' scale " << scale << " seed " << seed;
      if (ea == DecimalError::kOk) {
        ASSERT_EQ(a, b) << "'" << s << "' scale " << scale;
      }
    }
  }
}
}  // namespace
}  // namespace hs

namespace hs {
namespace {
// The one-pass quoted parser (vector and scalar paths) agrees with the checked parser on the
// string's contents (seeded).
TEST(DecimalParse, QuotedOnePassAgreesWithChecked) {
  const uint64_t seed = 0x9007e;
  std::mt19937_64 rng(seed);
  const char alphabet[] = "00000123456789999...-e x\\";
  for (int i = 0; i < 600000; ++i) {
    std::string s(rng() % 31, '0');
    for (char& c : s) c = alphabet[rng() % (sizeof alphabet - 1)];
    const int scale = static_cast<int>(rng() % 10);
    // Half the time a long tail follows the closing quote, as in a real message, so the 16-byte
    // vector path runs; the short tail keeps the scalar path covered.
    const std::string quoted = "\"" + s + (i % 2 == 0 ? "\"],[" : "\"],[\"7.25\",\"0.5\"]]");
    int64_t a = 0, b = 0;
    std::string_view text;
    DecimalError err = DecimalError::kOk;
    const char* next = decimal_internal::ParseQuotedRaw(quoted.data(), quoted.data() + quoted.size(), scale, &a, &text, &err);
    const DecimalError eb = decimal_internal::ParseRawChecked(s, scale, Sign::kNonNegative, &b);
    if (s.find('\\') != std::string::npos) {
      ASSERT_EQ(next, nullptr) << s;
      continue;
    }
    ASSERT_EQ(next != nullptr, eb == DecimalError::kOk) << "'" << s << "' scale " << scale << " seed " << seed;
    if (next != nullptr) {
      ASSERT_EQ(a, b) << s;
      ASSERT_EQ(text, s);
      ASSERT_EQ(*next, ']');
    } else {
      ASSERT_EQ(err, eb) << s;
    }
  }
}
}  // namespace
}  // namespace hs

namespace hs {
namespace {
// Every shape a venue sends — 1..17 integer digits, no dot or 1..11 fraction digits, every
// scale — through the quoted parser with a message-like tail (the vector path where it applies,
// the scalar path beyond it): the same value and text as the checked parser, or the same error.
TEST(DecimalParse, QuotedEveryShapeAgreesWithChecked) {
  const uint64_t seed = 0x5eed16;
  std::mt19937_64 rng(seed);
  int vector_sized = 0;
  for (int int_len = 1; int_len <= 17; ++int_len) {
    for (int frac_len = 0; frac_len <= 11; ++frac_len) {
      for (int scale = 0; scale <= 9; ++scale) {
        for (int rep = 0; rep < 20; ++rep) {
          std::string s;
          for (int i = 0; i < int_len; ++i) s += static_cast<char>('0' + (i == 0 && int_len > 1 ? 1 + rng() % 9 : rng() % 10));
          if (frac_len > 0) {
            s += '.';
            for (int i = 0; i < frac_len; ++i) s += static_cast<char>('0' + rng() % 10);
          }
          const std::string quoted = "\"" + s + "\",\"0\",\"12\"],[\"30000.5\",\"1\"]]";
          int64_t a = -1, b = -2;
          std::string_view text;
          DecimalError err = DecimalError::kOk;
          const char* next =
              decimal_internal::ParseQuotedRaw(quoted.data(), quoted.data() + quoted.size(), scale, &a, &text, &err);
          const DecimalError eb = decimal_internal::ParseRawChecked(s, scale, Sign::kNonNegative, &b);
          ASSERT_EQ(next != nullptr, eb == DecimalError::kOk) << "'" << s << "' scale " << scale << " seed " << seed;
          if (next != nullptr) {
            ASSERT_EQ(a, b) << "'" << s << "' scale " << scale;
            ASSERT_EQ(text, s);
            ASSERT_EQ(*next, ',');
          } else {
            ASSERT_EQ(err, eb) << s;
          }
          if (s.size() < 16) ++vector_sized;
        }
      }
    }
  }
  EXPECT_GT(vector_sized, 10000);  // the generator reaches the vector path's range
}
}  // namespace
}  // namespace hs

namespace hs {
namespace {
// The number-token parser reads the longest run of digits and dots and judges it as the checked
// parser does, through the vector path (a long tail) and the scalar path (a short one).
TEST(DecimalParse, NumberTokenAgreesWithChecked) {
  const uint64_t seed = 0x70ce;
  std::mt19937_64 rng(seed);
  const char alphabet[] = "0000012345678999..e-,}";
  int ok = 0;
  for (int i = 0; i < 300000; ++i) {
    std::string s(1 + rng() % 20, '0');
    for (char& c : s) c = alphabet[rng() % (sizeof alphabet - 1)];
    const int scale = static_cast<int>(rng() % 10);
    const std::string msg = s + (i % 2 == 0 ? "}" : ",\"qty\":0.5},{\"price\":1}]");
    const size_t run = msg.find_first_not_of("0123456789.");
    const std::string token = msg.substr(0, run);
    int64_t a = -1, b = -2;
    std::string_view text;
    const char* next = decimal_internal::ParseNumberRaw(msg.data(), msg.data() + msg.size(), scale, &a, &text);
    const DecimalError eb = decimal_internal::ParseRawChecked(token, scale, Sign::kNonNegative, &b);
    ASSERT_EQ(next != nullptr, eb == DecimalError::kOk) << "'" << msg << "' scale " << scale << " seed " << seed;
    if (next == nullptr) continue;
    ++ok;
    ASSERT_EQ(a, b) << msg;
    ASSERT_EQ(text, token);
    ASSERT_EQ(next, msg.data() + token.size());
  }
  EXPECT_GT(ok, 10000);
}
}  // namespace
}  // namespace hs
