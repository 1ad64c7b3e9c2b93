// The journal writer against the format-3 contract (journal_format.h): segments, group commit
// with the hash chain, rotation, the sink's spill, and real write failures.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/journal/journal_format.h"
#include "core/journal/journal_writer.h"
#include "tests/support/test_support.h"

namespace hs::journal {
namespace {

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// A new journal's first session: segment 1, session 1, sequence 1, the chain from zeros.
AppendPoint FirstSession(const std::string& dir) {
  AppendPoint at;
  at.dir = dir;
  return at;
}

VenueMsg NumberedMsg(uint64_t i) {
  VenueMsg m;
  m.kind = VenueMsg::Kind::kBookTop;
  m.top.venue_seq = i;
  m.top.bids[0].px = Price::FromRaw(static_cast<int64_t>(i));
  return m;
}

// What a test walk over a journal directory found. The walk checks everything the format
// promises and stops at the first defect.
struct Walk {
  uint64_t segments = 0;
  uint64_t records = 0;
  uint64_t groups = 0;
  uint64_t last_seq = 0;          // of the last record in a complete group
  ChainHash chain{};              // after the last complete group
  std::vector<SegmentHeader> headers;
  std::vector<uint64_t> segment_bytes;
  std::vector<uint64_t> venue_seqs;  // payload check: VenueMsg::top.venue_seq in order
  // After the last valid commit mark: "" (the journal ends there), "torn" (the file ends inside
  // a record, or records follow without their mark), or a defect (anything else).
  std::string tail;
};

Walk WalkJournal(const std::string& dir, ChainHash chain = {}, uint64_t next_seq = 1, uint64_t first_segment = 1) {
  Walk w;
  w.chain = chain;
  w.last_seq = next_seq - 1;
  for (uint64_t n = first_segment;; ++n) {
    const std::string path = dir + "/" + SegmentFileName(n);
    if (!FileExists(path)) break;
    if (!w.tail.empty()) {
      w.tail = "segment " + std::to_string(n) + " follows a damaged one";
      return w;
    }
    const std::string bytes = testing::ReadFileOrDie(path);
    ++w.segments;
    w.segment_bytes.push_back(bytes.size());
    SegmentHeader h;
    if (bytes.size() < sizeof h) {
      w.tail = path + ": shorter than its header";
      return w;
    }
    std::memcpy(&h, bytes.data(), sizeof h);
    w.headers.push_back(h);
    if (std::memcmp(h.magic, kSegmentMagic, sizeof h.magic) != 0) w.tail = path + ": bad magic";
    else if (h.header_crc != SegmentHeaderCrc(h)) w.tail = path + ": header CRC";
    else if (h.segment != n) w.tail = path + ": segment number " + std::to_string(h.segment);
    else if (h.first_seq != w.last_seq + 1) w.tail = path + ": first_seq " + std::to_string(h.first_seq);
    else if (h.prev_hash != w.chain) w.tail = path + ": prev_hash does not continue the chain";
    if (!w.tail.empty()) return w;
    size_t pos = sizeof h;
    size_t group_start = pos;
    uint64_t group_records = 0;
    uint64_t group_first = 0;
    uint64_t seq = w.last_seq;
    std::vector<uint64_t> group_venue_seqs;
    while (pos < bytes.size()) {
      RecordHeader r;
      if (bytes.size() - pos < sizeof r) {
        w.tail = "torn";
        break;
      }
      std::memcpy(&r, bytes.data() + pos, sizeof r);
      if (r.length > kMaxPayload) {
        w.tail = path + ": record length " + std::to_string(r.length) + " at " + std::to_string(pos);
        break;
      }
      if (bytes.size() - pos - sizeof r < Padded(r.length)) {
        w.tail = "torn";
        break;
      }
      const char* payload = bytes.data() + pos + sizeof r;
      if (RecordCrc(r, payload) != r.crc) {
        w.tail = path + ": record CRC at " + std::to_string(pos);
        break;
      }
      if (r.layout != kLayoutVersion) {
        w.tail = path + ": layout " + std::to_string(r.layout);
        break;
      }
      if (r.type == static_cast<uint16_t>(RecordType::kCommit)) {
        CommitMark mark;
        if (r.length != sizeof mark || r.seq != 0) {
          w.tail = path + ": malformed commit mark at " + std::to_string(pos);
          break;
        }
        std::memcpy(&mark, payload, sizeof mark);
        const ChainHash expect = ChainNext(w.chain, bytes.data() + group_start, pos - group_start);
        if (group_records == 0 || mark.first_seq != group_first || mark.last_seq != seq ||
            mark.records != group_records || mark.chain != expect) {
          w.tail = path + ": commit mark at " + std::to_string(pos) + " does not match its group";
          break;
        }
        w.chain = expect;
        w.last_seq = seq;
        w.records += group_records;
        ++w.groups;
        w.venue_seqs.insert(w.venue_seqs.end(), group_venue_seqs.begin(), group_venue_seqs.end());
        group_venue_seqs.clear();
        group_records = 0;
        group_start = pos + sizeof r + Padded(r.length);
      } else {
        if (r.seq != seq + 1) {
          w.tail = path + ": sequence " + std::to_string(r.seq) + " after " + std::to_string(seq);
          break;
        }
        if (group_records == 0) group_first = r.seq;
        seq = r.seq;
        ++group_records;
        if (r.type == static_cast<uint16_t>(RecordType::kVenueMsg)) {
          VenueMsg m;
          std::memcpy(&m, payload, sizeof m);
          group_venue_seqs.push_back(m.top.venue_seq);
        }
      }
      pos += sizeof r + Padded(r.length);
    }
    if (w.tail.empty() && group_records > 0) w.tail = "torn";  // records without their mark
    if (!w.tail.empty() && w.tail != "torn") return w;
  }
  return w;
}

// A writer on its own thread, as the engine runs it.
class WriterThread {
 public:
  explicit WriterThread(JournalWriter* w) : w_(w), t_([this] {
    while (!stop_.load()) {
      if (w_->DoWork() == 0) w_->Park(50'000);
    }
    w_->OnClose();
  }) {}
  ~WriterThread() { Stop(); }
  void Stop() {
    if (!t_.joinable()) return;
    stop_ = true;
    t_.join();
  }

 private:
  JournalWriter* w_;
  std::atomic<bool> stop_{false};
  std::thread t_;
};

WriterOptions SmallOptions(const std::string& dir) {
  WriterOptions o;
  o.path = dir;
  o.engine_name = "test";
  o.config_text = NormalizeConfigText("[engine]\nname = \"test\"\n");
  o.flush_interval_ns = 100'000;
  o.buffer_bytes = 4096;  // small groups: many commit marks
  o.segment_bytes = 16 * 1024;
  o.fsync = false;
  return o;
}

// Writes n venue messages through a sink and the writer on its thread; returns the writer's view.
struct Written {
  bool failed = false;
  std::string failure;
  uint64_t records = 0;
  uint64_t durable = 0;
  uint64_t segments = 0;
  uint64_t bytes = 0;
};
Written WriteRecords(const WriterOptions& o, const AppendPoint& at, uint64_t n) {
  EntryRing ring(256);
  JournalWriter w(o, ring.TakeConsumer());
  const absl::Status s = w.Open(at);
  EXPECT_TRUE(s.ok()) << s;
  if (!s.ok()) return {};
  JournalSink sink(ring.TakeProducer(), at.next_seq, 64);
  {
    WriterThread t(&w);
    for (uint64_t i = 0; i < n; ++i) {
      sink.Append(RecordType::kVenueMsg, NumberedMsg(i));
      sink.Flush();
    }
    while (sink.backlogged()) {
      sink.Flush();
      std::this_thread::yield();
    }
  }
  return {w.failed(), w.failure(), w.records_written(), w.durable_seq(), w.segments_opened(), w.bytes_written()};
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  for (uint64_t n = 1; FileExists(dir + "/" + SegmentFileName(n)); ++n) {
    total += testing::ReadFileOrDie(dir + "/" + SegmentFileName(n)).size();
  }
  return total;
}

// ---- round trip

TEST(JournalWriter, RoundTripAcrossRotationsKeepsSequenceChainAndPayloads) {
  testing::TempDir tmp;
  const std::string dir = tmp.File("journal");  // missing: Open creates it
  const WriterOptions o = SmallOptions(dir);
  constexpr uint64_t kN = 3000;
  const Written r = WriteRecords(o, FirstSession(dir), kN);
  ASSERT_FALSE(r.failed) << r.failure;
  EXPECT_EQ(r.records, kN);
  EXPECT_EQ(r.durable, kN);  // fsync off: durable on write completion

  struct stat st;
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  const Walk w = WalkJournal(dir);
  EXPECT_EQ(w.tail, "");
  EXPECT_EQ(w.records, kN);
  EXPECT_EQ(w.last_seq, kN);
  EXPECT_EQ(w.segments, r.segments);
  EXPECT_GE(w.segments, 3u) << "segment_bytes is tiny: the writer must rotate";
  EXPECT_GT(w.groups, w.segments);
  EXPECT_EQ(DirBytes(dir), r.bytes);
  ASSERT_EQ(w.venue_seqs.size(), kN);
  for (uint64_t i = 0; i < kN; ++i) ASSERT_EQ(w.venue_seqs[i], i) << "record " << i + 1;
  const ChainHash config_sha = Sha256(o.config_text.data(), o.config_text.size());
  for (size_t k = 0; k < w.headers.size(); ++k) {
    const SegmentHeader& h = w.headers[k];
    EXPECT_EQ(h.version, kSegmentFormatVersion);
    EXPECT_EQ(h.header_size, sizeof(SegmentHeader));
    EXPECT_EQ(h.session, 1u);
    EXPECT_EQ(h.layout, kLayoutVersion);
    EXPECT_EQ(h.config_sha256, config_sha);
    EXPECT_STREQ(h.engine_name, "test");
    EXPECT_GT(h.created_wall_ns, 0);
    // A segment passes segment_bytes only when its first group alone is bigger.
    EXPECT_LE(w.segment_bytes[k], o.segment_bytes) << SegmentFileName(h.segment);
  }
  EXPECT_EQ(w.headers[0].prev_hash, ChainHash{});
}

TEST(JournalWriter, ContinuesFromTheAppendPoint) {
  testing::TempDir tmp;
  const std::string dir = tmp.path();
  AppendPoint at;
  at.dir = dir;
  at.next_segment = 7;
  at.session = 3;
  at.next_seq = 501;
  at.prev_hash = Sha256("earlier", 7);
  const Written r = WriteRecords(SmallOptions(dir), at, 40);
  ASSERT_FALSE(r.failed) << r.failure;
  EXPECT_EQ(r.durable, 540u);
  EXPECT_FALSE(FileExists(dir + "/" + SegmentFileName(1)));
  const Walk w = WalkJournal(dir, at.prev_hash, at.next_seq, at.next_segment);
  EXPECT_EQ(w.tail, "");
  EXPECT_EQ(w.records, 40u);
  EXPECT_EQ(w.last_seq, 540u);
  ASSERT_FALSE(w.headers.empty());
  EXPECT_EQ(w.headers[0].segment, 7u);
  EXPECT_EQ(w.headers[0].session, 3u);
  EXPECT_EQ(w.headers[0].first_seq, 501u);
  EXPECT_EQ(w.headers[0].prev_hash, at.prev_hash);
}

TEST(JournalWriter, DurableSeqWaitsForFdatasync) {
  testing::TempDir tmp;
  WriterOptions o = SmallOptions(tmp.path());
  o.fsync = true;
  o.segment_bytes = 1 << 20;
  std::vector<uint64_t> durable_marks;  // written on the writer thread, read after it stops
  o.on_durable_ctx = &durable_marks;
  o.on_durable = [](void* ctx, uint64_t last_seq, uint32_t records, int64_t latency_ns) {
    static_cast<std::vector<uint64_t>*>(ctx)->push_back(last_seq);
    EXPECT_GT(records, 0u);
    EXPECT_GE(latency_ns, 0);
  };
  const Written r = WriteRecords(o, FirstSession(tmp.path()), 500);
  ASSERT_FALSE(r.failed) << r.failure;
  EXPECT_EQ(r.durable, 500u);
  const Walk w = WalkJournal(tmp.path());
  EXPECT_EQ(w.tail, "");
  // Every group became durable once, in order, the last one covering record 500.
  ASSERT_EQ(durable_marks.size(), w.groups);
  for (size_t i = 1; i < durable_marks.size(); ++i) EXPECT_LT(durable_marks[i - 1], durable_marks[i]);
  EXPECT_EQ(durable_marks.back(), 500u);
}

TEST(JournalWriter, SessionWithNoRecordsLeavesAHeaderOnlySegment) {
  testing::TempDir tmp;
  const Written r = WriteRecords(SmallOptions(tmp.path()), FirstSession(tmp.path()), 0);
  ASSERT_FALSE(r.failed) << r.failure;
  EXPECT_EQ(r.segments, 1u);
  EXPECT_EQ(testing::ReadFileOrDie(tmp.File(SegmentFileName(1))).size(), sizeof(SegmentHeader));
  const Walk w = WalkJournal(tmp.path());
  EXPECT_EQ(w.tail, "");
  EXPECT_EQ(w.groups, 0u);
}

// ---- Open

TEST(JournalWriter, OpenNeverOverwritesAnExistingSegment) {
  testing::TempDir tmp;
  const std::string seg = tmp.File(SegmentFileName(1));
  testing::WriteFileOrDie(seg, "keep me");
  EntryRing ring(16);
  JournalWriter w(SmallOptions(tmp.path()), ring.TakeConsumer());
  const absl::Status s = w.Open(FirstSession(tmp.path()));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find(seg), std::string::npos) << s;
  EXPECT_NE(std::string(s.message()).find(strerror(EEXIST)), std::string::npos) << s;
  EXPECT_EQ(testing::ReadFileOrDie(seg), "keep me");
}

TEST(JournalWriter, OpenFailsNamingAMissingParentDirectory) {
  testing::TempDir tmp;
  const std::string dir = tmp.File("no/such/journal");
  EntryRing ring(16);
  JournalWriter w(SmallOptions(dir), ring.TakeConsumer());
  const absl::Status s = w.Open(FirstSession(dir));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find(dir), std::string::npos) << s;
}

TEST(JournalWriter, OpenFailsNamingAReadOnlyDirectory) {
  if (geteuid() == 0) GTEST_SKIP() << "running as root: chmod 0500 does not stop root from creating files";
  testing::TempDir tmp;
  const std::string dir = tmp.File("journal");
  ASSERT_EQ(mkdir(dir.c_str(), 0500), 0);
  EntryRing ring(16);
  JournalWriter w(SmallOptions(dir), ring.TakeConsumer());
  const absl::Status s = w.Open(FirstSession(dir));
  chmod(dir.c_str(), 0700);  // let TempDir remove it
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find(dir + "/" + SegmentFileName(1)), std::string::npos) << s;
  EXPECT_NE(std::string(s.message()).find(strerror(EACCES)), std::string::npos) << s;
}

