#include "core/engine/arbitrage.h"

namespace hs::engine {

Price NetSellPrice(Price p, Rate fee) noexcept {
  return p - MulRate(p, fee, Rounding::kCeil);  // fees round against us
}

Price NetBuyCost(Price p, Rate fee) noexcept { return p + MulRate(p, fee, Rounding::kCeil); }

namespace {
// True when buying at `ask` and selling at `bid` beats both fees and the minimum edge.
bool LevelPairPays(Price ask, Price bid, const ArbInputs& in) noexcept {
  const Price net_sell = NetSellPrice(bid, in.sell_fee);
  const Price net_buy = NetBuyCost(ask, in.buy_fee);
  const Price edge = MulRate(ask, in.min_edge, Rounding::kCeil);
  return net_sell - net_buy > edge;
}
}  // namespace

ArbPlan FindArbitrage(const ArbInputs& in, const ArbCaps& caps) noexcept {
  ArbPlan plan;
  if (in.ask_count <= 0 || in.bid_count <= 0) return plan;
  if (!LevelPairPays(in.asks[0].px, in.bids[0].px, in)) return plan;
  plan.crossed = true;

  int i = 0;
  int j = 0;
  Qty ask_left = in.asks[0].qty;
  Qty bid_left = in.bids[0].qty;
  Qty total = Qty::Zero();
  Price buy_limit = in.asks[0].px;
  Price sell_limit = in.bids[0].px;
  Qty cap = caps.max_qty;

  while (i < in.ask_count && j < in.bid_count && LevelPairPays(in.asks[i].px, in.bids[j].px, in)) {
    const Qty avail = Min(ask_left, bid_left);
    Qty take = Min(avail, cap - total);
    // The quote budget binds the whole order at its limit price (the venue locks limit × qty,
    // fee included), and the limit is this level's price once we take from it.
    const Qty afford =
        QtyForNotional(caps.max_buy_notional, NetBuyCost(in.asks[i].px, in.buy_fee), Rounding::kFloor) - total;
    take = Min(take, afford);
    if (!take.is_positive()) break;
    total += take;
    buy_limit = in.asks[i].px;
    sell_limit = in.bids[j].px;
    if (take < avail) break;  // a cap bound us: deeper levels cannot help
    ask_left -= take;
    bid_left -= take;
    if (!ask_left.is_positive() && ++i < in.ask_count) ask_left = in.asks[i].qty;
    if (!bid_left.is_positive() && ++j < in.bid_count) bid_left = in.bids[j].qty;
  }

  Qty q = FloorToLot(total, caps.lot);
  if (q.is_positive()) {
    const Notional buy_n = MulNotional(buy_limit, q, Rounding::kFloor);
    const Notional sell_n = MulNotional(sell_limit, q, Rounding::kFloor);
    if (buy_n < caps.min_notional || sell_n < caps.min_notional) q = Qty::Zero();
  }
  if (!q.is_positive()) {
    plan.capped = true;
    return plan;
  }
  plan.qty = q;
  plan.buy_limit = buy_limit;
  plan.sell_limit = sell_limit;
  // Profit at the limits is a lower bound: IOC fills can only be better.
  plan.expected_profit = MulNotional(NetSellPrice(sell_limit, in.sell_fee), q, Rounding::kFloor) -
                         MulNotional(NetBuyCost(buy_limit, in.buy_fee), q, Rounding::kCeil);
  return plan;
}

}  // namespace hs::engine
