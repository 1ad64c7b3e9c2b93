// The journal directory: scan (segments, records, commit marks, chain, sessions, snapshots,
// torn tails), DirReader, PrepareAppend and `journal verify DIR`, over journals built byte by
// byte in memory (tests/support/journal_builder.h).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/journal/internal/segment_scan.h"
#include "core/journal/journal_dir.h"
#include "core/journal/journal_verify.h"
#include "tests/support/journal_builder.h"
#include "tests/support/test_support.h"

namespace hs::journal {
namespace {

using testing::BuiltRecord;
using testing::JournalBuilder;
using testing::ReadFileOrDie;
using testing::TempDir;
using testing::WriteFileOrDie;

constexpr uint64_t kHeader = sizeof(SegmentHeader);

DirScan Scan(const std::string& dir) {
  absl::StatusOr<DirScan> s = ScanJournalDir(dir);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : DirScan{};
}

// Every record the reader returns, from `from_seq`.
std::vector<BuiltRecord> ReadAll(const DirScan& scan, uint64_t from_seq = 1) {
  std::vector<BuiltRecord> out;
  absl::StatusOr<DirReader> r = DirReader::Open(scan, from_seq);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return out;
  RecordView v;
  ReadOutcome o;
  while ((o = r->Next(&v)) == ReadOutcome::kRecord) out.push_back({r->segment(), v.header.seq, v.header.type, v.offset});
  EXPECT_EQ(o, ReadOutcome::kEnd) << r->error();
  return out;
}

bool Same(const std::vector<BuiltRecord>& a, const std::vector<BuiltRecord>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].segment != b[i].segment || a[i].seq != b[i].seq || a[i].type != b[i].type || a[i].offset != b[i].offset)
      return false;
  return true;
}

