#include "core/app/backtest_market.h"

#include "core/base/check.h"

namespace hs::backtest {

namespace {

using fp_internal::Int128;

}  // namespace

SimulatedMarket::SimulatedMarket() : books_(static_cast<size_t>(kMaxVenues) * kMaxInstruments) {}

SimulatedMarket::Book* SimulatedMarket::Find(VenueId venue, InstrumentId instrument) noexcept {
  if (venue.value >= kMaxVenues || instrument.value >= kMaxInstruments) return nullptr;
  return &books_[static_cast<size_t>(venue.value) * kMaxInstruments + instrument.value];
}

const SimulatedMarket::Book* SimulatedMarket::Find(VenueId venue, InstrumentId instrument) const noexcept {
  if (venue.value >= kMaxVenues || instrument.value >= kMaxInstruments) return nullptr;
  return &books_[static_cast<size_t>(venue.value) * kMaxInstruments + instrument.value];
}

void SimulatedMarket::OnBook(const Event& e) noexcept {
  HS_DCHECK(e.kind == Event::Kind::kBook, "SimulatedMarket::OnBook takes book events only");
  OnLevels(e.venue, e.instrument, e.t, std::span<const Level>(e.bids.data(), static_cast<size_t>(e.bid_count)),
           std::span<const Level>(e.asks.data(), static_cast<size_t>(e.ask_count)));
}

void SimulatedMarket::OnLevels(VenueId venue, InstrumentId instrument, int64_t t, std::span<const Level> bids,
                               std::span<const Level> asks) noexcept {
  Book* b = Find(venue, instrument);
  if (b == nullptr) return;
  b->present = true;
  ++b->events;
  b->t = t;
  auto copy = [](std::span<const Level> from, BookSide* to) {
    const int n = from.size() < static_cast<size_t>(kMaxEventLevels) ? static_cast<int>(from.size()) : kMaxEventLevels;
    for (int i = 0; i < n; ++i) {
      to->levels[i] = from[static_cast<size_t>(i)];
      to->left[i] = from[static_cast<size_t>(i)].qty;
    }
    to->count = n;
  };
  copy(bids, &b->bids);
  copy(asks, &b->asks);
}

bool SimulatedMarket::HasBook(VenueId venue, InstrumentId instrument) const noexcept {
  const Book* b = Find(venue, instrument);
  return b != nullptr && b->present;
}

BookTop SimulatedMarket::Top(VenueId venue, InstrumentId instrument, int depth) const noexcept {
  BookTop top{};
  top.venue = venue;
  top.instrument = instrument;
  const Book* b = Find(venue, instrument);
  if (b == nullptr || !b->present) return top;
  top.venue_seq = b->events;
  top.exchange_time = Nanos{b->t};
  if (depth > kBookTopDepth) depth = kBookTopDepth;
  auto take = [depth](const BookSide& from, Level* to) {
    int n = 0;
    for (int i = 0; i < from.count && n < depth; ++i) {
      if (!from.left[i].is_positive()) continue;  // taken (or empty in the event)
      to[n++] = Level{from.levels[i].px, from.left[i]};
    }
    return static_cast<uint8_t>(n);
  };
  top.bid_count = take(b->bids, top.bids);
  top.ask_count = take(b->asks, top.asks);
  return top;
}

FillResult SimulatedMarket::Fill(const OrderIntent& in, Rate taker_fee, AssetId quote_asset) noexcept {
  FillResult r;
  r.fee_asset = quote_asset;
  r.canceled = in.qty.is_positive() ? in.qty : Qty::Zero();
  if (in.tif == TimeInForce::kGtc) {
    r.refused = true;
    return r;
  }
  Book* b = Find(in.venue, in.instrument);
  if (b == nullptr || !b->present || !in.qty.is_positive()) return r;
  const bool buy = in.side == Side::kBuy;
  BookSide& s = buy ? b->asks : b->bids;
  // Asks ascend and bids descend, so the first level beyond the limit ends the walk.
  auto within = [&](Price px) { return buy ? px <= in.limit_px : px >= in.limit_px; };
  if (in.tif == TimeInForce::kFok) {
    Qty available;
    for (int i = 0; i < s.count && available < in.qty && within(s.levels[i].px); ++i) available += s.left[i];
    if (available < in.qty) return r;
  }
  Int128 quote_17 = 0;  // Σ px × qty at 10^-17, exact
  Qty need = in.qty;
  for (int i = 0; i < s.count && need.is_positive() && within(s.levels[i].px); ++i) {
    const Qty take = Min(s.left[i], need);
    if (!take.is_positive()) continue;
    s.left[i] -= take;
    need -= take;
    quote_17 += static_cast<Int128>(s.levels[i].px.raw()) * take.raw();
    ++r.levels;
  }
  r.qty = in.qty - need;
  r.canceled = need;
  if (r.qty.is_zero()) return r;
  const Rounding against_taker = buy ? Rounding::kCeil : Rounding::kFloor;
  r.quote = Amount::FromRaw(fp_internal::Saturate(fp_internal::Div(quote_17, Qty::kScale, against_taker)));
  r.fee = AmountFromNotional(MulRate(NotionalFromAmount(r.quote), taker_fee, Rounding::kCeil));
  r.avg_px = AveragePrice(r.quote, r.qty, against_taker);
  return r;
}

}  // namespace hs::backtest
