#include "core/journal/journal_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/status/status.h"

namespace hs::journal {

const char* ReadOutcomeName(ReadOutcome o) noexcept {
  switch (o) {
    case ReadOutcome::kRecord:
      return "record";
    case ReadOutcome::kEnd:
      return "end";
    case ReadOutcome::kTruncated:
      return "truncated";
    case ReadOutcome::kBadLength:
      return "bad_length";
    case ReadOutcome::kBadType:
      return "bad_type";
    case ReadOutcome::kBadCrc:
      return "bad_crc";
    case ReadOutcome::kBadSeq:
      return "bad_seq";
  }
  return "?";
}

namespace {

// The whole file, or why it cannot be read (never DataLoss: that code means damaged content).
absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    const std::string what = "journal: cannot open '" + path + "': " + std::strerror(err);
    if (err == ENOENT) return absl::NotFoundError(what);
    if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(what);
    return absl::FailedPreconditionError(what);
  }
  std::string bytes;
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return absl::FailedPreconditionError("journal: '" + path + "' is not a regular file");
  }
  bytes.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  char more[4096];  // the file may have grown since fstat (the engine is still writing it)
  for (;;) {
    const bool into_bytes = got < bytes.size();
    const ssize_t n = into_bytes ? read(fd, bytes.data() + got, bytes.size() - got) : read(fd, more, sizeof more);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      close(fd);
      return absl::FailedPreconditionError("journal: cannot read '" + path + "': " + std::strerror(err));
    }
    if (n == 0) break;
    if (!into_bytes) bytes.append(more, static_cast<size_t>(n));
    got += static_cast<size_t>(n);
  }
  close(fd);
  bytes.resize(got);
  return bytes;
}

}  // namespace

absl::StatusOr<JournalReader> JournalReader::Open(const std::string& path) {
  auto bytes = ReadWholeFile(path);
  if (!bytes.ok()) return bytes.status();
  return FromBytes(*std::move(bytes), path);
}

absl::StatusOr<JournalReader> JournalReader::FromBytes(std::string bytes, const std::string& origin) {
  JournalReader r;
  r.bytes_ = std::move(bytes);
  r.origin_ = origin;
  const std::string where = "journal '" + origin + "': ";
  if (r.bytes_.size() < sizeof(FileHeader))
    return absl::DataLossError(where + "file header: file is " + std::to_string(r.bytes_.size()) +
                               " bytes, shorter than its 64-byte header");
  std::memcpy(&r.header_, r.bytes_.data(), sizeof(FileHeader));
  if (std::memcmp(r.header_.magic, kFileMagic, sizeof kFileMagic) != 0)
    return absl::DataLossError(where + "file header: bad magic (not a homeostat journal)");
  // Before the CRC: a version-1 file has no header CRC, and saying so is more useful than a
  // CRC mismatch.
  if (r.header_.version != kFormatVersion)
    return absl::DataLossError(where + "file header: format version " + std::to_string(r.header_.version) +
                               " is not supported: this build reads version " + std::to_string(kFormatVersion));
  const uint32_t crc = FileHeaderCrc(r.header_);
  if (crc != r.header_.header_crc) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "file header CRC mismatch (stored %08x, computed %08x)", r.header_.header_crc, crc);
    return absl::DataLossError(where + buf);
  }
  if (r.header_.header_size != sizeof(FileHeader) || r.header_.record_header_size != sizeof(RecordHeader))
    return absl::DataLossError(where + "file header: unexpected sizes (header " + std::to_string(r.header_.header_size) +
                               ", record header " + std::to_string(r.header_.record_header_size) + ")");
  r.pos_ = sizeof(FileHeader);
  return r;
}

ReadOutcome JournalReader::Next(RecordView* out) {
  if (stuck_ != ReadOutcome::kRecord) return stuck_;
  const uint64_t size = bytes_.size();
  if (pos_ == size) return ReadOutcome::kEnd;
  const uint64_t index = index_ + 1;
  auto fail = [&](ReadOutcome o, const std::string& what) {
    error_ = "record " + std::to_string(index) + " at byte " + std::to_string(pos_) + ": " + what;
    stuck_ = o;
    return o;
  };
  if (size - pos_ < sizeof(RecordHeader)) return fail(ReadOutcome::kTruncated, "file ends inside a record header");
  RecordHeader h;
  std::memcpy(&h, bytes_.data() + pos_, sizeof h);
  if (h.length > kMaxPayload)
    return fail(ReadOutcome::kBadLength, "payload length " + std::to_string(h.length) + " exceeds " +
                                             std::to_string(kMaxPayload));
  const uint64_t need = sizeof(RecordHeader) + Padded(h.length);
  if (size - pos_ < need) return fail(ReadOutcome::kTruncated, "file ends inside the payload");
  if (h.type < static_cast<uint16_t>(RecordType::kSessionStart) || h.type > static_cast<uint16_t>(kLastRecordType))
    return fail(ReadOutcome::kBadType, "unknown record type " + std::to_string(h.type));
  const unsigned char* payload = reinterpret_cast<const unsigned char*>(bytes_.data()) + pos_ + sizeof(RecordHeader);
  const uint32_t crc = RecordCrc(h, payload);
  if (crc != h.crc) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "CRC mismatch (stored %08x, computed %08x)", h.crc, crc);
    return fail(ReadOutcome::kBadCrc, buf);
  }
  if (h.seq != last_seq_ + 1)
    return fail(ReadOutcome::kBadSeq, "sequence " + std::to_string(h.seq) + " follows " + std::to_string(last_seq_));
  out->header = h;
  out->payload = payload;
  out->offset = pos_;
  out->index = index;
  pos_ += need;
  index_ = index;
  last_seq_ = h.seq;
  return ReadOutcome::kRecord;
}