struct Verdict {
  int code = -1;
  int strict_code = -1;
  std::string text;
};
Verdict Verify(const std::string& path) {
  Verdict v;
  v.code = RunJournalVerifyDir(path, /*strict=*/false, &v.text);
  std::string strict_text;
  v.strict_code = RunJournalVerifyDir(path, /*strict=*/true, &strict_text);
  return v;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

uint64_t CountOf(const DirScan& s, RecordType t) { return s.counts[static_cast<int>(t)]; }

// One session in one segment: config, session_start, three groups of book tops, session_end.
JournalBuilder OneSession() {
  JournalBuilder b;
  b.StartSession();
  for (int g = 0; g < 3; ++g) {
    b.VenueMsgs(4);
    b.Commit();
  }
  b.EndSession();
  b.Commit();
  return b;
}

// One session over three segments (rotations at group boundaries), not closed.
JournalBuilder Rotated() {
  JournalBuilder b;
  b.StartSession();
  b.VenueMsgs(3);
  b.Commit();
  b.OpenSegment(false);
  b.VenueMsgs(5);
  b.Commit();
  b.VenueMsgs(2);
  b.Commit();
  b.OpenSegment(false);
  b.VenueMsgs(1);
  b.Commit();
  return b;
}

// ---- good journals

TEST(JournalDirScan, OneClosedSessionCountsEverythingAndEndsOnTheBuildersChain) {
  TempDir dir;
  JournalBuilder b = OneSession();
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  EXPECT_TRUE(s.ok) << s.damage;
  EXPECT_FALSE(s.torn_tail);
  ASSERT_EQ(s.segments.size(), 1u);
  EXPECT_EQ(s.records, b.last_seq());
  EXPECT_EQ(s.last_seq, b.last_seq());
  EXPECT_EQ(s.last_hash, b.chain());
  EXPECT_EQ(s.groups, 5u);
  EXPECT_EQ(CountOf(s, RecordType::kVenueMsg), 12u);
  EXPECT_EQ(CountOf(s, RecordType::kSessionStart), 1u);
  EXPECT_EQ(CountOf(s, RecordType::kSessionEnd), 1u);
  EXPECT_EQ(CountOf(s, RecordType::kConfig), 1u);
  EXPECT_EQ(CountOf(s, RecordType::kCommit), s.groups);
  EXPECT_EQ(s.last_type, static_cast<uint16_t>(RecordType::kSessionEnd));
  ASSERT_EQ(s.sessions.size(), 1u);
  EXPECT_EQ(s.sessions[0].session, 1u);
  EXPECT_EQ(s.sessions[0].first_seq, 1u);
  EXPECT_EQ(s.sessions[0].first_segment, 1u);
  EXPECT_EQ(s.segments[0].valid_bytes, s.segments[0].file_bytes);
  EXPECT_EQ(s.segments[0].end_hash, b.chain());
  EXPECT_EQ(s.snapshot_first_seq, 0u);
}

TEST(JournalDirScan, SegmentsOfOneSessionContinueSequenceAndChain) {
  TempDir dir;
  JournalBuilder b = Rotated();
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  EXPECT_TRUE(s.ok) << s.damage;
  ASSERT_EQ(s.segments.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(s.segments[i].number, i + 1);
    EXPECT_EQ(s.segments[i].header.first_seq, b.segments()[i].first_seq);
    EXPECT_EQ(s.segments[i].end_hash, b.segments()[i].end_hash);
    EXPECT_EQ(s.segments[i].last_seq, b.segments()[i].group_last_seq.back());
  }
  EXPECT_EQ(s.segments[1].records, 7u);
  EXPECT_EQ(s.sessions.size(), 1u);
  EXPECT_EQ(s.last_seq, b.last_seq());
  EXPECT_EQ(s.last_hash, b.chain());
}

TEST(JournalDirScan, SeveralSessionsAreListedWithTheirFirstRecordAndSegment) {
  TempDir dir;
  JournalBuilder b = OneSession();
  const uint64_t second_first = b.last_seq() + 1;
  b.StartSession("[engine]\nname = \"second\"\n");
  b.VenueMsgs(2);
  b.Commit();
  b.OpenSegment(false, "[engine]\nname = \"second\"\n");
  b.VenueMsgs(2);
  b.Commit();
  b.StartSession();  // a third, cut off by a crash right after it started
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  EXPECT_TRUE(s.ok) << s.damage;
  ASSERT_EQ(s.sessions.size(), 3u);
  EXPECT_EQ(s.sessions[1].session, 2u);
  EXPECT_EQ(s.sessions[1].first_seq, second_first);
  EXPECT_EQ(s.sessions[1].first_segment, 2u);
  EXPECT_EQ(s.sessions[2].first_segment, 4u);
  EXPECT_EQ(CountOf(s, RecordType::kSessionStart), 3u);
  EXPECT_EQ(s.last_seq, b.last_seq());
}

TEST(JournalDirScan, FindsTheNewestCompleteSnapshotAndIgnoresAnIncompleteOne) {
  TempDir dir;
  JournalBuilder b;
  b.StartSession();
  b.VenueMsgs(3);
  b.Snapshot(2);
  b.Commit();
  b.VenueMsgs(3);
  const uint64_t newest_first = b.last_seq() + 1;
  const uint64_t newest_at = b.last_seq();
  b.Snapshot(3, 2);  // chunks 0 and 1 in this group ...
  b.Commit();
  b.OpenSegment(false);  // ... chunk 2 after a rotation: still one snapshot
  {
    SnapshotChunk c;
    c.at_seq = newest_at;
    c.count = 3;
    c.index = 2;
    c.total = 300;
    c.offset = 200;
    c.length = 100;
    b.Record(RecordType::kSnapshot, c);
  }
  b.VenueMsgs(1);
  b.Snapshot(4, 2);  // incomplete: never finished
  b.VenueMsgs(1);
  b.Commit();
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  EXPECT_TRUE(s.ok) << s.damage;
  EXPECT_EQ(s.snapshot_first_seq, newest_first);
  EXPECT_EQ(s.snapshot_at_seq, newest_at);
  EXPECT_EQ(s.snapshot_session, 1u);
}

TEST(JournalDirScan, EmptyOrMissingDirectory) {
  TempDir dir;
  const DirScan s = Scan(dir.path());
  EXPECT_TRUE(s.ok);
  EXPECT_EQ(s.records, 0u);
  EXPECT_EQ(s.last_seq, 0u);
  EXPECT_TRUE(s.segments.empty());
  absl::StatusOr<DirScan> missing = ScanJournalDir(dir.File("nope"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  WriteFileOrDie(dir.File("plain"), "x");
  EXPECT_FALSE(ScanJournalDir(dir.File("plain")).ok());
}

TEST(JournalDirScan, IgnoresFilesThatAreNotSegments) {
  TempDir dir;
  JournalBuilder b = OneSession();
  b.WriteTo(dir.path());
  WriteFileOrDie(dir.File("seg-000001.hsj.tail"), "garbage");
  WriteFileOrDie(dir.File("seg-000002.hsj.tail.2"), "garbage");
  WriteFileOrDie(dir.File(".lock"), "");
  WriteFileOrDie(dir.File("seg-0000002.hsj"), "not the canonical name of segment 2");
  WriteFileOrDie(dir.File("notes.txt"), "hello");
  const DirScan s = Scan(dir.path());
  EXPECT_TRUE(s.ok) << s.damage;
  EXPECT_EQ(s.segments.size(), 1u);
}

TEST(JournalDirScan, HeaderOnlyLastSegmentIsValidAndEndsOnThePreviousChain) {
  TempDir dir;
  JournalBuilder b = OneSession();
  b.OpenSegment(true);
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  EXPECT_TRUE(s.ok) << s.damage;
  EXPECT_FALSE(s.torn_tail);
  ASSERT_EQ(s.segments.size(), 2u);
  EXPECT_EQ(s.segments[1].records, 0u);
  EXPECT_EQ(s.segments[1].end_hash, b.chain());
  EXPECT_EQ(s.segments[1].last_seq, b.last_seq());
  EXPECT_EQ(s.last_hash, b.chain());
  EXPECT_EQ(s.sessions.size(), 1u);  // the second session wrote nothing
}

// ---- DirReader

TEST(JournalDirReader, YieldsExactlyTheCommittedRecordsInOrderAcrossSegments) {
  TempDir dir;
  JournalBuilder b = Rotated();
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  EXPECT_TRUE(Same(ReadAll(s), b.records()));
}

TEST(JournalDirReader, FromSeqStartsAtThatRecordForEverySeq) {
  TempDir dir;
  JournalBuilder b = Rotated();
  b.StartSession();
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  for (uint64_t from = 1; from <= b.last_seq() + 1; ++from) {
    std::vector<BuiltRecord> want;
    bool started = false;
    for (const BuiltRecord& r : b.records()) {
      if (!started && r.seq < from) continue;  // marks before it too
      started = true;
      want.push_back(r);
    }
    EXPECT_TRUE(Same(ReadAll(s, from), want)) << "from " << from;
  }
  EXPECT_FALSE(DirReader::Open(s, b.last_seq() + 2).ok());
  EXPECT_FALSE(DirReader::Open(s, 0).ok());
}

TEST(JournalDirReader, ReportsTheSessionAndSegmentOfEachRecord) {
  TempDir dir;
  JournalBuilder b = OneSession();
  b.StartSession();
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  ASSERT_EQ(s.sessions.size(), 2u);
  absl::StatusOr<DirReader> r = DirReader::Open(s);
  ASSERT_TRUE(r.ok());
  RecordView v;
  int n = 0;
  while (r->Next(&v) == ReadOutcome::kRecord) {
    ++n;
    if (v.header.seq == 0) continue;
    const uint64_t want = v.header.seq < s.sessions[1].first_seq ? 1 : 2;
    EXPECT_EQ(r->segment(), want) << "seq " << v.header.seq;
    EXPECT_EQ(r->session(), want) << "seq " << v.header.seq;  // one segment per session here
  }
  EXPECT_EQ(n, static_cast<int>(b.records().size()));
}

TEST(JournalDirReader, NeverReadsPastTheValidPrefixOfATornTail) {
  TempDir dir;
  JournalBuilder b = OneSession();
  std::string& bytes = b.segments().back().bytes;
  bytes.resize(bytes.size() - 10);  // cuts the last group's commit mark
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  ASSERT_TRUE(s.torn_tail);
  const std::vector<BuiltRecord> got = ReadAll(s);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().type, static_cast<uint16_t>(RecordType::kCommit));
  EXPECT_EQ(got.size(), b.records().size() - 2);  // session_end and its mark are gone
}

TEST(JournalDirReader, ASegmentChangedSinceTheScanIsAnErrorNotACrash) {
  TempDir dir;
  JournalBuilder b = OneSession();
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  std::string bytes = b.segments()[0].bytes;
  bytes[kHeader + 30] ^= 0x40;
  WriteFileOrDie(dir.File(SegmentFileName(1)), bytes);
  absl::StatusOr<DirReader> r = DirReader::Open(s);
  ASSERT_TRUE(r.ok());
  RecordView v;
  ReadOutcome o;
  while ((o = r->Next(&v)) == ReadOutcome::kRecord) {
  }
  EXPECT_EQ(o, ReadOutcome::kBadCrc);
  EXPECT_TRUE(Contains(r->error(), "changed")) << r->error();
}

// ---- torn tails at every byte

// The last segment has at least three groups; cut it at every offset from the start of its
// second-to-last group to its end.
TEST(JournalDirTornTail, TruncatedAtEveryByteTheScanKeepsTheLastCompleteGroup) {
  JournalBuilder b = OneSession();
  b.StartSession();
  for (int g = 0; g < 3; ++g) {
    b.VenueMsgs(g + 1);
    b.Commit();
  }
  const testing::BuiltSegment last = b.segments().back();
  ASSERT_GE(last.group_start.size(), 3u);
  const size_t groups = last.group_start.size();
  TempDir dir;
  b.WriteTo(dir.path());
  const std::string path = dir.File(SegmentFileName(last.number));
  for (uint64_t cut = last.group_start[groups - 2]; cut <= last.bytes.size(); ++cut) {
    WriteFileOrDie(path, last.bytes.substr(0, cut));
    // The last group wholly before the cut.
    size_t whole = 0;
    while (whole < groups && last.group_end[whole] <= cut) ++whole;
    const DirScan s = Scan(dir.path());
    ASSERT_TRUE(s.ok) << "cut " << cut << ": " << s.damage;
    EXPECT_EQ(s.last_seq, last.group_last_seq[whole - 1]) << "cut " << cut;
    EXPECT_EQ(s.segments.back().valid_bytes, last.group_end[whole - 1]) << "cut " << cut;
    if (cut == last.group_end[whole - 1]) {
      EXPECT_FALSE(s.torn_tail) << "cut " << cut << " at a group boundary";
      continue;
    }
    EXPECT_TRUE(s.torn_tail) << "cut " << cut;
    EXPECT_EQ(s.tail_segment, last.number);
    EXPECT_EQ(s.tail_offset, last.group_end[whole - 1]) << "cut " << cut;
    EXPECT_EQ(s.tail_bytes, cut - last.group_end[whole - 1]) << "cut " << cut;
    EXPECT_TRUE(Contains(s.damage, SegmentFileName(last.number))) << s.damage;
    EXPECT_TRUE(Contains(s.damage_what, "truncated record") || Contains(s.damage_what, "group without commit mark"))
        << "cut " << cut << ": " << s.damage;
  }
}

TEST(JournalDirTornTail, AByteFlippedAnywhereEndsThePrefixBeforeItsGroup) {
  JournalBuilder b;
  b.StartSession();
  b.VenueMsgs(2);
  b.Commit();
  b.OpenSegment(false);
  for (int g = 0; g < 3; ++g) {
    b.VenueMsgs(g + 1);
    b.Commit();
  }
  const testing::BuiltSegment last = b.segments().back();
  const size_t groups = last.group_start.size();
  ASSERT_GE(groups, 3u);
  TempDir dir;
  b.WriteTo(dir.path());
  const std::string path = dir.File(SegmentFileName(last.number));
  for (uint64_t at = last.group_start[groups - 2]; at < last.bytes.size(); ++at) {
    std::string bytes = last.bytes;
    bytes[at] ^= 0x01;
    WriteFileOrDie(path, bytes);
    size_t g = 0;  // the damaged group
    while (last.group_end[g] <= at) ++g;
    const uint64_t prefix_end = g == 0 ? kHeader : last.group_end[g - 1];
    const DirScan s = Scan(dir.path());
    ASSERT_TRUE(s.ok) << "flip at " << at << ": " << s.damage;
    ASSERT_TRUE(s.torn_tail) << "flip at " << at;
    EXPECT_EQ(s.tail_offset, prefix_end) << "flip at " << at;
    EXPECT_EQ(s.tail_bytes, bytes.size() - prefix_end);
    EXPECT_EQ(s.last_seq, last.group_last_seq[g - 1]) << "flip at " << at;
    EXPECT_GE(s.damage_offset, prefix_end);
    EXPECT_LE(s.damage_offset, at) << "flip at " << at << ": " << s.damage;
  }
}

// ---- each malformed record in the last segment is a torn tail naming what is wrong

// Appends one extra group to a good journal whose record the function damages (then re-CRCs).
struct RecordCase {
  const char* name;
  const char* what;  // expected in the damage text
  void (*damage)(JournalBuilder*);
};

void ResignLast(std::string* bytes, uint64_t at) {
  RecordHeader h;
  std::memcpy(&h, bytes->data() + at, sizeof h);
  h.crc = RecordCrc(h, bytes->data() + at + sizeof h);
  std::memcpy(bytes->data() + at, &h, sizeof h);
}

RecordHeader HeaderAt(const std::string& bytes, uint64_t at) {
  RecordHeader h;
  std::memcpy(&h, bytes.data() + at, sizeof h);
  return h;
}
void SetHeaderAt(std::string* bytes, uint64_t at, const RecordHeader& h) {
  std::memcpy(bytes->data() + at, &h, sizeof h);
  ResignLast(bytes, at);
}

class JournalDirMalformedRecord : public ::testing::TestWithParam<RecordCase> {};

TEST_P(JournalDirMalformedRecord, IsATornTailNamingIt) {
  JournalBuilder b = OneSession();
  const uint64_t good_seq = b.last_seq();
  const uint64_t good_end = b.segments().back().bytes.size();
  GetParam().damage(&b);
  TempDir dir;
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  ASSERT_TRUE(s.ok) << s.damage;
  ASSERT_TRUE(s.torn_tail);
  EXPECT_EQ(s.last_seq, good_seq);
  EXPECT_EQ(s.tail_offset, good_end);
  EXPECT_TRUE(Contains(s.damage, GetParam().what)) << s.damage;
  const Verdict v = Verify(dir.path());
  EXPECT_EQ(v.code, kVerifyExitDamaged) << v.text;
  EXPECT_TRUE(Contains(v.text, "TORN TAIL: valid prefix ends at seq " + std::to_string(good_seq))) << v.text;
  EXPECT_TRUE(Contains(v.text, "offset " + std::to_string(good_end))) << v.text;
}

// After OneSession (closed), a record after session_end would be a shape defect; these groups
// are damaged before their mark checks, so they never count.
INSTANTIATE_TEST_SUITE_P(
    Cases, JournalDirMalformedRecord,
    ::testing::Values(
        RecordCase{"BadType", "bad type",
                   [](JournalBuilder* b) {
                     const uint64_t at = b->segments().back().bytes.size();
                     b->VenueMsgs(1);
                     b->Commit();
                     std::string& bytes = b->segments().back().bytes;
                     RecordHeader h = HeaderAt(bytes, at);
                     h.type = 99;
                     SetHeaderAt(&bytes, at, h);
                   }},
        RecordCase{"BadSize", "bad size",
                   [](JournalBuilder* b) {
                     SessionEnd e;
                     b->Record(RecordType::kVenueMsg, e);  // a payload too small for its type
                     b->Commit();
                   }},
        RecordCase{"BadLength", "bad length",
                   [](JournalBuilder* b) {
                     const uint64_t at = b->segments().back().bytes.size();
                     b->VenueMsgs(1);
                     b->Commit();
                     std::string& bytes = b->segments().back().bytes;
                     RecordHeader h = HeaderAt(bytes, at);
                     h.length = 100000;
                     std::memcpy(bytes.data() + at, &h, sizeof h);
                   }},
        RecordCase{"BadSeq", "bad seq",
                   [](JournalBuilder* b) {
                     b->SkipSeq(1);
                     b->VenueMsgs(1);
                     b->Commit();
                   }},
        RecordCase{"ReservedNotZero", "bad record header",
                   [](JournalBuilder* b) {
                     const uint64_t at = b->segments().back().bytes.size();
                     b->VenueMsgs(1);
                     b->Commit();
                     std::string& bytes = b->segments().back().bytes;
                     bytes[at + 20] = 1;
                   }},
        RecordCase{"MarkWithSeq", "bad commit mark",
                   [](JournalBuilder* b) {
                     b->VenueMsgs(2);
                     b->Commit();
                     std::string& bytes = b->segments().back().bytes;
                     const uint64_t mark = bytes.size() - sizeof(RecordHeader) - sizeof(CommitMark);
                     RecordHeader h = HeaderAt(bytes, mark);
                     h.seq = 7;
                     SetHeaderAt(&bytes, mark, h);
                   }},
        RecordCase{"MarkCoversOtherRecords", "bad commit mark",
                   [](JournalBuilder* b) {
                     b->VenueMsgs(2);
                     b->Commit();
                     std::string& bytes = b->segments().back().bytes;
                     const uint64_t mark = bytes.size() - sizeof(RecordHeader) - sizeof(CommitMark);
                     CommitMark m;
                     std::memcpy(&m, bytes.data() + mark + sizeof(RecordHeader), sizeof m);
                     m.records = 3;
                     std::memcpy(bytes.data() + mark + sizeof(RecordHeader), &m, sizeof m);
                     ResignLast(&bytes, mark);
                   }},
        RecordCase{"EmptyGroup", "bad commit mark",
                   [](JournalBuilder* b) {
                     CommitMark m;
                     m.first_seq = b->last_seq() + 1;
                     m.last_seq = b->last_seq();
                     b->Record(RecordType::kCommit, m);
                   }},
        RecordCase{"ChainMismatch", "chain mismatch",
                   [](JournalBuilder* b) {
                     b->VenueMsgs(2);
                     b->Commit();
                     std::string& bytes = b->segments().back().bytes;
                     const uint64_t mark = bytes.size() - sizeof(RecordHeader) - sizeof(CommitMark);
                     CommitMark m;
                     std::memcpy(&m, bytes.data() + mark + sizeof(RecordHeader), sizeof m);
                     m.chain[5] ^= 1;
                     std::memcpy(bytes.data() + mark + sizeof(RecordHeader), &m, sizeof m);
                     ResignLast(&bytes, mark);
                   }},
        RecordCase{"GroupWithoutMark", "group without commit mark",
                   [](JournalBuilder* b) {
                     b->VenueMsgs(2);  // never committed
                   }},
        RecordCase{"TruncatedHeader", "truncated record",
                   [](JournalBuilder* b) { b->segments().back().bytes.append(10, '\0'); }}),
    [](const ::testing::TestParamInfo<RecordCase>& i) { return std::string(i.param.name); });

// ---- session shape: committed records that break it make the journal not ok

struct ShapeCase {
  const char* name;
  const char* what;
  void (*build)(JournalBuilder*);
};

class JournalDirSessionShape : public ::testing::TestWithParam<ShapeCase> {};

TEST_P(JournalDirSessionShape, IsDamageEvenInTheLastSegment) {
  JournalBuilder b;
  GetParam().build(&b);
  TempDir dir;
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  EXPECT_FALSE(s.ok);
  EXPECT_TRUE(Contains(s.damage, GetParam().what)) << s.damage;
  EXPECT_TRUE(Contains(s.damage, "seg-")) << s.damage;
  const Verdict v = Verify(dir.path());
  EXPECT_EQ(v.code, kVerifyExitDamaged);
  EXPECT_TRUE(Contains(v.text, "BAD: ")) << v.text;
  EXPECT_EQ(PrepareAppend(dir.path()).status().code(), absl::StatusCode::kDataLoss);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JournalDirSessionShape,
    ::testing::Values(
        ShapeCase{"RecordBeforeSessionStart", "before session_start",
                  [](JournalBuilder* b) {
                    b->OpenSegment(true);
                    b->VenueMsgs(1);
                    b->Commit();
                  }},
        ShapeCase{"SessionStartWithoutConfig", "before the config is complete",
                  [](JournalBuilder* b) {
                    b->OpenSegment(true);
                    SessionStart s;
                    b->Record(RecordType::kSessionStart, s);
                    b->Commit();
                  }},
        ShapeCase{"ConfigHashMismatch", "config_sha256",
                  [](JournalBuilder* b) {
                    b->StartSession();
                    SegmentHeader h = JournalBuilder::HeaderOf(b->segments()[0].bytes);
                    h.config_sha256[0] ^= 1;
                    JournalBuilder::SetHeader(&b->segments()[0].bytes, h);
                  }},
        ShapeCase{"ConfigChunkOutOfOrder", "config chunk at offset",
                  [](JournalBuilder* b) {
                    b->OpenSegment(true);
                    ConfigChunk c;
                    c.total = 10;
                    c.offset = 4;
                    c.length = 6;
                    b->Record(RecordType::kConfig, c);
                    b->Commit();
                  }},
        ShapeCase{"ConfigAfterSessionStart", "config chunk after session_start",
                  [](JournalBuilder* b) {
                    b->StartSession();
                    ConfigChunk c;
                    c.total = 1;
                    c.length = 1;
                    b->Record(RecordType::kConfig, c);
                    b->Commit();
                  }},
        ShapeCase{"SecondSessionStart", "a second session_start",
                  [](JournalBuilder* b) {
                    b->StartSession();
                    SessionStart s;
                    b->Record(RecordType::kSessionStart, s);
                    b->Commit();
                  }},
        ShapeCase{"RecordAfterSessionEnd", "after session_end",
                  [](JournalBuilder* b) {
                    b->StartSession();
                    b->EndSession();
                    b->Commit();
                    b->VenueMsgs(1);
                    b->Commit();
                  }},
        ShapeCase{"RecordAfterSessionEndInTheNextSegment", "after session_end",
                  [](JournalBuilder* b) {
                    b->StartSession();
                    b->EndSession();
                    b->Commit();
                    b->OpenSegment(false);
                    b->VenueMsgs(1);
                    b->Commit();
                  }},
        ShapeCase{"SessionEndMiscounts", "session_end counts",
                  [](JournalBuilder* b) {
                    b->StartSession();
                    SessionEnd e;
                    e.records = 99;
                    b->Record(RecordType::kSessionEnd, e);
                    b->Commit();
                  }}),
    [](const ::testing::TestParamInfo<ShapeCase>& i) { return std::string(i.param.name); });

// ---- damage outside the last segment's tail: not ok, the first defect named

TEST(JournalDirCorruption, ABadRecordInAnEarlierSegmentIsNotATornTail) {
  JournalBuilder b = Rotated();
  b.segments()[1].bytes[b.segments()[1].group_start[1] + 40] ^= 0x10;
  TempDir dir;
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  EXPECT_FALSE(s.ok);
  EXPECT_FALSE(s.torn_tail);
  EXPECT_TRUE(Contains(s.damage, "seg-000002.hsj offset " + std::to_string(b.segments()[1].group_start[1])))
      << s.damage;
  EXPECT_TRUE(Contains(s.damage, "bad crc")) << s.damage;
  EXPECT_TRUE(Contains(s.damage, "seq " + std::to_string(b.segments()[1].group_last_seq[0] + 1))) << s.damage;
  const Verdict v = Verify(dir.path());
  EXPECT_EQ(v.code, kVerifyExitDamaged);
  EXPECT_EQ(v.strict_code, kVerifyExitDamaged);
  EXPECT_TRUE(Contains(v.text, "BAD: seg-000002.hsj offset")) << v.text;
  absl::StatusOr<AppendPoint> at = PrepareAppend(dir.path());
  EXPECT_EQ(at.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(std::string(at.status().message()), "seg-000002.hsj")) << at.status();
}

TEST(JournalDirCorruption, AnEarlierSegmentEndingInAPartialGroupIsNotOk) {
  JournalBuilder b = Rotated();
  std::string& first = b.segments()[0].bytes;
  first.resize(first.size() - 8);
  TempDir dir;
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  EXPECT_FALSE(s.ok);
  EXPECT_TRUE(Contains(s.damage, "seg-000001.hsj")) << s.damage;
}

TEST(JournalDirCorruption, AMissingSegmentNumberIsNamed) {
  JournalBuilder b = Rotated();
  TempDir dir;
  b.WriteTo(dir.path());
  std::filesystem::remove(dir.File(SegmentFileName(2)));
  const DirScan s = Scan(dir.path());
  EXPECT_FALSE(s.ok);
  EXPECT_TRUE(Contains(s.damage, "missing segment seg-000002.hsj")) << s.damage;
  EXPECT_EQ(Verify(dir.path()).code, kVerifyExitDamaged);
}

TEST(JournalDirCorruption, AMissingFirstSegmentIsNamed) {
  JournalBuilder b = Rotated();
  TempDir dir;
  b.WriteTo(dir.path());
  std::filesystem::remove(dir.File(SegmentFileName(1)));
  const DirScan s = Scan(dir.path());
  EXPECT_FALSE(s.ok);
  EXPECT_TRUE(Contains(s.damage, "missing segment seg-000001.hsj")) << s.damage;
}

struct HeaderCase {
  const char* name;
  const char* what;
  void (*damage)(std::string* segment);
};

class JournalDirBadHeader : public ::testing::TestWithParam<HeaderCase> {};

// Damaged in the middle segment and in the last: a bad header is never a torn tail.
TEST_P(JournalDirBadHeader, MakesTheJournalNotOkWhereverItIs) {
  for (size_t which : {1u, 2u}) {
    JournalBuilder b = Rotated();
    GetParam().damage(&b.segments()[which].bytes);
    TempDir dir;
    b.WriteTo(dir.path());
    const DirScan s = Scan(dir.path());
    EXPECT_FALSE(s.ok) << "segment " << which + 1;
    EXPECT_FALSE(s.torn_tail);
    EXPECT_TRUE(Contains(s.damage, SegmentFileName(which + 1) + " header")) << s.damage;
    EXPECT_TRUE(Contains(s.damage, GetParam().what)) << s.damage;
    EXPECT_EQ(s.last_seq, b.segments()[which - 1].group_last_seq.back());
    EXPECT_EQ(Verify(dir.path()).code, kVerifyExitDamaged);
    // The reader stops before it.
    const std::vector<BuiltRecord> got = ReadAll(s);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.back().segment, which);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JournalDirBadHeader,
    ::testing::Values(
        HeaderCase{"Truncated", "truncated segment header", [](std::string* s) { s->resize(100); }},
        HeaderCase{"Empty", "truncated segment header", [](std::string* s) { s->clear(); }},
        HeaderCase{"BadMagic", "bad magic", [](std::string* s) { (*s)[0] = 'X'; }},
        HeaderCase{"FlippedByte", "bad header crc", [](std::string* s) { (*s)[200] ^= 1; }},
        HeaderCase{"OtherVersion", "format version 4",
                   [](std::string* s) {
                     SegmentHeader h = JournalBuilder::HeaderOf(*s);
                     h.version = 4;
                     JournalBuilder::SetHeader(s, h);
                   }},
        HeaderCase{"OtherLayout", "record layout",
                   [](std::string* s) {
                     SegmentHeader h = JournalBuilder::HeaderOf(*s);
                     h.layout = kLayoutVersion + 1;
                     JournalBuilder::SetHeader(s, h);
                   }},
        HeaderCase{"NumberNotTheFileName", "where the file name says",
                   [](std::string* s) {
                     SegmentHeader h = JournalBuilder::HeaderOf(*s);
                     h.segment += 5;
                     JournalBuilder::SetHeader(s, h);
                   }},
        HeaderCase{"SessionJumps", "follows session",
                   [](std::string* s) {
                     SegmentHeader h = JournalBuilder::HeaderOf(*s);
                     h.session = 7;
                     JournalBuilder::SetHeader(s, h);
                   }},
        HeaderCase{"ConfigHashChangesWithinASession", "config_sha256 differs",
                   [](std::string* s) {
                     SegmentHeader h = JournalBuilder::HeaderOf(*s);
                     h.config_sha256[3] ^= 1;
                     JournalBuilder::SetHeader(s, h);
                   }}),
    [](const ::testing::TestParamInfo<HeaderCase>& i) { return std::string(i.param.name); });

TEST(JournalDirCorruption, ABrokenChainBetweenSegmentsIsNamed) {
  JournalBuilder b;
  b.StartSession();
  b.VenueMsgs(2);
  b.Commit();
  ChainHash wrong = b.chain();
  wrong[0] ^= 1;
  b.SetNextPrevHash(wrong);
  b.OpenSegment(false);
  b.VenueMsgs(2);
  b.Commit();
  TempDir dir;
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  EXPECT_FALSE(s.ok);
  EXPECT_TRUE(Contains(s.damage, "seg-000002.hsj header")) << s.damage;
  EXPECT_TRUE(Contains(s.damage, "chain broken")) << s.damage;
  EXPECT_EQ(Verify(dir.path()).code, kVerifyExitDamaged);
}

TEST(JournalDirCorruption, ASequenceGapBetweenSegmentsIsNamed) {
  JournalBuilder b;
  b.StartSession();
  b.VenueMsgs(2);
  b.Commit();
  b.SkipSeq(3);
  b.OpenSegment(false);
  b.VenueMsgs(2);
  b.Commit();
  TempDir dir;
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  EXPECT_FALSE(s.ok);
  EXPECT_TRUE(Contains(s.damage, "seg-000002.hsj header")) << s.damage;
  EXPECT_TRUE(Contains(s.damage, "does not continue the sequence")) << s.damage;
}

TEST(JournalDirCorruption, AFirstSegmentThatDoesNotStartTheJournalIsNamed) {
  JournalBuilder b = OneSession();
  SegmentHeader h = JournalBuilder::HeaderOf(b.segments()[0].bytes);
  h.prev_hash[0] = 1;
  JournalBuilder::SetHeader(&b.segments()[0].bytes, h);
  TempDir dir;
  b.WriteTo(dir.path());
  const DirScan s = Scan(dir.path());
  EXPECT_FALSE(s.ok);
  EXPECT_TRUE(Contains(s.damage, "prev_hash of the first segment")) << s.damage;
}

// ---- PrepareAppend

TEST(JournalPrepareAppend, CreatesAMissingDirectoryOwnerOnlyAndStartsAtOne) {
  TempDir dir;
  const std::string path = dir.File("a/b/journal");
  absl::StatusOr<AppendPoint> at = PrepareAppend(path);
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(at->dir, path);
  EXPECT_EQ(at->next_segment, 1u);
  EXPECT_EQ(at->session, 1u);
  EXPECT_EQ(at->next_seq, 1u);
  EXPECT_EQ(at->prev_hash, ChainHash{});
  EXPECT_TRUE(at->tail_file.empty());
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(JournalPrepareAppend, ContinuesASoundJournal) {
  TempDir dir;
  JournalBuilder b = Rotated();
  b.WriteTo(dir.path());
  absl::StatusOr<AppendPoint> at = PrepareAppend(dir.path());
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(at->next_segment, 4u);
  EXPECT_EQ(at->session, 2u);
  EXPECT_EQ(at->next_seq, b.last_seq() + 1);
  EXPECT_EQ(at->prev_hash, b.chain());
  EXPECT_TRUE(at->tail_file.empty());
  EXPECT_EQ(at->tail_bytes, 0u);
}

// The restart's scan: headers, then only from the newest session that holds a snapshot. It
// agrees with the full scan on everything a restart needs.
TEST(JournalTailScan, StartsAtTheNewestSessionWithASnapshotAndAgreesWithTheFullScan) {
  TempDir dir;
  JournalBuilder b;
  b.StartSession();  // session 1: no snapshot
  b.VenueMsgs(5);
  b.Commit();
  b.OpenSegment(false);
  b.VenueMsgs(5);
  b.Commit();
  b.StartSession();  // session 2 (segment 3): starts with a snapshot, rotates once
  b.Snapshot(3);
  b.Commit();
  b.VenueMsgs(4);
  b.Commit();
  b.OpenSegment(false);
  b.VenueMsgs(4);
  b.Commit();
  b.StartSession();  // session 3 (segment 5): no snapshot yet (killed early)
  b.VenueMsgs(2);
  b.Commit();
  b.WriteTo(dir.path());
  const DirScan full = Scan(dir.path());
  ASSERT_TRUE(full.ok) << full.damage;
  absl::StatusOr<DirScan> tail = ScanJournalTail(dir.path());
  ASSERT_TRUE(tail.ok()) << tail.status();
  EXPECT_TRUE(tail->ok) << tail->damage;
  EXPECT_EQ(tail->partial_from_segment, 3u) << "session 2's first segment: the newest with a snapshot";
  EXPECT_EQ(tail->segments.size(), 3u);
  EXPECT_EQ(tail->last_seq, full.last_seq);
  EXPECT_EQ(tail->last_hash, full.last_hash);
  EXPECT_EQ(tail->snapshot_first_seq, full.snapshot_first_seq);
  EXPECT_EQ(tail->snapshot_session, 2u);
  ASSERT_EQ(tail->sessions.size(), 2u);
  EXPECT_EQ(tail->sessions[0].session, 2u);
  EXPECT_TRUE(Same(ReadAll(*tail, tail->snapshot_first_seq), ReadAll(full, full.snapshot_first_seq)));
  absl::StatusOr<AppendPoint> at = PrepareAppend(dir.path());
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(at->next_segment, 6u);
  EXPECT_EQ(at->session, 4u);
  EXPECT_EQ(at->next_seq, full.last_seq + 1);
  EXPECT_EQ(at->prev_hash, full.last_hash);
}

TEST(JournalTailScan, WithoutAnySnapshotItIsTheFullScan) {
  TempDir dir;
  JournalBuilder b = Rotated();
  b.WriteTo(dir.path());
  absl::StatusOr<DirScan> tail = ScanJournalTail(dir.path());
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->partial_from_segment, 0u);
  EXPECT_EQ(tail->records, Scan(dir.path()).records);
}

TEST(JournalTailScan, ATornTailAfterTheSnapshotIsFoundAndCut) {
  TempDir dir;
  JournalBuilder b;
  b.StartSession();
  b.VenueMsgs(3);
  b.Commit();
  b.StartSession();
  b.Snapshot(2);
  b.Commit();
  b.VenueMsgs(3);
  b.Commit();
  b.VenueMsgs(3);
  b.Commit();
  b.WriteTo(dir.path());
  const std::string seg = dir.File(SegmentFileName(2));
  const std::string whole = ReadFileOrDie(seg);
  WriteFileOrDie(seg, whole.substr(0, whole.size() - 7));
  absl::StatusOr<DirScan> tail = ScanJournalTail(dir.path());
  ASSERT_TRUE(tail.ok());
  EXPECT_TRUE(tail->ok);
  EXPECT_TRUE(tail->torn_tail);
  EXPECT_EQ(tail->partial_from_segment, 2u);
  absl::StatusOr<AppendPoint> at = PrepareAppend(dir.path());
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(at->tail_file, seg + ".tail");
  EXPECT_TRUE(Scan(dir.path()).ok);
}

// A crash while the writer created the next segment: a file shorter than a header. It was never
// part of the journal: it is moved aside and its number used again.
TEST(JournalPrepareAppend, SetsAsideASegmentWhoseHeaderWasNeverCompletelyWritten) {
  for (size_t len : {size_t{0}, size_t{1}, size_t{255}}) {
    TempDir dir;
    JournalBuilder b = Rotated();
    b.WriteTo(dir.path());
    const std::string unfinished = dir.File(SegmentFileName(4));
    WriteFileOrDie(unfinished, std::string(len, '\x5a'));
    absl::StatusOr<AppendPoint> at = PrepareAppend(dir.path());
    ASSERT_TRUE(at.ok()) << at.status();
    EXPECT_EQ(at->next_segment, 4u);
    EXPECT_EQ(at->next_seq, b.last_seq() + 1);
    EXPECT_EQ(at->tail_file, unfinished + ".tail");
    EXPECT_EQ(ReadFileOrDie(unfinished + ".tail"), std::string(len, '\x5a')) << "kept, not deleted";
    struct stat st {};
    EXPECT_NE(stat(unfinished.c_str(), &st), 0);
    absl::StatusOr<DirScan> again = ScanJournalDir(dir.path());
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->ok) << again->damage;
  }
}

TEST(JournalPrepareAppend, KeepsATornTailInATailFileAndCutsTheSegmentBack) {
  TempDir dir;
  JournalBuilder b = OneSession();
  const testing::BuiltSegment whole = b.segments().back();
  const uint64_t keep = whole.group_end[whole.group_end.size() - 2];
  const uint64_t cut = whole.bytes.size() - 5;
  b.WriteTo(dir.path());
  const std::string seg = dir.File(SegmentFileName(1));
  WriteFileOrDie(seg, whole.bytes.substr(0, cut));
  absl::StatusOr<AppendPoint> at = PrepareAppend(dir.path());
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(at->tail_file, seg + ".tail");
  EXPECT_EQ(at->tail_offset, keep);
  EXPECT_EQ(at->tail_bytes, cut - keep);
  EXPECT_TRUE(Contains(at->tail_damage, "seg-000001.hsj")) << at->tail_damage;
  EXPECT_EQ(ReadFileOrDie(seg + ".tail"), whole.bytes.substr(keep, cut - keep));
  EXPECT_EQ(ReadFileOrDie(seg), whole.bytes.substr(0, keep));
  EXPECT_EQ(at->next_segment, 2u);
  EXPECT_EQ(at->session, 2u);
  EXPECT_EQ(at->next_seq, whole.group_last_seq[whole.group_last_seq.size() - 2] + 1);
  const DirScan s = Scan(dir.path());
  EXPECT_EQ(at->prev_hash, s.last_hash);

  // Again: nothing left to cut, the same place to append.
  absl::StatusOr<AppendPoint> again = PrepareAppend(dir.path());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->tail_file.empty());
  EXPECT_EQ(again->next_seq, at->next_seq);
  EXPECT_EQ(again->prev_hash, at->prev_hash);
  EXPECT_EQ(Verify(dir.path()).code, kVerifyExitOk);
}

