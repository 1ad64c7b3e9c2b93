#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <thread>

#include "core/journal/journal_reader.h"
#include "core/journal/journal_writer.h"
#include "tests/support/test_support.h"

namespace hs::journal {
namespace {

// Which session records frame the n body records (DecisionCore writes both).
struct Framing {
  bool session_start = false;
  bool session_end = false;
};
constexpr Framing kSession{true, true};

// Writes n records (every fifth an intent, the rest venue messages), framed as asked, through
// the real io_uring writer on its own thread.
void WriteJournal(const std::string& path, int n, bool fsync = true, Framing framing = {}) {
  EntryRing ring(1024);
  WriterOptions o;
  o.path = path;
  o.engine_name = "test";
  o.fsync = fsync;
  o.flush_interval_ns = 200'000;
  o.buffer_bytes = 64 * 1024;  // small buffers: many group commits
  JournalWriter w(o, ring.TakeConsumer());
  ASSERT_TRUE(w.Open().ok());
  JournalSink sink(ring.TakeProducer());
  std::atomic<bool> stop{false};
  std::thread t([&] {
    while (!stop.load()) {
      if (w.DoWork() == 0) w.Park(100'000);
    }
    w.OnClose();
  });
  if (framing.session_start) {
    SessionStart s;
    s.wall_ns = 1;
    sink.Append(RecordType::kSessionStart, s);
  }
  for (int i = 0; i < n; ++i) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kBookTop;
    m.top.venue_seq = static_cast<uint64_t>(i);
    m.top.bids[0].px = Price::FromRaw(i);
    if (i % 5 == 0) {
      OrderIntent in;
      in.client_id = ClientOrderId{static_cast<uint64_t>(i)};
      sink.Append(RecordType::kIntent, in);
    } else {
      sink.Append(RecordType::kVenueMsg, m);
    }
  }
  if (framing.session_end) {
    SessionEnd e;
    e.wall_ns = 2;
    e.records = sink.last_seq() + 1;  // as DecisionCore::OnClose counts: itself included
    sink.Append(RecordType::kSessionEnd, e);
  }
  stop = true;
  t.join();
  const uint64_t total = static_cast<uint64_t>(n) + framing.session_start + framing.session_end;
  EXPECT_FALSE(w.failed()) << w.failure();
  EXPECT_EQ(w.records_written(), total);
  if (fsync) {
    EXPECT_EQ(w.durable_seq(), total);
  }
}

TEST(Journal, WritesAndVerifiesThroughIoUring) {
  testing::TempDir dir;
  const std::string path = dir.File("j.hsj");
  WriteJournal(path, 20000, true, kSession);
  auto r = VerifyJournal(path);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->ok) << r->error;
  EXPECT_EQ(r->records, 20002u);
  EXPECT_EQ(r->counts[static_cast<int>(RecordType::kIntent)], 4000u);

