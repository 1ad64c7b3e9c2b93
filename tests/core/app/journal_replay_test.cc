// Replay and recovery over real journals: a decision core's records written by the real
// JournalWriter into a journal directory, then replayed (identical; one altered input diverges
// at the first record it changes; a second session continues the first's state) and recovered
// (the state at the end equals the state the live core had).
#include "core/app/journal_replay.h"

#include <gtest/gtest.h>

#include <cstring>

#include "core/app/core_params.h"
#include "core/base/decimal.h"
#include "core/config/config.h"
#include "core/engine/decision_core.h"
#include "core/journal/journal_dir.h"
#include "core/journal/journal_writer.h"
#include "tests/support/test_support.h"

namespace hs::app {
namespace {

using journal::Entry;
using journal::RecordType;

Price P(const char* s) { return ParseDecimal<Price>(s).value; }
Qty Q(const char* s) { return ParseDecimal<Qty>(s).value; }
Amount A(const char* s) { return ParseDecimal<Amount>(s, Sign::kAllowNegative).value; }

// A live core whose journal records are captured (as the writer would receive them).
class LiveCore {
 public:
  LiveCore(const config::Config& cfg, uint64_t client_id_base, uint64_t first_seq) : cfg_(cfg) {
    capture_ = std::make_unique<journal::EntryRing>(size_t{1} << 16);
    capture_out_ = capture_->TakeConsumer();
    engine::DecisionCore::Wiring w;
    for (size_t v = 0; v < cfg.venues.size(); ++v) {
      rings_.push_back(std::make_unique<IntentRing>(256));
      w.to_venues.push_back(rings_.back()->TakeProducer());
      outs_.push_back(rings_.back()->TakeConsumer());
    }
    w.journal = journal::JournalSink(capture_->TakeProducer(), first_seq, 1 << 12);
    core = std::make_unique<engine::DecisionCore>(CoreParamsFromConfig(cfg, client_id_base), std::move(w));
  }
  // Moves what the core wrote into `into`, and returns the intents it sent.
  std::vector<OrderIntent> Collect(std::vector<Entry>* into) {
    const Entry* e;
    while ((e = capture_out_.Front()) != nullptr) {
      into->push_back(*e);
      capture_out_.Pop();
    }
    std::vector<OrderIntent> sent;
    OrderIntent in;
    for (auto& o : outs_)
      while (o.TryPop(in)) sent.push_back(in);
    return sent;
  }
  void Status(int v) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kStatus;
    m.recv_time = Nanos::FromMillis(t_);
    m.status.venue = VenueId{static_cast<uint8_t>(v)};
    m.status.state = FeedState::kSyncing;
    m.status.usable = true;
    m.status.orders_connected = true;
    core->Step(m);
  }
  void Balance(int v, const char* asset, const char* amount, bool last) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kBalance;
    m.recv_time = Nanos::FromMillis(t_);
    m.balance.venue = VenueId{static_cast<uint8_t>(v)};
    m.balance.asset = cfg_.FindAsset(asset)->id;
    m.balance.free = A(amount);
    m.balance.final_of_snapshot = last;
    core->Step(m);
  }
  void Top(int v, const char* bid, const char* ask) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kBookTop;
    m.recv_time = Nanos::FromMillis(t_);
    m.top.venue = VenueId{static_cast<uint8_t>(v)};
    m.top.instrument = InstrumentId{0};
    m.top.bid_count = 1;
    m.top.ask_count = 1;
    m.top.bids[0] = {P(bid), Q("1")};
    m.top.asks[0] = {P(ask), Q("0.05")};
    m.top.recv_stamp = TscStamp{static_cast<uint64_t>(t_) * 1000 + 7};  // a measurement: travels, never decides
    core->Step(m);
  }
  void Fill(const OrderIntent& in, bool final) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kExec;
    m.recv_time = Nanos::FromMillis(t_);
    m.exec.client_id = in.client_id;
    m.exec.venue = in.venue;
    m.exec.instrument = in.instrument;
    m.exec.kind = ExecKind::kFill;
    m.exec.final = final;
    m.exec.fill_qty = in.qty;
    m.exec.cum_qty = in.qty;
    m.exec.fill_quote = A("1500");
    m.exec.fee = A("1.5");
    m.exec.fee_asset = cfg_.FindAsset("USDT")->id;
    core->Step(m);
  }
  void Timer() {
    ControlCommand c;
    c.op = ControlOp::kTimer;
    c.time = Nanos::FromMillis(t_);
    core->Step(c);
  }
  void Advance(int64_t ms) { t_ += ms; }

  std::unique_ptr<engine::DecisionCore> core;

 private:
  const config::Config& cfg_;
  int64_t t_ = 1'700'000'000'000;
  std::unique_ptr<journal::EntryRing> capture_;
  journal::EntryRing::Consumer capture_out_;
  std::vector<std::unique_ptr<IntentRing>> rings_;
  std::vector<IntentRing::Consumer> outs_;
};