TEST(JournalPrepareAppend, NeverOverwritesAnEarlierTailFile) {
  TempDir dir;
  JournalBuilder b = OneSession();
  std::string& bytes = b.segments().back().bytes;
  bytes.append("partial");
  b.WriteTo(dir.path());
  const std::string seg = dir.File(SegmentFileName(1));
  WriteFileOrDie(seg + ".tail", "older");
  absl::StatusOr<AppendPoint> at = PrepareAppend(dir.path());
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(at->tail_file, seg + ".tail.2");
  EXPECT_EQ(ReadFileOrDie(seg + ".tail"), "older");
  EXPECT_EQ(ReadFileOrDie(seg + ".tail.2"), "partial");
}

TEST(JournalPrepareAppend, ATailThatCutsTheLastSegmentToItsHeaderLeavesAValidJournal) {
  TempDir dir;
  JournalBuilder b = OneSession();
  b.StartSession();
  std::string& last = b.segments().back().bytes;
  last.resize(last.size() - 1);  // the new session's first group is torn
  b.WriteTo(dir.path());
  absl::StatusOr<AppendPoint> at = PrepareAppend(dir.path());
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(at->tail_offset, kHeader);
  EXPECT_EQ(at->next_segment, 3u);
  EXPECT_EQ(at->session, 3u);
  const DirScan s = Scan(dir.path());
  EXPECT_TRUE(s.ok);
  EXPECT_FALSE(s.torn_tail);
  EXPECT_EQ(s.segments.back().valid_bytes, kHeader);
  EXPECT_EQ(at->prev_hash, s.last_hash);
}

