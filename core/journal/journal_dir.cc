#include "core/journal/journal_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "core/journal/internal/segment_scan.h"

namespace hs::journal {

namespace {

absl::Status Errno(const std::string& what, int err) {
  const std::string text = "journal: " + what + ": " + std::strerror(err);
  if (err == ENOENT) return absl::NotFoundError(text);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(text);
  return absl::FailedPreconditionError(text);
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Records a segment's scan in `scan`: the torn tail of the last segment, or the defect that
// makes the journal not ok.
void Settle(const internal::SegmentResult& r, bool last, DirScan* scan) {
  if (r.defect == internal::Defect::kNone) return;
  scan->damage = r.damage;
  scan->damage_what = r.what;
  scan->damage_offset = r.damage_offset;
  if (r.defect == internal::Defect::kTail && last) {
    const SegmentInfo& s = scan->segments.back();
    scan->torn_tail = true;
    scan->tail_segment = s.number;
    scan->tail_offset = s.valid_bytes;
    scan->tail_bytes = s.file_bytes - s.valid_bytes;
  } else {
    scan->ok = false;
  }
}

void Fail(DirScan* scan, const std::string& damage) {
  scan->ok = false;
  scan->damage = damage;
  scan->damage_what = damage;
}

}  // namespace

namespace {

using SegmentList = std::vector<std::pair<uint64_t, std::string>>;

// The segment files of `dir`, by number.
absl::StatusOr<SegmentList> ListSegments(const std::string& dir) {
  SegmentList found;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return Errno("cannot open directory '" + dir + "'", errno);
  while (const dirent* e = readdir(d)) {
    const uint64_t n = ParseSegmentFileName(e->d_name);
    if (n != 0) found.emplace_back(n, e->d_name);
  }
  closedir(d);
  std::sort(found.begin(), found.end());
  return found;
}

// Scans segments [from, end) of `found` into `scan`, continuing `carry`.
absl::Status ScanFrom(const std::string& dir, const SegmentList& found, size_t from, internal::Carry carry,
                      DirScan* scan) {
  for (size_t i = from; i < found.size(); ++i) {
    const uint64_t expected = i + 1;
    if (found[i].first != expected) {
      Fail(scan, "missing segment " + SegmentFileName(expected) + " (the next one is " + found[i].second +
                     "): segment numbers must run 1, 2, 3, ... with no gap");
      break;
    }
    const std::string path = dir + "/" + found[i].second;
    absl::StatusOr<std::string> bytes = internal::ReadWholeFile(path);
    if (!bytes.ok()) {
      if (bytes.status().code() != absl::StatusCode::kFailedPrecondition) return bytes.status();
      Fail(scan, found[i].second + ": " + std::string(bytes.status().message()));
      break;
    }
    carry.next_segment = expected;
    internal::SegmentResult r = internal::ScanSegment(*bytes, found[i].second, &carry, scan);
    r.info.path = path;
    r.info.file_bytes = bytes->size();
    if (r.defect == internal::Defect::kHeader) {
      // Nothing of it is readable: the reader must not open it.
      r.info.valid_bytes = 0;
    }
    scan->segments.push_back(std::move(r.info));
    Settle(r, i + 1 == found.size(), scan);
    if (r.defect != internal::Defect::kNone) break;
  }
  return absl::OkStatus();
}

// A segment's header alone (the tail scan's index), or false when it cannot be read or checked.
bool ReadHeader(const std::string& path, SegmentHeader* h) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t n = pread(fd, h, sizeof *h, 0);
  close(fd);
  return n == static_cast<ssize_t>(sizeof *h) && std::memcmp(h->magic, kSegmentMagic, sizeof kSegmentMagic) == 0 &&
         h->version == kSegmentFormatVersion && SegmentHeaderCrc(*h) == h->header_crc;
}

}  // namespace

absl::StatusOr<DirScan> ScanJournalDir(const std::string& dir) {
  DirScan scan;
  scan.dir = dir;
  absl::StatusOr<SegmentList> found = ListSegments(dir);
  if (!found.ok()) return found.status();
  if (absl::Status s = ScanFrom(dir, *found, 0, internal::Carry{}, &scan); !s.ok()) return s;
  return scan;
}

absl::StatusOr<DirScan> ScanJournalTail(const std::string& dir) {
  absl::StatusOr<SegmentList> found = ListSegments(dir);
  if (!found.ok()) return found.status();
  // Where each session starts: a segment whose header names a session the one before it does
  // not. Headers only (256 bytes each); a header that does not check sends us to the full scan,
  // which names the defect.
  std::vector<size_t> session_starts;
  uint64_t prev_session = 0;
  for (size_t i = 0; i < found->size(); ++i) {
    SegmentHeader h;
    if ((*found)[i].first != i + 1 || !ReadHeader(dir + "/" + (*found)[i].second, &h)) return ScanJournalDir(dir);
    if (i == 0 || h.session != prev_session) session_starts.push_back(i);
    prev_session = h.session;
  }
  // From the newest session back: the first start whose scan to the end holds a complete
  // snapshot (every session begins with one once the journal is past snapshot_every).
  for (size_t k = session_starts.size(); k-- > 0;) {
    const size_t from = session_starts[k];
    if (from == 0) return ScanJournalDir(dir);
    SegmentHeader h;
    if (!ReadHeader(dir + "/" + (*found)[from].second, &h)) return ScanJournalDir(dir);
    DirScan scan;
    scan.dir = dir;
    scan.partial_from_segment = from + 1;
    internal::Carry carry;
    carry.first = false;
    carry.next_seq = h.first_seq;
    carry.chain = h.prev_hash;
    carry.session = h.session - 1;  // the session before ended (or crashed) here
    carry.stage = internal::Carry::Stage::kEnded;
    scan.last_seq = h.first_seq - 1;
    scan.last_hash = h.prev_hash;
    if (absl::Status s = ScanFrom(dir, *found, from, carry, &scan); !s.ok()) return s;
    if (!scan.ok || scan.snapshot_first_seq != 0) return scan;
  }
  return ScanJournalDir(dir);
}

absl::StatusOr<DirScan> internal::ScanSegmentFile(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadWholeFile(path);
  if (!bytes.ok()) return bytes.status();
  DirScan scan;
  scan.dir = path;
  Carry carry;
  carry.first = false;
  carry.lone = true;
  const std::string name = BaseName(path);
  carry.next_segment = ParseSegmentFileName(name);  // 0 (any number) when renamed
  SegmentResult r = ScanSegment(*bytes, name, &carry, &scan);
  r.info.path = path;
  r.info.file_bytes = bytes->size();
  if (r.defect == Defect::kHeader) r.info.valid_bytes = 0;
  scan.segments.push_back(std::move(r.info));
  Settle(r, /*last=*/true, &scan);
  return scan;
}

// ---- DirReader

struct DirReader::Impl {
  struct Seg {
    uint64_t number = 0;
    std::string path;
    SegmentHeader header{};
    uint64_t valid_bytes = 0;
  };
  std::vector<Seg> segs;
  size_t next = 0;           // the segment to load next
  bool loaded = false;
  std::string bytes;         // the loaded segment
  uint64_t pos = 0;
  uint64_t end = 0;          // its valid bytes
  uint64_t expect_seq = 0;   // the next record's sequence number
  uint64_t from_seq = 1;     // records before it (and marks before it) are skipped
  uint64_t index = 0;
  ReadOutcome stuck = ReadOutcome::kRecord;
};

DirReader::DirReader(DirReader&& o) noexcept
    : impl_(std::exchange(o.impl_, nullptr)), session_(o.session_), segment_(o.segment_), error_(std::move(o.error_)) {}

DirReader& DirReader::operator=(DirReader&& o) noexcept {
  if (this != &o) {
    delete impl_;
    impl_ = std::exchange(o.impl_, nullptr);
    session_ = o.session_;
    segment_ = o.segment_;
    error_ = std::move(o.error_);
  }
  return *this;
}

DirReader::~DirReader() { delete impl_; }

absl::StatusOr<DirReader> DirReader::Open(const DirScan& scan, uint64_t from_seq) {
  if (from_seq == 0 || from_seq > scan.last_seq + 1)
    return absl::OutOfRangeError("journal '" + scan.dir + "': no record " + std::to_string(from_seq) +
                                 " to read from (its records run 1.." + std::to_string(scan.last_seq) + ")");
  DirReader r;
  r.impl_ = new Impl;
  Impl& m = *r.impl_;
  m.from_seq = from_seq;
  bool started = false;
  for (const SegmentInfo& s : scan.segments) {
    if (s.valid_bytes < sizeof(SegmentHeader)) break;  // unreadable header: the valid prefix ends before it
    // Segments wholly before from_seq are not opened at all.
    if (!started && s.records != 0 && s.last_seq < from_seq) continue;
    if (!started && s.records == 0) continue;
    if (!started) m.expect_seq = s.header.first_seq;
    started = true;
    m.segs.push_back({s.number, s.path, s.header, s.valid_bytes});
  }
  return r;
}

ReadOutcome DirReader::Next(RecordView* out) {
  if (impl_ == nullptr) return ReadOutcome::kEnd;
  Impl& m = *impl_;
  if (m.stuck != ReadOutcome::kRecord) return m.stuck;
  auto fail = [&](ReadOutcome o, const Impl::Seg& s, const std::string& what) {
    error_ = s.path + " offset " + std::to_string(m.pos) + ": " + what + " (the segment changed since it was scanned)";
    m.stuck = o;
    return o;
  };
  for (;;) {
    if (!m.loaded) {
      if (m.next == m.segs.size()) return ReadOutcome::kEnd;
      const Impl::Seg& s = m.segs[m.next];
      absl::StatusOr<std::string> bytes = internal::ReadWholeFile(s.path);
      if (!bytes.ok()) {
        error_ = std::string(bytes.status().message());
        m.stuck = ReadOutcome::kTruncated;
        return m.stuck;
      }
      m.bytes = *std::move(bytes);
      m.pos = 0;
      if (m.bytes.size() < s.valid_bytes) return fail(ReadOutcome::kTruncated, s, "shorter than its valid prefix");
      if (std::memcmp(m.bytes.data(), &s.header, sizeof s.header) != 0 || s.header.first_seq != m.expect_seq)
        return fail(ReadOutcome::kBadCrc, s, "header differs");
      m.pos = sizeof(SegmentHeader);
      m.end = s.valid_bytes;
      m.loaded = true;
      session_ = s.header.session;
      segment_ = s.number;
    }
    const Impl::Seg& s = m.segs[m.next];
    if (m.pos >= m.end) {
      m.loaded = false;
      ++m.next;
      std::string().swap(m.bytes);  // one segment in memory at a time
      continue;
    }
    if (m.end - m.pos < sizeof(RecordHeader)) return fail(ReadOutcome::kTruncated, s, "record header cut");
    RecordHeader h;
    std::memcpy(&h, m.bytes.data() + m.pos, sizeof h);
    const uint64_t need = sizeof(RecordHeader) + Padded(h.length);
    if (h.length > kMaxPayload || m.end - m.pos < need) return fail(ReadOutcome::kTruncated, s, "record cut");
    const auto* payload = reinterpret_cast<const unsigned char*>(m.bytes.data() + m.pos + sizeof(RecordHeader));
    if (RecordCrc(h, payload) != h.crc) return fail(ReadOutcome::kBadCrc, s, "bad crc");
    const bool mark = h.type == static_cast<uint16_t>(RecordType::kCommit);
    if (!mark) {
      if (h.seq != m.expect_seq) return fail(ReadOutcome::kBadSeq, s, "bad seq");
      ++m.expect_seq;
    }
    const uint64_t offset = m.pos;
    m.pos += need;
    if (m.expect_seq <= m.from_seq) continue;  // before from_seq (a mark: of a group before it)
    out->header = h;
    out->payload = payload;
    out->offset = offset;
    out->index = ++m.index;
    return ReadOutcome::kRecord;
  }
}

// ---- PrepareAppend

namespace {

// mkdir -p with owner-only permissions for every directory it creates.
absl::Status MakeDirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i != dir.size() && dir[i] != '/') continue;
    const std::string part = dir.substr(0, i);
    if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) return Errno("cannot create '" + part + "'", errno);
  }
  return absl::OkStatus();
}