TEST(JournalWriter, OpenRefusesBuffersTooSmallForARecordAndItsMark) {
  testing::TempDir tmp;
  WriterOptions o = SmallOptions(tmp.path());
  o.buffer_bytes = 200;
  EntryRing ring(16);
  JournalWriter w(o, ring.TakeConsumer());
  EXPECT_EQ(w.Open(FirstSession(tmp.path())).code(), absl::StatusCode::kInvalidArgument);
}

// ---- real failures, each in a forked child so its limits and mounts stay there

// What the child reports through a pipe.
struct ChildReport {
  int status = 0;  // 0 ran, 1 could not set up (skip), 2 setup error
  bool failed = false;
  uint64_t appended = 0;
  uint64_t records_written = 0;
  uint64_t durable = 0;
  char failure[200] = {};
  char why[200] = {};
};

template <typename Body>
ChildReport RunInChild(Body body) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    ChildReport r;
    body(&r);
    (void)!write(fds[1], &r, sizeof r);
    _exit(0);
  }
  close(fds[1]);
  ChildReport r;
  size_t got = 0;
  while (got < sizeof r) {
    const ssize_t n = read(fds[0], reinterpret_cast<char*>(&r) + got, sizeof r - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fds[0]);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) << "child status " << wstatus;
  EXPECT_EQ(got, sizeof r) << "child report incomplete";
  return r;
}

