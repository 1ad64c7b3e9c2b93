#include "core/engine/snapshot.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/app/core_params.h"
#include "core/base/decimal.h"
#include "core/config/config.h"
#include "core/engine/decision_core.h"
#include "core/journal/journal_format.h"
#include "core/journal/journal_writer.h"

namespace hs::engine {
namespace {

using snapshot::LoadArchive;
using snapshot::SaveArchive;

// ---- the archive

enum class Color : uint8_t { kRed = 0, kGreen, kBlue };

struct Inner {
  bool flag = false;
  VenueId venue;
  Price px;
  template <class Ar>
  void Persist(Ar& ar) {
    ar(flag);
    ar(venue);
    ar(px);
  }
  bool operator==(const Inner&) const = default;
};

struct Sample {
  int32_t i = 0;
  uint64_t u = 0;
  Color color = Color::kRed;
  bool b = false;
  double d = 0;
  Qty q;
  Nanos t;
  InstrumentId inst;
  ClientOrderId id;
  TscStamp stamp;
  std::array<Amount, 5> amounts{};
  std::array<bool, 3> flags{};
  Inner inner[2];
  std::array<std::array<Inner, 2>, 2> grid{};
  std::vector<Nanos> ring = std::vector<Nanos>(4);
  uint64_t stalls = 0;
  int cap = 7;

