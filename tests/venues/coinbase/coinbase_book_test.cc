// ConnectionBooks: differential against a naive std::map model (seeded, seed logged), and the
// sync scenarios: sequence gap, out-of-order envelope, crossed book, truncation, recovery.
#include "venues/coinbase/coinbase_book.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace hs::coinbase {
namespace {

using venues::BookEvent;

std::string Px(int64_t cents) {
  char b[32];
  std::snprintf(b, sizeof b, "%lld.%02lld", static_cast<long long>(cents / 100), static_cast<long long>(cents % 100));
  return b;
}
std::string Q(int64_t milli) {
  char b[32];
  std::snprintf(b, sizeof b, "%lld.%03lld", static_cast<long long>(milli / 1000), static_cast<long long>(milli % 1000));
  return b;
}

struct Change {
  bool bid;
  int64_t cents;
  int64_t milli;  // 0 = delete
};

struct Event {
  std::string type;  // "snapshot" / "update"
  std::string product;
  std::vector<Change> changes;
};

std::string Envelope(uint64_t seq, const std::vector<Event>& events) {
  std::string s = R"({"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":)" +
                  std::to_string(seq) + ",\"events\":[";
  for (size_t e = 0; e < events.size(); ++e) {
    s += std::string(e ? "," : "") + "{\"type\":\"" + events[e].type + "\",\"product_id\":\"" + events[e].product +
         "\",\"updates\":[";
    for (size_t k = 0; k < events[e].changes.size(); ++k) {
      const Change& c = events[e].changes[k];
      s += std::string(k ? "," : "") + "{\"side\":\"" + (c.bid ? "bid" : "offer") +
           "\",\"event_time\":\"2023-02-09T20:32:50.1Z\",\"price_level\":\"" + Px(c.cents) + "\",\"new_quantity\":\"" +
           Q(c.milli) + "\"}";
    }
    s += "]}";
  }
  return s + "]}";
}

std::string Heartbeat(uint64_t seq) {
  return R"({"channel":"heartbeats","client_id":"","timestamp":"2023-02-09T20:32:51Z","sequence_num":)" + std::to_string(seq) +
         R"(,"events":[{"current_time":"2023-02-09 20:32:51 +0000 UTC","heartbeat_counter":1}]})";
}

struct Ref {
  std::map<int64_t, int64_t> bids, asks;  // cents → milli
  void Apply(const Change& c) {
    auto& side = c.bid ? bids : asks;
    if (c.milli == 0) {
      side.erase(c.cents);
    } else {
      side[c.cents] = c.milli;
    }
  }
};

class CoinbaseBook : public ::testing::Test {
 public:
  BookEvent Feed(ConnectionBooks& books, const std::string& text, int focus = 0) {
    buf_ = text + std::string(64, '\0');
    Frame f;
    const ParseStatus st = parser_.Parse(buf_.data(), text.size(), &f);
    EXPECT_EQ(st, ParseStatus::kOk) << text;
    if (st != ParseStatus::kOk) return BookEvent::kParseError;
    return books.OnFrame(f, focus);
  }

