#include "core/app/journal_replay.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "core/app/core_params.h"
#include "core/config/config.h"
#include "core/engine/decision_core.h"
#include "core/engine/snapshot.h"
#include "core/journal/journal_writer.h"
#include "core/messages/rings.h"

namespace hs::app {
namespace {

using journal::RecordType;

// One record, owned (the journal's, or one the core wrote).
struct Rec {
  uint16_t type = 0;
  uint64_t seq = 0;
  std::string payload;
};

std::string Hex(const std::string& b, size_t from, size_t n) {
  std::string s;
  char buf[4];
  for (size_t i = from; i < b.size() && i < from + n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned char>(b[i]));
    s += buf;
  }
  return s;
}

template <typename T>
bool As(const Rec& r, T* out) {
  if (r.payload.size() != sizeof(T)) return false;
  std::memcpy(out, r.payload.data(), sizeof(T));
  return true;
}

// A record in words, for the divergence report.
std::string Describe(const Rec& r) {
  char buf[320];
  std::snprintf(buf, sizeof buf, "seq %" PRIu64 " %s (%zu bytes)", r.seq,
                journal::RecordTypeName(static_cast<RecordType>(r.type)), r.payload.size());
  std::string s = buf;
  switch (static_cast<RecordType>(r.type)) {
    case RecordType::kIntent: {
      OrderIntent in;
      if (As(r, &in)) {
        std::snprintf(buf, sizeof buf,
                      ": client_id %" PRIu64 " venue %u instrument %u %s qty %" PRId64 " px %" PRId64
                      " purpose %s group %u%s%s",
                      in.client_id.value, in.venue.value, in.instrument.value, in.side == Side::kBuy ? "buy" : "sell",
                      in.qty.raw(), in.limit_px.raw(), OrderPurposeName(in.purpose), in.group,
                      in.query ? " query" : "", in.cancel ? " cancel" : "");
        s += buf;
      }
      break;
    }
    case RecordType::kControl: {
      ControlCommand c;
      if (As(r, &c)) {
        std::snprintf(buf, sizeof buf, ": %s venue %d arg %u time %" PRId64, ControlOpName(c.op),
                      c.venue.valid() ? c.venue.value : -1, c.arg, c.time.value);
        s += buf;
      }
      break;
    }
    case RecordType::kVenueMsg: {
      VenueMsg m;
      if (As(r, &m)) {
        std::snprintf(buf, sizeof buf, ": kind %d recv_time %" PRId64, static_cast<int>(m.kind), m.recv_time.value);
        s += buf;
      }
      break;
    }
    default:
      break;
  }
  s += "\n      bytes " + Hex(r.payload, 0, 64) + (r.payload.size() > 64 ? "..." : "");
  return s;
}

// The bytes two runs over the same inputs agree on: latency measurements cleared.
std::string Comparable(const Rec& r) {
  if (r.type == static_cast<uint16_t>(RecordType::kIntent) && r.payload.size() == sizeof(OrderIntent)) {
    OrderIntent in;
    std::memcpy(&in, r.payload.data(), sizeof in);
    ClearMeasurements(in);
    return std::string(reinterpret_cast<const char*>(&in), sizeof in);
  }
  if (r.type == static_cast<uint16_t>(RecordType::kRiskReject) && r.payload.size() == sizeof(journal::RiskReject)) {
    journal::RiskReject rr;
    std::memcpy(&rr, r.payload.data(), sizeof rr);
    ClearMeasurements(rr.intent);
    return std::string(reinterpret_cast<const char*>(&rr), sizeof rr);
  }
  return r.payload;
}

config::ParseOptions AnyCpu() {
  // A journaled config pinned threads to the CPUs of the machine it ran on; replay runs no thread.
  config::ParseOptions o;
  std::vector<int> cpus;
  for (int c = 0; c < 1024; ++c) cpus.push_back(c);
  o.cpus = std::move(cpus);
  return o;
}

// One session's core and everything it writes to.
struct SessionCore {
  std::unique_ptr<journal::EntryRing> capture;
  journal::EntryRing::Consumer capture_out;
  std::vector<std::unique_ptr<IntentRing>> intent_rings;
  std::vector<IntentRing::Consumer> intents_out;
  std::unique_ptr<engine::DecisionCore> core;