  template <class Ar>
  void Persist(Ar& ar) {
    ar.Shape(cap, "cap");
    ar(i);
    ar(u);
    ar(color);
    ar(b);
    ar(d);
    ar(q);
    ar(t);
    ar(inst);
    ar(id);
    ar(stamp);
    ar(amounts);
    ar(flags);
    ar(inner);
    ar(grid);
    ar.Vector(ring, "ring");
    ar.Measurement(stalls);
  }
};

Sample Filled() {
  Sample s;
  s.i = -42;
  s.u = 0xFEDCBA9876543210ull;
  s.color = Color::kBlue;
  s.b = true;
  s.d = -0.1234567890123;
  s.q = Qty::FromRaw(123456789);
  s.t = Nanos{1'700'000'000'000'000'000};
  s.inst = InstrumentId{3};
  s.id = ClientOrderId{99};
  s.stamp = TscStamp{777};
  s.amounts[2] = Amount::FromRaw(-5);
  s.flags[1] = true;
  s.inner[1] = {true, VenueId{2}, Price::FromUnits(30000)};
  s.grid[1][0] = {false, VenueId::Invalid(), Price::FromRaw(1)};
  s.ring[3] = Nanos{5};
  s.stalls = 12;
  return s;
}

std::string Save(Sample& s) {
  std::string out;
  SaveArchive ar(&out);
  s.Persist(ar);
  ar.Finish();
  return out;
}

std::string LoadError(std::string_view bytes, Sample* into) {
  LoadArchive ar(bytes, LoadArchive::Mode::kApply);
  into->Persist(ar);
  ar.Finish();
  return ar.error();
}

struct Padded {
  uint8_t a;
  uint64_t b;
};
struct Dense {
  uint32_t a;
  uint32_t b;
};
static_assert(!snapshot::internal::kRaw<Padded, SaveArchive>, "padding must never be copied raw");
static_assert(!snapshot::internal::kRaw<const int*, SaveArchive>, "nor pointers");
static_assert(snapshot::internal::kRaw<Dense, SaveArchive>);
static_assert(!snapshot::internal::kRaw<Inner, SaveArchive>, "a Persist member is used, not the raw bytes");

TEST(SnapshotArchiveTest, RoundTripRestoresEveryFieldButMeasurements) {
  Sample a = Filled();
  const std::string bytes = Save(a);
  Sample b;
  b.stamp = TscStamp{5};
  b.stalls = 3;
  ASSERT_EQ(LoadError(bytes, &b), "");
  EXPECT_EQ(b.i, a.i);
  EXPECT_EQ(b.u, a.u);
  EXPECT_EQ(b.color, a.color);
  EXPECT_EQ(b.b, a.b);
  EXPECT_EQ(std::memcmp(&b.d, &a.d, sizeof a.d), 0) << "doubles bit for bit";
  EXPECT_EQ(b.q, a.q);
  EXPECT_EQ(b.t, a.t);
  EXPECT_EQ(b.inst, a.inst);
  EXPECT_EQ(b.id, a.id);
  EXPECT_EQ(b.amounts, a.amounts);
  EXPECT_EQ(b.flags, a.flags);
  EXPECT_EQ(b.inner[0], a.inner[0]);
  EXPECT_EQ(b.inner[1], a.inner[1]);
  EXPECT_EQ(b.grid, a.grid);
  EXPECT_EQ(b.ring, a.ring);
  EXPECT_EQ(b.stamp.ticks, 0u) << "TSC stamps are measurements: loaded as zero";
  EXPECT_EQ(b.stalls, 0u) << "measurements load as zero";
  EXPECT_EQ(Save(b), bytes) << "save, load, save is a fixed point";
}

TEST(SnapshotArchiveTest, HeaderCarriesMagicLayoutAndTotalSize) {
  Sample a = Filled();
  const std::string bytes = Save(a);
  ASSERT_GE(bytes.size(), snapshot::kHeaderBytes);
  EXPECT_EQ(std::memcmp(bytes.data(), snapshot::kMagic, 4), 0);
  uint32_t layout = 0;
  uint64_t size = 0;
  std::memcpy(&layout, bytes.data() + 4, 4);
  std::memcpy(&size, bytes.data() + 8, 8);
  EXPECT_EQ(layout, snapshot::kSnapshotLayout);
  EXPECT_EQ(size, bytes.size());
}

struct Ids {
  std::array<VenueId, 8> v{};
  template <class Ar>
  void Persist(Ar& ar) {
    ar(v);
  }
};

TEST(SnapshotArchiveTest, InvalidIdsAreStoredAsZeroBytes) {
  Ids ids;
  std::string out;
  SaveArchive ar(&out);
  ids.Persist(ar);
  ar.Finish();
  ASSERT_EQ(out.size(), snapshot::kHeaderBytes + 8);
  for (size_t k = snapshot::kHeaderBytes; k < out.size(); ++k) EXPECT_EQ(out[k], 0);
}

TEST(SnapshotArchiveTest, SaveReusesTheBuffersCapacity) {
  Sample a = Filled();
  std::string out;
  out.reserve(4096);
  const char* data = out.data();
  for (int k = 0; k < 3; ++k) {
    SaveArchive ar(&out);
    a.Persist(ar);
    ar.Finish();
  }
  EXPECT_EQ(out.data(), data);
}

TEST(SnapshotArchiveTest, ShorterThanTheHeaderIsRefused) {
  Sample b;
  EXPECT_NE(LoadError("HSS", &b).find("shorter than its 16-byte header"), std::string::npos);
  EXPECT_NE(LoadError("", &b).find("shorter than"), std::string::npos);
}

TEST(SnapshotArchiveTest, WrongMagicIsRefused) {
  Sample a = Filled();
  std::string bytes = Save(a);
  bytes[0] = 'X';
  Sample b;
  EXPECT_NE(LoadError(bytes, &b).find("wrong magic"), std::string::npos);
}

TEST(SnapshotArchiveTest, OtherLayoutIsRefused) {
  Sample a = Filled();
  std::string bytes = Save(a);
  const uint32_t other = snapshot::kSnapshotLayout + 1;
  std::memcpy(bytes.data() + 4, &other, 4);
  Sample b;
  const std::string err = LoadError(bytes, &b);
  EXPECT_NE(err.find("layout " + std::to_string(other)), std::string::npos) << err;
}

TEST(SnapshotArchiveTest, SizeOtherThanTheHeaderSaysIsRefused) {
  Sample a = Filled();
  std::string bytes = Save(a);
  Sample b;
  EXPECT_NE(LoadError(bytes.substr(0, bytes.size() - 1), &b).find("header says"), std::string::npos);
  EXPECT_NE(LoadError(bytes + "x", &b).find("header says"), std::string::npos);
}

// Bytes cut short, with a header that agrees with the cut (so only the fields run out).
TEST(SnapshotArchiveTest, TruncatedFieldsAreRefused) {
  Sample a = Filled();
  std::string bytes = Save(a);
  bytes.resize(bytes.size() - 3);
  const uint64_t size = bytes.size();
  std::memcpy(bytes.data() + 8, &size, 8);
  Sample b;
  const std::string err = LoadError(bytes, &b);
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
}

TEST(SnapshotArchiveTest, TrailingBytesAreRefused) {
  Sample a = Filled();
  std::string bytes = Save(a) + "zz";
  const uint64_t size = bytes.size();
  std::memcpy(bytes.data() + 8, &size, 8);
  Sample b;
  const std::string err = LoadError(bytes, &b);
  EXPECT_NE(err.find("2 trailing bytes"), std::string::npos) << err;
}

TEST(SnapshotArchiveTest, ABoolThatIsNeitherZeroNorOneIsRefused) {
  Sample a = Filled();
  std::string bytes = Save(a);
  // The bool `b` follows the shape (int), i (4), u (8) and color (1).
  const size_t at = snapshot::kHeaderBytes + 4 + 4 + 8 + 1;
  ASSERT_EQ(bytes[at], 1);
  bytes[at] = 2;
  Sample b;
  const std::string err = LoadError(bytes, &b);
  EXPECT_NE(err.find("should be a bool"), std::string::npos) << err;
}

TEST(SnapshotArchiveTest, ShapeAndVectorSizeMismatchesNameWhatDiffers) {
  Sample a = Filled();
  const std::string bytes = Save(a);
  Sample other_cap;
  other_cap.cap = 8;
  EXPECT_NE(LoadError(bytes, &other_cap).find("cap is 7 in the snapshot but 8"), std::string::npos);
  Sample other_ring;
  other_ring.ring.resize(5);
  EXPECT_NE(LoadError(bytes, &other_ring).find("ring is 4 in the snapshot but 5"), std::string::npos);
}

TEST(SnapshotArchiveTest, CheckModeWritesNothing) {
  Sample a = Filled();
  const std::string bytes = Save(a);
  Sample b;
  LoadArchive ar(bytes, LoadArchive::Mode::kCheck);
  b.Persist(ar);
  EXPECT_TRUE(ar.Finish()) << ar.error();
  Sample fresh;
  EXPECT_EQ(Save(b), Save(fresh));
}

// ---- the zero-run codec

std::string RoundTrip(const std::string& raw) {
  std::string enc, dec, err;
  snapshot::Encode(raw, &enc);
  EXPECT_LE(enc.size(), snapshot::EncodedBound(raw.size()));
  EXPECT_TRUE(snapshot::Decode(enc, &dec, &err)) << err;
  return dec;
}

TEST(SnapshotCodecTest, RoundTripsEveryShapeOfInput) {
  const std::vector<std::string> inputs = {
      std::string(),
      std::string(1, '\0'),
      std::string(100000, '\0'),
      std::string("abc"),
      std::string("a\0\0b", 4),                                  // a short zero run stays literal
      std::string("a") + std::string(20, '\0') + "b",            // a long one is a run
      std::string("xyz") + std::string(5, '\0'),                 // trailing zeros
      std::string(300, '\x7f') + std::string(9000, '\0') + "q",  // multi-byte varints
  };
  for (const std::string& in : inputs) EXPECT_EQ(RoundTrip(in), in) << in.size();
  std::mt19937_64 rng(7);
  for (int k = 0; k < 200; ++k) {
    std::string raw(rng() % 5000, '\0');
    for (char& c : raw)
      if (rng() % 4 == 0) c = static_cast<char>(rng());
    EXPECT_EQ(RoundTrip(raw), raw);
  }
}

TEST(SnapshotCodecTest, MostlyZeroStateShrinks) {
  std::string raw(1 << 20, '\0');
  for (size_t k = 0; k < raw.size(); k += 4096) raw[k] = 'x';
  std::string enc;
  snapshot::Encode(raw, &enc);
  EXPECT_LT(enc.size(), raw.size() / 100);
}

std::string DecodeError(const std::string& enc) {
  std::string out, err;
  EXPECT_FALSE(snapshot::Decode(enc, &out, &err));
  EXPECT_TRUE(out.empty());
  return err;
}

std::string Varint(uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
  return s;
}

TEST(SnapshotCodecTest, EmptyInputIsATruncatedSize) { EXPECT_NE(DecodeError("").find("truncated size"), std::string::npos); }

TEST(SnapshotCodecTest, OverlongSizeVarintIsRefused) {
  EXPECT_NE(DecodeError(std::string(11, '\xff')).find("truncated size"), std::string::npos);
}

TEST(SnapshotCodecTest, DeclaredSizeOverTheLimitIsRefused) {
  EXPECT_NE(DecodeError(Varint(snapshot::kMaxSnapshotBytes + 1)).find("more than"), std::string::npos);
}

TEST(SnapshotCodecTest, TruncatedTokenIsRefused) {
  EXPECT_NE(DecodeError(Varint(10) + "\x80").find("truncated token"), std::string::npos);
}

TEST(SnapshotCodecTest, EmptyRunIsRefused) {
  EXPECT_NE(DecodeError(Varint(10) + Varint(1)).find("empty run"), std::string::npos);
}

TEST(SnapshotCodecTest, RunPastTheDeclaredSizeIsRefused) {
  EXPECT_NE(DecodeError(Varint(4) + Varint((5 << 1) | 1)).find("goes past"), std::string::npos);
}

TEST(SnapshotCodecTest, LiteralPastTheEndOfInputIsRefused) {
  EXPECT_NE(DecodeError(Varint(4) + Varint(4 << 1) + "ab").find("2 left"), std::string::npos);
}

TEST(SnapshotCodecTest, RunsShortOfTheDeclaredSizeAreRefused) {
  EXPECT_NE(DecodeError(Varint(8) + Varint((3 << 1) | 1)).find("runs give 3"), std::string::npos);
}

// Decode on random bytes, and on valid encodings with random damage: an error or a result of
// the declared size, never a crash (run under ASan too).
TEST(SnapshotCodecTest, RandomAndDamagedInputNeverCrashes) {
  std::mt19937_64 rng(20261203);
  std::string out, err;
  int ok = 0;
  for (int k = 0; k < 20000; ++k) {
    std::string junk(rng() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (snapshot::Decode(junk, &out, &err)) ++ok;
  }
  std::string raw(4000, '\0');
  for (size_t k = 0; k < raw.size(); k += 37) raw[k] = static_cast<char>(k);
  std::string enc;
  snapshot::Encode(raw, &enc);
  for (int k = 0; k < 20000; ++k) {
    std::string bad = enc;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] = static_cast<char>(rng());
    if (rng() % 3 == 0) bad.resize(rng() % bad.size());
    if (snapshot::Decode(bad, &out, &err)) {
      uint64_t declared = 0;
      size_t pos = 0;
      for (int shift = 0; pos < bad.size(); shift += 7) {
        declared |= static_cast<uint64_t>(static_cast<uint8_t>(bad[pos]) & 0x7F) << shift;
        if ((static_cast<uint8_t>(bad[pos++]) & 0x80) == 0) break;
      }
      EXPECT_EQ(out.size(), declared);
    }
  }
  SUCCEED() << ok << " random inputs happened to decode";
}

// ---- the decision core

}  // namespace

// The core's private snapshot path, as Step drives it.
struct SnapshotTestPeer {
  static void Maybe(DecisionCore& c) { c.MaybeSnapshot(); }
  static uint64_t Next(const DecisionCore& c) { return c.next_snapshot_seq_; }
  static const std::string& Buffer(const DecisionCore& c) { return c.snapshot_buf_; }
  static const std::string& Encoded(const DecisionCore& c) { return c.snapshot_enc_; }
};

namespace {

Qty Q(const char* s) { return ParseDecimal<Qty>(s).value; }
Amount A(const char* s) { return ParseDecimal<Amount>(s, Sign::kAllowNegative).value; }

// One output record as compared across cores: its type and fields, measurements cleared
// (intents are compared field by field: their padding bytes are not state).
std::string IntentKey(OrderIntent in) {
  ClearMeasurements(in);
  char buf[256];
  std::snprintf(buf, sizeof buf, "id=%llu v=%d i=%d s=%d tif=%d p=%d ro=%d px=%lld q=%lld g=%u po=%d c=%d qr=%d t=%lld",
                static_cast<unsigned long long>(in.client_id.value), in.venue.value, in.instrument.value,
                static_cast<int>(in.side), static_cast<int>(in.tif), static_cast<int>(in.purpose), in.reduce_only,
                static_cast<long long>(in.limit_px.raw()), static_cast<long long>(in.qty.raw()), in.group, in.post_only,
                in.cancel, in.query, static_cast<long long>(in.decision_time.value));
  return buf;
}

std::string RecordKey(const journal::Entry& e) {
  const auto type = static_cast<journal::RecordType>(e.type);
  std::string key = std::string(journal::RecordTypeName(type)) + ": ";
  switch (type) {
    case journal::RecordType::kIntent: {
      OrderIntent in;
      std::memcpy(&in, e.payload, sizeof in);
      return key + IntentKey(in);
    }
    case journal::RecordType::kRiskReject: {
      journal::RiskReject rr;
      std::memcpy(&rr, e.payload, sizeof rr);
      return key + IntentKey(rr.intent) + " verdict=" + std::to_string(rr.verdict) + " asset=" +
             std::to_string(rr.asset) + " value=" + std::to_string(rr.value) + " limit=" + std::to_string(rr.limit);
    }
    default:  // breaker and state_change records have no padding: their bytes are their fields
      return key + std::string(reinterpret_cast<const char*>(e.payload), e.length);
  }
}

// A core with every venue wired to an intent ring and its journal to a ring the test drains.
struct Rig {
  explicit Rig(const EngineParams& p) : journal(1 << 14) {
    DecisionCore::Wiring w;
    for (int v = 0; v < p.venues; ++v) {
      intents.push_back(std::make_unique<IntentRing>(256));
      w.to_venues.push_back(intents.back()->TakeProducer());
      out.push_back(intents.back()->TakeConsumer());
    }
    w.journal = journal::JournalSink(journal.TakeProducer(), 1, 0);
    records_in = journal.TakeConsumer();
    core = std::make_unique<DecisionCore>(p, std::move(w));
  }
  void In(const VenueMsg& m) {
    core->Handle(m);
    Collect();
  }
  void In(const ControlCommand& c) {
    core->Handle(c);
    Collect();
  }
  void Collect() {
    journal::Entry e;
    while (records_in.TryPop(e)) {
      last_seq = e.seq;
      if (e.type == static_cast<uint16_t>(journal::RecordType::kSnapshot)) {
        journal::SnapshotChunk c;
        std::memcpy(&c, e.payload, sizeof c);
        chunks.push_back(c);
      } else {
        records.push_back(RecordKey(e));
      }
    }
  }
  std::vector<OrderIntent> Drain() {
    std::vector<OrderIntent> all;
    for (auto& o : out) {
      OrderIntent in;
      while (o.TryPop(in)) all.push_back(in);
    }
    return all;
  }
  std::string State() const {
    std::string s;
    core->SaveState(&s);
    return s;
  }