// Writes `records` (seq from their entries) through the real writer as one session's segment(s).
void WriteJournal(const std::string& dir, const std::vector<Entry>& records, const std::string& config_text,
                  uint64_t segment_bytes = 64u << 20) {
  auto at = journal::PrepareAppend(dir);
  ASSERT_TRUE(at.ok()) << at.status();
  journal::EntryRing ring(size_t{1} << 16);
  auto prod = ring.TakeProducer();
  journal::WriterOptions o;
  o.path = dir;
  o.engine_name = "replay-test";
  o.fsync = false;
  o.segment_bytes = segment_bytes;
  o.config_text = config_text;
  journal::JournalWriter w(o, ring.TakeConsumer());
  ASSERT_TRUE(w.Open(*at).ok());
  for (const Entry& e : records) {
    Entry* slot;
    while ((slot = prod.TryClaim()) == nullptr) w.DoWork();
    *slot = e;
    prod.Commit();
  }
  w.OnClose();
  ASSERT_FALSE(w.failed()) << w.failure();
}

class JournalReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = config::ParseConfig(config::EmbeddedDemoConfig(), "demo");
    ASSERT_TRUE(c.ok());
    cfg_ = *c;
    text_ = journal::NormalizeConfigText(cfg_.source_text);
  }

  // One session: connect two venues, balances, a crossing market (two legs), fills, timers,
  // a market that does not cross, session end. Returns its records.
  std::vector<Entry> RunSession(uint64_t first_seq, uint64_t id_base, LiveCore** keep = nullptr, int rounds = 20) {
    live_ = std::make_unique<LiveCore>(cfg_, id_base, first_seq);
    LiveCore& l = *live_;
    std::vector<Entry> recs;
    l.core->Begin(Nanos::FromMillis(1'700'000'000'000), text_);
    for (int v = 0; v < 2; ++v) {
      l.Status(v);
      l.Balance(v, "BTC", "2", false);
      l.Balance(v, "ETH", "10", false);
      l.Balance(v, "USDT", "100000", true);
    }
    for (int k = 0; k < rounds; ++k) {
      l.Advance(10);
      l.Timer();
      l.Top(0, "29999", k % 4 == 0 ? "30000" : "30210");
      l.Top(1, "30200", "30211");
      for (const OrderIntent& in : l.Collect(&recs)) {
        if (!in.query) l.Fill(in, true);
      }
      l.Collect(&recs);
    }
    if (keep != nullptr) *keep = &l;
    return recs;
  }
  void End(std::vector<Entry>* recs) {
    live_->core->End(Nanos::FromMillis(1'700'000'100'000));
    live_->Collect(recs);
  }

  config::Config cfg_;
  std::string text_;
  std::unique_ptr<LiveCore> live_;
  testing::TempDir tmp_;
};

TEST_F(JournalReplayTest, AReplayOfAJournalIsIdentical) {
  std::vector<Entry> recs = RunSession(1, 1000);
  End(&recs);
  ASSERT_GT(recs.size(), 100u);
  size_t intents = 0;
  for (const Entry& e : recs) intents += e.type == static_cast<uint16_t>(RecordType::kIntent);
  ASSERT_GE(intents, 4u) << "the session traded";
  const std::string dir = tmp_.File("journal");
  WriteJournal(dir, recs, text_);
  std::string out;
  EXPECT_EQ(RunReplay(dir, &out), 0) << out;
  EXPECT_NE(out.find("replay: " + std::to_string(recs.size()) + " records, identical\n"), std::string::npos) << out;
}

