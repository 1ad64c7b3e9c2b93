// OKX L2Book: a differential test against a naive std::map model (seeded, seed logged), and the
// sync scenarios of venues/README §4.4: gap, checksum mismatch, crossed book, keep-alive, reset,
// recovery by a new snapshot, full-snapshot channels, truncation to the channel's window.
#include "venues/okx/okx_book.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <map>
#include <random>
#include <string>

#include "core/base/crc32.h"
#include "tests/support/test_support.h"

namespace hs::okx {
namespace {

using venues::BookEvent;

// Naive model: price (cents) → (price text, size text), exactly as last sent.
struct Ref {
  std::map<int64_t, std::pair<std::string, std::string>> bids, asks;
};

std::string PxText(int64_t cents, bool pad) {
  char b[32];
  if (cents % 100 == 0 && !pad) {
    std::snprintf(b, sizeof b, "%lld", static_cast<long long>(cents / 100));
  } else if (cents % 10 == 0 && !pad) {
    std::snprintf(b, sizeof b, "%lld.%lld", static_cast<long long>(cents / 100), static_cast<long long>(cents % 100 / 10));
  } else {
    std::snprintf(b, sizeof b, "%lld.%02lld", static_cast<long long>(cents / 100), static_cast<long long>(cents % 100));
  }
  return b;
}

// Independent reference checksum: zlib's crc32 over the README §4.5 string.
int32_t RefChecksum(const Ref& r) {
  std::vector<const std::pair<std::string, std::string>*> b, a;
  for (auto it = r.bids.rbegin(); it != r.bids.rend() && b.size() < 25; ++it) b.push_back(&it->second);
  for (auto it = r.asks.begin(); it != r.asks.end() && a.size() < 25; ++it) a.push_back(&it->second);
  std::string s;
  for (size_t i = 0; i < std::max(b.size(), a.size()); ++i) {
    if (i < b.size()) s += b[i]->first + ":" + b[i]->second + ":";
    if (i < a.size()) s += a[i]->first + ":" + a[i]->second + ":";
  }
  if (!s.empty()) s.pop_back();
  const uLong c = crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size()));
  return static_cast<int32_t>(static_cast<uint32_t>(c));
}

using Changes = std::vector<std::pair<std::string, std::string>>;  // (price text, size text)

std::string Levels(const Changes& c) {
  std::string s = "[";
  for (size_t i = 0; i < c.size(); ++i) s += (i ? "," : "") + std::string("[\"") + c[i].first + "\",\"" + c[i].second + "\",\"0\",\"1\"]";
  return s + "]";
}

std::string BookMsg(const std::string& channel, const std::string& action, int64_t prev, int64_t seq, const Changes& bids,
                    const Changes& asks, int32_t checksum, int64_t ts = 1) {
  std::string m = "{\"arg\":{\"channel\":\"" + channel + "\",\"instId\":\"BTC-USDT\"},";
  if (!action.empty()) m += "\"action\":\"" + action + "\",";
  m += "\"data\":[{\"asks\":" + Levels(asks) + ",\"bids\":" + Levels(bids) + ",\"ts\":\"" + std::to_string(ts) + "\"";
  if (!action.empty()) m += ",\"checksum\":" + std::to_string(checksum) + ",\"prevSeqId\":" + std::to_string(prev);
  return m + ",\"seqId\":" + std::to_string(seq) + "}]}";
}

Changes SideOf(const std::map<int64_t, std::pair<std::string, std::string>>& m, bool best_high) {
  Changes c;
  if (best_high) {
    for (auto it = m.rbegin(); it != m.rend(); ++it) c.push_back(it->second);
  } else {
    for (const auto& [k, v] : m) c.push_back(v);
  }
  return c;
}

