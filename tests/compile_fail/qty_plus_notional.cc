// Qty - Notional must not compile.
#include "core/base/fixed_point.h"
int main() {
  hs::Qty q = hs::Qty::FromRaw(1);
  hs::Notional n = hs::Notional::FromRaw(1);
#ifdef HS_EXPECT_COMPILE_ERROR
  auto x = q - n;
  (void)x;
#endif
  (void)q;
  (void)n;
}
