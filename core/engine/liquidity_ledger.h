// hs::engine — the book liquidity the core's own orders are taking (leg-risk prevention).
//
// A part of the decision core (DESIGN §6). When an order goes out, the levels it will take from
// its venue's cached top (asks for a buy, bids for a sell, best first, up to its limit and its
// quantity) are recorded against its client id. Until that book's next top after the order's
// last report — the first top that can show the liquidity gone — every decision reads the book
// with those takes netted out, so two decisions in the same millisecond never spend the same
// level (the cause of most one-legged arbitrage groups: two pairs buying one dislocated level,
// the second coming back partial).
//
// An order that ends with nothing filled took nothing: its takes go at once. An order whose
// outcome is unknown keeps them until it resolves. Takes are exact quantities at exact prices;
// a later top that moved the level away simply has nothing to net. No clock: release is driven
// by input order alone (reports and tops), so a replay nets exactly as the run did.
//
// Fixed tables, no allocation. When the take table is full, the order still goes out unnetted
// and `full` counts it (a desk sees the table is too small, trading does not stop).
#pragma once

#include <array>
#include <cstdint>

#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/messages/messages.h"

namespace hs::engine {

struct LiquidityCounters {
  uint64_t takes = 0;           // levels recorded
  uint64_t released = 0;        // levels released (a top after the order's end, or nothing filled)
  uint64_t netted_reads = 0;    // book sides read with takes netted out
  uint64_t full = 0;            // orders sent unnetted: the take table was full
};

class LiquidityLedger {
 public:
  static constexpr int kMaxTakes = 512;  // live (order, level) takes over all books

  // Records what an order `id` on `v`/`i` of `side` for `qty` up to `limit` takes from `levels`
  // (the side it takes from: asks ascending for a buy, bids descending for a sell, as the core
  // read them, already netted). Levels beyond the limit, or past the quantity, are not taken.
  // False when the table had no room for every level taken (nothing is recorded then).
  bool Take(ClientOrderId id, VenueId v, InstrumentId i, Side side, Price limit, Qty qty, const Level* levels,
            int n) noexcept;

  // The order's last report arrived. `filled`: it took some liquidity (its takes then wait for
  // the book's next top); nothing filled releases them now.
  void OnOrderDone(ClientOrderId id, bool filled) noexcept;

  // A new top of v/i: takes of orders already done are released (this top shows what they took).
  void OnTop(VenueId v, InstrumentId i) noexcept;

  // Whether takes are live on the side of v/i that a `taker` order takes from.
  bool Any(VenueId v, InstrumentId i, Side taker) const noexcept {
    return live_[v.value][i.value][static_cast<int>(taker)] != 0;
  }

  // `levels` (the side a `taker` order takes from, best first) with v/i's live takes subtracted
  // into out[0..return); levels left with nothing are dropped. out may not alias levels.
  int Net(VenueId v, InstrumentId i, Side taker, const Level* levels, int n, Level* out) noexcept;

  int live() const noexcept { return used_; }
  const LiquidityCounters& counters() const noexcept { return counters_; }

  // Snapshot (core/engine/snapshot.h).
  template <class Ar>
  void Persist(Ar& ar) {
    ar(entries_);
    ar(live_);
    ar(used_);
    ar(counters_);
  }

 private:
  struct Entry {
    bool active = false;
    bool done = false;  // the order's last report arrived: goes at the book's next top
    ClientOrderId id;
    VenueId venue;
    InstrumentId instrument;
    Side side = Side::kBuy;
    Price px;
    Qty qty;

    template <class Ar>
    void Persist(Ar& ar) {
      ar(active);
      ar(done);
      ar(id);
      ar(venue);
      ar(instrument);
      ar(side);
      ar(px);
      ar(qty);
    }
  };
  void Release(Entry& e) noexcept;

  std::array<Entry, kMaxTakes> entries_{};
  // Live takes per venue × instrument × taker side: the hot path's one-byte test.
  std::array<std::array<std::array<uint16_t, 2>, kMaxInstruments>, kMaxVenues> live_{};
  int used_ = 0;
  LiquidityCounters counters_{};
};

}  // namespace hs::engine
