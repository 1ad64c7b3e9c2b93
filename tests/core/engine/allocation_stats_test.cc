#include "core/engine/allocation_stats.h"

#include <gtest/gtest.h>

namespace hs::engine {
namespace {

// Two assets (BTC, USDT), target 50/50 with 2% bands: holdings drift in, out and back.
class AllocationStatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    p_.assets = 2;
    p_.venues = 1;
    p_.valuation_asset = AssetId{1};
    p_.target[0] = {Rate::FromRaw(50'000'000), Rate::FromRaw(2'000'000)};
    p_.target[1] = {Rate::FromRaw(50'000'000), Rate::FromRaw(2'000'000)};
    p_.risky[0] = true;
    al_ = std::make_unique<Allocator>(p_);
  }
  void Sample(int64_t btc_value, int64_t usdt, int64_t t_ms) {
    Holdings h;
    h.value[0][0] = Amount::FromUnits(btc_value);
    h.value[1][0] = Amount::FromUnits(usdt);
    al_->Evaluate(h);
    stats_.OnEvaluate(*al_, 2, Nanos::FromMillis(t_ms));
  }
  AllocatorParams p_;
  std::unique_ptr<Allocator> al_;
  AllocationStats stats_;
};

TEST_F(AllocationStatsTest, TracksStartEndConvergenceAndTimeInBand) {
  EXPECT_FALSE(stats_.started());
  Sample(80, 20, 1000);  // 0.8: out of band
  Sample(60, 40, 2000);  // 0.6: out
  Sample(51, 49, 3000);  // in: converged here
  Sample(55, 45, 4000);  // out again
  Sample(50, 50, 5000);  // in
  const AssetId btc{0};
  EXPECT_EQ(stats_.samples(), 5u);
  EXPECT_EQ(stats_.nav_start(), Amount::FromUnits(100));
  EXPECT_EQ(stats_.weight_start(btc), Rate::FromRaw(80'000'000));
  EXPECT_EQ(stats_.weight_end(btc), Rate::FromRaw(50'000'000));
  EXPECT_EQ(stats_.max_abs_drift(btc), Rate::FromRaw(30'000'000));
  ASSERT_TRUE(stats_.converged());
  EXPECT_EQ(stats_.converged_at(), Nanos::FromMillis(3000));
  EXPECT_EQ(stats_.time_in_band_bp(btc), 6666) << "2 of the 3 samples since convergence";
}

TEST_F(AllocationStatsTest, NeverConvergedReportsZeroTimeInBand) {
  Sample(90, 10, 1000);
  EXPECT_FALSE(stats_.converged());
  EXPECT_EQ(stats_.time_in_band_bp(AssetId{0}), 0);
}

}  // namespace
}  // namespace hs::engine