  // Our side must be exactly the best `size` levels of the reference side; when the side never
  // lost a level it must be the whole reference side.
  static void ExpectSide(const book::BookSide& side, const std::map<int64_t, int64_t>& ref, bool bid, bool truncated,
                         const std::string& where) {
    if (!truncated) {
      ASSERT_EQ(side.size(), static_cast<int>(ref.size())) << where;
    }
    ASSERT_LE(side.size(), static_cast<int>(ref.size())) << where;
    int i = 0;
    auto check = [&](int64_t cents, int64_t milli) {
      if (i >= side.size()) return;
      ASSERT_EQ(side.level(i).px.raw(), cents * 10'000'000) << where << " level " << i;
      ASSERT_EQ(side.level(i).qty.raw(), milli * 100'000) << where << " level " << i;
      ++i;
    };
    if (bid) {
      for (auto it = ref.rbegin(); it != ref.rend(); ++it) check(it->first, it->second);
    } else {
      for (auto it = ref.begin(); it != ref.end(); ++it) check(it->first, it->second);
    }
  }
  static void ExpectSame(const ConnectionBooks& books, int i, const Ref& r, const std::string& where) {
    ExpectSide(books.book(i).bids(), r.bids, true, books.truncated(i, true), where + " bids");
    ExpectSide(books.book(i).asks(), r.asks, false, books.truncated(i, false), where + " asks");
  }

  Parser parser_{1 << 20};
  std::string buf_;
};

// Random snapshot/update streams over two products, with heartbeats in between and both
// products sometimes in one envelope, give after every message the same books as a std::map.
void RunDifferential(CoinbaseBook* t, uint64_t seed, int depth, int levels, int messages) {
  SCOPED_TRACE("seed " + std::to_string(seed) + " depth " + std::to_string(depth));
  std::printf("[ differential seed %llu depth %d ]\n", static_cast<unsigned long long>(seed), depth);
  std::mt19937_64 rng(seed);
  ConnectionBooks books({"BTC-USD", "ETH-USD"}, depth);
  Ref ref[2];
  const int64_t mid[2] = {3'000'000, 150'000};
  auto snapshot = [&](int p) {
    Event ev{"snapshot", p == 0 ? "BTC-USD" : "ETH-USD", {}};
    ref[p] = Ref{};
    for (int i = 0; i < levels; ++i) {
      // Best first on one side, shuffled on the other: order must not matter.
      ev.changes.push_back({true, mid[p] - 1 - i, 1 + static_cast<int64_t>(rng() % 5000)});
      ev.changes.push_back({false, mid[p] + 1 + i, 1 + static_cast<int64_t>(rng() % 5000)});
    }
    std::shuffle(ev.changes.begin(), ev.changes.end(), rng);
    for (const Change& c : ev.changes) ref[p].Apply(c);
    return ev;
  };
  auto update = [&](int p) {
    Event ev{"update", p == 0 ? "BTC-USD" : "ETH-USD", {}};
    const int n = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < n; ++k) {
      const bool bid = rng() & 1;
      const int64_t off = static_cast<int64_t>(rng() % static_cast<uint64_t>(levels + 20));
      const int64_t px = bid ? mid[p] - 1 - off : mid[p] + 1 + off;
      const int64_t q = (rng() % 3 == 0) ? 0 : 1 + static_cast<int64_t>(rng() % 5000);
      ev.changes.push_back({bid, px, q});
    }
    for (const Change& c : ev.changes) ref[p].Apply(c);
    return ev;
  };
  uint64_t seq = 0;
  ASSERT_EQ(t->Feed(books, Envelope(seq++, {snapshot(0), snapshot(1)})), BookEvent::kSnapshot);
  for (int m = 0; m < messages; ++m) {
    const std::string where = "message " + std::to_string(m);
    const uint64_t r = rng() % 20;
    if (r == 0) {
      ASSERT_EQ(t->Feed(books, Heartbeat(seq++)), BookEvent::kIgnored) << where;
    } else if (r == 1) {
      const int p = static_cast<int>(rng() % 2);
      t->Feed(books, Envelope(seq++, {snapshot(p)}));
      EXPECT_EQ(books.event(p), BookEvent::kSnapshot) << where;
    } else if (r < 5) {
      t->Feed(books, Envelope(seq++, {update(0), update(1)}));
    } else {
      const int p = static_cast<int>(rng() % 2);
      t->Feed(books, Envelope(seq++, {update(p)}));
    }
    for (int p = 0; p < 2; ++p) {
      // The generator keeps bids below and offers above mid: never crossed.
      if (books.event(p) == BookEvent::kResyncNeeded) {
        // A truncated side ran out of known levels: the book asks for a snapshot; give it one.
        ASSERT_LT(depth, levels) << where;
        t->Feed(books, Envelope(seq++, {snapshot(p)}));
        ASSERT_EQ(books.event(p), BookEvent::kSnapshot) << where;
      }
      ASSERT_TRUE(books.usable(p)) << where << " product " << p << ": " << books.detail(p);
      CoinbaseBook::ExpectSame(books, p, ref[p], where + " product " + std::to_string(p));
    }
    ASSERT_EQ(books.last_sequence(), seq - 1);
  }
}

TEST_F(CoinbaseBook, DifferentialAgainstStdMap) {
  for (uint64_t seed : {1u, 2u, 3u}) RunDifferential(this, seed, 1000, 60, 2500);
}

TEST_F(CoinbaseBook, DifferentialWithTruncationKeepsOnlyKnownLevels) {
  // depth 12 against 60-level snapshots: the kept part must always be the reference's best levels.
  for (uint64_t seed : {7u, 8u}) RunDifferential(this, seed, 12, 60, 2500);
}

Event Ev(const std::string& type, std::vector<Change> changes, const std::string& product = "BTC-USD") {
  return Event{type, product, std::move(changes)};
}

TEST_F(CoinbaseBook, SequenceGapInvalidatesEveryBookAndASnapshotRecovers) {
  ConnectionBooks books({"BTC-USD", "ETH-USD"}, 1000);
  ASSERT_EQ(Feed(books, Envelope(0, {Ev("snapshot", {{true, 100, 1000}, {false, 110, 1000}})})), BookEvent::kSnapshot);
  ASSERT_EQ(Feed(books, Envelope(1, {Ev("snapshot", {{true, 50, 1}, {false, 51, 1}}, "ETH-USD")}), 1), BookEvent::kSnapshot);
  ASSERT_EQ(Feed(books, Heartbeat(2)), BookEvent::kIgnored);
  EXPECT_EQ(books.last_check(), ConnectionBooks::SeqCheck::kInOrder);
  ASSERT_EQ(Feed(books, Envelope(3, {Ev("update", {{true, 101, 5}})})), BookEvent::kApplied);
  EXPECT_EQ(books.book(0).bids().level(0).px.raw(), 1'010'000'000);
  // Envelope 4 is lost; 5 is a heartbeat: both books are unusable at once.
  EXPECT_EQ(Feed(books, Heartbeat(5)), BookEvent::kGap);
  EXPECT_EQ(books.last_check(), ConnectionBooks::SeqCheck::kGap);
  EXPECT_EQ(books.event(1), BookEvent::kGap) << "a gap affects every product on the connection";
  EXPECT_FALSE(books.usable(0));
  EXPECT_FALSE(books.usable(1));
  EXPECT_EQ(books.detail(0), "gap: sequence_num 5, expected 4 (1 lost)");
  EXPECT_TRUE(books.book(0).bids().empty()) << "a failed book is dropped";
  // Updates until the new snapshot are refused; the chain continues from 5.
  EXPECT_EQ(Feed(books, Envelope(6, {Ev("update", {{true, 102, 5}})})), BookEvent::kResyncNeeded);
  EXPECT_NE(books.detail(0).find("waits for a snapshot"), std::string::npos) << books.detail(0);
  EXPECT_EQ(Feed(books, Envelope(7, {Ev("snapshot", {{true, 99, 7}, {false, 109, 8}})})), BookEvent::kSnapshot);
  EXPECT_TRUE(books.usable(0));
  EXPECT_FALSE(books.usable(1)) << "ETH-USD still waits for its own snapshot";
  EXPECT_EQ(books.book(0).bids().level(0).px.raw(), 990'000'000);
  EXPECT_EQ(Feed(books, Envelope(8, {Ev("update", {{false, 108, 3}})})), BookEvent::kApplied);
  EXPECT_EQ(books.book(0).asks().level(0).px.raw(), 1'080'000'000);
  EXPECT_TRUE(books.detail(0).empty());
}

TEST_F(CoinbaseBook, GapInAFrameThatCarriesASnapshotStillRebuildsThatBook) {
  ConnectionBooks books({"BTC-USD", "ETH-USD"}, 1000);
  Feed(books, Envelope(10, {Ev("snapshot", {{true, 100, 1}, {false, 110, 1}}), Ev("snapshot", {{true, 5, 1}, {false, 6, 1}}, "ETH-USD")}));
  EXPECT_EQ(Feed(books, Envelope(13, {Ev("snapshot", {{true, 101, 2}, {false, 111, 2}}), Ev("update", {{true, 5, 3}}, "ETH-USD")})),
            BookEvent::kGap);
  EXPECT_TRUE(books.usable(0)) << "the snapshot after the gap is self-contained";
  EXPECT_EQ(books.book(0).bids().level(0).px.raw(), 1'010'000'000);
  EXPECT_EQ(books.event(1), BookEvent::kGap);
  EXPECT_FALSE(books.usable(1)) << "an update cannot rebuild a book";
}

TEST_F(CoinbaseBook, OutOfOrderEnvelopeIsADiscontinuityToo) {
  ConnectionBooks books({"BTC-USD"}, 1000);
  Feed(books, Envelope(4, {Ev("snapshot", {{true, 100, 1}, {false, 110, 1}})}));
  EXPECT_EQ(books.last_check(), ConnectionBooks::SeqCheck::kFirst) << "the first envelope is the baseline";
  EXPECT_EQ(Feed(books, Heartbeat(5)), BookEvent::kIgnored);
  EXPECT_EQ(Feed(books, Heartbeat(5)), BookEvent::kGap) << "a repeated sequence_num";
  EXPECT_EQ(books.last_check(), ConnectionBooks::SeqCheck::kBackwards);
  EXPECT_EQ(books.detail(0), "out of order: sequence_num 5, expected 6");
  books.Reset();
  EXPECT_FALSE(books.has_sequence());
  EXPECT_EQ(Feed(books, Envelope(0, {Ev("snapshot", {{true, 100, 1}, {false, 110, 1}})})), BookEvent::kSnapshot)
      << "a new chain";
  // A fresh connection numbers from 0: when its first envelopes are lost, that is a gap too.
  books.Reset(ConnectionBooks::Start::kZero);
  EXPECT_EQ(Feed(books, Heartbeat(2)), BookEvent::kGap);
  EXPECT_EQ(books.detail(0), "gap: sequence_num 2, expected 0 (2 lost)");
  books.Reset(ConnectionBooks::Start::kZero);
  EXPECT_EQ(Feed(books, Heartbeat(0)), BookEvent::kIgnored);
  EXPECT_EQ(books.last_check(), ConnectionBooks::SeqCheck::kInOrder);
}

TEST_F(CoinbaseBook, CrossedBookFailsAndRecoversByANewSnapshot) {
  ConnectionBooks books({"BTC-USD", "ETH-USD"}, 1000);
  Feed(books, Envelope(0, {Ev("snapshot", {{true, 100, 1}, {true, 99, 1}, {false, 102, 1}}), Ev("snapshot", {{true, 5, 1}, {false, 6, 1}}, "ETH-USD")}));
  // A bid at 103 over the 102 offer.
  EXPECT_EQ(Feed(books, Envelope(1, {Ev("update", {{true, 103, 1}}), Ev("update", {{true, 4, 2}}, "ETH-USD")})), BookEvent::kCrossed);
  EXPECT_FALSE(books.usable(0));
  EXPECT_EQ(books.detail(0), "BTC-USD update crossed at sequence_num 1: best bid 1.03 >= best ask 1.02");
  EXPECT_EQ(books.event(1), BookEvent::kApplied) << "a crossed book is that product's problem only";
  EXPECT_TRUE(books.usable(1));
  EXPECT_EQ(Feed(books, Envelope(2, {Ev("update", {{false, 104, 1}})})), BookEvent::kResyncNeeded);
  // A crossed snapshot is refused as well.
  EXPECT_EQ(Feed(books, Envelope(3, {Ev("snapshot", {{true, 105, 1}, {false, 104, 1}})})), BookEvent::kCrossed);
  EXPECT_NE(books.detail(0).find("snapshot crossed"), std::string::npos) << books.detail(0);
  EXPECT_EQ(Feed(books, Envelope(4, {Ev("snapshot", {{true, 103, 1}, {false, 104, 1}})})), BookEvent::kSnapshot);
  EXPECT_TRUE(books.usable(0));
  EXPECT_EQ(books.book(0).bids().level(0).px.raw(), 1'030'000'000);
}

TEST_F(CoinbaseBook, SeveralEventsOfOneProductInAFrameMergeBySeverity) {
  ConnectionBooks books({"BTC-USD"}, 1000);
  // Snapshot then update: the book synced in this frame.
  EXPECT_EQ(Feed(books, Envelope(0, {Ev("snapshot", {{true, 100, 1}, {false, 110, 1}}), Ev("update", {{true, 101, 1}})})),
            BookEvent::kSnapshot);
  EXPECT_EQ(books.book(0).bids().level(0).px.raw(), 1'010'000'000);
  // A crossing update followed by another update: the failure sticks, the second is refused.
  EXPECT_EQ(Feed(books, Envelope(1, {Ev("update", {{true, 111, 1}}), Ev("update", {{true, 102, 1}})})), BookEvent::kCrossed);
  EXPECT_NE(books.detail(0).find("crossed"), std::string::npos);
  // A failure followed by a snapshot in the same frame: reported as the failure, usable after.
  EXPECT_EQ(Feed(books, Envelope(2, {Ev("snapshot", {{true, 120, 1}, {false, 110, 1}}), Ev("snapshot", {{true, 100, 1}, {false, 110, 1}})})),
            BookEvent::kCrossed);
  EXPECT_TRUE(books.usable(0));
}

TEST_F(CoinbaseBook, TruncationKeepsTheBestLevelsAndAsksForASnapshotWhenTheTopThins) {
  ConnectionBooks books({"BTC-USD"}, 6);
  std::vector<Change> snap;
  for (int i = 0; i < 20; ++i) {
    snap.push_back({true, 1000 - i, 1});  // bids 1000 .. 981
    snap.push_back({false, 1001 + i, 1});  // offers 1001 .. 1020
  }
  ASSERT_EQ(Feed(books, Envelope(0, {Ev("snapshot", snap)})), BookEvent::kSnapshot);
  EXPECT_EQ(books.book(0).bids().size(), 6);
  EXPECT_EQ(books.book(0).bids().level(5).px.raw(), 9'950'000'000) << "bids 1000..995 kept";
  EXPECT_TRUE(books.truncated(0, true));
  // A change below the floor (995) is beyond what we know: ignored, not inserted.
  EXPECT_EQ(Feed(books, Envelope(1, {Ev("update", {{true, 990, 7}, {true, 980, 0}})})), BookEvent::kApplied);
  EXPECT_EQ(books.beyond_floor(), 2);
  EXPECT_EQ(books.book(0).bids().size(), 6);
  // Deleting from the top shrinks the known part; the floor stays.
  EXPECT_EQ(Feed(books, Envelope(2, {Ev("update", {{true, 1000, 0}})})), BookEvent::kApplied);
  EXPECT_EQ(Feed(books, Envelope(3, {Ev("update", {{true, 994, 3}})})), BookEvent::kApplied);
  EXPECT_EQ(books.book(0).bids().size(), 5) << "994 lies beyond the floor at 995: not ours to keep";
  // Down to four known levels: below the core's top depth, so a fresh snapshot is needed.
  EXPECT_EQ(Feed(books, Envelope(4, {Ev("update", {{true, 999, 0}})})), BookEvent::kResyncNeeded);
  EXPECT_FALSE(books.usable(0));
  EXPECT_NE(books.detail(0).find("bid side truncated to 6 levels now holds 4 known levels"), std::string::npos)
      << books.detail(0);
}

TEST_F(CoinbaseBook, UntrackedProductsAndOtherChannelsOnlyAdvanceTheSequence) {
  ConnectionBooks books({"BTC-USD"}, 1000);
  EXPECT_EQ(Feed(books, Envelope(0, {Ev("snapshot", {{true, 1, 1}, {false, 2, 1}}, "SOL-USD")})), BookEvent::kIgnored);
  EXPECT_EQ(Feed(books, R"({"channel":"subscriptions","sequence_num":1,"events":[{"subscriptions":{}}]})"), BookEvent::kIgnored);
  EXPECT_EQ(Feed(books, R"({"channel":"ticker","sequence_num":2,"events":[]})"), BookEvent::kIgnored);
  EXPECT_EQ(books.last_sequence(), 2u);
  EXPECT_EQ(books.Find("SOL-USD"), -1);
  EXPECT_EQ(books.Find("BTC-USD"), 0);
}

}  // namespace
}  // namespace hs::coinbase