  // Everything the core wrote since the last call, in order.
  void Drain(std::deque<Rec>* into) {
    const journal::Entry* e;
    while ((e = capture_out.Front()) != nullptr) {
      if (into != nullptr) into->push_back(Rec{e->type, e->seq, std::string(reinterpret_cast<const char*>(e->payload), e->length)});
      capture_out.Pop();
    }
    OrderIntent sink;
    for (auto& c : intents_out)
      while (c.TryPop(sink)) {
      }
  }
};

// Runs sessions over journal records. Compare mode checks every record the core writes against
// the journal's; recovery mode only drives the core.
class Runner {
 public:
  explicit Runner(bool compare) : compare_(compare) {}

  // Starts from a snapshot: the core of `session` (its config and session start), state loaded
  // from the snapshot's bytes; the journal's sequence continues at `next_seq`.
  absl::Status StartFromSnapshot(const std::string& config_text, const journal::SessionStart& ss, uint64_t session,
                                 const std::string& state, uint64_t next_seq) {
    auto cfg = config::ParseConfig(config_text, "journal session " + std::to_string(session) + " config", AnyCpu());
    if (!cfg.ok()) return absl::DataLossError(std::string(cfg.status().message()));
    cfg_text_ = config_text;
    Build(*cfg, ss, next_seq);
    if (auto s = cur_->core->LoadState(state); !s.ok())
      return absl::DataLossError("snapshot of session " + std::to_string(session) + " does not load: " +
                                 std::string(s.message()));
    sessions_ = 1;
    return absl::OkStatus();
  }

  // Feeds one journal record. Returns false (with error()) when the run cannot go on.
  bool Feed(const journal::RecordView& v) {
    const auto type = static_cast<RecordType>(v.header.type);
    if (type == RecordType::kCommit) return true;
    ++records_;
    Rec r{v.header.type, v.header.seq, std::string(reinterpret_cast<const char*>(v.payload), v.header.length)};
    last_seq_ = r.seq;
    if (compare_) expected_.push_back(r);
    switch (type) {
      case RecordType::kConfig: {
        journal::ConfigChunk c;
        if (!As(r, &c) || c.length > sizeof c.bytes) return Fail(r, "config chunk of the wrong size");
        if (c.offset == 0) {
          config_text_.clear();
          config_first_seq_ = r.seq;
        }
        if (c.offset != config_text_.size()) return Fail(r, "config chunk out of order");
        config_text_.append(c.bytes, c.length);
        break;
      }
      case RecordType::kSessionStart: {
        journal::SessionStart ss;
        if (!As(r, &ss)) return Fail(r, "session_start of the wrong size");
        if (!StartSession(ss, r)) return false;
        break;
      }
      case RecordType::kSessionEnd: {
        journal::SessionEnd se;
        if (!As(r, &se)) return Fail(r, "session_end of the wrong size");
        if (!cur_) return Fail(r, "session_end outside a session");
        cur_->core->End(Nanos{se.wall_ns});
        session_ended_ = true;
        break;
      }
      case RecordType::kVenueMsg: {
        VenueMsg m;
        if (!As(r, &m)) return Fail(r, "venue_msg of the wrong size");
        if (!cur_) return Fail(r, "input before any session_start");
        cur_->core->Step(m);
        break;
      }
      case RecordType::kControl: {
        ControlCommand c;
        if (!As(r, &c)) return Fail(r, "control of the wrong size");
        if (!cur_) return Fail(r, "input before any session_start");
        cur_->core->Step(c);
        break;
      }
      case RecordType::kSnapshot:
        if (r.payload.size() == sizeof(journal::SnapshotChunk)) {
          journal::SnapshotChunk c;
          std::memcpy(&c, r.payload.data(), sizeof c);
          if (c.index == 0) ++snapshots_;
        }
        break;
      default:
        break;  // outputs: compared as the core writes them
    }
    if (cur_) cur_->Drain(compare_ ? &actual_ : nullptr);
    return Compare();
  }

