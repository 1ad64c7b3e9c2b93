#include "core/journal/internal/segment_scan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "absl/status/status.h"

namespace hs::journal::internal {

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
    case RecordType::kConfig:
      return sizeof(ConfigChunk);
    case RecordType::kSnapshot:
      return sizeof(SnapshotChunk);
    case RecordType::kCommit:
      return sizeof(CommitMark);
  }
  return 0;
}

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

namespace {

std::string Crc(const char* label, uint32_t stored, uint32_t computed) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s (stored %08x, computed %08x)", label, stored, computed);
  return buf;
}

// One pass over one segment. Records wait in `pending_` until the commit mark that ends their
// group checks; only then do they count and move the session and snapshot on.
class SegmentScanner {
 public:
  SegmentScanner(std::string_view bytes, const std::string& name, Carry* carry, DirScan* scan)
      : bytes_(bytes), name_(name), carry_(*carry), scan_(*scan) {}

  SegmentResult Run() {
    if (!CheckHeader()) return std::move(r_);
    WalkRecords();
    r_.info.valid_bytes = valid_end_;
    r_.info.last_seq = carry_.next_seq - 1;
    r_.info.end_hash = carry_.chain;
    return std::move(r_);
  }

 private:
  struct Pending {
    uint64_t offset;
    RecordHeader h;
  };

  bool Fail(Defect d, uint64_t offset, uint64_t seq, const std::string& what) {
    r_.defect = d;
    r_.what = what;
    r_.damage_offset = offset;
    r_.damage_seq = seq;
    r_.damage = name_ + (d == Defect::kHeader ? " header" : " offset " + std::to_string(offset));
    if (seq != 0) r_.damage += ", seq " + std::to_string(seq);
    r_.damage += ": " + what;
    return false;
  }
  bool HeaderFail(const std::string& what) { return Fail(Defect::kHeader, 0, 0, what); }

  bool CheckHeader() {
    if (bytes_.size() < sizeof(SegmentHeader))
      return HeaderFail("truncated segment header (" + std::to_string(bytes_.size()) + " bytes of " +
                        std::to_string(sizeof(SegmentHeader)) + ")");
    SegmentHeader& h = r_.info.header;
    std::memcpy(&h, bytes_.data(), sizeof h);
    if (std::memcmp(h.magic, kSegmentMagic, sizeof kSegmentMagic) != 0)
      return HeaderFail("bad magic (not a homeostat journal segment)");
    // Before the CRC: another version's header may put its CRC elsewhere, and saying so helps more.
    if (h.version != kSegmentFormatVersion)
      return HeaderFail("format version " + std::to_string(h.version) + " is not supported: this build reads " +
                        std::to_string(kSegmentFormatVersion));
    const uint32_t crc = SegmentHeaderCrc(h);
    if (crc != h.header_crc) return HeaderFail(Crc("bad header crc", h.header_crc, crc));
    if (h.header_size != sizeof(SegmentHeader) || h.record_header_size != sizeof(RecordHeader))
      return HeaderFail("unexpected sizes (header " + std::to_string(h.header_size) + ", record header " +
                        std::to_string(h.record_header_size) + ")");
    if (h.layout != kLayoutVersion)
      return HeaderFail("record layout " + std::to_string(h.layout) + " is not supported: this build reads " +
                        std::to_string(kLayoutVersion));
    if (h.segment == 0 || h.session == 0 || h.first_seq == 0)
      return HeaderFail("segment, session and first_seq must be at least 1 (segment " + std::to_string(h.segment) +
                        ", session " + std::to_string(h.session) + ", first_seq " + std::to_string(h.first_seq) + ")");
    if (carry_.next_segment != 0 && h.segment != carry_.next_segment)
      return HeaderFail("segment number " + std::to_string(h.segment) + " where the file name says " +
                        std::to_string(carry_.next_segment));
    r_.info.number = h.segment;
    if (carry_.lone) {
      // Nothing to continue: the header's numbers are the starting point.
      carry_.next_seq = h.first_seq;
      carry_.chain = h.prev_hash;
      StartSession(h, Carry::Stage::kUnknown);
    } else {
      if (h.first_seq != carry_.next_seq)
        return HeaderFail("first_seq " + std::to_string(h.first_seq) + " does not continue the sequence (expected " +
                          std::to_string(carry_.next_seq) + ")");
      if (h.prev_hash != carry_.chain)
        return HeaderFail(carry_.first ? "prev_hash of the first segment is not zero"
                                       : "prev_hash does not match the previous segment's end (chain broken)");
      if (carry_.first && h.session != 1)
        return HeaderFail("session " + std::to_string(h.session) + " in the first segment (expected 1)");
      if (!carry_.first && h.session == carry_.session) {
        if (h.config_sha256 != carry_.config_sha256)
          return HeaderFail("config_sha256 differs from the rest of session " + std::to_string(h.session));
      } else if (carry_.first || h.session == carry_.session + 1) {
        StartSession(h, Carry::Stage::kConfig);
      } else {
        return HeaderFail("session " + std::to_string(h.session) + " follows session " +
                          std::to_string(carry_.session) + " (expected the same or the next)");
      }
    }
    carry_.first = false;
    carry_.next_segment = h.segment + 1;
    scan_.last_seq = carry_.next_seq - 1;
    scan_.last_hash = carry_.chain;
    return true;
  }

