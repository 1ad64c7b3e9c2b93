// hs::margin — the arithmetic of linear perpetual margin: maintenance-margin tiers, initial
// margin, liquidation and bankruptcy prices by each venue's rule, margin ratio, funding, and
// position accounting (average entry, realized PnL on reduction).
//
// Pure functions over exact integers (fixed_point.h), no allocation, no state. The engine uses
// them to know its own margin (and check the venue's pushed liquidation price), the risk gate to
// measure distance to liquidation after a fill, and homeostat-sim to play the venue's rules:
// where the engine and the simulator must agree to the last unit (realized PnL, fees on the
// wallet) they call the same function here.
//
// Units: position size in base units, signed (> 0 long); prices in quote per base; amounts in
// the settle asset (the quote). ../shared/venues/ORDERS.md §6 holds the formulas and the worked
// examples the tests check.
#pragma once

#include <array>
#include <cstdint>

#include "core/base/fixed_point.h"
#include "core/messages/messages.h"

namespace hs::margin {

// Maintenance-margin tiers (Bybit risk-limit tiers, OKX position tiers): a position whose value
// is at most `max_value` uses this tier's rates. MM = value × mmr − deduction (Bybit's
// mmDeduction keeps MM continuous across tiers; 0 where the venue has none).
struct Tier {
  Notional max_value;  // upper bound of position value for this tier (the last tier: any value)
  Rate mmr;            // maintenance margin rate
  Rate imr;            // initial margin rate (1 / the tier's max leverage)
  Amount deduction;
};
inline constexpr int kMaxTiers = 8;
struct Tiers {
  std::array<Tier, kMaxTiers> tier{};
  int count = 0;  // tiers in use, ascending max_value; 0 = none configured (MM = 0)
};

// Which venue rule prices an isolated liquidation.
//   kBybit: documented USDT-contract formula, MM charged at entry value:
//           long LP = E − (M − MM)/|q|,  short LP = E + (M − MM)/|q|, M = IM + extra margin.
//   kOkx:   derived from "liquidated when margin ratio < 100%", MM and the fee to close charged
//           at mark: long P = (q·E − M) / (q·(1 − r − f)), short P = (q·E + M) / (q·(1 + r + f)).
enum class Rule : uint8_t { kBybit = 0, kOkx };

// The tier that applies to a position value: the first whose max_value >= value, else the last.
// nullptr when tiers.count == 0.
const Tier* TierFor(const Tiers& tiers, Notional value) noexcept;

// |size| × price, rounded up (a value used for margin is never understated).
Notional PositionValue(Qty size, Price px) noexcept;
// value × mmr − deduction of the tier for value, at least 0, rounded up.
Amount MaintenanceMargin(const Tiers& tiers, Notional value) noexcept;
// value / leverage, rounded up. leverage <= 0: the whole value.
Amount InitialMargin(Notional value, Rate leverage) noexcept;

// One position as margin sees it.
struct Position {
  Qty size;                 // signed, base units
  Price entry;              // average entry price
  Amount isolated_margin;   // isolated: the margin the position holds (IM + extra added); cross: unused
  Rate leverage;
};

// Isolated liquidation price by `rule` (taker_fee used by kOkx only). Rounded toward the entry
// (a long's up, a short's down: the estimate errs on the side of safety). Zero when flat; zero
// for a long whose margin covers a fall to 0 (no liquidation price), Price::Max() never.
Price LiquidationPrice(Rule rule, const Position& p, const Tiers& tiers, Rate taker_fee) noexcept;
// Isolated bankruptcy price (margin exhausted): long E − M/|q|, short E + M/|q|; zero when flat
// (or when a long's margin covers a fall to 0).
Price BankruptcyPrice(const Position& p) noexcept;

// Cross margin. The account's equity (wallet + unrealized PnL of every position) against the
// maintenance margin of every position; liquidated when equity <= MM.
// MarginRatio: MM / equity (Bybit accountMMRate); 1 (Rate::FromUnits(1)) or more = liquidated.
// Equity <= 0: returns a value >= 1.
Rate MarginRatio(Amount equity, Amount maint_margin) noexcept;
// Cross liquidation price of one position when it is the only thing that moves: the mark at
// which `other_equity` (wallet + every other position's unrealized PnL) + this position's PnL
// equals its maintenance margin at that mark (MM at mark, kOkx-style, or at entry for kBybit).
// Zero when flat or when no positive price liquidates it.
Price CrossLiquidationPrice(Rule rule, Qty size, Price entry, Amount other_equity, const Tiers& tiers,
                            Rate taker_fee) noexcept;

// Distance to liquidation, |mark − liq| / mark as a Rate, rounded down; zero when the mark has
// reached or crossed liq (a long with mark <= liq, a short with mark >= liq). A position with no
// liquidation price (liq zero, not flat) has distance Rate::FromUnits(1). Flat: FromUnits(1).
Rate Distance(Qty size, Price mark, Price liq) noexcept;
// Cross margin: the account's margin stands in for the price distance. (equity − MM) / gross
// notional at mark — the fraction by which every position's mark can move against it before
// equity meets maintenance margin; for an account with one position it is |mark − liq| / mark
// with liq its cross liquidation price (MM held fixed), so isolated and cross distances compare
// on one scale. (1 − MM/equity, the margin ratio itself, would read 0.9 until the last moments
// before liquidation: no threshold on it acts in time.) Rounded down; 0 when equity <= MM;
// FromUnits(1) with no notional (capped at 1).
Rate CrossDistance(Amount equity, Amount maint_margin, Notional gross_notional) noexcept;

// Unrealized PnL on mark: size × (mark − entry), rounded toward zero... exactly: floor for both
// signs (never overstated).
Amount UnrealizedPnl(Qty size, Price entry, Price mark) noexcept;

// Funding one settlement charges a position: value at mark × rate, where a long pays a positive
// rate. Returned as the position's cash flow: < 0 paid, > 0 received. The magnitude is rounded
// up when paid and down when received (the venue keeps the fraction).
Amount FundingFlow(Qty size, Price mark, Rate rate) noexcept;

// Position accounting for one fill: the engine (from its fills) and the simulator (from its
// matching) both call this, so their positions and realized PnL agree exactly.
// Increasing (or opening): entry becomes the size-weighted average, rounded to the nearest
// 10^-9 (half away from zero). Reducing: realized = filled × (px − entry) × sign(size), floor.
// A fill beyond the position flips it: the excess opens at px. Fees are not included (the
// caller charges them).
struct FillResult {
  Qty size;        // new signed size
  Price entry;     // new average entry (zero when flat)
  Amount realized; // PnL realized by the reducing part
  Qty reduced;     // base the fill took off the old position (0..|old size|)
};
FillResult ApplyFill(Qty size, Price entry, Side side, Qty qty, Price px) noexcept;

// Whether an order of `side` reduces a position of `size` (opposite signs).
constexpr bool Reduces(Qty size, Side side) noexcept {
  return (size.is_positive() && side == Side::kSell) || (size.is_negative() && side == Side::kBuy);
}

}  // namespace hs::margin
