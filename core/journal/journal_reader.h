// hs::journal — reads a journal file back record by record and says exactly what is wrong.
//
// Used by `homeostat journal verify` and by replay. Reads the file into memory (cold path) and
// walks it, checking the file header (magic, format version, its own CRC-32C), each record
// header, its CRC-32C and that sequence numbers run 1, 2, 3, ... with no gap. A journal file is input from outside: nothing in it can crash
// the reader; every defect is an Outcome naming the record and byte offset.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/journal/journal_format.h"

namespace hs::journal {

struct RecordView {
  RecordHeader header;
  const unsigned char* payload = nullptr;  // valid while the reader lives
  uint64_t offset = 0;                     // byte offset of the record header in the file
  uint64_t index = 0;                      // 1-based position in the file
};

enum class ReadOutcome : uint8_t {
  kRecord = 0,
  kEnd,            // clean end of file
  kTruncated,      // file ends inside a record (torn tail)
  kBadLength,      // length larger than any payload
  kBadType,
  kBadCrc,
  kBadSeq,         // not previous + 1
};
const char* ReadOutcomeName(ReadOutcome o) noexcept;

class JournalReader {
 public:
  // Reads the file and checks its header. Errors name the file and the problem: DataLoss when
  // the header is damaged, short, or of another format version (the text says "file header");
  // NotFound, PermissionDenied or FailedPrecondition when the file cannot be read.
  static absl::StatusOr<JournalReader> Open(const std::string& path);
  // Same over bytes already in memory (tests, fuzzing).
  static absl::StatusOr<JournalReader> FromBytes(std::string bytes, const std::string& origin);

  // Advances to the next record. After any outcome other than kRecord the reader stays there.
  ReadOutcome Next(RecordView* out);
  // Human-readable description of the last non-record outcome.
  const std::string& error() const { return error_; }
  const FileHeader& file_header() const { return header_; }

 private:
  JournalReader() = default;
  std::string bytes_;
  std::string origin_;
  FileHeader header_{};
  uint64_t pos_ = 0;
  uint64_t index_ = 0;
  uint64_t last_seq_ = 0;
  std::string error_;
  ReadOutcome stuck_ = ReadOutcome::kRecord;
};

// What `homeostat journal verify` reports. Besides every record's CRC and sequence number,
// VerifyJournal checks that the records form one engine session as DecisionCore writes it:
//   - record 1 is session_start, and no later record is;
//   - session_end, if present, is the last record: any record after it is damage (the writer
//     truncates the file when it opens it, so one file holds one session and nothing follows
//     session_end; records after it mean the file was appended to or overwritten in place);
//   - session_end counts itself: its `records` equals its own sequence number;
//   - each record's payload is exactly the size of its type's struct.
// A file that checks but has no session_end is sound and not closed: the engine is still
// running, crashed, or the file was cut at a record boundary — verify cannot tell which.
struct VerifyResult {
  uint64_t records = 0;     // records that checked, in file order
  bool ok = true;           // header and every record check and form one session
  std::string error;        // names the first defect (the file header, or a record and its byte offset)
  uint64_t counts[static_cast<int>(kLastRecordType) + 1] = {};  // per RecordType, over the records that checked
  bool header_ok = true;    // false: the file header is damaged, short, or of another format version
  bool header_only = false;  // ok, and no record follows the header
  bool closed = false;       // ok, and the last record is session_end
};

// Checks a whole journal already in memory (`origin` names it in errors). Never throws, never
// crashes on damaged bytes: every defect, the header's included, lands in the result.
VerifyResult VerifyJournalBytes(std::string bytes, const std::string& origin);

// Reads and checks a whole journal file. The status is an error only when the file cannot be
// read (missing, unreadable, a directory); damage of any kind is in the VerifyResult.
absl::StatusOr<VerifyResult> VerifyJournal(const std::string& path);

}  // namespace hs::journal