  void StartSession(const SegmentHeader& h, Carry::Stage stage) {
    carry_.session = h.session;
    carry_.config_sha256 = h.config_sha256;
    carry_.stage = stage;
    carry_.session_listed = false;
    carry_.config_text.clear();
    carry_.config_total = 0;
    carry_.snap_open = false;  // a snapshot never spans sessions
  }

  void WalkRecords() {
    const uint64_t size = bytes_.size();
    uint64_t pos = sizeof(SegmentHeader);
    valid_end_ = pos;
    uint64_t seq = carry_.next_seq;  // the next record's, if its group commits
    uint64_t group_start = pos;
    uint64_t group_first = seq;
    for (;;) {
      if (pos == size) {
        if (!pending_.empty())
          Fail(Defect::kTail, group_start, group_first,
               "group without commit mark (" + std::to_string(pending_.size()) +
                   " records, then the end of the file)");
        return;
      }
      if (size - pos < sizeof(RecordHeader)) {
        Fail(Defect::kTail, pos, seq, "truncated record (the file ends inside a record header)");
        return;
      }
      RecordHeader h;
      std::memcpy(&h, bytes_.data() + pos, sizeof h);
      if (h.length > kMaxPayload) {
        Fail(Defect::kTail, pos, seq,
             "bad length (payload " + std::to_string(h.length) + " bytes, at most " + std::to_string(kMaxPayload) + ")");
        return;
      }
      const uint64_t need = sizeof(RecordHeader) + Padded(h.length);
      if (size - pos < need) {
        Fail(Defect::kTail, pos, seq, "truncated record (the file ends inside its payload)");
        return;
      }
      const auto* payload = reinterpret_cast<const unsigned char*>(bytes_.data() + pos + sizeof(RecordHeader));
      const uint32_t crc = RecordCrc(h, payload);
      if (crc != h.crc) {
        Fail(Defect::kTail, pos, seq, Crc("bad crc", h.crc, crc));
        return;
      }
      // The CRC covers neither these bytes nor the padding: zero is the only value a writer
      // puts there.
      if (h.reserved != 0) {
        Fail(Defect::kTail, pos, seq, "bad record header (reserved field not zero)");
        return;
      }
      bool padding_zero = true;
      for (uint64_t i = sizeof(RecordHeader) + h.length; i < need; ++i) padding_zero &= bytes_[pos + i] == 0;
      if (!padding_zero) {
        Fail(Defect::kTail, pos, seq, "bad padding (not zero)");
        return;
      }
      if (h.type < static_cast<uint16_t>(RecordType::kSessionStart) || h.type > static_cast<uint16_t>(kLastRecordType)) {
        Fail(Defect::kTail, pos, seq, "bad type (" + std::to_string(h.type) + ")");
        return;
      }
      const auto type = static_cast<RecordType>(h.type);
      if (h.length != PayloadSize(type)) {
        Fail(Defect::kTail, pos, seq,
             std::string("bad size (") + RecordTypeName(type) + " payload " + std::to_string(h.length) +
                 " bytes, expected " + std::to_string(PayloadSize(type)) + ")");
        return;
      }
      if (type != RecordType::kCommit) {
        if (h.seq != seq) {
          Fail(Defect::kTail, pos, seq,
               "bad seq (" + std::to_string(h.seq) + " where " + std::to_string(seq) + " was expected)");
          return;
        }
        pending_.push_back({pos, h});
        ++seq;
        pos += need;
        continue;
      }
      CommitMark mark;
      std::memcpy(&mark, payload, sizeof mark);
      const uint64_t n = pending_.size();
      if (h.seq != 0) {
        Fail(Defect::kTail, pos, seq - 1, "bad commit mark (seq " + std::to_string(h.seq) + ", marks carry 0)");
        return;
      }
      if (n == 0) {
        Fail(Defect::kTail, pos, seq - 1, "bad commit mark (a group without records)");
        return;
      }
      if (mark.first_seq != group_first || mark.last_seq != seq - 1 || mark.records != n) {
        Fail(Defect::kTail, pos, seq - 1,
             "bad commit mark (it covers seq " + std::to_string(mark.first_seq) + ".." +
                 std::to_string(mark.last_seq) + ", " + std::to_string(mark.records) + " records; the group holds " +
                 std::to_string(group_first) + ".." + std::to_string(seq - 1) + ", " + std::to_string(n) + ")");
        return;
      }
      const ChainHash chain = ChainNext(carry_.chain, bytes_.data() + group_start, pos - group_start);
      if (chain != mark.chain) {
        Fail(Defect::kTail, pos, seq - 1, "chain mismatch (the commit mark's chain is not the previous chain "
                                          "followed by the group's bytes)");
        return;
      }
      for (const Pending& p : pending_) {
        const std::string defect = Apply(p);
        if (!defect.empty()) {
          Fail(Defect::kShape, p.offset, p.h.seq, defect);
          return;
        }
      }
      pos += need;
      carry_.chain = chain;
      carry_.next_seq = seq;
      valid_end_ = pos;
      r_.info.records += n;
      scan_.records += n;
      scan_.groups += 1;
      scan_.counts[static_cast<int>(RecordType::kCommit)] += 1;
      scan_.last_seq = seq - 1;
      scan_.last_hash = chain;
      pending_.clear();
      group_start = pos;
      group_first = seq;
    }
  }