namespace {

// The payload size DecisionCore writes for each record type.
size_t PayloadSize(RecordType t) noexcept {
  switch (t) {
    case RecordType::kSessionStart:
      return sizeof(SessionStart);
    case RecordType::kVenueMsg:
      return sizeof(VenueMsg);
    case RecordType::kControl:
      return sizeof(ControlCommand);
    case RecordType::kIntent:
      return sizeof(OrderIntent);
    case RecordType::kRiskReject:
      return sizeof(RiskReject);
    case RecordType::kSessionEnd:
      return sizeof(SessionEnd);
    case RecordType::kBreaker:
      return sizeof(BreakerRecord);
    case RecordType::kStateChange:
      return sizeof(StateChange);
    case RecordType::kConfig:  // BUILD SHIM (wt-snap): the reader helper owns these
      return sizeof(ConfigChunk);
    case RecordType::kSnapshot:
      return sizeof(journal::SnapshotChunk);
    case RecordType::kCommit:
      return sizeof(CommitMark);
  }
  return 0;
}

// Empty when the record fits the session's shape so far, else what is wrong with it.
std::string SessionDefect(const RecordView& v, uint64_t session_end_index) {
  const auto type = static_cast<RecordType>(v.header.type);
  const char* name = RecordTypeName(type);
  if (session_end_index != 0)
    return std::string(name) + " after session_end (record " + std::to_string(session_end_index) +
           "): nothing may follow the end of the session";
  if (v.index == 1 && type != RecordType::kSessionStart)
    return std::string(name) + " where the first record must be session_start";
  if (v.index != 1 && type == RecordType::kSessionStart) return "a second session_start (the first is record 1)";
  if (v.header.length != PayloadSize(type))
    return std::string(name) + " payload is " + std::to_string(v.header.length) + " bytes, expected " +
           std::to_string(PayloadSize(type));
  if (type == RecordType::kSessionEnd) {
    SessionEnd e;
    std::memcpy(&e, v.payload, sizeof e);
    if (e.records != v.header.seq)
      return "session_end counts " + std::to_string(e.records) + " records but has sequence " +
             std::to_string(v.header.seq);
  }
  return {};
}

}  // namespace

VerifyResult VerifyJournalBytes(std::string bytes, const std::string& origin) {
  VerifyResult r;
  auto reader = JournalReader::FromBytes(std::move(bytes), origin);
  if (!reader.ok()) {
    r.ok = false;
    r.header_ok = false;
    r.error = std::string(reader.status().message());
    return r;
  }
  RecordView v;
  uint64_t session_end_index = 0;
  RecordType last = RecordType::kSessionStart;
  for (;;) {
    const ReadOutcome o = reader->Next(&v);
    if (o == ReadOutcome::kEnd) break;
    if (o != ReadOutcome::kRecord) {
      r.ok = false;
      r.error = reader->error();
      return r;
    }
    const std::string defect = SessionDefect(v, session_end_index);
    if (!defect.empty()) {
      r.ok = false;
      r.error = "record " + std::to_string(v.index) + " at byte " + std::to_string(v.offset) + ": " + defect;
      return r;
    }
    ++r.records;
    ++r.counts[v.header.type];  // < 8: Next() refuses unknown types
    last = static_cast<RecordType>(v.header.type);
    if (last == RecordType::kSessionEnd) session_end_index = v.index;
  }
  r.header_only = r.records == 0;
  r.closed = r.records > 0 && last == RecordType::kSessionEnd;
  return r;
}

absl::StatusOr<VerifyResult> VerifyJournal(const std::string& path) {
  auto bytes = ReadWholeFile(path);
  if (!bytes.ok()) return bytes.status();
  return VerifyJournalBytes(*std::move(bytes), path);
}

}  // namespace hs::journal