  std::vector<std::unique_ptr<IntentRing>> intents;
  std::vector<IntentRing::Consumer> out;
  journal::EntryRing journal;
  journal::EntryRing::Consumer records_in;
  std::unique_ptr<DecisionCore> core;
  std::vector<std::string> records;
  std::vector<journal::SnapshotChunk> chunks;
  uint64_t last_seq = 0;
};

class CoreSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = config::ParseConfig(config::EmbeddedDemoConfig(), "demo");
    ASSERT_TRUE(c.ok()) << c.status();
    cfg_ = *c;
    params_ = app::CoreParamsFromConfig(cfg_, 1000);
    params_.cooldown = Nanos::FromMillis(20);
    // The clock breaker trips on a control input that steps back; it clears after its cooldown.
    risk::BreakerConfig& clock = params_.breakers.breaker[static_cast<size_t>(risk::BreakerId::kClock)];
    clock.enabled = true;
    clock.action = risk::BreakerAction::kHalt;
    clock.cooldown = Nanos::FromMillis(50);
    clock.latch = false;
    // Two venues trade (the demo's others take no part), so the rebalancer runs too.
    for (int v = 2; v < params_.venues; ++v) params_.venue[v].trading = false;
  }

  VenueMsg Status(int v) const {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kStatus;
    m.status.venue = VenueId{static_cast<uint8_t>(v)};
    m.status.state = FeedState::kSynced;
    m.status.usable = true;
    m.status.orders_connected = true;
    return m;
  }
  VenueMsg Balance(int v, const char* asset, const char* amount, bool last, int64_t t_ms) const {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kBalance;
    m.recv_time = Nanos::FromMillis(t_ms);
    m.balance.venue = VenueId{static_cast<uint8_t>(v)};
    m.balance.asset = cfg_.FindAsset(asset)->id;
    m.balance.free = A(amount);
    m.balance.final_of_snapshot = last;
    return m;
  }
  VenueMsg Top(int v, int64_t mid_cents, int64_t t_ms) const {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kBookTop;
    m.recv_time = Nanos::FromMillis(t_ms);
    m.top.recv_stamp = TscNow();  // a measurement: must not matter
    m.top.venue = VenueId{static_cast<uint8_t>(v)};
    m.top.instrument = cfg_.FindInstrument("BTC/USDT")->id;
    m.top.bid_count = m.top.ask_count = 2;
    m.top.bids[0] = {Price::FromRaw((mid_cents - 50) * 10'000'000), Q("0.3")};
    m.top.bids[1] = {Price::FromRaw((mid_cents - 150) * 10'000'000), Q("1")};
    m.top.asks[0] = {Price::FromRaw((mid_cents + 50) * 10'000'000), Q("0.3")};
    m.top.asks[1] = {Price::FromRaw((mid_cents + 150) * 10'000'000), Q("1")};
    return m;
  }
  static ControlCommand Cmd(ControlOp op, int64_t t_ms) {
    ControlCommand c;
    c.op = op;
    c.time = Nanos::FromMillis(t_ms);
    return c;
  }
  // The venue's answer to `in`, by its client id: a full fill, a partial fill, nothing, a reject,
  // or an unknown outcome (resolved by a fill later).
  std::vector<VenueMsg> Answer(const OrderIntent& in, int64_t t_ms) const {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kExec;
    m.recv_time = Nanos::FromMillis(t_ms);
    ExecReport& ex = m.exec;
    ex.client_id = in.client_id;
    ex.venue = in.venue;
    ex.instrument = in.instrument;
    ex.side = in.side;
    ex.final = true;
    const auto fill = [&](Qty q) {
      ex.kind = ExecKind::kFill;
      ex.fill_qty = q;
      ex.cum_qty = q;
      ex.fill_px = in.limit_px;
      ex.fill_quote = AmountFromNotional(MulNotional(in.limit_px, q, Rounding::kFloor));
      ex.fee = Amount::FromRaw(ex.fill_quote.raw() / 1000);  // 10 bps, in USDT
      ex.fee_asset = cfg_.FindAsset("USDT")->id;
    };
    std::vector<VenueMsg> out;
    switch (in.client_id.value % 5) {
      case 0:
      case 1:
        fill(in.qty);
        break;
      case 2:
        fill(Qty::FromRaw(in.qty.raw() / 2));
        break;
      case 3:
        ex.kind = ExecKind::kRejected;
        ex.reason = RejectReason::kNone;
        break;
      case 4: {
        VenueMsg u = m;
        u.exec.kind = ExecKind::kUnknown;
        u.exec.final = false;
        out.push_back(u);
        fill(in.qty);
        break;
      }
    }
    out.push_back(m);
    return out;
  }

