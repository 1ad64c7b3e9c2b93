#include "core/app/core_params.h"

#include <gtest/gtest.h>

#include "venues/common/order_session.h"

namespace hs::app {
namespace {

// Every session's ids fit Kraken's 18-character cl_ord_id as "hs<digits>" (the demo once sent
// 233 Kraken intents that were all refused locally because the base had 17 digits), later
// sessions start above earlier ones, and a session's 2^20 ids never reach the next 10 ms slot.
TEST(SessionClientIdBase, FitsEveryVenueAndGrowsWithTheClock) {
  const int64_t now = int64_t{1'796'000'000} * 1'000'000'000;  // Dec 2026
  uint64_t prev = 0;
  for (int64_t t = now; t < now + int64_t{86'400} * 1'000'000'000 * 400; t += int64_t{3'601'234'567'891}) {
    const uint64_t base = SessionClientIdBase(t);
    ASSERT_GT(base, 0u);
    ASSERT_LT(base + kSessionClientIds, kClientIdLimit) << t;
    char text[venues::kClientIdTextMax];
    const size_t n = venues::FormatClientId(ClientOrderId{base + kSessionClientIds - 1}, text);
    ASSERT_LE(n, 18u) << std::string(text, n);
    if (prev != 0 && base > prev) EXPECT_GE(base, prev + kSessionClientIds) << "no overlap with the session before";
    prev = base;
  }
  EXPECT_EQ(SessionClientIdBase(now + 10'000'000) - SessionClientIdBase(now), kSessionClientIds);
  EXPECT_EQ(SessionClientIdBase(-5), 1u);
}

}  // namespace
}  // namespace hs::app
