// Test-only: properties of what the decision core received, read back from the journal.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/messages/messages.h"

namespace hs::testing {

struct CoreInputSummary {
  bool ok = false;
  std::string error;
  uint64_t records = 0;
  // BookTops that reached the core while their book's last status said unusable (and no
  // usable status came in between): must always be empty.
  std::vector<uint64_t> tops_while_unusable;  // journal sequence numbers
  // Per venue: how many per-book statuses of each state, and BookTops.
  std::map<int, std::map<FeedState, int>> statuses;
  std::map<int, uint64_t> tops;
  // Per venue: BookTops that reached the core after its first integrity failure (recovery).
  std::map<int, uint64_t> tops_after_failure;
};

CoreInputSummary SummarizeCoreInputs(const std::string& journal_path);

// The circuit-breaker records (trip, clear, reset) of a journal, in order.
struct BreakerRecordSummary {
  std::string breaker;  // "divergence", ...
  std::string kind;     // "trip", "clear", "reset"
  int scope = 0;        // risk::BreakerScope
  int index = 0;        // venue or instrument id of the slot
  int64_t value = 0;
  int64_t threshold = 0;
  int64_t time_ns = 0;
};
std::vector<BreakerRecordSummary> ReadBreakerRecords(const std::string& journal_path);

}  // namespace hs::testing