TEST_F(JournalReplayTest, OneAlteredInputDivergesAtTheFirstRecordItChanges) {
  std::vector<Entry> recs = RunSession(1, 1000);
  End(&recs);
  // The first crossing top of venue 1 (its bid above venue 0's ask): make it not cross. The
  // journal still holds the intents it caused; the replay, fed the altered top, sends none.
  size_t k = 0;
  uint64_t first_intent_seq = 0;
  for (size_t i = 0; i < recs.size(); ++i) {
    if (recs[i].type == static_cast<uint16_t>(RecordType::kIntent)) {
      first_intent_seq = recs[i].seq;
      break;
    }
    if (recs[i].type == static_cast<uint16_t>(RecordType::kVenueMsg)) k = i;
  }
  ASSERT_NE(first_intent_seq, 0u);
  VenueMsg m;
  std::memcpy(&m, recs[k].payload, sizeof m);
  ASSERT_EQ(m.kind, VenueMsg::Kind::kBookTop);
  m.top.bids[0].px = P("29000");
  std::memcpy(recs[k].payload, &m, sizeof m);
  const std::string dir = tmp_.File("altered");
  WriteJournal(dir, recs, text_);
  std::string out;
  EXPECT_EQ(RunReplay(dir, &out), 1) << out;
  EXPECT_NE(out.find("replay: diverged at seq " + std::to_string(first_intent_seq) + "\n"), std::string::npos) << out;
  EXPECT_NE(out.find("expected (journal): seq " + std::to_string(first_intent_seq) + " intent"), std::string::npos) << out;
}

TEST_F(JournalReplayTest, RecoveryGivesTheLiveCoresStateAndAContinuedSessionReplays) {
  std::vector<Entry> recs = RunSession(1, 1000);  // no session_end: the engine was killed
  std::string live_state;
  live_->core->SaveState(&live_state);
  const std::string dir = tmp_.File("journal");
  WriteJournal(dir, recs, text_);
  auto scan = journal::ScanJournalDir(dir);
  ASSERT_TRUE(scan.ok());
  auto rec = RecoverState(*scan);
  ASSERT_TRUE(rec.ok()) << rec.status();
  EXPECT_EQ(rec->records, recs.size());
  EXPECT_EQ(rec->state, live_state) << "recovery rebuilds exactly the live core's state";

  // The restart: a new core loads the recovered state and starts session 2 after seq N.
  LiveCore l2(cfg_, 5'000'000, recs.back().seq + 1);
  ASSERT_TRUE(l2.core->LoadState(rec->state).ok());
  std::vector<Entry> recs2;
  l2.core->Begin(Nanos::FromMillis(1'700'000'200'000), text_);
  EXPECT_EQ(l2.core->phase(), engine::DecisionCore::Phase::kReconciling);
  l2.Collect(&recs2);
  l2.core->End(Nanos::FromMillis(1'700'000'300'000));
  l2.Collect(&recs2);
  WriteJournal(dir, recs2, text_);
  auto scan2 = journal::ScanJournalDir(dir);
  ASSERT_TRUE(scan2.ok());
  EXPECT_EQ(scan2->sessions.size(), 2u);
  std::string out;
  EXPECT_EQ(RunReplay(dir, &out), 0) << out;
  EXPECT_NE(out.find("replay: " + std::to_string(recs.size() + recs2.size()) + " records, identical\n"),
            std::string::npos)
      << out;
}

// Malformed journals: each gets a clear error and the exit code says which kind.
TEST_F(JournalReplayTest, AMissingDirectoryIsUnreadable) {
  std::string out;
  EXPECT_EQ(RunReplay(tmp_.File("nowhere"), &out), 2) << out;
  EXPECT_NE(out.find("homeostat replay: "), std::string::npos) << out;
  EXPECT_NE(out.find("nowhere"), std::string::npos) << out;
}