  // The scripted session: step k's inputs, given the answers pending for intents already sent.
  // Returns the inputs in order (the same ones go to every core).
  struct Script {
    std::vector<std::vector<VenueMsg>> pending;  // answers due at a later step
  };
  template <class Feed>
  void RunSteps(int from, int to, Script* s, Feed feed) {
    static constexpr int64_t kOffsets[] = {0, 40, -30, 260, -10, 330, 15, -280, 5, 120, -400, 50, 0};
    for (int k = from; k < to; ++k) {
      const int64_t t = 2000 + 25 * k;
      std::vector<VenueMsg> vin;
      std::vector<ControlCommand> cin;
      const int v = k % 2;
      const int64_t mid = 3'000'000 + (v == 0 ? 1 : -1) * 50 * kOffsets[k % 13] + (k / 13) * 700;
      vin.push_back(Top(v, mid, t));
      if (k % 3 == 0) cin.push_back(Cmd(ControlOp::kTimer, t + 1));
      if (k == 21) cin.push_back(Cmd(ControlOp::kKill, t + 2));
      if (k == 27) cin.push_back(Cmd(ControlOp::kResume, t + 2));
      if (k == 33) cin.push_back(Cmd(ControlOp::kTimer, t - 500));  // the clock steps back: a trip
      if (k == 45) {
        ControlCommand h = Cmd(ControlOp::kHalt, t + 2);
        h.venue = VenueId{1};
        cin.push_back(h);
      }
      if (k == 49) {
        ControlCommand r = Cmd(ControlOp::kResume, t + 2);
        r.venue = VenueId{1};
        cin.push_back(r);
      }
      if (k == 40) {  // a balance snapshot to reconcile
        vin.push_back(Balance(0, "BTC", "2", false, t));
        vin.push_back(Balance(0, "USDT", "100000", true, t));
      }
      if (static_cast<size_t>(k) < s->pending.size())
        for (const VenueMsg& m : s->pending[static_cast<size_t>(k)]) vin.push_back(m);
      for (const ControlCommand& c : cin) feed(c, k, s);
      for (const VenueMsg& m : vin) feed(m, k, s);
    }
  }
  // After an input at step k: the intents out now get their answers two steps later.
  void Schedule(const std::vector<OrderIntent>& sent, int k, Script* s) const {
    const size_t due = static_cast<size_t>(k + 2);
    if (s->pending.size() <= due) s->pending.resize(due + 1);
    for (const OrderIntent& in : sent)
      for (const VenueMsg& m : Answer(in, 2000 + 25 * (k + 2)))
        s->pending[due].push_back(m);
  }
  void Open(Rig& r) const {
    for (int v = 0; v < 2; ++v) {
      r.In(Status(v));
      r.In(Balance(v, "BTC", "2", false, 1000));
      r.In(Balance(v, "ETH", "10", false, 1000));
      r.In(Balance(v, "USDT", "100000", true, 1000));
    }
  }

