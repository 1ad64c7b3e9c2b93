// hs::journal::internal — one segment's checks, shared by the directory scan, verify and the
// fuzz target. Not for users of the journal: they call ScanJournalDir (journal_dir.h).
//
// A segment is checked against what the segments before it left (Carry): its header must
// continue their numbers, sequence and chain, and its records continue the session and the
// snapshot being read. Records take effect (counts, sessions, snapshots) only when the commit
// mark that ends their group checks: the valid prefix is made of whole groups.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/journal/journal_dir.h"
#include "core/journal/journal_format.h"

namespace hs::journal::internal {

// What the segments read so far leave for the next one.
struct Carry {
  // No segment yet: the next must be segment 1 of session 1 starting at seq 1 on a zero chain.
  bool first = true;
  // A lone segment file (verify of one file): its header's numbers are taken as given, and a
  // session may be met part-way (its first record not a config chunk).
  bool lone = false;
  uint64_t next_segment = 1;
  uint64_t next_seq = 1;
  ChainHash chain{};
  // The session being read.
  enum class Stage : uint8_t { kUnknown, kConfig, kStarted, kEnded };
  uint64_t session = 0;
  ChainHash config_sha256{};
  Stage stage = Stage::kUnknown;
  bool session_listed = false;  // in DirScan::sessions (at its first committed record)
  std::string config_text;  // the chunks so far (bounded by the bytes read: 224 per chunk)
  uint32_t config_total = 0;
  // The snapshot being read: its chunks so far.
  bool snap_open = false;
  uint64_t snap_first_seq = 0;
  uint64_t snap_at_seq = 0;
  uint32_t snap_next = 0;
  uint32_t snap_count = 0;
};

enum class Defect : uint8_t {
  kNone = 0,
  kHeader,  // the segment header is damaged or does not continue the segments before it
  kTail,    // damage after the valid prefix (a torn tail when this is the last segment)
  kShape,   // committed records that break the session's shape: never a crash's doing
};

struct SegmentResult {
  SegmentInfo info;  // path and file_bytes left to the caller
  Defect defect = Defect::kNone;
  std::string damage;          // "<name> offset X, seq S: <what>"
  std::string what;            // "<kind> (<detail>)", without the place
  uint64_t damage_offset = 0;  // first bad byte
  uint64_t damage_seq = 0;     // the sequence number expected there (0: not known)
};

// Checks the segment `bytes` (`name` in messages), continuing `carry`, and adds its valid
// prefix to `scan` (records, groups, counts, last_seq, last_hash, last_type, sessions,
// snapshot). Never crashes on any bytes; never reads past them.
SegmentResult ScanSegment(std::string_view bytes, const std::string& name, Carry* carry, DirScan* scan);

// The whole file, or why it cannot be read (NotFound, PermissionDenied, FailedPrecondition;
// never DataLoss, which means damaged content).
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

// Payload bytes a record type carries (0: not a known type).
size_t PayloadSize(RecordType t) noexcept;

// A single segment file checked on its own (`homeostat journal verify FILE`): its header's
// numbers are taken as given, and damage after its valid prefix is reported as a torn tail.
// An error status only when the file cannot be read.
absl::StatusOr<DirScan> ScanSegmentFile(const std::string& path);

}  // namespace hs::journal::internal