  // Payloads come back byte for byte, in order.
  auto reader = JournalReader::Open(path);
  ASSERT_TRUE(reader.ok());
  RecordView v;
  uint64_t i = 0;
  while (reader->Next(&v) == ReadOutcome::kRecord) {
    EXPECT_EQ(v.header.seq, i + 1);
    if (v.header.type == static_cast<uint16_t>(RecordType::kVenueMsg)) {
      VenueMsg m;
      std::memcpy(&m, v.payload, sizeof m);
      EXPECT_EQ(m.top.venue_seq, i - 1);  // record 1 is session_start
    }
    ++i;
  }
  EXPECT_EQ(i, 20002u);
}

std::string Bytes(const std::string& path) { return testing::ReadFileOrDie(path); }

TEST(Journal, DetectsAFlippedByteAndNamesTheRecord) {
  testing::TempDir dir;
  const std::string path = dir.File("j.hsj");
  WriteJournal(path, 100, false);
  std::string b = Bytes(path);
  // Record 3 starts after the header and two records of equal size.
  const size_t rec = sizeof(RecordHeader) + Padded(sizeof(VenueMsg));
  const size_t rec_intent = sizeof(RecordHeader) + Padded(sizeof(OrderIntent));
  const size_t third = sizeof(FileHeader) + rec_intent + rec;  // record 1 is an intent (i=0)
  b[third + sizeof(RecordHeader) + 10] ^= 0x40;
  auto reader = JournalReader::FromBytes(b, "x");
  ASSERT_TRUE(reader.ok());
  RecordView v;
  EXPECT_EQ(reader->Next(&v), ReadOutcome::kRecord);
  EXPECT_EQ(reader->Next(&v), ReadOutcome::kRecord);
  EXPECT_EQ(reader->Next(&v), ReadOutcome::kBadCrc);
  EXPECT_NE(reader->error().find("record 3"), std::string::npos) << reader->error();
  EXPECT_NE(reader->error().find("CRC mismatch"), std::string::npos);
}

TEST(Journal, DetectsTruncationGapsAndGarbage) {
  testing::TempDir dir;
  const std::string path = dir.File("j.hsj");
  WriteJournal(path, 10, false);
  const std::string good = Bytes(path);

  auto outcome_of = [](const std::string& bytes, std::string* err) {
    auto r = JournalReader::FromBytes(bytes, "x");
    if (!r.ok()) {
      *err = std::string(r.status().message());
      return ReadOutcome::kBadType;
    }
    RecordView v;
    ReadOutcome o;
    while ((o = r->Next(&v)) == ReadOutcome::kRecord) {
    }
    *err = r->error();
    return o;
  };
  std::string err;
  EXPECT_EQ(outcome_of(good, &err), ReadOutcome::kEnd);
  EXPECT_EQ(outcome_of(good.substr(0, good.size() - 5), &err), ReadOutcome::kTruncated);
  EXPECT_NE(err.find("record 10"), std::string::npos) << err;

  // Sequence gap: rewrite record 2's seq and fix its CRC so only the sequence is wrong.
  std::string gap = good;
  const size_t r2 = sizeof(FileHeader) + sizeof(RecordHeader) + Padded(sizeof(OrderIntent));
  RecordHeader h;
  std::memcpy(&h, gap.data() + r2, sizeof h);
  h.seq = 7;
  h.crc = RecordCrc(h, gap.data() + r2 + sizeof h);
  std::memcpy(gap.data() + r2, &h, sizeof h);
  EXPECT_EQ(outcome_of(gap, &err), ReadOutcome::kBadSeq);
  EXPECT_NE(err.find("sequence 7 follows 1"), std::string::npos) << err;

  // Not a journal at all.
  EXPECT_FALSE(JournalReader::FromBytes("hello", "x").ok());
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  auto r = JournalReader::FromBytes(bad_magic, "x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("bad magic"), std::string::npos);

  // A huge length field cannot make the reader run off the end.
  std::string huge = good;
  const size_t r1 = sizeof(FileHeader);
  uint32_t len = 0xFFFFFFF0u;
  std::memcpy(huge.data() + r1, &len, 4);
  EXPECT_EQ(outcome_of(huge, &err), ReadOutcome::kBadLength);
}

TEST(Journal, OpenFailsWithAClearError) {
  EntryRing ring(16);
  WriterOptions o;
  o.path = "/nonexistent-dir/x/j.hsj";
  JournalWriter w(o, ring.TakeConsumer());
  const absl::Status s = w.Open();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("/nonexistent-dir/x/j.hsj"), std::string::npos);
}

// A write that fails (the disk is /dev/full) sets failed(): never silent.
TEST(Journal, WriteFailureIsReported) {
  EntryRing ring(64);
  WriterOptions o;
  o.path = "/dev/full";
  o.fsync = false;
  JournalWriter w(o, ring.TakeConsumer());
  // /dev/full accepts open and header pwrite fails with ENOSPC; either way it is reported.
  const absl::Status s = w.Open();
  if (!s.ok()) {
    EXPECT_NE(std::string(s.message()).find("/dev/full"), std::string::npos);
    return;
  }
  JournalSink sink(ring.TakeProducer());
  OrderIntent in;
  sink.Append(RecordType::kIntent, in);
  w.OnClose();
  EXPECT_TRUE(w.failed());
}

TEST(Journal, WriterStampsTheHeaderWithItsCrc) {
  testing::TempDir dir;
  const std::string path = dir.File("j.hsj");
  WriteJournal(path, 1, false, kSession);
  auto r = JournalReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status();
  const FileHeader& h = r->file_header();
  EXPECT_EQ(h.version, 2u);
  EXPECT_EQ(h.header_crc, FileHeaderCrc(h));
  EXPECT_NE(h.header_crc, 0u);
  EXPECT_STREQ(h.engine_name, "test");
  EXPECT_GT(h.created_wall_ns, 0);
  RecordView v;
  ASSERT_EQ(r->Next(&v), ReadOutcome::kRecord);
  EXPECT_EQ(v.header.layout, kLayoutVersion);
  EXPECT_EQ(kLayoutVersion, 2);
}

}  // namespace
}  // namespace hs::journal
