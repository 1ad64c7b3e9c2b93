// hs::engine — the newest top of book per (venue, instrument), and whether it may be used.
//
// A part of the decision core (DESIGN §6): it only remembers. A book becomes usable only with
// a BookTop (venues publish tops only from books that validated); any status that says the
// book, or the whole venue, is not usable makes it unusable at once, and it stays so until the
// next top. No clock: a top carries the input time it was received at.
#pragma once

#include <array>

#include "core/base/clock.h"
#include "core/base/ids.h"
#include "core/messages/messages.h"

namespace hs::engine {

struct CachedBook {
  BookTop top{};
  bool has_top = false;  // at least one level on each side
  bool usable = false;
  Nanos recv_time;       // input time of the newest top

  // Snapshot (core/engine/snapshot.h). The top's TSC stamps are measurements, not state.
  template <class Ar>
  void Persist(Ar& ar) {
    ar(top.venue);
    ar(top.instrument);
    ar(top.bid_count);
    ar(top.ask_count);
    ar(top.venue_seq);
    ar(top.exchange_time);
    ar.Measurement(top.recv_stamp);
    ar.Measurement(top.publish_stamp);
    ar(top.bids);
    ar(top.asks);
    ar(has_top);
    ar(usable);
    ar(recv_time);
  }
};

class BookCache {
 public:
  // Venue and instrument ids must be in range (the core checks before it calls).
  void OnTop(const BookTop& top, Nanos recv_time) noexcept;
  // A connection-level status (instrument invalid) applies to every book of the venue.
  void OnStatus(const VenueStatus& st, int instruments) noexcept;

  const CachedBook& at(VenueId v, InstrumentId i) const noexcept { return books_[v.value][i.value]; }
  bool usable(VenueId v, InstrumentId i) const noexcept { return books_[v.value][i.value].usable; }
  // Usable and received no more than max_age before `now` (input time).
  bool Fresh(VenueId v, InstrumentId i, Nanos now, Nanos max_age) const noexcept {
    const CachedBook& b = books_[v.value][i.value];
    return b.usable && now.value - b.recv_time.value <= max_age.value;
  }

  template <class Ar>
  void Persist(Ar& ar) {
    ar(books_);
  }

 private:
  std::array<std::array<CachedBook, kMaxInstruments>, kMaxVenues> books_{};
};

}  // namespace hs::engine