class OkxBook : public ::testing::Test {
 protected:
  BookEvent Feed(const std::string& text) {
    buf_ = testing::Padded(text);
    MarketFrame f;
    const ParseStatus st = parser_.ParseMarket(buf_.data(), text.size(), &f);
    EXPECT_EQ(st, ParseStatus::kOk) << text;
    if (st != ParseStatus::kOk) return BookEvent::kParseError;
    return book_.OnFrame(f);
  }
  BookEvent Snapshot(int64_t seq, const Ref& r) {
    return Feed(BookMsg("books", "snapshot", -1, seq, SideOf(r.bids, true), SideOf(r.asks, false), RefChecksum(r)));
  }
  void ExpectSame(const Ref& r, const std::string& where) {
    const auto& b = book_.book();
    ASSERT_EQ(b.bids().size(), static_cast<int>(r.bids.size())) << where;
    ASSERT_EQ(b.asks().size(), static_cast<int>(r.asks.size())) << where;
    int i = 0;
    for (auto it = r.bids.rbegin(); it != r.bids.rend(); ++it, ++i) {
      ASSERT_EQ(b.bids().level(i).px.raw(), it->first * 10'000'000) << where;
      ASSERT_EQ(b.bids().px_text(i), it->second.first) << where;
      ASSERT_EQ(b.bids().qty_text(i), it->second.second) << where;
    }
    i = 0;
    for (auto it = r.asks.begin(); it != r.asks.end(); ++it, ++i) {
      ASSERT_EQ(b.asks().level(i).px.raw(), it->first * 10'000'000) << where;
      ASSERT_EQ(b.asks().px_text(i), it->second.first) << where;
      ASSERT_EQ(b.asks().qty_text(i), it->second.second) << where;
    }
    ASSERT_EQ(Checksum(b), RefChecksum(r)) << where;
  }
  Parser parser_{1 << 20};
  L2Book book_;
  std::string buf_;
};

