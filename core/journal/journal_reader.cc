#include "core/journal/journal_reader.h"

#include <cstring>
#include <fstream>
#include <sstream>

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

absl::StatusOr<JournalReader> JournalReader::Open(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError("journal: cannot open '" + path + "'");
  std::ostringstream ss;
  ss << f.rdbuf();
  return FromBytes(ss.str(), path);
}

absl::StatusOr<JournalReader> JournalReader::FromBytes(std::string bytes, const std::string& origin) {
  JournalReader r;
  r.bytes_ = std::move(bytes);
  r.origin_ = origin;
  if (r.bytes_.size() < sizeof(FileHeader))
    return absl::DataLossError("journal '" + origin + "': file is " + std::to_string(r.bytes_.size()) +
                               " bytes, shorter than its 64-byte header");
  std::memcpy(&r.header_, r.bytes_.data(), sizeof(FileHeader));
  if (std::memcmp(r.header_.magic, kFileMagic, sizeof kFileMagic) != 0)
    return absl::DataLossError("journal '" + origin + "': not a homeostat journal (bad magic)");
  if (r.header_.version != kFormatVersion)
    return absl::DataLossError("journal '" + origin + "': unsupported format version " +
                               std::to_string(r.header_.version));
  if (r.header_.header_size != sizeof(FileHeader) || r.header_.record_header_size != sizeof(RecordHeader))
    return absl::DataLossError("journal '" + origin + "': unexpected header sizes");
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
  if (h.type < static_cast<uint16_t>(RecordType::kSessionStart) || h.type > static_cast<uint16_t>(RecordType::kSessionEnd))
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

absl::StatusOr<VerifyResult> VerifyJournal(const std::string& path) {
  auto reader = JournalReader::Open(path);
  if (!reader.ok()) return reader.status();
  VerifyResult r;
  RecordView v;
  for (;;) {
    const ReadOutcome o = reader->Next(&v);
    if (o == ReadOutcome::kEnd) break;
    if (o != ReadOutcome::kRecord) {
      r.ok = false;
      r.error = reader->error();
      break;
    }
    ++r.records;
    if (v.header.type < 8) ++r.counts[v.header.type];
  }
  return r;
}

}  // namespace hs::journal
