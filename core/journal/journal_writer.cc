#include "core/journal/journal_writer.h"

#include <fcntl.h>
#include <liburing.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "core/base/clock.h"

namespace hs::journal {

// BUILD SHIM (wt-snap): a minimal JournalSink with the new interface so the engine links in this
// branch; the journal-writer helper's implementation replaces it.
JournalSink::JournalSink(EntryRing::Producer p, uint64_t first_seq, size_t spill_capacity)
    : ring_(std::move(p)), seq_(first_seq - 1), spill_(spill_capacity) {}

Entry* JournalSink::SpillSlot() noexcept {
  if (spill_count_ < spill_.size()) {
    Entry* e = &spill_[(spill_head_ + spill_count_) % spill_.size()];
    ++spill_count_;
    ++spilled_;
    if (spill_count_ > spill_high_) spill_high_ = spill_count_;
    spill_tail_entry_ = e;
    return e;
  }
  ++overflow_waits_;
  while (spill_count_ != 0) {
    FlushSpill();
    sched_yield();
  }
  Entry* e;
  while ((e = ring_.TryClaim()) == nullptr) sched_yield();
  spill_tail_entry_ = nullptr;
  return e;
}

void JournalSink::FlushSpill() noexcept {
  while (spill_count_ != 0) {
    Entry* e = ring_.TryClaim();
    if (e == nullptr) return;
    *e = spill_[spill_head_];
    ring_.Commit();
    spill_head_ = (spill_head_ + 1) % spill_.size();
    --spill_count_;
  }
  spill_tail_entry_ = nullptr;
}

namespace {
constexpr uint64_t kOpWrite = 0;
constexpr uint64_t kOpSync = 1;
uint64_t Tag(size_t buf, uint64_t op) { return (static_cast<uint64_t>(buf) << 1) | op; }
}  // namespace

struct JournalWriter::Impl {
  struct Buffer {
    unsigned char* data = nullptr;
    size_t used = 0;
    int pending_ops = 0;  // completions still expected
    bool busy = false;    // submitted and not yet retired from the in-order fifo
    uint64_t last_seq = 0;
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
  int fd = -1;
  uint64_t file_off = 0;
  std::vector<Buffer> buffers;
  size_t cur = 0;
  int64_t first_unflushed_ns = 0;
  uint64_t in_flight = 0;
  std::vector<Submitted> fifo;  // ring of capacity buffers.size(); at most that many in flight
  size_t fifo_head = 0;
  size_t fifo_len = 0;
  std::mutex failure_mu;  // cold: guards failure text only
  std::string failure_text;

  ~Impl() {
    if (uring_ok) io_uring_queue_exit(&uring);
    if (fd >= 0) close(fd);
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

absl::Status JournalWriter::Open(const AppendPoint& /*at*/) {  // BUILD SHIM (wt-snap): old single-file body
  Impl& m = *impl_;
  m.fd = open(m.opts.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (m.fd < 0) return absl::UnavailableError("journal: cannot create '" + m.opts.path + "': " + strerror(errno));
  FileHeader fh;
  std::memcpy(fh.magic, kFileMagic, sizeof fh.magic);
  fh.created_wall_ns = WallNow().value;
  m.opts.engine_name.copy(fh.engine_name, sizeof fh.engine_name - 1);
  fh.header_crc = FileHeaderCrc(fh);
  if (pwrite(m.fd, &fh, sizeof fh, 0) != static_cast<ssize_t>(sizeof fh))
    return absl::UnavailableError("journal: cannot write header to '" + m.opts.path + "': " + strerror(errno));
  m.file_off = sizeof fh;
  const int rc = io_uring_queue_init(64, &m.uring, 0);
  if (rc < 0) return absl::UnavailableError(std::string("journal: io_uring_queue_init failed: ") + strerror(-rc));
  m.uring_ok = true;
  m.buffers.resize(static_cast<size_t>(m.opts.buffers));
  m.fifo.resize(m.buffers.size());
  for (auto& b : m.buffers) {
    b.data = static_cast<unsigned char*>(std::aligned_alloc(4096, m.opts.buffer_bytes));
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
};

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
        Fail(&m, c.failed, std::string("journal write failed: ") + strerror(-res));
      } else if (static_cast<size_t>(res) != b.used) {
        Fail(&m, c.failed, "journal short write: " + std::to_string(res) + " of " + std::to_string(b.used) + " bytes");
      } else {
        c.bytes->fetch_add(static_cast<uint64_t>(res), std::memory_order_relaxed);
      }
    } else if (res < 0) {
      Fail(&m, c.failed, std::string("journal fdatasync failed: ") + strerror(-res));
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
        if (!c.failed->load(std::memory_order_relaxed)) c.durable_seq->store(s.last_seq, std::memory_order_relaxed);
        m.buffers[s.buffer].used = 0;
        m.buffers[s.buffer].busy = false;
        --m.in_flight;
        m.fifo_head = (m.fifo_head + 1) % cap;
        --m.fifo_len;
      }
    }
    ++n;
  }
  return n;
}

void Submit(const Ctx& c) {
  JournalWriter::Impl& m = *c.m;
  JournalWriter::Impl::Buffer& b = m.buffers[m.cur];
  if (b.used == 0) return;
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
  const int rc = io_uring_submit(&m.uring);
  if (rc < 0) {
    Fail(&m, c.failed, std::string("journal io_uring_submit failed: ") + strerror(-rc));
    b.pending_ops = 0;
    b.used = 0;
    return;
  }
  m.file_off += b.used;
  b.busy = true;
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
        return;
      }
    }
    Reap(c, /*wait_one=*/true);
  }
}

void AppendEntry(const Ctx& c, const Entry& e) {
  JournalWriter::Impl& m = *c.m;
  const size_t need = sizeof(RecordHeader) + Padded(e.length);
  if (m.buffers[m.cur].used + need > m.opts.buffer_bytes) Submit(c);
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
  b.used += need;
  b.last_seq = e.seq;
  if (m.first_unflushed_ns == 0) m.first_unflushed_ns = MonoNow().value;
}

}  // namespace

int JournalWriter::DoWork() noexcept {
  Impl& m = *impl_;
  const Ctx c{&m, &failed_, &durable_seq_, &bytes_};
  int work = 0;
  const Entry* e;
  while (work < 4096 && (e = m.ring.Front()) != nullptr) {
    AppendEntry(c, *e);
    m.ring.Pop();
    ++work;
  }
  records_.fetch_add(static_cast<uint64_t>(work), std::memory_order_relaxed);
  work += Reap(c, false);
  if (m.buffers[m.cur].used > 0 &&
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
  const Ctx c{&m, &failed_, &durable_seq_, &bytes_};
  while (DoWork() > 0) {
  }
  Submit(c);
  while (m.in_flight > 0) Reap(c, true);
}

}  // namespace hs::journal
