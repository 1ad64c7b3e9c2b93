#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "core/journal/journal_format.h"
#include "core/journal/journal_reader.h"
#include "core/journal/journal_verify.h"
#include "tests/support/test_support.h"

namespace hs::journal {
namespace {

// Which session records frame the n body records (DecisionCore writes both).
struct Framing {
  bool session_start = false;
  bool session_end = false;
};
constexpr Framing kSession{true, true};

// Appends a record with a correct CRC and padding: the damage a test builds is only the damage
// it means.
void AppendRawRecord(std::string* bytes, RecordType type, uint64_t seq, const std::string& payload) {
  RecordHeader h;
  h.length = static_cast<uint32_t>(payload.size());
  h.type = static_cast<uint16_t>(type);
  h.seq = seq;
  std::string padded = payload;
  padded.resize(Padded(payload.size()), '\0');
  h.crc = RecordCrc(h, padded.data());
  bytes->append(reinterpret_cast<const char*>(&h), sizeof h);
  bytes->append(padded);
}

template <typename T>
void AppendRecord(std::string* bytes, RecordType type, uint64_t seq, const T& msg) {
  AppendRawRecord(bytes, type, seq, std::string(reinterpret_cast<const char*>(&msg), sizeof msg));
}

// Writes a format-2 single-file journal of n records (every fifth an intent, the rest venue
// messages), framed as asked. The writer now writes format-3 segment directories
// (journal_writer_test.cc), so the single-file reader's input is built here, byte for byte as
// the format-2 writer laid it out.
void WriteJournal(const std::string& path, int n, bool /*fsync*/ = true, Framing framing = {}) {
  FileHeader fh;
  std::memcpy(fh.magic, kFileMagic, sizeof fh.magic);
  fh.created_wall_ns = 1'700'000'000'000'000'000;
  std::string("test").copy(fh.engine_name, sizeof fh.engine_name - 1);
  fh.header_crc = FileHeaderCrc(fh);
  std::string bytes(reinterpret_cast<const char*>(&fh), sizeof fh);
  uint64_t seq = 0;
  if (framing.session_start) {
    SessionStart s;
    s.wall_ns = 1;
    AppendRecord(&bytes, RecordType::kSessionStart, ++seq, s);
  }
  for (int i = 0; i < n; ++i) {
    if (i % 5 == 0) {
      OrderIntent in;
      in.client_id = ClientOrderId{static_cast<uint64_t>(i)};
      AppendRecord(&bytes, RecordType::kIntent, ++seq, in);
    } else {
      VenueMsg m;
      m.kind = VenueMsg::Kind::kBookTop;
      m.top.venue_seq = static_cast<uint64_t>(i);
      m.top.bids[0].px = Price::FromRaw(i);
      AppendRecord(&bytes, RecordType::kVenueMsg, ++seq, m);
    }
  }
  if (framing.session_end) {
    SessionEnd e;
    e.wall_ns = 2;
    e.records = seq + 1;  // as DecisionCore::OnClose counts: itself included
    AppendRecord(&bytes, RecordType::kSessionEnd, ++seq, e);
  }
  testing::WriteFileOrDie(path, bytes);
}

TEST(Journal, ReadsAFormatTwoFileBackRecordByRecord) {
  testing::TempDir dir;
  const std::string path = dir.File("j.hsj");
  WriteJournal(path, 20000, true, kSession);
  auto r = VerifyJournal(path);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->ok) << r->error;
  EXPECT_TRUE(r->closed);
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

// ---- journal verify: the verdicts and exit codes of `homeostat journal verify [--strict]`.

// Byte offsets of every record, in order, read back through the reader (the file must check).
std::vector<size_t> RecordOffsets(const std::string& bytes) {
  std::vector<size_t> offsets;
  auto r = JournalReader::FromBytes(bytes, "x");
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return offsets;
  RecordView v;
  ReadOutcome o;
  while ((o = r->Next(&v)) == ReadOutcome::kRecord) offsets.push_back(v.offset);
  EXPECT_EQ(o, ReadOutcome::kEnd) << r->error();
  return offsets;
}

struct Verdict {
  int code = -1;
  int strict_code = -1;
  std::string text;
};

Verdict VerifyFile(const std::string& path) {
  Verdict v;
  v.code = RunJournalVerify(path, /*strict=*/false, &v.text);
  std::string strict_text;
  v.strict_code = RunJournalVerify(path, /*strict=*/true, &strict_text);
  EXPECT_EQ(strict_text, v.text);  // --strict changes the exit code, never the report
  return v;
}

Verdict VerifyBytes(const testing::TempDir& dir, const std::string& bytes) {
  const std::string path = dir.File("v.hsj");
  testing::WriteFileOrDie(path, bytes);
  return VerifyFile(path);
}

TEST(JournalVerify, ClosedJournalIsOk) {
  testing::TempDir dir;
  const std::string path = dir.File("j.hsj");
  WriteJournal(path, 50, false, kSession);
  const Verdict v = VerifyFile(path);
  EXPECT_EQ(v.code, 0) << v.text;
  EXPECT_EQ(v.strict_code, 0) << v.text;
  EXPECT_EQ(v.text, path + ": 52 records, session_start 1, venue_msg 40, intent 10, session_end 1\n"
                           "OK: every CRC and sequence number checks; the session closed (session_end)\n");
  auto r = VerifyJournal(path);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->ok) << r->error;
  EXPECT_TRUE(r->header_ok);
  EXPECT_TRUE(r->closed);
  EXPECT_FALSE(r->header_only);
  EXPECT_EQ(r->records, 52u);
}

TEST(JournalVerify, HeaderOnlyFileSaysSoAndIsNotOk) {
  testing::TempDir dir;
  const std::string path = dir.File("j.hsj");
  WriteJournal(path, 0, false);
  ASSERT_EQ(Bytes(path).size(), sizeof(FileHeader));
  const Verdict v = VerifyFile(path);
  EXPECT_EQ(v.code, 0) << v.text;
  EXPECT_EQ(v.strict_code, 3) << v.text;
  EXPECT_EQ(v.text.find("OK:"), std::string::npos) << v.text;
  EXPECT_NE(v.text.find(path + ": 0 records\nHEADER ONLY: no records"), std::string::npos) << v.text;
  auto r = VerifyJournal(path);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->ok) << r->error;
  EXPECT_TRUE(r->header_only);
  EXPECT_FALSE(r->closed);
}

