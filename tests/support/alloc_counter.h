// hs::testing — counts heap allocations for the zero-allocation tests.
//
// Linking tests/support/alloc_counter.cc into a test binary replaces the global operator new
// and delete (every form, aligned included) with malloc/free wrappers that count while
// counting is on. One binary per such test: the replacement is process-wide.
//
//   testing::StartCountingAllocations();
//   ...steady-state work...
//   EXPECT_EQ(testing::StopCountingAllocations(), 0u);
#pragma once

#include <cstdint>

namespace hs::testing {

// Resets the count and starts counting (every thread's allocations count).
void StartCountingAllocations() noexcept;
// Stops counting; returns how many allocations happened since the start.
uint64_t StopCountingAllocations() noexcept;

}  // namespace hs::testing