  config::Config cfg_;
  EngineParams params_;
};

TEST_F(CoreSnapshotTest, FreshCoresSaveIdenticalBytes) {
  Rig a(params_), b(params_);
  const std::string sa = a.State();
  EXPECT_EQ(sa, b.State());
  EXPECT_EQ(sa, a.State()) << "saving changes nothing";
}

TEST_F(CoreSnapshotTest, SaveLoadSaveIsAFixedPoint) {
  Rig a(params_);
  Open(a);
  Script s;
  RunSteps(0, 30, &s, [&](const auto& in, int k, Script* sc) {
    a.In(in);
    Schedule(a.Drain(), k, sc);
  });
  const std::string sa = a.State();
  Rig b(params_);
  ASSERT_TRUE(b.core->LoadState(sa).ok());
  EXPECT_EQ(b.State(), sa);
  ASSERT_TRUE(a.core->LoadState(sa).ok()) << "a core loads its own state";
  EXPECT_EQ(a.State(), sa);
}

// The key property: a core loaded from another's snapshot behaves exactly as the original from
// then on — every output record the same, and the same state at every point.
TEST_F(CoreSnapshotTest, ALoadedCoreContinuesExactlyAsTheOriginal) {
  Rig a(params_);
  Open(a);
  Script s;
  RunSteps(0, 30, &s, [&](const auto& in, int k, Script* sc) {
    a.In(in);
    Schedule(a.Drain(), k, sc);
  });
  Rig b(params_);
  ASSERT_TRUE(b.core->LoadState(a.State()).ok());
  a.records.clear();
  size_t intents = 0;
  size_t inputs = 0;
  RunSteps(30, 80, &s, [&](const auto& in, int k, Script* sc) {
    a.In(in);
    b.In(in);
    const std::vector<OrderIntent> sa = a.Drain();
    const std::vector<OrderIntent> sb = b.Drain();
    ASSERT_EQ(sa.size(), sb.size()) << "step " << k;
    for (size_t j = 0; j < sa.size(); ++j) EXPECT_EQ(IntentKey(sa[j]), IntentKey(sb[j])) << "step " << k;
    intents += sa.size();
    Schedule(sa, k, sc);
    if (++inputs % 17 == 0) EXPECT_EQ(a.State(), b.State()) << "step " << k;
  });
  ASSERT_EQ(a.records.size(), b.records.size());
  for (size_t j = 0; j < a.records.size(); ++j) EXPECT_EQ(a.records[j], b.records[j]) << "record " << j;
  EXPECT_EQ(a.State(), b.State());
  // The script exercised what it is meant to after the snapshot: orders, breakers, states.
  size_t breakers = 0, changes = 0;
  for (const std::string& r : a.records) {
    breakers += r.rfind("breaker", 0) == 0;
    changes += r.rfind("state_change", 0) == 0;
  }
  EXPECT_GT(intents, 0u);
  EXPECT_GT(breakers, 0u);
  EXPECT_GT(changes, 0u);
  EXPECT_GT(a.core->telemetry().counters.orders_filled, 0u);
}

