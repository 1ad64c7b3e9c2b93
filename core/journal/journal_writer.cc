#include "core/journal/journal_writer.h"

#include <fcntl.h>
#include <liburing.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "core/base/clock.h"

namespace hs::journal {

// ---- JournalSink: the core's end

JournalSink::JournalSink(EntryRing::Producer p, uint64_t first_seq, size_t spill_capacity)
    : ring_(std::move(p)), seq_(first_seq - 1), spill_(spill_capacity) {}

namespace {
// Copies the used part of an entry: the fields and `length` payload bytes, not the whole slot.
inline void CopyEntry(Entry* to, const Entry& from) noexcept {
  std::memcpy(static_cast<void*>(to), &from, offsetof(Entry, payload) + from.length);
}
}  // namespace

Entry* JournalSink::SpillSlot() noexcept {
  const size_t cap = spill_.size();
  if (spill_count_ == cap) {
    // Full spill: the core's backlog rules should have made this impossible. Losing the
    // record is not an option, so wait for the writer to drain the ring, moving spilled
    // records in as room appears (order kept), until there is a place for this one.
    ++overflow_waits_;
    for (;;) {
      FlushSpill();
      if (spill_count_ < cap) break;  // room in the spill: the ring is still full
      if (cap == 0) {
        if (Entry* e = ring_.TryClaim()) {
          spill_tail_entry_ = nullptr;  // a ring slot: Append commits it
          return e;
        }
      }
      sched_yield();
    }
  }
  size_t slot = spill_head_ + spill_count_;
  if (slot >= cap) slot -= cap;
  ++spill_count_;
  ++spilled_;
  if (spill_count_ > spill_high_) spill_high_ = spill_count_;
  spill_tail_entry_ = &spill_[slot];
  return spill_tail_entry_;
}

void JournalSink::FlushSpill() noexcept {
  const size_t cap = spill_.size();
  while (spill_count_ > 0) {
    Entry* e = ring_.TryClaim();
    if (e == nullptr) return;
    CopyEntry(e, spill_[spill_head_]);
    ring_.Commit();
    if (++spill_head_ == cap) spill_head_ = 0;
    --spill_count_;
  }
}

// ---- JournalWriter

namespace {
constexpr uint64_t kOpWrite = 0;
constexpr uint64_t kOpSync = 1;
uint64_t Tag(size_t buf, uint64_t op) { return (static_cast<uint64_t>(buf) << 1) | op; }
// Room every group keeps for its commit mark.
constexpr size_t kMarkBytes = sizeof(RecordHeader) + Padded(sizeof(CommitMark));
}  // namespace

struct JournalWriter::Impl {
  struct Buffer {
    unsigned char* data = nullptr;
    size_t used = 0;
    int pending_ops = 0;  // completions still expected
    bool busy = false;    // submitted and not yet retired from the in-order fifo
    bool ok = true;       // every completion so far succeeded
    uint64_t first_seq = 0;
    uint64_t last_seq = 0;
    uint32_t records = 0;
    int64_t submit_ns = 0;
    uint64_t segment = 0;  // where it was written: segment number and byte offset
    uint64_t offset = 0;
  };
  // Submissions in order. Completions arrive out of order (io-wq runs independent write+sync
  // chains in parallel), so durable_seq advances only over the completed prefix: a later
  // buffer's fdatasync does not cover an earlier write still in flight.
  struct Submitted {
    size_t buffer = 0;
    uint64_t last_seq = 0;
    bool done = false;
  };

  WriterOptions opts;
  EntryRing::Consumer ring;
  io_uring uring{};
  bool uring_ok = false;
  std::string dir;
  int dir_fd = -1;
  int fd = -1;              // the current segment
  uint64_t segment = 0;     // the current segment's number
  uint64_t session = 0;
  uint64_t file_off = 0;    // next write offset in the current segment
  ChainHash chain{};        // chain value after the last submitted group
  ChainHash config_sha{};
  std::vector<Buffer> buffers;
  size_t cur = 0;
  int64_t first_unflushed_ns = 0;
  uint64_t in_flight = 0;
  std::vector<Submitted> fifo;  // ring of capacity buffers.size(); at most that many in flight
  size_t fifo_head = 0;
  size_t fifo_len = 0;
  bool durable_stopped = false;  // a group failed: durable_seq never moves again
  std::mutex failure_mu;  // cold: guards failure text only
  std::string failure_text;

