// hs::sim — a venue's margin account for linear perpetuals, playing the venue's rules (issue 15):
// positions with average entry and leverage, isolated margin or cross collateral, tiered
// maintenance margin, mark price, funding every interval, and liquidation when the mark crosses
// the liquidation price (isolated) or equity falls to the maintenance margin (cross).
//
// Single-threaded (the simulator's io_context). Exact integers; the position arithmetic is
// margin::ApplyFill, the same function the engine books its fills with, so the engine's books
// and the venue's agree to the last unit. What the venue reports that the engine computes on its
// own (the liquidation price) is computed here with the venue's estimate, fee-to-close terms
// included (ORDERS.md §6: the live liqPrice sits slightly inside the documented formula), so the
// engine's comparison has a real, small gap to measure.
//
// Liquidation, as each venue does it:
//   Bybit (Rule::kBybit): the position is closed at its bankruptcy price; an isolated position
//     loses its margin, a cross account loses what closing at bankruptcy costs.
//   OKX (Rule::kOkx): the position is closed at the mark; the account is charged the loss at mark
//     plus a liquidation penalty of taker_fee × value (OKX's liqPenalty).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "core/base/fixed_point.h"
#include "core/margin/margin_math.h"
#include "core/messages/messages.h"

namespace hs::sim {

class MarginAccount {
 public:
  MarginAccount() = default;
  MarginAccount(margin::Rule rule, Rate taker_fee, Amount wallet);

  // Start-up: one perpetual (instrument id) with its tiers.
  void AddInstrument(int instrument, const margin::Tiers& tiers);

  // Venue settings requests (Bybit set-margin-mode / set-leverage, OKX set-leverage with
  // mgnMode). Refused (false) while any position is open, as the venues refuse a mode switch
  // with open positions; leverage must be in [1, the tier's max].
  bool SetMode(MarginMode mode);
  bool SetLeverage(Rate leverage);
  MarginMode mode() const { return mode_; }
  Rate leverage() const { return leverage_; }

  // Pre-trade, as the venue checks an order before matching it.
  enum class Refusal : uint8_t {
    kNone = 0,
    kReduceOnly,          // reduce_only and the order would open or increase (Bybit 110017, OKX 51169)
    kInsufficientMargin,  // the increase's initial margin exceeds available (Bybit 110007, OKX 51008)
    kNotPerpetual,        // not an instrument of this account
  };
  Refusal Check(int instrument, Side side, Qty qty, Price px, bool reduce_only) const;
  // A reduce-only order is cut to the position's size (venues do); returns the qty that may fill.
  Qty CapReduceOnly(int instrument, Side side, Qty qty) const;

  // Books one fill: position (margin::ApplyFill), realized PnL and the taker fee on the wallet,
  // isolated margin (increase: + IM of the added value at leverage; reduction: released pro rata).
  struct Booked {
    Amount fee;
    Amount realized;
    Qty size_after;
  };
  Booked Fill(int instrument, Side side, Qty qty, Price px);

  void SetMark(int instrument, Price mark);
  // One funding settlement of `instrument` at `rate`: the open position pays or receives
  // margin::FundingFlow(size, mark, rate) on the wallet. Returns the flow (0 when flat).
  Amount SettleFunding(int instrument, Rate rate);

  // Liquidates what the venue's rule says must go at the current marks. Returns what happened.
  struct Liquidation {
    int instrument = 0;
    Qty size;        // the position closed (signed, as it was)
    Price mark;
    Price close_px;  // bankruptcy price (Bybit) or mark (OKX)
    Amount loss;     // what the wallet lost (positive)
  };
  std::vector<Liquidation> CheckLiquidations();

  struct Position {
    Qty size;
    Price entry;
    Amount isolated_margin;
    Price mark;
    Amount realized_cum;
    Amount funding_cum;   // received (+) / paid (−)
    Amount fees_cum;
    bool liquidated = false;  // the last change was a liquidation (cleared by the next fill)
  };
  const Position& position(int instrument) const;
  bool has(int instrument) const { return pos_.count(instrument) != 0; }
  const std::map<int, Position>& positions() const { return pos_; }

  // Account figures, as the venue pushes them.
  Amount wallet() const { return wallet_; }
  Amount unrealized() const;
  Amount equity() const { return wallet_ + unrealized(); }
  Amount initial_margin() const;   // Σ position IM (isolated: the margin held; cross: value/leverage)
  Amount maint_margin() const;     // Σ MM at mark value
  Amount available() const;        // equity − initial_margin (cross) / wallet − Σ isolated margin (isolated), >= 0
  // The venue's liquidation price estimate for a position (pushed as liqPrice / liqPx).
  Price liq_price(int instrument) const;
  uint64_t liquidations() const { return liquidations_; }
  // Deposit / set the wallet (control socket, tests).
  void SetWallet(Amount w) { wallet_ = w; }

 private:
  margin::Rule rule_ = margin::Rule::kBybit;
  Rate taker_fee_;
  MarginMode mode_ = MarginMode::kCross;
  Rate leverage_ = Rate::FromUnits(1);
  Amount wallet_;
  std::map<int, margin::Tiers> tiers_;
  std::map<int, Position> pos_;
  uint64_t liquidations_ = 0;
};

}  // namespace hs::sim
