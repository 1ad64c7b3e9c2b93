// Test-only: properties of what the decision core received, read back from the journal
// directory (its valid prefix, every session, commit marks skipped).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/journal/journal_reader.h"  // RecordView
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

CoreInputSummary SummarizeCoreInputs(const std::string& journal_dir);

// Calls `fn` for every record of the journal directory's valid prefix in order (commit marks
// skipped). False, with `*error` set, when the journal cannot be read or the scan finds it
// damaged (a torn tail is not damage here: a killed engine may leave one).
bool ForEachJournalRecord(const std::string& journal_dir, const std::function<void(const journal::RecordView&)>& fn,
                          std::string* error);

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
std::vector<BreakerRecordSummary> ReadBreakerRecords(const std::string& journal_dir);

}  // namespace hs::testing