TEST(JournalVerify, JournalWithoutSessionEndIsSoundButNotClosed) {
  testing::TempDir dir;
  const std::string path = dir.File("j.hsj");
  WriteJournal(path, 100, false, Framing{.session_start = true, .session_end = false});
  const Verdict v = VerifyFile(path);
  EXPECT_EQ(v.code, 0) << v.text;
  EXPECT_EQ(v.strict_code, 3) << v.text;
  EXPECT_EQ(v.text, path + ": 101 records, session_start 1, venue_msg 80, intent 20\n"
                           "SOUND, NOT CLOSED: every CRC and sequence number checks but there is no session_end "
                           "(the engine is still running, crashed, or the file was cut at a record boundary)\n");
  auto r = VerifyJournal(path);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->ok) << r->error;
  EXPECT_FALSE(r->closed);
  EXPECT_FALSE(r->header_only);
}

TEST(JournalVerify, FileCutAtARecordBoundaryIsNotClosed) {
  testing::TempDir dir;
  const std::string path = dir.File("j.hsj");
  WriteJournal(path, 10, false, kSession);
  const std::string whole = Bytes(path);
  const std::vector<size_t> offsets = RecordOffsets(whole);
  ASSERT_EQ(offsets.size(), 12u);
  // Cut just before session_end: every byte left checks, but the session is not known closed.
  const Verdict v = VerifyBytes(dir, whole.substr(0, offsets.back()));
  EXPECT_EQ(v.code, 0) << v.text;
  EXPECT_EQ(v.strict_code, 3) << v.text;
  EXPECT_EQ(v.text.find("OK:"), std::string::npos) << v.text;
  EXPECT_NE(v.text.find("11 records"), std::string::npos) << v.text;
  EXPECT_NE(v.text.find("SOUND, NOT CLOSED: "), std::string::npos) << v.text;
  // Any other record boundary likewise (the one right after the header is header-only).
  for (size_t k = 0; k < offsets.size(); ++k) {
    const Verdict c = VerifyBytes(dir, whole.substr(0, offsets[k]));
    EXPECT_EQ(c.code, 0) << "cut before record " << k + 1 << ": " << c.text;
    EXPECT_EQ(c.strict_code, 3) << "cut before record " << k + 1 << ": " << c.text;
    EXPECT_EQ(c.text.find("OK:"), std::string::npos) << c.text;
    EXPECT_NE(c.text.find(k == 0 ? "HEADER ONLY: " : "SOUND, NOT CLOSED: "), std::string::npos) << c.text;
  }
}