  // End of the journal: anything left over is a divergence, unless the journal ended inside a
  // session (a crash): then the last input's unwritten outputs are expected to be missing.
  bool Finish(bool ended_in_session) {
    if (!compare_) return true;
    if (!expected_.empty()) {
      diverged_ = true;
      diverged_seq_ = expected_.front().seq;
      expected_desc_ = Describe(expected_.front());
      actual_desc_ = "(nothing: the core wrote no record here)";
      return false;
    }
    if (!actual_.empty()) {
      if (ended_in_session) {
        unjournaled_ = actual_.size();
        return true;
      }
      diverged_ = true;
      diverged_seq_ = actual_.front().seq;
      expected_desc_ = "(nothing: the journal ends)";
      actual_desc_ = Describe(actual_.front());
      return false;
    }
    return true;
  }

  std::string SaveState() const {
    std::string s;
    if (cur_) cur_->core->SaveState(&s);
    return s;
  }

  const std::string& error() const { return error_; }
  bool diverged() const { return diverged_; }
  uint64_t diverged_seq() const { return diverged_seq_; }
  const std::string& expected_desc() const { return expected_desc_; }
  const std::string& actual_desc() const { return actual_desc_; }
  uint64_t records() const { return records_; }
  uint64_t sessions() const { return sessions_; }
  uint64_t snapshots() const { return snapshots_; }
  uint64_t last_seq() const { return last_seq_; }
  uint64_t unjournaled() const { return unjournaled_; }

 private:
  void Build(const config::Config& cfg, const journal::SessionStart& ss, uint64_t first_seq) {
    auto sc = std::make_unique<SessionCore>();
    sc->capture = std::make_unique<journal::EntryRing>(size_t{1} << 16);
    sc->capture_out = sc->capture->TakeConsumer();
    engine::DecisionCore::Wiring w;
    for (size_t i = 0; i < cfg.venues.size(); ++i) {
      sc->intent_rings.push_back(std::make_unique<IntentRing>(256));
      w.to_venues.push_back(sc->intent_rings.back()->TakeProducer());
      sc->intents_out.push_back(sc->intent_rings.back()->TakeConsumer());
    }
    // The spill covers whatever one step writes beyond the capture ring (a large snapshot).
    w.journal = journal::JournalSink(sc->capture->TakeProducer(), first_seq, size_t{1} << 16);
    sc->core = std::make_unique<engine::DecisionCore>(CoreParamsFromConfig(cfg, ss.client_id_base), std::move(w));
    cur_ = std::move(sc);
  }

  bool StartSession(const journal::SessionStart& ss, const Rec& r) {
    if (config_first_seq_ == 0 || config_text_.empty())
      return Fail(r, "session_start without the session's config before it");
    auto cfg = config::ParseConfig(config_text_, "journal config at seq " + std::to_string(config_first_seq_), AnyCpu());
    if (!cfg.ok()) return Fail(r, "the session's config does not parse: " + std::string(cfg.status().message()));
    // The state the last session left, as a restart carries it over (recovery's SaveState).
    std::string state;
    const bool carry = static_cast<bool>(cur_);
    if (carry) {
      cur_->Drain(compare_ ? &actual_ : nullptr);
      // A session that ended in a crash: the outputs of its last input that never reached the
      // journal are not a divergence (the new session's records follow in expected_).
      if (!session_ended_) {
        unjournaled_ += actual_.size();
        actual_.clear();
      }
      cur_->core->SaveState(&state);
    }
    session_ended_ = false;
    Build(*cfg, ss, config_first_seq_);
    if (carry) {
      if (auto s = cur_->core->LoadState(state); !s.ok())
        return Fail(r, "the state of the session before does not load: " + std::string(s.message()));
    }
    cfg_text_ = config_text_;
    cur_->core->Begin(Nanos{ss.wall_ns}, config_text_);
    ++sessions_;
    config_first_seq_ = 0;
    return true;
  }

  bool Compare() {
    while (!expected_.empty() && !actual_.empty()) {
      const Rec& e = expected_.front();
      const Rec& a = actual_.front();
      if (e.type != a.type || e.seq != a.seq || Comparable(e) != Comparable(a)) {
        diverged_ = true;
        diverged_seq_ = e.seq;
        expected_desc_ = Describe(e);
        actual_desc_ = Describe(a);
        return false;
      }
      expected_.pop_front();
      actual_.pop_front();
    }
    return true;
  }

  bool Fail(const Rec& r, const std::string& what) {
    error_ = "record seq " + std::to_string(r.seq) + " (" + journal::RecordTypeName(static_cast<RecordType>(r.type)) +
             "): " + what;
    return false;
  }

