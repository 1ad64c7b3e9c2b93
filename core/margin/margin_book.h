// hs::margin — what the engine knows of its perpetual positions and margin accounts (issue 15).
//
// Owned by the decision core (one thread; deterministic). Positions move with the engine's own
// fills (margin::ApplyFill, the same arithmetic the venue's books use), marks with MarkUpdate,
// funding with FundingPayment, the account with MarginAccountUpdate and the wallet (settle
// asset cash) with SetWallet from the core's Portfolio. The venue's pushed PositionUpdate is
// compared, never trusted blindly: its liquidation price against the engine's own formula
// (beyond a tolerance: counted), its size against the engine's (a liquidation by the venue is
// adopted: the venue closed it). Distances to liquidation feed the risk gate (pre-trade), the
// venue's REDUCING state and the deleveraging of risk/deleverage.h.
//
// No allocation, no clock, no lock: plain tables indexed by dense ids.
#pragma once

#include <array>
#include <cstdint>

#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/margin/margin_math.h"
#include "core/messages/messages.h"

namespace hs::margin {

struct VenueParams {
  bool perp = false;          // the venue lists perpetuals (its account is a margin account)
  Rule rule = Rule::kBybit;   // whose liquidation formula (by venue kind: Bybit, OKX)
  MarginMode mode = MarginMode::kCross;
  Rate leverage = Rate::FromUnits(1);
  Rate taker_fee;
  AssetId settle;             // the settle asset (the perpetuals' quote)
};

struct InstrumentParams {
  bool perp = false;
  AssetId base;
  AssetId quote;
  Tiers tiers;
};

// One position on one venue.
struct PerpPosition {
  Qty size;                // signed base units, from the engine's fills
  Price entry;             // average entry
  Amount isolated_margin;  // isolated: margin held (IM of what was opened, released pro rata)
  Amount realized;         // PnL realized by reductions, cumulative (fees excluded)
  Amount funding;          // funding received (+) / paid (−), cumulative
  Amount fees;             // fees paid on this instrument, cumulative
  Price mark;              // last mark (zero: none yet)
  Price venue_liq;         // the venue's last pushed liquidation price (zero: none)
  Qty venue_size;          // the venue's last pushed size
  bool venue_seen = false; // a PositionUpdate arrived

  template <class Ar>
  void Persist(Ar& ar) {
    ar(size);
    ar(entry);
    ar(isolated_margin);
    ar(realized);
    ar(funding);
    ar(fees);
    ar(mark);
    ar(venue_liq);
    ar(venue_size);
    ar(venue_seen);
  }
};

class MarginBook {
 public:
  // Start-up: `venues` and `instruments` entries (dense ids from 0).
  void Configure(const VenueParams* venues, int venue_count, const InstrumentParams* instruments,
                 int instrument_count, Rate liq_tolerance);

  bool perp(VenueId v, InstrumentId i) const noexcept;
  bool perp_venue(VenueId v) const noexcept { return v.valid() && v.value < venue_count_ && venue_[v.value].perp; }

  // ---- inputs ----
  // The engine's own fill (or part of one) on a perpetual. Returns what the position did
  // (realized PnL: the caller moves the wallet by realized − fee).
  FillResult ApplyFill(VenueId v, InstrumentId i, Side side, Qty qty, Price px, Amount fee) noexcept;
  void ApplyMark(const MarkUpdate& m) noexcept;
  // Funding booked on the position (the caller moves the wallet by m.amount).
  void ApplyFunding(const FundingPayment& f) noexcept;
  void ApplyAccount(const MarginAccountUpdate& a) noexcept;
  // Compares with the engine's own position; see the class comment. Returns true when the venue
  // reports a liquidation (the caller books the loss: the wallet comes from the next account
  // snapshot or MarginAccountUpdate).
  bool ApplyPosition(const PositionUpdate& p) noexcept;
  // The venue's settle-asset cash as the core's Portfolio holds it (after every change).
  void SetWallet(VenueId v, Amount wallet) noexcept;

