#include "core/base/fixed_point.h"

#include <gtest/gtest.h>

#include <type_traits>

#include "core/base/decimal.h"

namespace hs {
namespace {

Price P(const char* s) { return ParseDecimal<Price>(s, Sign::kAllowNegative).value; }
Qty Q(const char* s) { return ParseDecimal<Qty>(s, Sign::kAllowNegative).value; }
Notional N(const char* s) { return ParseDecimal<Notional>(s, Sign::kAllowNegative).value; }
Rate R(const char* s) { return ParseDecimal<Rate>(s).value; }
Amount A(const char* s) { return ParseDecimal<Amount>(s, Sign::kAllowNegative).value; }

static_assert(!std::is_convertible_v<Price, Qty>);
static_assert(!std::is_convertible_v<int64_t, Price>);
static_assert(sizeof(Price) == 8 && std::is_trivially_copyable_v<Price>);

TEST(FixedPoint, SameTypeArithmeticAndOrder) {
  EXPECT_EQ(P("1.5") + P("2.25"), P("3.75"));
  EXPECT_EQ(P("1.5") - P("2.25"), P("-0.75"));
  EXPECT_LT(P("1.5"), P("1.500000001"));
  EXPECT_EQ(-Q("2"), Q("-2"));
  Qty q = Q("1");
  q += Q("0.5");
  q -= Q("0.25");
  EXPECT_EQ(q, Q("1.25"));
}

TEST(FixedPoint, NotionalIsExactThrough128Bits) {
  EXPECT_EQ(MulNotional(P("23416.1"), Q("0.00847"), Rounding::kFloor), N("198.334367"));
  // Large values overflow int64 in the intermediate; the 128-bit path gets them right.
  EXPECT_EQ(MulNotional(P("90000"), Q("1000"), Rounding::kFloor), N("90000000"));
  // A product finer than 10^-9 rounds as named.
  EXPECT_EQ(MulNotional(P("0.000000001"), Q("0.5"), Rounding::kFloor), N("0"));
  EXPECT_EQ(MulNotional(P("0.000000001"), Q("0.5"), Rounding::kCeil), N("0.000000001"));
  EXPECT_EQ(MulNotional(P("-0.000000001"), Q("0.5"), Rounding::kFloor), N("-0.000000001"));
  EXPECT_EQ(MulNotional(P("-0.000000001"), Q("0.5"), Rounding::kCeil), N("0"));
}

TEST(FixedPoint, SaturatesInsteadOfWrapping) {
  EXPECT_EQ(MulNotional(Price::Max(), Q("1000"), Rounding::kFloor), Notional::Max());
}

TEST(FixedPoint, RatesRoundAsNamed) {
  EXPECT_EQ(MulRate(N("1000"), R("0.001"), Rounding::kFloor), N("1"));
  EXPECT_EQ(MulRate(N("0.000000333"), R("0.5"), Rounding::kFloor), N("0.000000166"));
  EXPECT_EQ(MulRate(N("0.000000333"), R("0.5"), Rounding::kCeil), N("0.000000167"));
  EXPECT_EQ(MulRate(Q("0.00000003"), R("0.5"), Rounding::kCeil), Q("0.00000002"));
  EXPECT_EQ(MulRate(P("30000"), R("0.0005"), Rounding::kCeil), P("15"));
}

TEST(FixedPoint, QtyForNotional) {
  EXPECT_EQ(QtyForNotional(N("3000"), P("30000"), Rounding::kFloor), Q("0.1"));
  EXPECT_EQ(QtyForNotional(N("1"), P("3"), Rounding::kFloor), Q("0.33333333"));
  EXPECT_EQ(QtyForNotional(N("1"), P("3"), Rounding::kCeil), Q("0.33333334"));
}

TEST(FixedPoint, TickAndLot) {
  EXPECT_EQ(FloorToTick(P("100.057"), P("0.01")), P("100.05"));
  EXPECT_EQ(CeilToTick(P("100.051"), P("0.01")), P("100.06"));
  EXPECT_EQ(CeilToTick(P("100.05"), P("0.01")), P("100.05"));
  EXPECT_EQ(FloorToTick(P("-1.005"), P("0.01")), P("-1.01"));
  EXPECT_EQ(FloorToLot(Q("0.123456"), Q("0.0001")), Q("0.1234"));
  EXPECT_TRUE(IsMultipleOf(Q("0.1234").raw(), Q("0.0001").raw()));
  EXPECT_FALSE(IsMultipleOf(Q("0.12345").raw(), Q("0.0001").raw()));
  EXPECT_FALSE(IsMultipleOf(5, 0));
}

TEST(FixedPoint, AmountConversions) {
  EXPECT_EQ(AmountFromQty(Q("1.23456789")), A("1.23456789"));
  EXPECT_EQ(QtyFromAmount(A("1.234567891"), Rounding::kFloor), Q("1.23456789"));
  EXPECT_EQ(QtyFromAmount(A("1.234567891"), Rounding::kCeil), Q("1.2345679"));
  EXPECT_EQ(MulPrice(A("0.5"), P("30000.01"), Rounding::kFloor), A("15000.005"));
  EXPECT_EQ(AveragePrice(A("300.5"), Q("0.01"), Rounding::kFloor), P("30050"));
}

}  // namespace
}  // namespace hs