  bool compare_;
  bool session_ended_ = false;
  std::unique_ptr<SessionCore> cur_;
  std::string config_text_;
  std::string cfg_text_;
  uint64_t config_first_seq_ = 0;
  std::deque<Rec> expected_;
  std::deque<Rec> actual_;
  std::string error_;
  bool diverged_ = false;
  uint64_t diverged_seq_ = 0;
  std::string expected_desc_, actual_desc_;
  uint64_t records_ = 0, sessions_ = 0, snapshots_ = 0, last_seq_ = 0, unjournaled_ = 0;
};

// Did the journal's last session close (its last record is session_end)?
bool LastRecordIsSessionEnd(const journal::DirScan& scan, uint64_t last_type) {
  return scan.records > 0 && last_type == static_cast<uint64_t>(RecordType::kSessionEnd);
}

}  // namespace

absl::StatusOr<ReplayResult> ReplayJournal(const journal::DirScan& scan) {
  if (!scan.ok) return absl::DataLossError("journal " + scan.dir + " is damaged: " + scan.damage);
  auto reader = journal::DirReader::Open(scan, 1);
  if (!reader.ok()) return reader.status();
  Runner run(/*compare=*/true);
  journal::RecordView v;
  uint64_t last_type = 0;
  ReplayResult res;
  for (;;) {
    const journal::ReadOutcome o = reader->Next(&v);
    if (o == journal::ReadOutcome::kEnd) break;
    if (o != journal::ReadOutcome::kRecord) return absl::DataLossError("journal " + scan.dir + ": " + reader->error());
    if (v.header.type != static_cast<uint16_t>(RecordType::kCommit)) last_type = v.header.type;
    if (!run.Feed(v)) {
      if (!run.diverged()) return absl::DataLossError("replay cannot go on: " + run.error());
      break;
    }
  }
  if (!run.diverged()) run.Finish(!LastRecordIsSessionEnd(scan, last_type));
  res.records = run.records();
  res.sessions = run.sessions();
  res.snapshots = run.snapshots();
  res.identical = !run.diverged();
  res.diverged_seq = run.diverged_seq();
  res.expected = run.expected_desc();
  res.actual = run.actual_desc();
  res.unjournaled_tail = run.unjournaled();
  return res;
}

namespace {

// The snapshot whose first chunk is at `first_seq`, decoded, with the config and session start
// of its session. False with *error when it cannot be read back.
struct SnapshotStart {
  std::string state;
  std::string config_text;
  journal::SessionStart session_start;
  uint64_t at_seq = 0;
  uint64_t next_seq = 0;  // the first record after its last chunk
};

absl::StatusOr<SnapshotStart> ReadSnapshot(const journal::DirScan& scan) {
  SnapshotStart out;
  // Its session's config and session start.
  uint64_t session_first = 0;
  for (const journal::SessionInfo& s : scan.sessions)
    if (s.session == scan.snapshot_session) session_first = s.first_seq;
  if (session_first == 0) return absl::DataLossError("snapshot's session " + std::to_string(scan.snapshot_session) + " not found");
  {
    auto r = journal::DirReader::Open(scan, session_first);
    if (!r.ok()) return r.status();
    journal::RecordView v;
    bool have_start = false;
    while (!have_start && r->Next(&v) == journal::ReadOutcome::kRecord) {
      if (v.header.type == static_cast<uint16_t>(RecordType::kConfig) && v.header.length == sizeof(journal::ConfigChunk)) {
        journal::ConfigChunk c;
        std::memcpy(&c, v.payload, sizeof c);
        if (c.length <= sizeof c.bytes) out.config_text.append(c.bytes, c.length);
      } else if (v.header.type == static_cast<uint16_t>(RecordType::kSessionStart) &&
                 v.header.length == sizeof(journal::SessionStart)) {
        std::memcpy(&out.session_start, v.payload, sizeof out.session_start);
        have_start = true;
      }
    }
    if (!have_start) return absl::DataLossError("the snapshot's session has no session_start");
  }
  auto r = journal::DirReader::Open(scan, scan.snapshot_first_seq);
  if (!r.ok()) return r.status();
  journal::RecordView v;
  std::string enc;
  uint32_t count = 0, got = 0;
  while (r->Next(&v) == journal::ReadOutcome::kRecord) {
    if (v.header.type == static_cast<uint16_t>(RecordType::kCommit)) continue;
    if (v.header.type != static_cast<uint16_t>(RecordType::kSnapshot) || v.header.length != sizeof(journal::SnapshotChunk))
      return absl::DataLossError("snapshot at seq " + std::to_string(scan.snapshot_first_seq) + " is incomplete");
    journal::SnapshotChunk c;
    std::memcpy(&c, v.payload, sizeof c);
    if (c.index != got || c.length > sizeof c.bytes || c.offset != enc.size())
      return absl::DataLossError("snapshot chunk at seq " + std::to_string(v.header.seq) + " out of order");
    count = c.count;
    out.at_seq = c.at_seq;
    enc.append(reinterpret_cast<const char*>(c.bytes), c.length);
    ++got;
    if (got == count) {
      out.next_seq = v.header.seq + 1;
      break;
    }
  }
  if (got != count || count == 0) return absl::DataLossError("snapshot at seq " + std::to_string(scan.snapshot_first_seq) + " is incomplete");
  std::string error;
  if (!engine::snapshot::Decode(enc, &out.state, &error))
    return absl::DataLossError("snapshot at seq " + std::to_string(scan.snapshot_first_seq) + ": " + error);
  return out;
}

}  // namespace

