// Price * Qty has no operator: notional needs MulNotional with a named rounding.
#include "core/base/fixed_point.h"
int main() {
  hs::Price p = hs::Price::FromRaw(1);
  hs::Qty q = hs::Qty::FromRaw(1);
#ifdef HS_EXPECT_COMPILE_ERROR
  auto n = p * q;
  (void)n;
#else
  auto n = hs::MulNotional(p, q, hs::Rounding::kFloor);
  (void)n;
#endif
}
