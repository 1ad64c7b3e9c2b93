// Price + Qty must not compile: different units.
#include "core/base/fixed_point.h"
int main() {
  hs::Price p = hs::Price::FromRaw(1);
  hs::Qty q = hs::Qty::FromRaw(1);
#ifdef HS_EXPECT_COMPILE_ERROR
  auto x = p + q;
  (void)x;
#endif
  (void)p;
  (void)q;
}
