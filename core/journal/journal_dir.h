// hs::journal — the journal directory: find its segments, check them, read their records in
// order, and prepare it for a new session to append (format 3, journal_format.h).
//
// Cold path (start-up, replay, `homeostat journal verify`). A journal is input from outside:
// nothing in it can crash the reader; every defect names the segment file, the byte offset and
// the sequence number where it starts.
//
// Valid prefix: the records of every complete group, i.e. up to the last commit mark whose
// CRC and chain check. Only the LAST segment may end in damage (a crash mid-write: a torn or
// corrupt tail); damage anywhere else is corruption, and the scan says so (ok = false).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/journal/journal_format.h"
#include "core/journal/journal_reader.h"  // RecordView

namespace hs::journal {

struct SegmentInfo {
  uint64_t number = 0;
  std::string path;
  SegmentHeader header{};
  uint64_t file_bytes = 0;   // size on disk
  uint64_t valid_bytes = 0;  // header + records up to and including the last valid commit mark
  uint64_t records = 0;      // valid records (commit marks excluded)
  uint64_t last_seq = 0;     // of its last valid record (first_seq - 1 when it has none)
  ChainHash end_hash{};      // chain value after its last valid group (prev_hash when none)
};

struct SessionInfo {
  uint64_t session = 0;
  uint64_t first_seq = 0;       // its first record (a config chunk)
  uint64_t first_segment = 0;   // the segment that holds its config
  ChainHash config_sha256{};
};

struct DirScan {
  std::string dir;
  std::vector<SegmentInfo> segments;  // by number, ascending
  std::vector<SessionInfo> sessions;  // in order
  uint64_t records = 0;      // valid records over all segments
  uint64_t last_seq = 0;     // 0: no record
  ChainHash last_hash{};     // chain value at the end of the valid prefix
  uint64_t groups = 0;       // valid commit marks
  // Per RecordType over the valid prefix (commit marks included: counts[kCommit] == groups).
  uint64_t counts[static_cast<int>(kLastRecordType) + 1] = {};
  uint16_t last_type = 0;    // RecordType of the last valid record other than a commit mark (0: none)
  // Newest complete snapshot in the valid prefix (all its chunks present): the sequence number
  // of its first chunk record, its at_seq, and its session. 0: none.
  uint64_t snapshot_first_seq = 0;
  uint64_t snapshot_at_seq = 0;
  uint64_t snapshot_session = 0;
  // The last segment ends in damage: bytes [tail_offset, file end) of tail_segment are not part
  // of the valid prefix. `damage` says what is wrong at the first bad byte and where.
  bool torn_tail = false;
  uint64_t tail_segment = 0;
  uint64_t tail_offset = 0;
  uint64_t tail_bytes = 0;
  // False: damage other than a torn tail of the last segment (a bad header, a gap in segment
  // numbers, sequence numbers or the chain between segments, damage inside an earlier
  // segment). `damage` names the first defect.
  bool ok = true;
  std::string damage;
  // The same defect in parts: what is wrong ("bad crc (stored ..., computed ...)") and the
  // offset of the first bad byte in its segment (a torn tail: at or after tail_offset).
  std::string damage_what;
  uint64_t damage_offset = 0;
  // ScanJournalTail: the first segment scanned (0: the whole journal was).
  uint64_t partial_from_segment = 0;
};

// Scans a journal directory. An error status only when the directory cannot be read (missing,
// not a directory, unreadable); damage of any kind is in the DirScan. An empty directory (or
// one with no segment files) is a valid, empty journal.
absl::StatusOr<DirScan> ScanJournalDir(const std::string& dir);

// What a restart needs, in time bounded by the snapshots rather than the journal's length: every
// segment's header, then a full scan only from the first segment of the newest session whose
// records (to the end) hold a complete snapshot — every session starts with one once the
// journal is past [journal] snapshot_every. The result has partial_from_segment set and its
// `segments`, `sessions`, counts and `records` cover only that part; last_seq, last_hash, the
// snapshot and the torn tail are the journal's. Segments before it are not re-checked (`homeostat
// journal verify` checks everything). Falls back to the full scan when there is no such
// session, or a header does not check.
absl::StatusOr<DirScan> ScanJournalTail(const std::string& dir);

// Reads the valid prefix's records in sequence order across segments, commit marks included
// (RecordView::header.type == kCommit; callers that want only the sequence skip them).
// Streams one segment at a time (memory bounded by the largest segment).
class DirReader {
 public:
  // From the first record, or from the record with sequence number `from_seq` (the segment
  // holding it is found from the scan; earlier records of it are skipped).
  static absl::StatusOr<DirReader> Open(const DirScan& scan, uint64_t from_seq = 1);
  // kRecord, or kEnd at the end of the valid prefix. Never reads past it. The view's payload
  // is valid until the next call; its offset is in the record's segment file and its index
  // counts the records this reader returned (commit marks included). A segment that changed
  // since the scan gives kBadCrc, kBadSeq or kTruncated and error().
  ReadOutcome Next(RecordView* out);
  // The session and segment of the record last returned.
  uint64_t session() const noexcept { return session_; }
  uint64_t segment() const noexcept { return segment_; }
  const std::string& error() const { return error_; }

  DirReader(DirReader&&) noexcept;
  DirReader& operator=(DirReader&&) noexcept;
  ~DirReader();

 private:
  DirReader() = default;
  struct Impl;
  Impl* impl_ = nullptr;
  uint64_t session_ = 0;
  uint64_t segment_ = 0;
  std::string error_;
};

// Where a new session appends. PrepareAppend scans `dir` (creating it when missing); when the
// last segment has a torn tail it copies the damaged bytes to a file next to the segment
// ("seg-000007.hsj.tail", or ".tail.2", ... when that exists), fsyncs it, truncates the
// segment to its valid prefix and fsyncs it and the directory. Refuses (DataLoss naming the
// defect) a journal whose scan is not ok: the operator must look at it.
struct AppendPoint {
  std::string dir;
  uint64_t next_segment = 1;  // the new session's first segment
  uint64_t session = 1;       // the new session's number
  uint64_t next_seq = 1;      // its first record's sequence number
  ChainHash prev_hash{};      // chain value its first segment continues from
  std::string tail_file;      // where a torn tail was kept ("" when there was none)
  uint64_t tail_bytes = 0;
  uint64_t tail_offset = 0;   // where the damage started in its segment
  std::string tail_damage;    // what the scan found there
};
absl::StatusOr<AppendPoint> PrepareAppend(const std::string& dir);

// `homeostat journal verify DIR` (also accepts a single segment file). Checks every segment
// header, record CRC, sequence number, commit mark and the chain; names the first record where
// any fails. Exit codes as journal_verify.h (ok, damaged, not closed with --strict, unreadable).
int RunJournalVerifyDir(const std::string& path, bool strict, std::string* out);

}  // namespace hs::journal