absl::Status SyncPath(const std::string& path, int flags) {
  const int fd = open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open '" + path + "' to fsync it", errno);
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  if (rc != 0) return Errno("fsync of '" + path + "' failed", err);
  return absl::OkStatus();
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Copies bytes [from, end) of `segment` to a new "<segment>.tail" (".tail.2", ... when taken),
// fsynced, and returns its path.
absl::StatusOr<std::string> KeepTail(const std::string& segment, int seg_fd, uint64_t from, uint64_t end) {
  std::string path;
  int fd = -1;
  for (int n = 1; fd < 0; ++n) {
    path = segment + ".tail" + (n == 1 ? "" : "." + std::to_string(n));
    fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) return Errno("cannot create '" + path + "'", errno);
    if (n > 10000) return absl::FailedPreconditionError("journal: too many tail files next to '" + segment + "'");
  }
  std::string buf(64 * 1024, '\0');
  for (uint64_t at = from; at < end;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - at));
    const ssize_t got = pread(seg_fd, buf.data(), want, static_cast<off_t>(at));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0 || !WriteAll(fd, buf.data(), static_cast<size_t>(got))) {
      const int err = got < 0 ? errno : EIO;
      close(fd);
      return Errno("cannot copy the torn tail of '" + segment + "' to '" + path + "'", err);
    }
    at += static_cast<uint64_t>(got);
  }
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  if (rc != 0) return Errno("fsync of '" + path + "' failed", err);
  return path;
}