// ---- verify

TEST(JournalVerifyDir, AClosedJournalIsOk) {
  TempDir dir;
  OneSession().WriteTo(dir.path());
  const Verdict v = Verify(dir.path());
  EXPECT_EQ(v.code, kVerifyExitOk) << v.text;
  EXPECT_EQ(v.strict_code, kVerifyExitOk);
  EXPECT_TRUE(Contains(v.text, dir.path() + ": 15 records in 1 segments, 1 sessions, 5 groups")) << v.text;
  EXPECT_TRUE(Contains(v.text, "session_start 1, venue_msg 12, session_end 1, config 1")) << v.text;
  EXPECT_TRUE(Contains(v.text, "\nOK: ")) << v.text;
}

TEST(JournalVerifyDir, NotClosedIsSoundAndFailsOnlyWithStrict) {
  TempDir dir;
  Rotated().WriteTo(dir.path());
  const Verdict v = Verify(dir.path());
  EXPECT_EQ(v.code, kVerifyExitOk) << v.text;
  EXPECT_EQ(v.strict_code, kVerifyExitNotClosed);
  EXPECT_TRUE(Contains(v.text, "SOUND, NOT CLOSED")) << v.text;
}

TEST(JournalVerifyDir, EmptyDirectoryIsEmpty) {
  TempDir dir;
  const Verdict v = Verify(dir.path());
  EXPECT_EQ(v.code, kVerifyExitOk) << v.text;
  EXPECT_EQ(v.strict_code, kVerifyExitNotClosed);
  EXPECT_TRUE(Contains(v.text, "EMPTY")) << v.text;
}