  // ---- reads ----
  const PerpPosition& position(VenueId v, InstrumentId i) const noexcept { return pos_[v.value][i.value]; }
  Amount wallet(VenueId v) const noexcept { return wallet_[v.value]; }
  // Σ unrealized PnL on mark over the venue's positions; equity = wallet + upl.
  Amount unrealized(VenueId v) const noexcept;
  Amount equity(VenueId v) const noexcept { return wallet_[v.value] + unrealized(v); }
  // Σ maintenance margin at mark over the venue's positions.
  Amount maint_margin(VenueId v) const noexcept;
  // What new positions may still margin, as the venue counts it: isolated, the wallet less the
  // margin every position holds; cross, equity less every position's initial margin (value at
  // entry / leverage). At least 0. Orders in flight are the caller's to subtract.
  Amount available(VenueId v) const noexcept;
  // Σ |size| × mark over the venue's positions (entry where no mark yet).
  Notional gross_notional(VenueId v) const noexcept;
  // The last funding rate the venue published for a perpetual (MarkUpdate::kFunding).
  Rate funding_rate(VenueId v, InstrumentId i) const noexcept { return funding_rate_[v.value][i.value]; }
  // The engine's own liquidation price of a position (venue rule and margin mode).
  Price LiquidationPrice(VenueId v, InstrumentId i) const noexcept;
  // Distance to liquidation (margin_math.h Distance / CrossDistance): isolated per position,
  // cross the venue account's. FromUnits(1) when flat or with no mark yet.
  Rate Distance(VenueId v, InstrumentId i) const noexcept;
  // The smallest distance over the venue's positions (cross: the account's).
  Rate VenueDistance(VenueId v) const noexcept;
  // The distance a complete fill of (side, qty) at px would leave (mark unchanged; the fill's
  // own difference from mark counted as PnL). For the pre-trade check.
  Rate DistanceAfter(VenueId v, InstrumentId i, Side side, Qty qty, Price px) const noexcept;
  // Perpetual delta of an asset: Σ size over venues and perpetuals whose base it is.
  Qty delta(AssetId a) const noexcept;

  // Counters (status): venue liquidation prices beyond tolerance of the engine's, venue sizes
  // different from the engine's, liquidations the venues reported.
  uint64_t liq_mismatches() const noexcept { return liq_mismatches_; }
  uint64_t size_mismatches() const noexcept { return size_mismatches_; }
  uint64_t liquidations() const noexcept { return liquidations_; }
  // The largest |venue − own| / mark seen (for the status line and the log).
  Rate worst_liq_gap() const noexcept { return worst_liq_gap_; }

  // Snapshot (core/engine/snapshot.h): state only (params come from config).
  template <class Ar>
  void Persist(Ar& ar) {
    ar(pos_);
    ar(wallet_);
    ar(funding_rate_);
    ar(account_equity_);
    ar(account_mm_);
    ar(liq_mismatches_);
    ar(size_mismatches_);
    ar(liquidations_);
    ar(worst_liq_gap_);
  }

 private:
  int venue_count_ = 0;
  int instrument_count_ = 0;
  Rate tolerance_;
  std::array<VenueParams, kMaxVenues> venue_{};
  std::array<InstrumentParams, kMaxInstruments> inst_{};
  std::array<std::array<PerpPosition, kMaxInstruments>, kMaxVenues> pos_{};
  std::array<Amount, kMaxVenues> wallet_{};
  std::array<std::array<Rate, kMaxInstruments>, kMaxVenues> funding_rate_{};
  std::array<Amount, kMaxVenues> account_equity_{};  // the venue's last pushed equity
  std::array<Amount, kMaxVenues> account_mm_{};      // and maintenance margin
  uint64_t liq_mismatches_ = 0;
  uint64_t size_mismatches_ = 0;
  uint64_t liquidations_ = 0;
  Rate worst_liq_gap_;
};

}  // namespace hs::margin
