// hs::venues — small helpers every L2 feed uses to tell the core about its books, in the order
// DESIGN requires: an unusable status goes out before anything else about that book, BookTops
// go out only from books that validated, and a recovered book announces itself as synced before
// its first new top. Owned by the venue thread.
#pragma once

#include <array>

#include "core/book/order_book.h"
#include "core/runtime/venue_counters.h"
#include "venues/common/book_event.h"
#include "venues/common/venue_publisher.h"

namespace hs::venues {

class BookStatusTracker {
 public:
  BookStatusTracker() { usable_.fill(false); }

  bool usable(InstrumentId i) const noexcept { return usable_[i.value]; }

  // The book failed validation (or the connection dropped): tell the core first.
  void MarkUnusable(VenuePublisher* pub, runtime::VenueCounters* c, VenueId venue, InstrumentId inst, FeedState why) noexcept {
    const bool was = usable_[inst.value];
    usable_[inst.value] = false;
    if (why == FeedState::kGap) c->Add(c->gaps);
    if (why == FeedState::kChecksumFailed) c->Add(c->checksum_failures);
    if (why == FeedState::kCrossed) c->Add(c->crossed_books);
    // A book that was not usable has nothing new to say, except an integrity failure.
    if (!was && (why == FeedState::kSyncing || why == FeedState::kDisconnected)) return;
    Publish(pub, c, venue, inst, why, false);
  }

  // A snapshot validated: the book is usable again.
  void MarkSynced(VenuePublisher* pub, runtime::VenueCounters* c, VenueId venue, InstrumentId inst) noexcept {
    if (usable_[inst.value]) return;
    usable_[inst.value] = true;
    Publish(pub, c, venue, inst, FeedState::kSynced, true);
  }

  // Publishes the book's top if it is usable and has both sides.
  void PublishTop(VenuePublisher* pub, runtime::VenueCounters* c, VenueId venue, InstrumentId inst,
                  const book::OrderBook& b, uint64_t seq, Nanos exch_time, TscStamp recv, Nanos recv_time) noexcept {
    if (!usable_[inst.value] || !b.has_both_sides()) return;
    BookTop t;
    t.venue = venue;
    t.instrument = inst;
    t.venue_seq = seq;
    t.exchange_time = exch_time;
    t.recv_stamp = recv;
    b.FillTop(&t);
    pub->PublishTop(t, recv_time);
  }


 private:
  void Publish(VenuePublisher* pub, runtime::VenueCounters* c, VenueId venue, InstrumentId inst, FeedState st,
               bool usable) noexcept {
    VenueStatus s;
    s.venue = venue;
    s.instrument = inst;
    s.state = st;
    s.usable = usable;
    s.gaps = static_cast<uint32_t>(c->gaps.load(std::memory_order_relaxed));
    s.checksum_failures = static_cast<uint32_t>(c->checksum_failures.load(std::memory_order_relaxed));
    s.crossed = static_cast<uint32_t>(c->crossed_books.load(std::memory_order_relaxed));
    s.resyncs = static_cast<uint32_t>(c->resyncs.load(std::memory_order_relaxed));
    s.parse_errors = static_cast<uint32_t>(c->parse_errors.load(std::memory_order_relaxed));
    s.stamp = TscNow();
    pub->PublishStatus(s, WallNow());
  }

  std::array<bool, kMaxInstruments> usable_{};
};

// Maps a failing BookEvent to the state the core is told.
inline FeedState FailureState(BookEvent e) noexcept {
  switch (e) {
    case BookEvent::kGap:
      return FeedState::kGap;
    case BookEvent::kChecksumMismatch:
      return FeedState::kChecksumFailed;
    case BookEvent::kCrossed:
      return FeedState::kCrossed;
    default:
      return FeedState::kSyncing;
  }
}

}  // namespace hs::venues