// In the child: writes n records synchronously (the writer drains on OnClose) and reports.
void WriteInChild(const WriterOptions& o, const AppendPoint& at, uint64_t n, ChildReport* r) {
  EntryRing ring(1024);
  JournalWriter w(o, ring.TakeConsumer());
  const absl::Status s = w.Open(at);
  if (!s.ok()) {
    r->status = 2;
    std::string(s.message()).copy(r->why, sizeof r->why - 1);
    return;
  }
  JournalSink sink(ring.TakeProducer(), at.next_seq, 0);
  for (uint64_t i = 0; i < n && i < 1024; ++i) sink.Append(RecordType::kVenueMsg, NumberedMsg(i));
  w.OnClose();
  r->failed = w.failed();
  r->appended = sink.last_seq();
  r->records_written = w.records_written();
  r->durable = w.durable_seq();
  w.failure().copy(r->failure, sizeof r->failure - 1);
}

// The file may end after a complete group or inside one, never with bad bytes before a mark.
void ExpectCleanEnd(const std::string& dir, const ChildReport& r) {
  const Walk w = WalkJournal(dir);
  EXPECT_TRUE(w.tail.empty() || w.tail == "torn") << w.tail;
  EXPECT_LE(r.durable, w.last_seq) << "a record reported durable is not in a complete group on disk";
  EXPECT_LT(w.last_seq, r.appended) << "the failing group cannot be complete on disk";
}