// Differential (seeded; the seed is printed): a random snapshot, then random updates with
// inserts, size changes, deletes (also of absent prices), keep-alives and sequence resets, each
// carrying the reference's checksum. After every message the book equals the std::map model,
// level for level, text included.
TEST_F(OkxBook, DifferentialAgainstStdMap) {
  for (uint64_t seed : {1u, 2u, 3u, 20261124u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::printf("okx differential seed %llu\n", static_cast<unsigned long long>(seed));
    std::mt19937_64 rng(seed);
    Ref ref;
    const int64_t mid = 3'000'000;  // 30000.00 in cents
    auto qty = [&] {
      const int64_t units = static_cast<int64_t>(rng() % 50);
      const int64_t frac = static_cast<int64_t>(rng() % 1000);
      return frac == 0 ? std::to_string(units + 1) : std::to_string(units) + "." + std::to_string(frac);
    };
    for (int i = 0; i < 150; ++i) {
      const int64_t off = 1 + static_cast<int64_t>(rng() % 300);
      ref.bids[mid - off] = {PxText(mid - off, rng() % 4 == 0), qty()};
      ref.asks[mid + off] = {PxText(mid + off, rng() % 4 == 0), qty()};
    }
    book_.Reset();
    ASSERT_EQ(Snapshot(100, ref), BookEvent::kSnapshot) << book_.detail();
    ExpectSame(ref, "snapshot");
    int64_t seq = 100;
    for (int step = 0; step < 1500; ++step) {
      Changes cb, ca;
      const int kind = static_cast<int>(rng() % 50);
      int64_t next = seq + 1 + static_cast<int64_t>(rng() % 3);
      if (kind == 0) {
        next = seq;  // keep-alive: prevSeqId == seqId, no levels
      } else {
        if (kind == 1) next = 1 + static_cast<int64_t>(rng() % 10);  // reset after maintenance
        const int n = 1 + static_cast<int>(rng() % 20);
        for (int k = 0; k < n; ++k) {
          const bool bid = rng() % 2 == 0;
          auto& side = bid ? ref.bids : ref.asks;
          // Keep the book uncrossed: bids below the mid, asks above.
          const int64_t off = 1 + static_cast<int64_t>(rng() % 320);
          const int64_t px = bid ? mid - off : mid + off;
          const std::string pt = PxText(px, rng() % 4 == 0);
          if (rng() % 3 == 0) {
            side.erase(px);
            (bid ? cb : ca).emplace_back(pt, rng() % 2 ? "0" : "0.000");
          } else {
            const std::string q = qty();
            side[px] = {pt, q};
            (bid ? cb : ca).emplace_back(pt, q);
          }
        }
      }
      const std::string msg = BookMsg("books", "update", seq, next, cb, ca, RefChecksum(ref));
      ASSERT_EQ(Feed(msg), BookEvent::kApplied) << "step " << step << ": " << book_.detail();
      seq = next;
      ASSERT_EQ(book_.seq_id(), seq);
      ExpectSame(ref, "step " + std::to_string(step));
    }
  }
}

Ref Simple() {
  Ref r;
  r.bids[336610] = {"3366.1", "7"};
  r.bids[336600] = {"3366", "6"};
  r.asks[336680] = {"3366.8", "9"};
  r.asks[336800] = {"3368", "8"};
  return r;
}

// README §4.4's worked sequence: snapshot (prev -1, seq 10) → update (10, 15) → keep-alive
// (15, 15) → reset (15, 3) → update (3, 5): all five are accepted.
TEST_F(OkxBook, WorkedSequenceKeepAliveAndReset) {
  Ref r = Simple();
  ASSERT_EQ(Snapshot(10, r), BookEvent::kSnapshot);
  EXPECT_EQ(RefChecksum(r), -1881014294) << "the vectors.json case";
  r.bids[336620] = {"3366.2", "1"};
  EXPECT_EQ(Feed(BookMsg("books", "update", 10, 15, {{"3366.2", "1"}}, {}, RefChecksum(r))), BookEvent::kApplied);
  EXPECT_EQ(Feed(BookMsg("books", "update", 15, 15, {}, {}, RefChecksum(r))), BookEvent::kApplied);
  r.asks.erase(336800);
  EXPECT_EQ(Feed(BookMsg("books", "update", 15, 3, {}, {{"3368", "0"}}, RefChecksum(r))), BookEvent::kApplied);
  r.asks[336900] = {"3369", "2.5"};
  EXPECT_EQ(Feed(BookMsg("books", "update", 3, 5, {}, {{"3369", "2.5"}}, RefChecksum(r))), BookEvent::kApplied);
  EXPECT_TRUE(book_.usable());
  EXPECT_EQ(book_.seq_id(), 5);
  ExpectSame(r, "end");
}

TEST_F(OkxBook, GapDropsTheBookUntilANewSnapshot) {
  Ref r = Simple();
  ASSERT_EQ(Snapshot(10, r), BookEvent::kSnapshot);
  EXPECT_EQ(Feed(BookMsg("books", "update", 10, 11, {}, {}, RefChecksum(r))), BookEvent::kApplied);
  EXPECT_EQ(Feed(BookMsg("books", "update", 12, 13, {}, {}, RefChecksum(r))), BookEvent::kGap);
  EXPECT_NE(book_.detail().find("prevSeqId 12"), std::string::npos) << book_.detail();
  EXPECT_NE(book_.detail().find("seqId 11"), std::string::npos) << book_.detail();
  EXPECT_FALSE(book_.usable());
  EXPECT_TRUE(book_.book().bids().empty()) << "a failed book is dropped";
  // Updates are refused until the snapshot the resubscribe brings.
  EXPECT_EQ(Feed(BookMsg("books", "update", 13, 14, {}, {}, RefChecksum(r))), BookEvent::kResyncNeeded);
  EXPECT_FALSE(book_.usable());
  ASSERT_EQ(Snapshot(20, r), BookEvent::kSnapshot);
  EXPECT_TRUE(book_.usable());
  EXPECT_EQ(Feed(BookMsg("books", "update", 20, 21, {}, {}, RefChecksum(r))), BookEvent::kApplied);
  ExpectSame(r, "recovered");
}

TEST_F(OkxBook, StaleOrReplayedUpdateIsAGapToo) {
  Ref r = Simple();
  ASSERT_EQ(Snapshot(10, r), BookEvent::kSnapshot);
  ASSERT_EQ(Feed(BookMsg("books", "update", 10, 11, {}, {}, RefChecksum(r))), BookEvent::kApplied);
  // README §4.4: anything but prevSeqId == last seqId calls for a resync, older ones included.
  EXPECT_EQ(Feed(BookMsg("books", "update", 10, 11, {}, {}, RefChecksum(r))), BookEvent::kGap);
}

TEST_F(OkxBook, ChecksumMismatchDropsTheBook) {
  Ref r = Simple();
  ASSERT_EQ(Snapshot(10, r), BookEvent::kSnapshot);
  const int32_t good = RefChecksum(r);
  // The size changed on the venue but our update says otherwise: the checksum catches it.
  EXPECT_EQ(Feed(BookMsg("books", "update", 10, 11, {{"3366.1", "8"}}, {}, good)), BookEvent::kChecksumMismatch);
  EXPECT_NE(book_.detail().find("checksum mismatch at seqId 11"), std::string::npos) << book_.detail();
  EXPECT_FALSE(book_.usable());
  // A snapshot with a wrong checksum never becomes usable either.
  EXPECT_EQ(Feed(BookMsg("books", "snapshot", -1, 20, SideOf(r.bids, true), SideOf(r.asks, false), good + 1)),
            BookEvent::kChecksumMismatch);
  EXPECT_FALSE(book_.usable());
  ASSERT_EQ(Snapshot(30, r), BookEvent::kSnapshot);
  EXPECT_TRUE(book_.usable());
}

TEST_F(OkxBook, ChecksumUsesTheTextAsReceived) {
  Ref r = Simple();
  ASSERT_EQ(Snapshot(10, r), BookEvent::kSnapshot);
  // Same values, different text: "3366.10" is not "3366.1" in the check string.
  r.bids[336610] = {"3366.10", "7.0"};
  EXPECT_EQ(Feed(BookMsg("books", "update", 10, 11, {{"3366.10", "7.0"}}, {}, RefChecksum(r))), BookEvent::kApplied);
  ExpectSame(r, "retexted");
  EXPECT_NE(RefChecksum(r), RefChecksum(Simple()));
}

TEST_F(OkxBook, CrossedBookDropsTheBook) {
  Ref r = Simple();
  ASSERT_EQ(Snapshot(10, r), BookEvent::kSnapshot);
  // The venue's own book crossed (the checksum agrees): still not a book anyone can trade on.
  r.bids[336900] = {"3369", "1"};
  EXPECT_EQ(Feed(BookMsg("books", "update", 10, 11, {{"3369", "1"}}, {}, RefChecksum(r))), BookEvent::kCrossed);
  EXPECT_NE(book_.detail().find("best bid 3369 >= best ask 3366.8"), std::string::npos) << book_.detail();
  EXPECT_FALSE(book_.usable());
  // A crossed snapshot too.
  EXPECT_EQ(Snapshot(20, r), BookEvent::kCrossed);
  EXPECT_FALSE(book_.usable());
  r.bids.erase(336900);
  EXPECT_EQ(Snapshot(30, r), BookEvent::kSnapshot);
}

TEST_F(OkxBook, SnapshotTruncatesToTheWindowAndTheDepth) {
  Ref r;
  for (int i = 0; i < 450; ++i) {
    r.bids[2'000'000 - i] = {PxText(2'000'000 - i, false), "1"};
    r.asks[2'000'002 + i] = {PxText(2'000'002 + i, false), "2"};
  }
  ASSERT_EQ(Snapshot(1, r), BookEvent::kSnapshot) << book_.detail();
  EXPECT_EQ(book_.book().bids().size(), 400) << "books is a 400-level window";
  EXPECT_EQ(book_.book().asks().size(), 400);
  EXPECT_EQ(book_.book().bids().level(0).px.raw(), 20'000'000'000'000);
  EXPECT_EQ(book_.book().asks().level(399).px.raw(), 20'004'010'000'000);
  // A shallower book (never below the 25 levels the checksum covers).
  L2Book shallow(30);
  buf_ = testing::Padded(BookMsg("books", "snapshot", -1, 1, SideOf(r.bids, true), SideOf(r.asks, false), RefChecksum(r)));
  MarketFrame f;
  ASSERT_EQ(parser_.ParseMarket(buf_.data(), buf_.size() - 64, &f), ParseStatus::kOk);
  EXPECT_EQ(shallow.OnFrame(f), BookEvent::kSnapshot);
  EXPECT_EQ(shallow.book().bids().size(), 30);
  EXPECT_EQ(L2Book(5).depth(), 25);
  EXPECT_EQ(L2Book(0).depth(), 400);
  EXPECT_EQ(L2Book(9000).depth(), 400);
  // An insert better than the rest pushes the worst level out of the window.
  buf_ = testing::Padded(BookMsg("books", "update", 1, 2, {{"20000.01", "3"}}, {}, 0));
  ASSERT_EQ(parser_.ParseMarket(buf_.data(), buf_.size() - 64, &f), ParseStatus::kOk);
  f.has_checksum = false;  // this test is about the window, not the checksum
  ASSERT_EQ(book_.OnFrame(f), BookEvent::kApplied) << book_.detail();
  ASSERT_EQ(book_.book().bids().size(), 400);
  EXPECT_EQ(book_.book().bids().level(0).px.raw(), 20'000'010'000'000);
  EXPECT_EQ(book_.book().bids().level(399).px.raw(), 19'996'020'000'000);
}

TEST_F(OkxBook, FullSnapshotChannelsReplaceAndDropOlderFrames) {
  EXPECT_EQ(Feed(BookMsg("books5", "", 0, 100, {{"10", "1"}, {"9", "1"}}, {{"11", "1"}}, 0, 1000)), BookEvent::kSnapshot);
  EXPECT_TRUE(book_.usable());
  EXPECT_EQ(book_.book().bids().size(), 2);
  EXPECT_EQ(Feed(BookMsg("books5", "", 0, 101, {{"10.5", "1"}}, {{"11", "2"}}, 0, 1001)), BookEvent::kSnapshot);
  EXPECT_EQ(book_.book().bids().size(), 1) << "replaced, not merged";
  EXPECT_EQ(book_.book().bids().level(0).px.raw(), 10'500'000'000);
  EXPECT_EQ(Feed(BookMsg("books5", "", 0, 101, {{"1", "1"}}, {{"2", "2"}}, 0, 1001)), BookEvent::kIgnored);
  EXPECT_EQ(Feed(BookMsg("books5", "", 0, 99, {{"1", "1"}}, {{"2", "2"}}, 0, 999)), BookEvent::kIgnored);
  EXPECT_EQ(book_.book().bids().level(0).px.raw(), 10'500'000'000) << "older frames never overwrite";
  // A sequence restart (lower seqId, newer ts) is taken.
  EXPECT_EQ(Feed(BookMsg("books5", "", 0, 3, {{"10.6", "1"}}, {{"11", "2"}}, 0, 1002)), BookEvent::kSnapshot);
  // Crossed frames are refused.
  EXPECT_EQ(Feed(BookMsg("bbo-tbt", "", 0, 4, {{"12", "1"}}, {{"11", "2"}}, 0, 1003)), BookEvent::kCrossed);
  EXPECT_FALSE(book_.usable());
  // An incremental update cannot apply to a books5 picture.
  EXPECT_EQ(Feed(BookMsg("bbo-tbt", "", 0, 5, {{"10", "1"}}, {{"11", "2"}}, 0, 1004)), BookEvent::kSnapshot);
  EXPECT_EQ(Feed(BookMsg("books", "update", 5, 6, {}, {}, 0)), BookEvent::kResyncNeeded);
}

TEST_F(OkxBook, UpdateOnAnotherIncrementalChannelIsRefused) {
  ASSERT_EQ(Snapshot(10, Simple()), BookEvent::kSnapshot);
  EXPECT_EQ(Feed(BookMsg("books-l2-tbt", "update", 10, 11, {}, {}, RefChecksum(Simple()))), BookEvent::kResyncNeeded);
  EXPECT_TRUE(book_.usable()) << "the books book itself is untouched";
}

TEST_F(OkxBook, OverlongLevelTextIsAParseErrorAndDropsTheBook) {
  ASSERT_EQ(Snapshot(20, Simple()), BookEvent::kSnapshot);
  // 25 characters of size text (zeros beyond the scale parse): more than the book keeps per level.
  buf_ = testing::Padded(BookMsg("books", "update", 20, 21, {{"3366.2", "1.00000000000000000000000"}}, {}, 0));
  MarketFrame f;
  ASSERT_EQ(parser_.ParseMarket(buf_.data(), buf_.size() - 64, &f), ParseStatus::kOk);
  EXPECT_EQ(book_.OnFrame(f), BookEvent::kParseError);
  EXPECT_NE(book_.detail().find("longer than " + std::to_string(book::BookSide::kMaxText) + " characters"), std::string::npos) << book_.detail();
  EXPECT_FALSE(book_.usable());
}

}  // namespace
}  // namespace hs::okx