TEST_F(CoreSnapshotTest, LoadedStateKeepsPortfolioOrdersAndStates) {
  Rig a(params_);
  Open(a);
  Script s;
  RunSteps(0, 25, &s, [&](const auto& in, int k, Script* sc) {
    a.In(in);
    Schedule(a.Drain(), k, sc);
  });
  ASSERT_TRUE(a.core->states().killed()) << "the script kills at step 21 and resumes at 27";
  Rig b(params_);
  ASSERT_TRUE(b.core->LoadState(a.State()).ok());
  EXPECT_TRUE(b.core->states().killed());
  const AssetId usdt = cfg_.FindAsset("USDT")->id;
  for (int v = 0; v < 2; ++v) {
    const VenueId vid{static_cast<uint8_t>(v)};
    EXPECT_EQ(b.core->portfolio().free(vid, usdt), a.core->portfolio().free(vid, usdt));
    EXPECT_EQ(b.core->portfolio().reserved(vid, usdt), a.core->portfolio().reserved(vid, usdt));
  }
  EXPECT_EQ(b.core->telemetry().counters.orders_sent, a.core->telemetry().counters.orders_sent);
  EXPECT_EQ(b.core->telemetry().open_orders, a.core->telemetry().open_orders);
  EXPECT_EQ(b.core->breakers().trips_total(), a.core->breakers().trips_total());
}