TEST(JournalWriter, FileSizeLimitFailsTheJournalAndStopsDurableSeq) {
  testing::TempDir tmp;
  WriterOptions o = SmallOptions(tmp.path());
  o.fsync = true;
  o.buffer_bytes = 1024;
  o.segment_bytes = 1 << 20;
  constexpr rlim_t kLimit = 6000;
  const ChildReport r = RunInChild([&](ChildReport* rep) {
    signal(SIGXFSZ, SIG_IGN);  // the kernel's default for a write past the limit kills the process
    rlimit lim{kLimit, kLimit};
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0) {
      rep->status = 2;
      return;
    }
    WriteInChild(o, FirstSession(tmp.path()), 400, rep);
  });
  ASSERT_EQ(r.status, 0) << r.why;
  EXPECT_TRUE(r.failed);
  EXPECT_NE(std::string(r.failure).find(strerror(EFBIG)), std::string::npos) << r.failure;
  EXPECT_EQ(r.appended, 400u);
  EXPECT_LT(r.durable, r.appended);
  EXPECT_GT(r.durable, 0u) << "groups before the limit are durable";
  EXPECT_LE(testing::ReadFileOrDie(tmp.File(SegmentFileName(1))).size(), kLimit);
  ExpectCleanEnd(tmp.path(), r);
}

