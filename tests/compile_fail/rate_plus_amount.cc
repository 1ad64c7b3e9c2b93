// Rates and amounts do not mix by addition or comparison.
#include "core/base/fixed_point.h"
int main() {
  hs::Rate r = hs::Rate::FromRaw(1);
  hs::Amount a = hs::Amount::FromRaw(1);
#ifdef HS_EXPECT_COMPILE_ERROR
  bool b = r < a;
  (void)b;
#endif
  (void)r;
  (void)a;
}