  // One committed record: the session's shape and the snapshot being read. Empty when it
  // fits, else what is wrong.
  std::string Apply(const Pending& p) {
    const auto type = static_cast<RecordType>(p.h.type);
    const unsigned char* payload = reinterpret_cast<const unsigned char*>(bytes_.data()) + p.offset + sizeof(RecordHeader);
    const std::string name = RecordTypeName(type);
    if (!carry_.session_listed) {
      if (carry_.stage == Carry::Stage::kUnknown) {
        // A lone segment: a config chunk starts a session; anything else continues one begun
        // in a segment we cannot see.
        if (type == RecordType::kSessionStart) return "session_start before the session's config";
        carry_.stage = type == RecordType::kConfig ? Carry::Stage::kConfig : Carry::Stage::kStarted;
      }
      SessionInfo s;
      s.session = carry_.session;
      s.first_seq = p.h.seq;
      s.first_segment = r_.info.number;
      s.config_sha256 = carry_.config_sha256;
      scan_.sessions.push_back(s);
      carry_.session_listed = true;
    }
    const std::string in_session = " (session " + std::to_string(carry_.session) + ")";
    switch (carry_.stage) {
      case Carry::Stage::kUnknown:
      case Carry::Stage::kConfig:
        if (type == RecordType::kConfig) {
          std::string defect = AddConfigChunk(payload);
          if (!defect.empty()) return defect + in_session;
        } else if (type == RecordType::kSessionStart) {
          if (carry_.config_text.empty() || carry_.config_text.size() != carry_.config_total)
            return "session_start before the config is complete (" + std::to_string(carry_.config_text.size()) +
                   " of " + std::to_string(carry_.config_total) + " bytes)" + in_session;
          if (Sha256(carry_.config_text.data(), carry_.config_text.size()) != carry_.config_sha256)
            return "the config text's SHA-256 is not the segment header's config_sha256" + in_session;
          carry_.stage = Carry::Stage::kStarted;
          std::string().swap(carry_.config_text);
        } else {
          return name + " before session_start (a session starts with its config, then session_start)" + in_session;
        }
        break;
      case Carry::Stage::kStarted:
        if (type == RecordType::kConfig) return "config chunk after session_start" + in_session;
        if (type == RecordType::kSessionStart) return "a second session_start" + in_session;
        if (type == RecordType::kSessionEnd) {
          SessionEnd e;
          std::memcpy(&e, payload, sizeof e);
          if (e.records != p.h.seq)
            return "session_end counts " + std::to_string(e.records) + " records but has sequence " +
                   std::to_string(p.h.seq) + in_session;
          carry_.stage = Carry::Stage::kEnded;
        }
        break;
      case Carry::Stage::kEnded:
        return name + " after session_end: nothing may follow the end of a session" + in_session;
    }
    TrackSnapshot(type, p.h.seq, payload);
    scan_.counts[p.h.type] += 1;
    scan_.last_type = p.h.type;
    return {};
  }

