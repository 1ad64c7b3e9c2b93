// hs::backtest — the simulated market a backtest trades against: the last book of each
// (venue, instrument) and an immediate taker fill model.
//
// Model (deliberately simple and deterministic):
//   - A book event replaces the whole book of its (venue, instrument), up to kMaxEventLevels a
//     side, and restores any liquidity taken from it.
//   - An IOC intent fills at once against that book, level by level, best first, while the
//     level price is within its limit (buy: asks <= limit; sell: bids >= limit). What it takes
//     is gone from the book until the book's next event; the rest of the intent is canceled.
//     FOK fills the same way only when the whole quantity is there, else nothing. GTC is
//     refused: the model keeps no resting orders.
//   - Lot-agnostic: the intent's quantity is already on the venue's lot, so levels are taken
//     in whatever quantity they hold.
//   - No latency, no queue position, no market impact beyond the liquidity taken, no fills
//     from other traders: the core's own orders are the only thing that moves a book between
//     its events.
// Not here: the event file (backtest_events.h), turning fills into ExecReports (the runner).
//
// Owned by the one thread that runs the backtest. Allocates its tables once at construction.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/app/backtest_events.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/messages/messages.h"

namespace hs::backtest {

// What one intent got: a single aggregated fill (total quantity and quote over every level it
// took) and the canceled remainder.
//
// Rounding (all exact integer arithmetic, no double):
//   quote  = Σ level price × level qty, summed exactly in 128 bits at 10^-17 and rounded once to
//            the Amount scale (10^-9): up for a buy (the taker pays at least the exact value),
//            down for a sell (receives at most). Exact whenever tick × lot is a multiple of
//            10^-9, as for every real instrument (0.01 × 0.00001 = 10^-7).
//   fee    = quote × taker_fee rounded up to 10^-9, in the quote asset for buys and sells alike.
//   avg_px = quote ÷ qty, rounded against the taker (up for a buy, down for a sell); reporting
//            only: the portfolio books `quote`, never avg_px × qty.
struct FillResult {
  Qty qty;               // filled; zero when nothing filled
  Amount quote;          // quote exchanged (see rounding above)
  Amount fee;            // charged in fee_asset
  AssetId fee_asset;     // the instrument's quote asset
  Price avg_px;          // zero when nothing filled
  Qty canceled;          // intent qty - filled (the IOC remainder); the whole qty when refused
  int levels = 0;        // book levels the fill took from
  bool refused = false;  // GTC, which the model does not support: nothing filled
};

class SimulatedMarket {
 public:
  SimulatedMarket();

  // Replaces the book of the event's (venue, instrument) with its levels, restoring all
  // liquidity taken from it. REQUIRES: e.kind == kBook (as EventReader gives it: ordered,
  // uncrossed, at most kMaxEventLevels a side).
  void OnBook(const Event& e) noexcept;
  // The same from levels held elsewhere (a venue book after a `raw` event): best first, at
  // most kMaxEventLevels a side are kept (deeper levels are dropped). `t` is the event time.
  void OnLevels(VenueId venue, InstrumentId instrument, int64_t t, std::span<const Level> bids,
                std::span<const Level> asks) noexcept;

  // Whether a book event has been seen for (venue, instrument).
  bool HasBook(VenueId venue, InstrumentId instrument) const noexcept;

  // The best `depth` levels a side (clamped to [0, kBookTopDepth]) of what is left of the
  // book: levels with nothing left are skipped. venue and instrument are set; venue_seq is
  // the number of book events seen for that book, exchange_time the last one's t; the latency
  // stamps are left zero (the runner stamps what it needs). Empty sides when there is no book.
  BookTop Top(VenueId venue, InstrumentId instrument, int depth = kBookTopDepth) const noexcept;

  // Fills `in` against the book of (in.venue, in.instrument) as the model above says, takes the
  // liquidity it used and returns the aggregated fill. No book, a zero quantity or a limit that
  // crosses nothing: nothing fills and the whole quantity is canceled. Deterministic: the same
  // books and intents give the same results.
  FillResult Fill(const OrderIntent& in, Rate taker_fee, AssetId quote_asset) noexcept;

 private:
  struct BookSide {
    int count = 0;
    Level levels[kMaxEventLevels];  // as the last event gave them
    Qty left[kMaxEventLevels];      // what is left of each after fills since that event
  };
  struct Book {
    bool present = false;
    uint64_t events = 0;
    int64_t t = 0;
    BookSide bids;
    BookSide asks;
  };
  Book* Find(VenueId venue, InstrumentId instrument) noexcept;
  const Book* Find(VenueId venue, InstrumentId instrument) const noexcept;

  std::vector<Book> books_;  // [venue][instrument], kMaxVenues × kMaxInstruments
};

}  // namespace hs::backtest