class CoreSnapshotRefusalTest : public CoreSnapshotTest {
 protected:
  // LoadState refuses `bytes` naming `what`, and leaves the core exactly as it was.
  void ExpectRefused(const std::string& bytes, const std::string& what) {
    Rig b(params_);
    Open(b);
    const std::string before = b.State();
    const absl::Status st = b.core->LoadState(bytes);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(std::string(st.message()).find(what), std::string::npos) << st;
    EXPECT_EQ(b.State(), before) << "a refused load changes nothing";
  }
  std::string Busy() {
    Rig a(params_);
    Open(a);
    Script s;
    RunSteps(0, 20, &s, [&](const auto& in, int k, Script* sc) {
      a.In(in);
      Schedule(a.Drain(), k, sc);
    });
    return a.State();
  }
};

TEST_F(CoreSnapshotRefusalTest, WrongMagic) {
  std::string bytes = Busy();
  bytes[1] = '?';
  ExpectRefused(bytes, "wrong magic");
}

TEST_F(CoreSnapshotRefusalTest, OtherLayout) {
  std::string bytes = Busy();
  const uint32_t layout = snapshot::kSnapshotLayout + 7;
  std::memcpy(bytes.data() + 4, &layout, 4);
  ExpectRefused(bytes, "layout " + std::to_string(layout));
}

TEST_F(CoreSnapshotRefusalTest, SizeOtherThanTheHeaderSays) {
  const std::string bytes = Busy();
  ExpectRefused(bytes.substr(0, bytes.size() - 100), "header says");
}

TEST_F(CoreSnapshotRefusalTest, Truncated) {
  std::string bytes = Busy();
  bytes.resize(bytes.size() / 2);
  const uint64_t size = bytes.size();
  std::memcpy(bytes.data() + 8, &size, 8);
  ExpectRefused(bytes, "truncated");
}

TEST_F(CoreSnapshotRefusalTest, TrailingBytes) {
  std::string bytes = Busy() + std::string(9, '\0');
  const uint64_t size = bytes.size();
  std::memcpy(bytes.data() + 8, &size, 8);
  ExpectRefused(bytes, "9 trailing bytes");
}