TEST_F(JournalReplayTest, DamageBeforeTheLastSegmentIsRefusedATornTailIsNot) {
  std::vector<Entry> recs = RunSession(1, 1000);
  End(&recs);
  const std::string dir = tmp_.File("journal");
  WriteJournal(dir, recs, text_, /*segment_bytes=*/4 << 10);  // several segments
  ASSERT_TRUE(journal::ScanJournalDir(dir)->segments.size() >= 3);
  const std::string last = dir + "/" + journal::SegmentFileName(journal::ScanJournalDir(dir)->segments.size());
  // The last segment cut mid-record (a crash): the valid prefix replays; the note says so.
  std::string tail = testing::ReadFileOrDie(last);
  testing::WriteFileOrDie(last, tail.substr(0, tail.size() - 30));
  std::string out;
  EXPECT_EQ(RunReplay(dir, &out), 0) << out;
  EXPECT_NE(out.find("note: the last segment ends in a torn tail"), std::string::npos) << out;
  EXPECT_NE(out.find(" records, identical\n"), std::string::npos) << out;
  // A flipped byte inside the first segment: corruption, refused, naming the segment.
  const std::string first = dir + "/" + journal::SegmentFileName(1);
  std::string bytes = testing::ReadFileOrDie(first);
  bytes[bytes.size() / 2] ^= 0x40;
  testing::WriteFileOrDie(first, bytes);
  EXPECT_EQ(RunReplay(dir, &out), 1) << out;
  EXPECT_NE(out.find("is damaged"), std::string::npos) << out;
  EXPECT_NE(out.find(journal::SegmentFileName(1)), std::string::npos) << out;
  EXPECT_EQ(out.find("identical"), std::string::npos) << out;
}

TEST_F(JournalReplayTest, AJournaledConfigThatDoesNotParseStopsTheReplayNamingTheRecord) {
  live_ = std::make_unique<LiveCore>(cfg_, 1000, 1);
  std::vector<Entry> recs;
  const std::string bad = "[engine]\nname = 42\n";
  live_->core->Begin(Nanos::FromMillis(1'700'000'000'000), bad);
  live_->Collect(&recs);
  const std::string dir = tmp_.File("journal");
  WriteJournal(dir, recs, bad);
  std::string out;
  EXPECT_EQ(RunReplay(dir, &out), 1) << out;
  EXPECT_NE(out.find("session_start"), std::string::npos) << out;
  EXPECT_NE(out.find("config does not parse"), std::string::npos) << out;
}

// A journal long enough for snapshots: recovery starts from the newest one, runs only the records
// after it, and still ends in exactly the live core's state; replay compares every snapshot.
TEST_F(JournalReplayTest, RecoveryStartsFromTheNewestSnapshotAndReplayComparesSnapshots) {
  // The journaled config is what replay builds its core from: change the text, not the struct.
  const std::string from = "snapshot_every = 20000", to = "snapshot_every = 1000 ";
  std::string text = cfg_.source_text;
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(), to);
  auto c = config::ParseConfig(text, "demo");
  ASSERT_TRUE(c.ok());
  cfg_ = *c;
  text_ = journal::NormalizeConfigText(text);
  std::vector<Entry> recs = RunSession(1, 1000, nullptr, 1500);
  std::string live_state;
  live_->core->SaveState(&live_state);
  size_t snapshots = 0;
  for (const Entry& e : recs) {
    if (e.type != static_cast<uint16_t>(RecordType::kSnapshot)) continue;
    journal::SnapshotChunk c;
    std::memcpy(&c, e.payload, sizeof c);
    snapshots += c.index == 0;
  }
  ASSERT_GE(snapshots, 2u) << recs.size() << " records";
  const std::string dir = tmp_.File("journal");
  WriteJournal(dir, recs, text_);
  auto scan = journal::ScanJournalDir(dir);
  ASSERT_TRUE(scan.ok());
  ASSERT_NE(scan->snapshot_first_seq, 0u);
  auto rec = RecoverState(*scan);
  ASSERT_TRUE(rec.ok()) << rec.status();
  EXPECT_GT(rec->snapshot_at, 1000u);
  EXPECT_GT(rec->from_seq, rec->snapshot_at) << "only the tail after the snapshot is run";
  EXPECT_LT(rec->records, recs.size() - rec->snapshot_at + 1);
  EXPECT_EQ(rec->state, live_state) << "from the snapshot, recovery reaches exactly the live core's state";
  std::string out;
  EXPECT_EQ(RunReplay(dir, &out), 0) << out;
  EXPECT_NE(out.find(std::to_string(snapshots) + " snapshots compared"), std::string::npos) << out;
}

}  // namespace
}  // namespace hs::app