absl::StatusOr<RecoveredState> RecoverState(const journal::DirScan& scan, const std::function<void(uint64_t)>& progress) {
  if (!scan.ok) return absl::DataLossError("journal " + scan.dir + " is damaged: " + scan.damage);
  RecoveredState out;
  if (scan.records == 0) return out;
  Runner run(/*compare=*/false);
  uint64_t from = 1;
  if (scan.snapshot_first_seq != 0) {
    auto snap = ReadSnapshot(scan);
    if (!snap.ok()) return snap.status();
    if (auto s = run.StartFromSnapshot(snap->config_text, snap->session_start, scan.snapshot_session, snap->state,
                                       snap->next_seq);
        !s.ok())
      return s;
    from = snap->next_seq;
    out.snapshot_at = snap->at_seq;
  }
  out.from_seq = from;
  if (from <= scan.last_seq) {
    auto reader = journal::DirReader::Open(scan, from);
    if (!reader.ok()) return reader.status();
    journal::RecordView v;
    for (;;) {
      const journal::ReadOutcome o = reader->Next(&v);
      if (o == journal::ReadOutcome::kEnd) break;
      if (o != journal::ReadOutcome::kRecord) return absl::DataLossError("journal " + scan.dir + ": " + reader->error());
      if (!run.Feed(v)) return absl::DataLossError("recovery cannot go on: " + run.error());
      if (progress && (run.records() & 4095) == 0) progress(run.records());
    }
  }
  out.records = run.records();
  out.last_seq = scan.last_seq;
  out.sessions = run.sessions();
  out.state = run.SaveState();
  return out;
}

int RunReplay(const std::string& dir, std::string* out) {
  out->clear();
  auto scan = journal::ScanJournalDir(dir);
  if (!scan.ok()) {
    *out = "homeostat replay: " + std::string(scan.status().message()) + "\n";
    return 2;
  }
  if (!scan->ok) {
    *out = "homeostat replay: journal " + dir + " is damaged: " + scan->damage + "\nreplay: diverged at seq 0\n";
    return 1;
  }
  if (scan->torn_tail)
    *out += "note: the last segment ends in a torn tail (" + scan->damage + "); replaying the valid prefix\n";
  auto r = ReplayJournal(*scan);
  if (!r.ok()) {
    *out += "homeostat replay: " + std::string(r.status().message()) + "\n";
    return 1;
  }
  *out += dir + ": " + std::to_string(r->sessions) + " sessions, " + std::to_string(r->snapshots) + " snapshots compared";
  if (r->unjournaled_tail > 0)
    *out += "; the last session ended without session_end (a crash): its last input's " +
            std::to_string(r->unjournaled_tail) + " unjournaled outputs were not compared";
  *out += "\n";
  if (!r->identical) {
    *out += "  expected (journal): " + r->expected + "\n";
    *out += "  actual (replay):    " + r->actual + "\n";
    *out += "replay: diverged at seq " + std::to_string(r->diverged_seq) + "\n";
    return 1;
  }
  *out += "replay: " + std::to_string(r->records) + " records, identical\n";
  return 0;
}

}  // namespace hs::app