TEST_F(CoreSnapshotRefusalTest, Garbage) {
  std::mt19937_64 rng(99);
  std::string bytes(4096, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  ExpectRefused(bytes, "wrong magic");
  // Garbage behind a valid header: some field check (a bool, a shape, the length) refuses it.
  std::string framed = Busy();
  for (size_t k = snapshot::kHeaderBytes; k < framed.size(); ++k) framed[k] = static_cast<char>(rng());
  Rig b(params_);
  EXPECT_FALSE(b.core->LoadState(framed).ok());
}

TEST_F(CoreSnapshotRefusalTest, ACoreConfiguredOtherwise) {
  const std::string bytes = Busy();
  params_.limits.repeat_max += 1;
  ExpectRefused(bytes, "repeat throttle max");
}

TEST_F(CoreSnapshotTest, SnapshotsAreJournaledAsChunksThatDecodeToTheState) {
  params_.snapshot_every = 15;
  Rig a(params_);
  Open(a);
  Script s;
  const std::string& buf = SnapshotTestPeer::Buffer(*a.core);
  const std::string& enc = SnapshotTestPeer::Encoded(*a.core);
  const size_t buf_cap = buf.capacity();
  const size_t enc_cap = enc.capacity();
  ASSERT_GT(buf_cap, 0u) << "reserved at construction when snapshots are on";
  int written = 0;
  RunSteps(0, 60, &s, [&](const auto& in, int k, Script* sc) {
    a.In(in);
    Schedule(a.Drain(), k, sc);
    // What Step does after each input.
    const uint64_t before = SnapshotTestPeer::Next(*a.core);
    const std::string state = a.State();
    SnapshotTestPeer::Maybe(*a.core);
    a.Collect();
    if (SnapshotTestPeer::Next(*a.core) == before) {
      EXPECT_TRUE(a.chunks.empty());
      return;
    }
    ++written;
    // One snapshot: consecutive chunks that reassemble and decode to the state at that point.
    ASSERT_FALSE(a.chunks.empty());
    const journal::SnapshotChunk& first = a.chunks.front();
    EXPECT_GE(first.at_seq, before);
    std::string joined;
    for (size_t j = 0; j < a.chunks.size(); ++j) {
      const journal::SnapshotChunk& c = a.chunks[j];
      EXPECT_EQ(c.at_seq, first.at_seq);
      EXPECT_EQ(c.index, j);
      EXPECT_EQ(c.count, a.chunks.size());
      EXPECT_EQ(c.total, first.total);
      EXPECT_EQ(c.offset, joined.size());
      for (size_t b = c.length; b < sizeof c.bytes; ++b) EXPECT_EQ(c.bytes[b], 0) << "unused bytes are zero";
      joined.append(reinterpret_cast<const char*>(c.bytes), c.length);
    }
    EXPECT_EQ(joined.size(), first.total);
    std::string decoded, err;
    ASSERT_TRUE(snapshot::Decode(joined, &decoded, &err)) << err;
    EXPECT_EQ(decoded, state);
    EXPECT_EQ(SnapshotTestPeer::Next(*a.core), a.last_seq + params_.snapshot_every);
    a.chunks.clear();
  });
  EXPECT_GE(written, 2);
  EXPECT_EQ(buf.capacity(), buf_cap) << "no allocation after construction";
  EXPECT_EQ(enc.capacity(), enc_cap);
}

TEST_F(CoreSnapshotTest, NoSnapshotsWhenSnapshotEveryIsZero) {
  params_.snapshot_every = 0;  // (the demo config asks for them)
  Rig a(params_);
  Open(a);
  EXPECT_EQ(SnapshotTestPeer::Next(*a.core), 0u);
  Script s;
  RunSteps(0, 20, &s, [&](const auto& in, int k, Script* sc) {
    a.In(in);
    Schedule(a.Drain(), k, sc);
    SnapshotTestPeer::Maybe(*a.core);
    a.Collect();
  });
  EXPECT_TRUE(a.chunks.empty());
}

// The state's size is fixed by params: a busy core saves as many bytes as a fresh one (so the
// buffers reserved at construction always suffice).
TEST_F(CoreSnapshotTest, StateSizeDoesNotDependOnWhatHappened) {
  Rig fresh(params_);
  Rig a(params_);
  Open(a);
  Script s;
  RunSteps(0, 60, &s, [&](const auto& in, int k, Script* sc) {
    a.In(in);
    Schedule(a.Drain(), k, sc);
  });
  const std::string busy = a.State();
  EXPECT_EQ(busy.size(), fresh.State().size());
  std::string enc;
  snapshot::Encode(busy, &enc);
  std::printf("demo config snapshot: %zu raw bytes, %zu encoded\n", busy.size(), enc.size());
}

}  // namespace
}  // namespace hs::engine
