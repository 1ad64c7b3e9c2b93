#include "core/engine/pnl_ledger.h"

namespace hs::engine {
namespace {

using fp_internal::Int128;

// x × part / whole, rounded toward zero. REQUIRES: 0 <= part <= whole, whole > 0 (so the
// result fits: |result| <= |x|).
int64_t ShareTowardZero(int64_t x, int64_t part, int64_t whole) noexcept {
  const Int128 prod = static_cast<Int128>(x) * part;
  return static_cast<int64_t>(fp_internal::Div(prod, whole, prod < 0 ? Rounding::kCeil : Rounding::kFloor));
}

}  // namespace

void PnlLedger::Trade(AssetId a, Amount dq, Amount flow) noexcept {
  if (dq.is_zero()) return;
  AssetBook& s = s_[a.value];
  const int64_t held = s.held.raw();
  if (held == 0 || (held > 0) == dq.is_positive()) {  // opening or adding
    s.held += dq;
    s.cost += flow;
    return;
  }
  // Reducing (and maybe flipping): the closed part realizes against its share of the cost.
  const int64_t abs_held = held < 0 ? -held : held;
  const int64_t abs_dq = dq.is_negative() ? -dq.raw() : dq.raw();
  const int64_t closed = abs_dq < abs_held ? abs_dq : abs_held;
  const Amount cost_removed =
      closed == abs_held ? s.cost : Amount::FromRaw(ShareTowardZero(s.cost.raw(), closed, abs_held));
  const Amount flow_closed = closed == abs_dq ? flow : Amount::FromRaw(ShareTowardZero(flow.raw(), closed, abs_dq));
  // Long sold: received (−flow) − cost. Short covered: −cost (the proceeds) − paid (flow).
  const Amount gain = -flow_closed - cost_removed;
  s.realized += gain;
  realized_total_ += gain;
  s.cost -= cost_removed;
  s.held += Amount::FromRaw(held > 0 ? -closed : closed);
  if (abs_dq > closed) {  // the rest opens the other side
    s.held += Amount::FromRaw(dq.is_positive() ? abs_dq - closed : closed - abs_dq);
    s.cost += flow - flow_closed;
  }
}

void PnlLedger::MarkStart(AssetId a, Amount position, Price price) noexcept {
  if (!Tracked(a) || !price.is_positive()) return;
  s_[a.value].marked = true;
  Trade(a, position, MulPrice(position, price, Rounding::kFloor));
}

void PnlLedger::OnFill(AssetId a, Side side, Amount qty, Amount value) noexcept {
  if (!Tracked(a) || !qty.is_positive()) return;
  if (side == Side::kBuy) {
    Trade(a, qty, value);
  } else {
    Trade(a, -qty, -value);
  }
}

void PnlLedger::OnFee(AssetId fee_asset, Amount fee, Amount fee_in_valuation) noexcept {
  if (!In(fee_asset)) return;
  AssetBook& s = s_[fee_asset.value];
  s.fees += fee;
  s.fees_valuation += fee_in_valuation;
  fees_valuation_ += fee_in_valuation;
  if (fee_asset != valuation_asset_) Trade(fee_asset, -fee, -fee_in_valuation);
}

bool PnlLedger::marked(AssetId a) const noexcept {
  if (!In(a)) return false;
  return a == valuation_asset_ || s_[a.value].marked;
}

Price PnlLedger::avg_cost(AssetId a) const noexcept {
  if (!In(a) || s_[a.value].held.is_zero()) return Price::Zero();
  int64_t cost = s_[a.value].cost.raw();
  int64_t held = s_[a.value].held.raw();
  if (held < 0) {
    cost = -cost;
    held = -held;
  }
  // Amount and Price share the 1e-9 scale: raw price = cost × 1e9 / held.
  const Int128 num = static_cast<Int128>(cost) * Price::kScale;
  return Price::FromRaw(fp_internal::Saturate(fp_internal::Div(num, held, num < 0 ? Rounding::kCeil : Rounding::kFloor)));
}

Amount PnlLedger::Unrealized(const Valuation& valuation, AssetId a) const noexcept {
  if (!Tracked(a) || !valuation.Priced(a)) return Amount::Zero();
  const AssetBook& s = s_[a.value];
  return MulPrice(s.held, valuation.PriceOf(a), Rounding::kFloor) - s.cost;
}

Amount PnlLedger::UnrealizedTotal(const Valuation& valuation, int assets) const noexcept {
  const int n = assets < 0 ? 0 : (assets > kMaxAssets ? kMaxAssets : assets);
  Amount sum = Amount::Zero();
  for (int a = 0; a < n; ++a) sum += Unrealized(valuation, AssetId{static_cast<uint16_t>(a)});
  return sum;
}

}  // namespace hs::engine