  ~Impl() {
    if (uring_ok) io_uring_queue_exit(&uring);
    if (fd >= 0) close(fd);
    if (dir_fd >= 0) close(dir_fd);
    for (auto& b : buffers) std::free(b.data);
  }
};

JournalWriter::JournalWriter(WriterOptions opts, EntryRing::Consumer ring) : impl_(std::make_unique<Impl>()) {
  impl_->opts = std::move(opts);
  impl_->ring = std::move(ring);
}

JournalWriter::~JournalWriter() = default;

std::string JournalWriter::failure() const {
  std::lock_guard<std::mutex> g(impl_->failure_mu);
  return impl_->failure_text;
}

namespace {

std::string Errno(int e) { return strerror(e); }

// Creates segment `number` (never an existing file), writes its header and makes both the file
// and its directory entry durable before any record goes in. On success the segment is current.
absl::Status OpenSegment(JournalWriter::Impl& m, uint64_t number, uint64_t first_seq) {
  const std::string name = SegmentFileName(number);
  const std::string path = m.dir + "/" + name;
  const int fd = openat(m.dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return absl::UnavailableError("journal: cannot create segment '" + path + "': " + Errno(errno));
  SegmentHeader h;
  std::memcpy(h.magic, kSegmentMagic, sizeof h.magic);
  h.segment = number;
  h.session = m.session;
  h.first_seq = first_seq;
  h.created_wall_ns = WallNow().value;
  h.layout = kLayoutVersion;
  h.config_sha256 = m.config_sha;
  h.prev_hash = m.chain;
  m.opts.engine_name.copy(h.engine_name, sizeof h.engine_name - 1);
  h.header_crc = SegmentHeaderCrc(h);
  const ssize_t n = pwrite(fd, &h, sizeof h, 0);
  if (n != static_cast<ssize_t>(sizeof h)) {
    const std::string why = n < 0 ? Errno(errno) : "short write of " + std::to_string(n) + " bytes";
    close(fd);
    return absl::UnavailableError("journal: cannot write the header of '" + path + "': " + why);
  }
  if (fdatasync(fd) != 0) {
    const std::string why = Errno(errno);
    close(fd);
    return absl::UnavailableError("journal: fdatasync of '" + path + "' failed: " + why);
  }
  // The new name must survive a crash too, or a recovered journal would lack the segment.
  if (fsync(m.dir_fd) != 0) {
    const std::string why = Errno(errno);
    close(fd);
    return absl::UnavailableError("journal: fsync of directory '" + m.dir + "' failed: " + why);
  }
  if (m.fd >= 0) close(m.fd);  // nothing is in flight to it (AppendEntry waited)
  m.fd = fd;
  m.segment = number;
  m.file_off = sizeof h;
  return absl::OkStatus();
}

}  // namespace

absl::Status JournalWriter::Open(const AppendPoint& at) {
  Impl& m = *impl_;
  if (m.fd >= 0) return absl::FailedPreconditionError("journal: writer already open");
  m.dir = at.dir;
  if (mkdir(m.dir.c_str(), 0700) != 0 && errno != EEXIST)
    return absl::UnavailableError("journal: cannot create directory '" + m.dir + "': " + Errno(errno));
  m.dir_fd = open(m.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (m.dir_fd < 0) return absl::UnavailableError("journal: cannot open directory '" + m.dir + "': " + Errno(errno));
  m.session = at.session;
  m.chain = at.prev_hash;
  m.config_sha = Sha256(m.opts.config_text.data(), m.opts.config_text.size());
  // One buffer must hold the largest record and the commit mark.
  if (m.opts.buffer_bytes < sizeof(RecordHeader) + kMaxPayload + kMarkBytes || m.opts.buffers < 1)
    return absl::InvalidArgumentError("journal: buffer_bytes or buffers too small");
  if (absl::Status s = OpenSegment(m, at.next_segment, at.next_seq); !s.ok()) return s;
  segments_.store(1, std::memory_order_relaxed);
  bytes_.store(sizeof(SegmentHeader), std::memory_order_relaxed);
  durable_seq_.store(at.next_seq - 1, std::memory_order_relaxed);
  const int rc = io_uring_queue_init(64, &m.uring, 0);
  if (rc < 0) return absl::UnavailableError(std::string("journal: io_uring_queue_init failed: ") + Errno(-rc));
  m.uring_ok = true;
  m.buffers.resize(static_cast<size_t>(m.opts.buffers));
  m.fifo.resize(m.buffers.size());
  for (auto& b : m.buffers) {
    b.data = static_cast<unsigned char*>(std::aligned_alloc(4096, (m.opts.buffer_bytes + 4095) & ~size_t{4095}));
    if (b.data == nullptr) return absl::ResourceExhaustedError("journal: buffer allocation failed");
  }
  return absl::OkStatus();
}

namespace {

void Fail(JournalWriter::Impl* m, std::atomic<bool>* flag, const std::string& what) {
  {
    std::lock_guard<std::mutex> g(m->failure_mu);
    if (m->failure_text.empty()) m->failure_text = what;
  }
  flag->store(true, std::memory_order_release);
}

struct Ctx {
  JournalWriter::Impl* m;
  std::atomic<bool>* failed;
  std::atomic<uint64_t>* durable_seq;
  std::atomic<uint64_t>* bytes;
  std::atomic<uint64_t>* segments;
};

// A short write carries no error code. Says which limit most likely stopped it (the file size
// limit or a full filesystem) by looking, never by writing again: nothing is retried.
std::string ShortWriteCause(int fd, uint64_t end_offset) {
  rlimit lim{};
  if (getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY && end_offset >= lim.rlim_cur)
    return Errno(EFBIG) + ": the file size limit (RLIMIT_FSIZE) is " + std::to_string(lim.rlim_cur) + " bytes";
  struct statvfs vfs{};
  if (fstatvfs(fd, &vfs) == 0 && vfs.f_bavail == 0) return Errno(ENOSPC) + ": the filesystem is full";
  return "cause unknown";
}

std::string GroupText(const JournalWriter::Impl::Buffer& b) {
  return "records " + std::to_string(b.first_seq) + ".." + std::to_string(b.last_seq) + " at byte " +
         std::to_string(b.offset) + " of " + SegmentFileName(b.segment);
}

int Reap(const Ctx& c, bool wait_one) {
  JournalWriter::Impl& m = *c.m;
  int n = 0;
  io_uring_cqe* cqe = nullptr;
  while (true) {
    int rc;
    if (wait_one && n == 0 && m.in_flight > 0) {
      rc = io_uring_wait_cqe(&m.uring, &cqe);
    } else {
      rc = io_uring_peek_cqe(&m.uring, &cqe);
    }
    if (rc != 0 || cqe == nullptr) break;
    const uint64_t tag = cqe->user_data;
    const int res = cqe->res;
    io_uring_cqe_seen(&m.uring, cqe);
    const size_t bi = static_cast<size_t>(tag >> 1);
    JournalWriter::Impl::Buffer& b = m.buffers[bi];
    if ((tag & 1) == kOpWrite) {
      if (res < 0) {
        b.ok = false;
        Fail(&m, c.failed, "journal write of " + GroupText(b) + " failed: " + Errno(-res));
      } else if (static_cast<size_t>(res) != b.used) {
        b.ok = false;
        Fail(&m, c.failed, "journal short write of " + GroupText(b) + ": " + std::to_string(res) + " of " +
                               std::to_string(b.used) + " bytes (" + ShortWriteCause(m.fd, b.offset + res) + ")");
        c.bytes->fetch_add(static_cast<uint64_t>(res), std::memory_order_relaxed);
      } else {
        c.bytes->fetch_add(static_cast<uint64_t>(res), std::memory_order_relaxed);
      }
    } else if (res < 0) {
      // A linked fdatasync whose write failed is cancelled (-ECANCELED): the write's error
      // is the one to report, and Fail keeps the first text.
      b.ok = false;
      Fail(&m, c.failed, "journal fdatasync after " + GroupText(b) + " failed: " + Errno(-res));
    }
    if (--b.pending_ops == 0) {
      const size_t cap = m.fifo.size();
      for (size_t i = 0; i < m.fifo_len; ++i) {
        JournalWriter::Impl::Submitted& s = m.fifo[(m.fifo_head + i) % cap];
        if (!s.done && s.buffer == bi) {
          s.done = true;
          break;
        }
      }
      // A buffer is reused only once retired, so the fifo never holds more than buffers.size().
      while (m.fifo_len > 0 && m.fifo[m.fifo_head].done) {
        const JournalWriter::Impl::Submitted& s = m.fifo[m.fifo_head];
        JournalWriter::Impl::Buffer& rb = m.buffers[s.buffer];
        if (!rb.ok) m.durable_stopped = true;
        if (!m.durable_stopped) {
          c.durable_seq->store(s.last_seq, std::memory_order_relaxed);
          if (m.opts.on_durable != nullptr)
            m.opts.on_durable(m.opts.on_durable_ctx, s.last_seq, rb.records, MonoNow().value - rb.submit_ns);
        }
        rb.used = 0;
        rb.busy = false;
        --m.in_flight;
        m.fifo_head = (m.fifo_head + 1) % cap;
        --m.fifo_len;
      }
    }
    ++n;
  }
  return n;
}

// Ends the current buffer's group with its commit mark and submits it as one write (linked to
// an fdatasync when fsync is on). Nothing is submitted once the journal failed: a write after
// a failed one would leave a hole in the file. Returns false when the buffer was not submitted.
bool Submit(const Ctx& c) {
  JournalWriter::Impl& m = *c.m;
  JournalWriter::Impl::Buffer& b = m.buffers[m.cur];
  if (b.used == 0) return true;
  if (c.failed->load(std::memory_order_relaxed)) return false;
  // The chain covers the group's record bytes; the mark itself is outside it.
  CommitMark mark;
  mark.first_seq = b.first_seq;
  mark.last_seq = b.last_seq;
  mark.records = b.records;
  mark.chain = ChainNext(m.chain, b.data, b.used);
  RecordHeader h;
  h.length = sizeof mark;
  h.type = static_cast<uint16_t>(RecordType::kCommit);
  h.seq = 0;
  h.crc = RecordCrc(h, &mark);
  std::memcpy(b.data + b.used, &h, sizeof h);
  std::memcpy(b.data + b.used + sizeof h, &mark, sizeof mark);
  std::memset(b.data + b.used + sizeof h + sizeof mark, 0, kMarkBytes - sizeof h - sizeof mark);
  b.used += kMarkBytes;

  io_uring_sqe* sqe = io_uring_get_sqe(&m.uring);
  if (sqe == nullptr) {
    io_uring_submit(&m.uring);
    sqe = io_uring_get_sqe(&m.uring);
  }
  io_uring_prep_write(sqe, m.fd, b.data, static_cast<unsigned>(b.used), m.file_off);
  io_uring_sqe_set_data64(sqe, Tag(m.cur, kOpWrite));
  b.pending_ops = 1;
  if (m.opts.fsync) {
    sqe->flags |= IOSQE_IO_LINK;  // the sync runs only after the write succeeded
    io_uring_sqe* s2 = io_uring_get_sqe(&m.uring);
    if (s2 == nullptr) {
      io_uring_submit(&m.uring);
      s2 = io_uring_get_sqe(&m.uring);
    }
    io_uring_prep_fsync(s2, m.fd, IORING_FSYNC_DATASYNC);
    io_uring_sqe_set_data64(s2, Tag(m.cur, kOpSync));
    b.pending_ops = 2;
  }
  b.submit_ns = MonoNow().value;
  const int rc = io_uring_submit(&m.uring);
  if (rc < 0) {
    b.used -= kMarkBytes;  // the group stays in memory, unwritten
    b.pending_ops = 0;
    Fail(&m, c.failed, std::string("journal io_uring_submit failed: ") + Errno(-rc));
    return false;
  }
  m.chain = mark.chain;
  b.segment = m.segment;
  b.offset = m.file_off;
  m.file_off += b.used;
  b.busy = true;
  b.ok = true;
  ++m.in_flight;
  m.fifo[(m.fifo_head + m.fifo_len) % m.fifo.size()] = {m.cur, b.last_seq, false};
  ++m.fifo_len;
  m.first_unflushed_ns = 0;
  // Move to a free buffer; wait for a completion when every buffer is in flight.
  for (;;) {
    for (size_t i = 1; i <= m.buffers.size(); ++i) {
      const size_t k = (m.cur + i) % m.buffers.size();
      if (!m.buffers[k].busy) {
        m.cur = k;
        m.buffers[k].used = 0;
        m.buffers[k].records = 0;
        return true;
      }
    }
    Reap(c, /*wait_one=*/true);
  }
}

// Adds one record to the current group, submitting the group first when the buffer is full and
// rotating to a new segment first when the record would take the segment past segment_bytes.
// Returns false (the record not taken) once the journal failed and there is no room left.
bool AppendEntry(const Ctx& c, const Entry& e) {
  JournalWriter::Impl& m = *c.m;
  const size_t need = sizeof(RecordHeader) + Padded(e.length);
  // A segment always takes at least one group, however small segment_bytes is.
  const bool segment_has_data = m.file_off > sizeof(SegmentHeader) || m.buffers[m.cur].used > 0;
  if (segment_has_data && m.file_off + m.buffers[m.cur].used + need + kMarkBytes > m.opts.segment_bytes) {
    if (c.failed->load(std::memory_order_relaxed) || !Submit(c)) return false;
    // Rotation waits for the old segment's writes: a segment that failed must stay the last
    // one (a later segment would continue the chain past its hole). Once per segment_bytes.
    while (m.in_flight > 0) Reap(c, /*wait_one=*/true);
    if (c.failed->load(std::memory_order_relaxed)) return false;
    // The next segment continues the chain from the group just written; its header and
    // directory entry are durable before its first group is written.
    if (absl::Status s = OpenSegment(m, m.segment + 1, e.seq); !s.ok()) {
      Fail(&m, c.failed, std::string(s.message()));
      return false;
    }
    c.segments->fetch_add(1, std::memory_order_relaxed);
    c.bytes->fetch_add(sizeof(SegmentHeader), std::memory_order_relaxed);
  }
  if (m.buffers[m.cur].used + need + kMarkBytes > m.opts.buffer_bytes) {
    if (!Submit(c)) return false;
  }
  JournalWriter::Impl::Buffer& b = m.buffers[m.cur];
  RecordHeader h;
  h.length = e.length;
  h.type = e.type;
  h.seq = e.seq;
  h.crc = RecordCrc(h, e.payload);
  std::memcpy(b.data + b.used, &h, sizeof h);
  std::memcpy(b.data + b.used + sizeof h, e.payload, e.length);
  const size_t pad = Padded(e.length) - e.length;
  if (pad) std::memset(b.data + b.used + sizeof h + e.length, 0, pad);
  if (b.records == 0) b.first_seq = e.seq;
  b.used += need;
  b.last_seq = e.seq;
  ++b.records;
  if (m.first_unflushed_ns == 0) m.first_unflushed_ns = MonoNow().value;
  return true;
}

}  // namespace

int JournalWriter::DoWork() noexcept {
  Impl& m = *impl_;
  if (!m.uring_ok) return 0;
  const Ctx c{&m, &failed_, &durable_seq_, &bytes_, &segments_};
  int work = 0;
  const Entry* e;
  // After a failure records are still taken while the current buffer has room (they stay in
  // memory); the rest wait in the ring and the sink's spill, which the core sees as backlog.
  while (work < 4096 && (e = m.ring.Front()) != nullptr) {
    if (!AppendEntry(c, *e)) break;
    m.ring.Pop();
    ++work;
  }
  records_.fetch_add(static_cast<uint64_t>(work), std::memory_order_relaxed);
  work += Reap(c, false);
  if (m.buffers[m.cur].used > 0 && !failed() &&
      (m.buffers[m.cur].used >= m.opts.buffer_bytes / 2 ||
       MonoNow().value - m.first_unflushed_ns >= m.opts.flush_interval_ns)) {
    Submit(c);
    ++work;
  }
  return work;
}

void JournalWriter::Park(int64_t max_ns) noexcept {
  Impl& m = *impl_;
  // The core never wakes the journal (that would put a system call on its hot path): the
  // writer sleeps at most one flush interval and picks up whatever accumulated.
  int64_t ns = max_ns < m.opts.flush_interval_ns ? max_ns : m.opts.flush_interval_ns;
  if (m.in_flight > 0) {
    __kernel_timespec ts{ns / 1'000'000'000, ns % 1'000'000'000};
    io_uring_cqe* cqe = nullptr;
    io_uring_wait_cqe_timeout(&m.uring, &cqe, &ts);  // completion is reaped by DoWork
    return;
  }
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  nanosleep(&ts, nullptr);
}

void JournalWriter::OnClose() noexcept {
  Impl& m = *impl_;
  if (!m.uring_ok) return;
  const Ctx c{&m, &failed_, &durable_seq_, &bytes_, &segments_};
  while (DoWork() > 0) {
  }
  Submit(c);
  while (m.in_flight > 0) Reap(c, true);
}

}  // namespace hs::journal