TEST(JournalWriter, AFailedSegmentIsNeverFollowedByAnother) {
  // Segments of 4 KB under a limit of 1.5 KB per file: the first segment fails before it is
  // full, and the writer must not rotate past it (the next segment would continue the chain
  // over the failed segment's hole).
  testing::TempDir tmp;
  WriterOptions o = SmallOptions(tmp.path());
  o.buffer_bytes = 1024;
  o.segment_bytes = 4096;
  constexpr rlim_t kLimit = 1536;
  const ChildReport r = RunInChild([&](ChildReport* rep) {
    signal(SIGXFSZ, SIG_IGN);
    rlimit lim{kLimit, kLimit};
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0) {
      rep->status = 2;
      return;
    }
    WriteInChild(o, FirstSession(tmp.path()), 300, rep);
  });
  ASSERT_EQ(r.status, 0) << r.why;
  EXPECT_TRUE(r.failed);
  EXPECT_NE(std::string(r.failure).find(strerror(EFBIG)), std::string::npos) << r.failure;
  EXPECT_LT(r.durable, r.appended);
  EXPECT_LT(r.records_written, r.appended) << "records after the failure stay in memory";
  EXPECT_FALSE(FileExists(tmp.File(SegmentFileName(2))));
  ExpectCleanEnd(tmp.path(), r);
}