TEST(JournalVerify, EveryFlippedHeaderByteIsCaught) {
  testing::TempDir dir;
  const std::string path = dir.File("j.hsj");
  WriteJournal(path, 5, false, kSession);
  const std::string good = Bytes(path);
  ASSERT_EQ(VerifyFile(path).code, 0);
  for (size_t off = 0; off < sizeof(FileHeader); ++off) {
    for (const unsigned char mask : {0x01, 0x80, 0xFF}) {
      std::string bad = good;
      bad[off] = static_cast<char>(static_cast<unsigned char>(bad[off]) ^ mask);
      const Verdict v = VerifyBytes(dir, bad);
      const std::string what = "header byte " + std::to_string(off) + " ^ " + std::to_string(mask) + ": " + v.text;
      EXPECT_EQ(v.code, 1) << what;
      EXPECT_EQ(v.strict_code, 1) << what;
      EXPECT_EQ(v.text.find("OK:"), std::string::npos) << what;
      EXPECT_NE(v.text.find("\nBAD: "), std::string::npos) << what;
      EXPECT_NE(v.text.find("file header"), std::string::npos) << what;
      // Past magic and version, only the CRC can tell: created_wall_ns, the sizes, the CRC
      // itself, engine_name.
      if (off >= offsetof(FileHeader, header_size))
        EXPECT_NE(v.text.find("file header CRC mismatch (stored "), std::string::npos) << what;
    }
  }
}

