// hs::app — runs the decision core over a journal (DESIGN §8), for two uses:
//
//  - Replay (`homeostat replay --journal DIR`): every session in turn, each with its own config
//    from the journal, each continuing the state the one before it left (as a restart does). The
//    core is fed the journal's inputs in journaled order and every record it writes — inputs,
//    intents, risk rejects, breaker events, state changes, config, snapshots, session start and
//    end — is compared with the journal's record at the same place, bit for bit apart from the
//    latency measurements (ClearMeasurements). The first difference is reported with both records.
//  - Recovery (`homeostat run` on an existing journal): the same run, starting from the newest
//    snapshot, without comparing and with nothing sent anywhere; the result is the core's state at
//    the end of the valid prefix, which the new session's core loads before it starts.
//
// Cold path. A journal is input from outside: a config that no longer parses, a record of the
// wrong size or a snapshot that does not load ends the run with an error naming the record.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "core/journal/journal_dir.h"

namespace hs::app {

struct ReplayResult {
  uint64_t records = 0;      // journal records compared (commit marks excluded)
  uint64_t sessions = 0;
  uint64_t snapshots = 0;    // snapshots compared
  bool identical = true;
  uint64_t diverged_seq = 0;
  std::string expected;      // the journal's record at the divergence, described
  std::string actual;        // what the core wrote there
  // The journal ended inside a session (no session_end): the outputs the core produced after
  // the last journaled record were never written (a crash), so they are not a divergence.
  uint64_t unjournaled_tail = 0;
};

// Replays the whole valid prefix of `scan`. An error status when the journal cannot be replayed
// at all (unreadable, a session's config does not parse, a snapshot does not load).
absl::StatusOr<ReplayResult> ReplayJournal(const journal::DirScan& scan);

struct RecoveredState {
  std::string state;          // DecisionCore::SaveState bytes at the end of the valid prefix ("" = empty journal)
  uint64_t records = 0;       // records the core was run over
  uint64_t from_seq = 0;      // first record run over (after the snapshot it started from; 1 = none)
  uint64_t snapshot_at = 0;   // the snapshot's at_seq (0: none, recovery started at the beginning)
  uint64_t last_seq = 0;
  uint64_t sessions = 0;      // sessions seen
};

// `progress(records so far)` is called every few thousand records (the engine serves its admin
// socket from it while it recovers); may be empty.
absl::StatusOr<RecoveredState> RecoverState(const journal::DirScan& scan,
                                            const std::function<void(uint64_t)>& progress = {});

// `homeostat replay --journal DIR`: prints the report (last line exactly "replay: N records,
// identical" or "replay: diverged at seq S") to *out; returns the exit code (0 identical, 1
// diverged or damaged, 2 unreadable).
int RunReplay(const std::string& dir, std::string* out);

}  // namespace hs::app