  std::string AddConfigChunk(const unsigned char* payload) {
    ConfigChunk c;
    std::memcpy(&c, payload, sizeof c);
    std::string& text = carry_.config_text;
    if (text.empty()) {
      if (c.total == 0) return "config chunk of an empty config text";
      carry_.config_total = c.total;
    }
    if (c.total != carry_.config_total)
      return "config chunk says the text is " + std::to_string(c.total) + " bytes, the first said " +
             std::to_string(carry_.config_total);
    if (c.offset != text.size())
      return "config chunk at offset " + std::to_string(c.offset) + " where " + std::to_string(text.size()) +
             " was expected";
    if (c.length == 0 || c.length > sizeof c.bytes || c.length > c.total - c.offset)
      return "config chunk length " + std::to_string(c.length) + " (at offset " + std::to_string(c.offset) + " of " +
             std::to_string(c.total) + ")";
    text.append(c.bytes, c.length);
    return {};
  }

  // The newest snapshot whose chunks 0..count-1 are consecutive committed records.
  void TrackSnapshot(RecordType type, uint64_t seq, const unsigned char* payload) {
    if (type != RecordType::kSnapshot) {
      carry_.snap_open = false;
      return;
    }
    SnapshotChunk c;
    std::memcpy(&c, payload, sizeof c);
    if (c.count == 0 || c.index >= c.count) {
      carry_.snap_open = false;
      return;
    }
    if (c.index == 0) {
      carry_.snap_open = true;
      carry_.snap_first_seq = seq;
      carry_.snap_at_seq = c.at_seq;
      carry_.snap_count = c.count;
      carry_.snap_next = 0;
    } else if (!carry_.snap_open || c.index != carry_.snap_next || c.count != carry_.snap_count ||
               c.at_seq != carry_.snap_at_seq) {
      carry_.snap_open = false;
      return;
    }
    carry_.snap_next = c.index + 1;
    if (carry_.snap_next == carry_.snap_count) {
      scan_.snapshot_first_seq = carry_.snap_first_seq;
      scan_.snapshot_at_seq = carry_.snap_at_seq;
      scan_.snapshot_session = carry_.session;
      carry_.snap_open = false;
    }
  }

  std::string_view bytes_;
  const std::string& name_;
  Carry& carry_;
  DirScan& scan_;
  SegmentResult r_;
  std::vector<Pending> pending_;
  uint64_t valid_end_ = 0;
};

}  // namespace

SegmentResult ScanSegment(std::string_view bytes, const std::string& name, Carry* carry, DirScan* scan) {
  return SegmentScanner(bytes, name, carry, scan).Run();
}

}  // namespace hs::journal::internal