TEST(JournalVerify, VersionOneFileIsRefusedByVersion) {
  testing::TempDir dir;
  const std::string path = dir.File("j.hsj");
  WriteJournal(path, 5, false, kSession);
  std::string old = Bytes(path);
  FileHeader h;
  std::memcpy(&h, old.data(), sizeof h);
  h.version = 1;
  h.header_crc = 0;  // reserved0 in version 1
  std::memcpy(old.data(), &h, sizeof h);
  const Verdict v = VerifyBytes(dir, old);
  EXPECT_EQ(v.code, 1) << v.text;
  EXPECT_NE(v.text.find("BAD: journal '" + dir.File("v.hsj") +
                        "': file header: format version 1 is not supported: this build reads version 2"),
            std::string::npos)
      << v.text;
  auto r = JournalReader::FromBytes(old, "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(std::string(r.status().message()).find("format version 1 is not supported"), std::string::npos);
}

TEST(JournalVerify, FileShorterThanItsHeaderIsDamaged) {
  testing::TempDir dir;
  for (const size_t size : {size_t{0}, size_t{8}, sizeof(FileHeader) - 1}) {
    const std::string path = dir.File("j.hsj");
    WriteJournal(path, 0, false);
    const Verdict v = VerifyBytes(dir, Bytes(path).substr(0, size));
    EXPECT_EQ(v.code, 1) << v.text;
    EXPECT_NE(v.text.find("BAD: "), std::string::npos) << v.text;
    EXPECT_NE(v.text.find("file header: file is " + std::to_string(size) + " bytes"), std::string::npos) << v.text;
  }
}

TEST(JournalVerify, TornTailInsideTheLastRecordIsDamaged) {
  testing::TempDir dir;
  const std::string path = dir.File("j.hsj");
  WriteJournal(path, 10, false, kSession);
  const std::string whole = Bytes(path);
  const size_t last = RecordOffsets(whole).back();
  // Inside the payload, inside the record header, and one byte into it.
  for (const size_t cut : {whole.size() - 5, last + 10, last + 1}) {
    const Verdict v = VerifyBytes(dir, whole.substr(0, cut));
    EXPECT_EQ(v.code, 1) << v.text;
    EXPECT_EQ(v.strict_code, 1) << v.text;
    EXPECT_EQ(v.text.find("OK:"), std::string::npos) << v.text;
    EXPECT_NE(v.text.find("11 records"), std::string::npos) << v.text;
    EXPECT_NE(v.text.find("BAD: record 12 at byte " + std::to_string(last) + ": file ends inside"),
              std::string::npos)
        << v.text;
  }
}

TEST(JournalVerify, UnreadableFileIsAUsageError) {
  testing::TempDir dir;
  const std::string missing = dir.File("missing.hsj");
  std::string out;
  EXPECT_EQ(RunJournalVerify(missing, false, &out), 2);
  EXPECT_NE(out.find("cannot open '" + missing + "'"), std::string::npos) << out;
  EXPECT_EQ(out.find("BAD:"), std::string::npos) << out;
  EXPECT_EQ(RunJournalVerify(missing, true, &out), 2);
  auto r = VerifyJournal(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  // A directory is not a journal file either.
  EXPECT_EQ(RunJournalVerify(dir.path(), false, &out), 2);
  EXPECT_NE(out.find("not a regular file"), std::string::npos) << out;
}

// Records whose CRCs and sequence numbers all check but which are not one session as the
// engine writes it.
TEST(JournalVerify, RecordsThatDoNotFormOneSessionAreDamage) {
  testing::TempDir dir;
  const std::string path = dir.File("j.hsj");
  WriteJournal(path, 0, false);
  const std::string header = Bytes(path);
  const size_t r2 = sizeof(FileHeader) + sizeof(RecordHeader) + Padded(sizeof(SessionStart));
  SessionStart start;
  SessionEnd end;
  end.records = 2;
  OrderIntent intent;

  struct Case {
    const char* name;
    std::string bytes;
    std::string error;
  };
  std::vector<Case> cases;
  {
    Case c{"first record not session_start", header, "record 1 at byte 64: intent where the first record must be "
                                                     "session_start"};
    AppendRecord(&c.bytes, RecordType::kIntent, 1, intent);
    cases.push_back(c);
  }
  {
    Case c{"record after session_end", header,
           "record 3 at byte " + std::to_string(r2 + sizeof(RecordHeader) + Padded(sizeof(SessionEnd))) +
               ": intent after session_end (record 2)"};
    AppendRecord(&c.bytes, RecordType::kSessionStart, 1, start);
    AppendRecord(&c.bytes, RecordType::kSessionEnd, 2, end);
    AppendRecord(&c.bytes, RecordType::kIntent, 3, intent);
    cases.push_back(c);
  }
  {
    Case c{"second session_start", header, "record 2 at byte " + std::to_string(r2) + ": a second session_start"};
    AppendRecord(&c.bytes, RecordType::kSessionStart, 1, start);
    AppendRecord(&c.bytes, RecordType::kSessionStart, 2, start);
    cases.push_back(c);
  }
  {
    Case c{"payload size not the type's", header,
           "record 2 at byte " + std::to_string(r2) + ": intent payload is 8 bytes, expected " +
               std::to_string(sizeof(OrderIntent))};
    AppendRecord(&c.bytes, RecordType::kSessionStart, 1, start);
    AppendRawRecord(&c.bytes, RecordType::kIntent, 2, std::string(8, 'x'));
    cases.push_back(c);
  }
  {
    Case c{"session_end miscounts", header, "record 2 at byte " + std::to_string(r2) +
                                                ": session_end counts 7 records but has sequence 2"};
    SessionEnd wrong;
    wrong.records = 7;
    AppendRecord(&c.bytes, RecordType::kSessionStart, 1, start);
    AppendRecord(&c.bytes, RecordType::kSessionEnd, 2, wrong);
    cases.push_back(c);
  }
  for (const Case& c : cases) {
    const Verdict v = VerifyBytes(dir, c.bytes);
    EXPECT_EQ(v.code, 1) << c.name << ": " << v.text;
    EXPECT_EQ(v.text.find("OK:"), std::string::npos) << c.name << ": " << v.text;
    EXPECT_NE(v.text.find("BAD: " + c.error), std::string::npos) << c.name << ": " << v.text;
    const VerifyResult r = VerifyJournalBytes(c.bytes, "x");
    EXPECT_FALSE(r.ok) << c.name;
    EXPECT_TRUE(r.header_ok) << c.name;
    EXPECT_FALSE(r.closed) << c.name;
  }

  // The same records, well formed, check and close.
  std::string good = header;
  AppendRecord(&good, RecordType::kSessionStart, 1, start);
  AppendRecord(&good, RecordType::kSessionEnd, 2, end);
  const Verdict v = VerifyBytes(dir, good);
  EXPECT_EQ(v.code, 0) << v.text;
  EXPECT_NE(v.text.find("\nOK: "), std::string::npos) << v.text;
}

}  // namespace
}  // namespace hs::journal
