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

struct VerifyResult {
  uint64_t records = 0;
  bool ok = true;
  std::string error;  // names the first bad record when !ok
  uint64_t counts[8] = {};  // per RecordType
};

// Walks a whole journal. Never throws, never crashes on a damaged file.
absl::StatusOr<VerifyResult> VerifyJournal(const std::string& path);

}  // namespace hs::journal