// Keeps the last segment's torn tail in a file of its own, then cuts the segment back to its
// valid prefix. The copy is durable (file and directory entry) before anything is cut, so a
// crash in between loses nothing.
absl::Status CutTornTail(const DirScan& scan, AppendPoint* at) {
  const SegmentInfo& seg = scan.segments.back();
  const int fd = open(seg.path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open '" + seg.path + "'", errno);
  struct stat st {};
  if (fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) < scan.tail_offset) {
    close(fd);
    return absl::FailedPreconditionError("journal: '" + seg.path + "' changed while it was recovered");
  }
  const uint64_t end = static_cast<uint64_t>(st.st_size);
  absl::StatusOr<std::string> tail = KeepTail(seg.path, fd, scan.tail_offset, end);
  if (!tail.ok()) {
    close(fd);
    return tail.status();
  }
  if (absl::Status s = SyncPath(scan.dir, O_RDONLY | O_DIRECTORY); !s.ok()) {
    close(fd);
    return s;
  }
  if (ftruncate(fd, static_cast<off_t>(scan.tail_offset)) != 0 || fsync(fd) != 0) {
    const int err = errno;
    close(fd);
    return Errno("cannot cut '" + seg.path + "' back to its valid prefix", err);
  }
  close(fd);
  if (absl::Status s = SyncPath(scan.dir, O_RDONLY | O_DIRECTORY); !s.ok()) return s;
  at->tail_file = *tail;
  at->tail_bytes = end - scan.tail_offset;
  at->tail_offset = scan.tail_offset;
  at->tail_damage = scan.damage;
  return absl::OkStatus();
}

}  // namespace