TEST(JournalWriter, FullFilesystemFailsTheJournal) {
  testing::TempDir tmp;
  const std::string mnt = tmp.File("mnt");
  ASSERT_EQ(mkdir(mnt.c_str(), 0700), 0);
  WriterOptions o = SmallOptions(mnt + "/journal");
  o.fsync = true;
  o.buffer_bytes = 2048;
  o.segment_bytes = 1 << 20;
  const ChildReport r = RunInChild([&](ChildReport* rep) {
    // A private mount namespace (a user namespace too when not root) so the tmpfs is the
    // child's alone and disappears with it.
    const int flags = geteuid() == 0 ? CLONE_NEWNS : CLONE_NEWUSER | CLONE_NEWNS;
    if (unshare(flags) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=16k") != 0) {
      rep->status = 1;
      const std::string why = std::string("cannot mount a small tmpfs here: ") + strerror(errno);
      why.copy(rep->why, sizeof rep->why - 1);
      return;
    }
    WriteInChild(o, FirstSession(mnt + "/journal"), 1000, rep);
    if (rep->status == 0) {
      // The mount goes with the child: check the end of the file here and report it.
      const Walk w = WalkJournal(mnt + "/journal");
      if (!(w.tail.empty() || w.tail == "torn") || rep->durable > w.last_seq || w.last_seq >= rep->appended) {
        rep->status = 3;
        ("bad end: " + w.tail + " last_seq " + std::to_string(w.last_seq)).copy(rep->why, sizeof rep->why - 1);
      }
    }
  });
  if (r.status == 1) GTEST_SKIP() << r.why;
  ASSERT_EQ(r.status, 0) << r.why;
  EXPECT_TRUE(r.failed);
  EXPECT_NE(std::string(r.failure).find(strerror(ENOSPC)), std::string::npos) << r.failure;
  EXPECT_LT(r.durable, r.appended);
}

// ---- the sink's spill

std::vector<uint64_t> DrainSeqs(EntryRing::Consumer* c) {
  std::vector<uint64_t> seqs;
  Entry e;
  while (c->TryPop(e)) seqs.push_back(e.seq);
  return seqs;
}

TEST(JournalSink, FullRingSpillsInOrderAndFlushDeliversEveryRecordOnce) {
  EntryRing ring(4);
  auto consumer = ring.TakeConsumer();
  constexpr size_t kSpill = 64;
  JournalSink sink(ring.TakeProducer(), 1, kSpill);
  EXPECT_EQ(sink.spill_room(), kSpill);
  constexpr uint64_t kN = 40;
  for (uint64_t i = 0; i < kN; ++i) sink.Append(RecordType::kVenueMsg, NumberedMsg(i));
  EXPECT_EQ(sink.last_seq(), kN);
  EXPECT_TRUE(sink.backlogged());
  const uint64_t spilled = kN - ring.capacity();
  EXPECT_EQ(sink.spill_room(), kSpill - spilled);
  EXPECT_EQ(sink.stalls(), spilled);
  EXPECT_EQ(sink.spill_high_water(), spilled);
  EXPECT_EQ(sink.overflow_waits(), 0u);
  EXPECT_EQ(ring.SizeApprox(), ring.capacity());  // spilled records were never committed

  // Records appended while others are spilled queue behind them.
  std::vector<uint64_t> seqs = DrainSeqs(&consumer);
  sink.Flush();
  sink.Append(RecordType::kVenueMsg, NumberedMsg(kN));
  EXPECT_TRUE(sink.backlogged());
  while (sink.backlogged()) {
    for (uint64_t s : DrainSeqs(&consumer)) seqs.push_back(s);
    sink.Flush();
  }
  for (uint64_t s : DrainSeqs(&consumer)) seqs.push_back(s);
  ASSERT_EQ(seqs.size(), kN + 1);
  for (uint64_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);
  EXPECT_EQ(sink.spill_room(), kSpill);

  // With the spill empty the fast path goes straight to the ring again.
  sink.Append(RecordType::kVenueMsg, NumberedMsg(kN + 1));
  EXPECT_FALSE(sink.backlogged());
  Entry e;
  ASSERT_TRUE(consumer.TryPop(e));
  EXPECT_EQ(e.seq, kN + 2);
  VenueMsg m;
  std::memcpy(&m, e.payload, sizeof m);
  EXPECT_EQ(m.top.venue_seq, kN + 1);
}

