// A raw integer does not silently become a Price.
#include "core/base/fixed_point.h"
int main() {
#ifdef HS_EXPECT_COMPILE_ERROR
  hs::Price p = 5;
#else
  hs::Price p = hs::Price::FromRaw(5);
#endif
  (void)p;
}