namespace {

// A crash while the writer created its newest segment (before the 256 header bytes were all on
// disk) leaves a file shorter than a header: nothing in it was ever part of the journal. It is
// moved aside like a torn tail (renamed to "<segment>.tail", kept) and that number is used
// again. A full-size header that does not check is damage, not this: the scan says so.
absl::Status SetAsideShortLastSegment(const std::string& dir, std::string* moved) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return absl::OkStatus();  // the scan reports it
  uint64_t last = 0;
  while (const dirent* e = readdir(d)) last = std::max(last, ParseSegmentFileName(e->d_name));
  closedir(d);
  if (last == 0) return absl::OkStatus();
  const std::string path = dir + "/" + SegmentFileName(last);
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || static_cast<uint64_t>(st.st_size) >= sizeof(SegmentHeader)) return absl::OkStatus();
  for (int n = 1; n < 10000; ++n) {
    const std::string to = path + ".tail" + (n == 1 ? "" : "." + std::to_string(n));
    if (access(to.c_str(), F_OK) == 0) continue;
    if (rename(path.c_str(), to.c_str()) != 0) return Errno("cannot move the unfinished segment '" + path + "' aside", errno);
    *moved = to;
    return SyncPath(dir, O_RDONLY | O_DIRECTORY);
  }
  return absl::FailedPreconditionError("journal: too many tail files next to '" + path + "'");
}

}  // namespace

absl::StatusOr<AppendPoint> PrepareAppend(const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("journal: no directory given");
  if (absl::Status s = MakeDirs(dir); !s.ok()) return s;
  std::string short_segment;
  if (absl::Status s = SetAsideShortLastSegment(dir, &short_segment); !s.ok()) return s;
  absl::StatusOr<DirScan> scan = ScanJournalTail(dir);
  if (!scan.ok()) return scan.status();
  if (!scan->ok)
    return absl::DataLossError("journal '" + dir + "': " + scan->damage +
                               "; refusing to append to a damaged journal (see `homeostat journal verify " + dir +
                               "`)");
  AppendPoint at;
  at.dir = dir;
  if (!short_segment.empty()) {
    at.tail_file = short_segment;
    at.tail_damage = "a segment whose header was never completely written (a crash as it was created)";
  }
  if (scan->torn_tail) {
    if (absl::Status s = CutTornTail(*scan, &at); !s.ok()) return s;
  }
  if (!scan->segments.empty()) {
    at.next_segment = scan->segments.back().number + 1;
    at.session = scan->segments.back().header.session + 1;
  }
  at.next_seq = scan->last_seq + 1;
  at.prev_hash = scan->last_hash;
  return at;
}

}  // namespace hs::journal