TEST(JournalSink, SpilledPayloadsArriveIntact) {
  EntryRing ring(2);
  auto consumer = ring.TakeConsumer();
  JournalSink sink(ring.TakeProducer(), 10, 8);
  OrderIntent in;
  in.client_id = ClientOrderId{77};
  sink.Append(RecordType::kVenueMsg, NumberedMsg(1));
  sink.Append(RecordType::kVenueMsg, NumberedMsg(2));
  sink.Append(RecordType::kIntent, in);  // spilled
  sink.Append(RecordType::kVenueMsg, NumberedMsg(4));  // spilled
  std::vector<Entry> got;
  while (got.size() < 4) {
    Entry e;
    while (consumer.TryPop(e)) got.push_back(e);
    sink.Flush();
  }
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].seq, 10u);
  EXPECT_EQ(got[2].seq, 12u);
  EXPECT_EQ(got[2].type, static_cast<uint16_t>(RecordType::kIntent));
  EXPECT_EQ(got[2].length, sizeof(OrderIntent));
  OrderIntent back;
  std::memcpy(&back, got[2].payload, sizeof back);
  EXPECT_EQ(back.client_id.value, 77u);
  VenueMsg m;
  std::memcpy(&m, got[3].payload, sizeof m);
  EXPECT_EQ(m.top.venue_seq, 4u);
}

// A full spill is a bug by construction; the sink then waits for the writer rather than lose
// the record. The consumer starts draining only once the producer is at the record that cannot
// fit, so exactly that record waits, whatever the timing.
void ExpectOverflowWaitsAndLosesNothing(size_t ring_slots, size_t spill) {
  EntryRing ring(ring_slots);
  auto consumer = ring.TakeConsumer();
  JournalSink sink(ring.TakeProducer(), 1, spill);
  const uint64_t fill = ring_slots + spill;
  const uint64_t total = fill + 1;
  for (uint64_t i = 0; i < fill; ++i) sink.Append(RecordType::kVenueMsg, NumberedMsg(i));
  // A full spill has no room; a sink with no spill reports unbounded room (nothing to hold
  // inputs back for: a full ring makes Append wait instead).
  EXPECT_EQ(sink.spill_room(), spill == 0 ? SIZE_MAX : 0u);
  EXPECT_EQ(sink.overflow_waits(), 0u);
  std::atomic<bool> at_overflow{false};
  std::vector<uint64_t> seqs;
  std::thread drain([&] {
    while (!at_overflow.load()) std::this_thread::yield();
    while (seqs.size() < total) {
      Entry e;
      if (consumer.TryPop(e)) seqs.push_back(e.seq);
      else std::this_thread::yield();
    }
  });
  at_overflow = true;
  sink.Append(RecordType::kVenueMsg, NumberedMsg(fill));  // waits for the drain
  while (sink.backlogged()) {
    sink.Flush();
    std::this_thread::yield();
  }
  drain.join();
  EXPECT_EQ(sink.overflow_waits(), 1u);
  EXPECT_EQ(sink.last_seq(), total);
  ASSERT_EQ(seqs.size(), total);
  for (uint64_t i = 0; i < total; ++i) EXPECT_EQ(seqs[i], i + 1);
}

TEST(JournalSink, FullSpillWaitsForTheWriterAndLosesNothing) { ExpectOverflowWaitsAndLosesNothing(4, 8); }

TEST(JournalSink, SinkWithoutSpillWaitsForTheRingAndLosesNothing) { ExpectOverflowWaitsAndLosesNothing(4, 0); }

TEST(JournalSink, DefaultSinkIgnoresAppends) {
  JournalSink sink;
  sink.Append(RecordType::kVenueMsg, NumberedMsg(1));
  sink.Flush();
  EXPECT_EQ(sink.last_seq(), 0u);
  EXPECT_FALSE(sink.backlogged());
}

}  // namespace
}  // namespace hs::journal
