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

bool TopOfBookPays(const ArbInputs& in) noexcept {
  return in.ask_count > 0 && in.bid_count > 0 && LevelPairPays(in.asks[0].px, in.bids[0].px, in);
}

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

  while (i < in.ask_count && j < in.bid_count && LevelPairPays(in.asks[i].px, in.bids[j].px, in)) {
    const Qty avail = Min(ask_left, bid_left);
    Qty take = Min(avail, caps.max_qty - total);
    // Both legs are single limit orders: the buy budget binds at this ask (fee included) and the
    // sell cap at this bid, for the whole quantity so far.
    const Price cost = NetBuyCost(in.asks[i].px, in.buy_fee);
    if (!NotionalAtMost(cost, total + take, caps.max_buy_notional))
      take = Min(take, QtyForNotional(caps.max_buy_notional, cost, Rounding::kFloor) - total);
    if (!NotionalAtMost(in.bids[j].px, total + take, caps.max_sell_notional))
      take = Min(take, QtyForNotional(caps.max_sell_notional, in.bids[j].px, Rounding::kFloor) - total);
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
  if (q.is_positive() && (!NotionalAtLeast(buy_limit, q, caps.min_notional) ||
                          !NotionalAtLeast(sell_limit, q, caps.min_notional)))
    q = Qty::Zero();
  if (!q.is_positive()) {
    plan.capped = true;
    return plan;
  }
  plan.qty = q;
  plan.buy_limit = buy_limit;
  plan.sell_limit = sell_limit;
  // Profit at the limits is a lower bound: IOC fills can only be better.
  plan.expected_profit = MulNotional(NetSellPrice(sell_limit, in.sell_fee) - NetBuyCost(buy_limit, in.buy_fee), q,
                                     Rounding::kFloor);
  return plan;
}

}  // namespace hs::engine