TEST(JournalVerifyDir, MissingPathIsUnreadable) {
  TempDir dir;
  const Verdict v = Verify(dir.File("none"));
  EXPECT_EQ(v.code, kVerifyExitUnreadable);
  EXPECT_EQ(v.strict_code, kVerifyExitUnreadable);
  EXPECT_TRUE(Contains(v.text, dir.File("none"))) << v.text;
}

TEST(JournalVerifyDir, AcceptsOneSegmentFile) {
  TempDir dir;
  JournalBuilder b = Rotated();
  b.OpenSegment(false);
  b.VenueMsgs(2);
  b.EndSession();
  b.Commit();
  b.WriteTo(dir.path());
  // A middle segment: continues a session begun elsewhere.
  Verdict v = Verify(dir.File(SegmentFileName(2)));
  EXPECT_EQ(v.code, kVerifyExitOk) << v.text;
  EXPECT_TRUE(Contains(v.text, ": 7 records in 1 segments")) << v.text;
  // The first: the session's config and start.
  v = Verify(dir.File(SegmentFileName(1)));
  EXPECT_EQ(v.code, kVerifyExitOk) << v.text;
  EXPECT_EQ(v.strict_code, kVerifyExitNotClosed);
  // The last: closed.
  v = Verify(dir.File(SegmentFileName(4)));
  EXPECT_EQ(v.code, kVerifyExitOk) << v.text;
  EXPECT_TRUE(Contains(v.text, "\nOK: ")) << v.text;
  // Damaged: a torn tail of the file.
  std::string bytes = b.segments()[3].bytes;
  WriteFileOrDie(dir.File("copy.hsj"), bytes.substr(0, bytes.size() - 3));
  v = Verify(dir.File("copy.hsj"));
  EXPECT_EQ(v.code, kVerifyExitDamaged) << v.text;
  EXPECT_TRUE(Contains(v.text, "TORN TAIL")) << v.text;
}

// ---- the segment parser on arbitrary bytes (what the fuzz target drives)

TEST(JournalSegmentScan, NeverReadsPastOrCrashesOnPrefixesAndMutations) {
  JournalBuilder b = OneSession();
  const std::string good = b.segments()[0].bytes;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes = good.substr(0, rng() % (good.size() + 1));
    for (int k = 0; k < 3 && !bytes.empty(); ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    internal::Carry carry;
    carry.first = false;
    carry.lone = true;
    carry.next_segment = 0;
    DirScan scan;
    const internal::SegmentResult r = internal::ScanSegment(bytes, "x", &carry, &scan);
    EXPECT_LE(r.info.valid_bytes, bytes.size());
    if (r.defect == internal::Defect::kNone) EXPECT_EQ(r.info.valid_bytes, bytes.size());
    if (r.defect != internal::Defect::kNone) EXPECT_FALSE(r.damage.empty());
  }
}

}  // namespace
}  // namespace hs::journal
