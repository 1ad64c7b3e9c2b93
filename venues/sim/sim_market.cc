#include "venues/sim/sim_market.h"

#include <algorithm>
#include <cmath>

namespace hs::sim {

std::vector<BookDelta> SimBook::ReplaceWith(const std::vector<Level>& new_bids, const std::vector<Level>& new_asks) {
  std::vector<BookDelta> d;
  auto diff = [&](auto& side, const std::vector<Level>& target, bool is_bid) {
    std::map<int64_t, Qty> want;
    for (const Level& l : target)
      if (l.qty.is_positive()) want[l.px.raw()] = l.qty;
    for (auto it = side.begin(); it != side.end();) {
      if (want.find(it->first) == want.end()) {
        d.push_back({is_bid, Price::FromRaw(it->first), Qty::Zero()});
        it = side.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [px, q] : want) {
      auto it = side.find(px);
      if (it == side.end() || it->second != q) {
        d.push_back({is_bid, Price::FromRaw(px), q});
        side[px] = q;
      }
    }
  };
  diff(bids, new_bids, true);
  diff(asks, new_asks, false);
  return d;
}

void SimBook::Take(Side side, Price limit, Qty qty, std::vector<FillPart>* fills, std::vector<BookDelta>* deltas) {
  Qty left = qty;
  if (side == Side::kBuy) {
    for (auto it = asks.begin(); it != asks.end() && left.is_positive() && it->first <= limit.raw();) {
      const Qty take = Min(left, it->second);
      fills->push_back({Price::FromRaw(it->first), take});
      left -= take;
      it->second -= take;
      deltas->push_back({false, Price::FromRaw(it->first), it->second});
      it = it->second.is_positive() ? std::next(it) : asks.erase(it);
    }
  } else {
    for (auto it = bids.begin(); it != bids.end() && left.is_positive() && it->first >= limit.raw();) {
      const Qty take = Min(left, it->second);
      fills->push_back({Price::FromRaw(it->first), take});
      left -= take;
      it->second -= take;
      deltas->push_back({true, Price::FromRaw(it->first), it->second});
      it = it->second.is_positive() ? std::next(it) : bids.erase(it);
    }
  }
}

void SimBook::Top(int n, std::vector<Level>* b, std::vector<Level>* a) const {
  b->clear();
  a->clear();
  for (auto it = bids.begin(); it != bids.end() && static_cast<int>(b->size()) < n; ++it)
    b->push_back({Price::FromRaw(it->first), it->second});
  for (auto it = asks.begin(); it != asks.end() && static_cast<int>(a->size()) < n; ++it)
    a->push_back({Price::FromRaw(it->first), it->second});
}

Market::Market(const SimConfig& cfg) : cfg_(cfg), rng_(cfg.seed) {
  const size_t nv = cfg.base.venues.size();
  const size_t ni = cfg.base.instruments.size();
  fair_ = cfg.start_price;
  walk_ = cfg.start_price;
  crash_.assign(ni, CrashState{});
  books_.assign(nv, std::vector<SimBook>(ni));
  lists_.assign(nv, std::vector<bool>(ni, false));
  offset_bps_.assign(nv, std::vector<int64_t>(ni, 0));
  offset_until_.assign(nv, std::vector<Nanos>(ni, Nanos{0}));
  bias_bps_.assign(nv, 0);
  noise_bps10_.assign(nv, std::vector<int64_t>(ni, 0));
  for (const auto& v : cfg.base.venues)
    for (const auto& s : v.symbols) lists_[v.id.value][s.instrument.value] = true;
  // Initial books.
  for (size_t v = 0; v < nv; ++v) {
    for (size_t i = 0; i < ni; ++i) {
      if (!lists_[v][i]) continue;
      std::vector<Level> b, a;
      BuildTarget(static_cast<int>(v), static_cast<int>(i), &b, &a);
      books_[v][i].ReplaceWith(b, a);
    }
  }
}

void Market::BuildTarget(int venue, int instrument, std::vector<Level>* bids, std::vector<Level>* asks) {
  const config::InstrumentConfig& ic = cfg_.base.instruments[static_cast<size_t>(instrument)];
  const int64_t tick = ic.tick.raw();
  const int64_t fair = fair_[static_cast<size_t>(instrument)].raw();
  const int64_t off_bps10 = (offset_bps_[static_cast<size_t>(venue)][static_cast<size_t>(instrument)] +
                             bias_bps_[static_cast<size_t>(venue)]) * 10 +
                            noise_bps10_[static_cast<size_t>(venue)][static_cast<size_t>(instrument)];
  const int64_t mid = fair + static_cast<int64_t>(static_cast<fp_internal::Int128>(fair) * off_bps10 / 100'000);
  const int64_t half_spread = std::max<int64_t>(tick, static_cast<int64_t>(static_cast<fp_internal::Int128>(mid) * cfg_.spread_bps / 20'000));
  int64_t best_bid = (mid - half_spread) / tick * tick;
  int64_t best_ask = ((mid + half_spread + tick - 1) / tick) * tick;
  if (best_ask <= best_bid) best_ask = best_bid + tick;
  const int64_t gap = std::max<int64_t>(tick, (static_cast<int64_t>(static_cast<fp_internal::Int128>(mid) / 20'000) / tick) * tick);
  std::uniform_int_distribution<int64_t> notional(1000, 8000);  // quote units per level
  const SimBook& cur = books_[static_cast<size_t>(venue)][static_cast<size_t>(instrument)];
  auto qty_at = [&](int64_t px, bool bid) {
    // Keep most existing sizes so consecutive books differ by a few levels, like a real one.
    const auto& side_has = bid ? cur.bids.count(px) : cur.asks.count(px);
    if (side_has && (rng_() % 5) != 0) return bid ? cur.bids.at(px) : cur.asks.at(px);
    const int64_t n = notional(rng_);
    const fp_internal::Int128 q = static_cast<fp_internal::Int128>(n) * Price::kScale * Qty::kScale / px;  // qty raw
    const int64_t lot = ic.lot.raw();
    int64_t qr = static_cast<int64_t>(q) / lot * lot;
    if (qr <= 0) qr = lot;
    return Qty::FromRaw(qr);
  };
  bids->clear();
  asks->clear();
  for (int k = 0; k < cfg_.levels; ++k) {
    const int64_t bp = best_bid - k * gap;
    const int64_t ap = best_ask + k * gap;
    if (bp > 0) bids->push_back({Price::FromRaw(bp), qty_at(bp, true)});
    asks->push_back({Price::FromRaw(ap), qty_at(ap, false)});
  }
}

std::vector<BookChange> Market::Step(Nanos now) {
  std::vector<BookChange> out;
  if (paused_) return out;
  const size_t nv = books_.size();
  const size_t ni = fair_.size();
  std::normal_distribution<double> gauss(0.0, 1.0);
  for (size_t i = 0; i < ni; ++i) {
    const int64_t tick = cfg_.base.instruments[i].tick.raw();
    if (cfg_.follows[i] < 0) {
      const double step = static_cast<double>(walk_[i].raw()) * static_cast<double>(cfg_.step_bps) / 10'000.0 * gauss(rng_);
      int64_t next = walk_[i].raw() + static_cast<int64_t>(std::llround(step / static_cast<double>(tick))) * tick;
      // Mean-revert gently toward the start price so long demos stay in range.
      next += (cfg_.start_price[i].raw() - next) / 2000 / tick * tick;
      if (next > tick) walk_[i] = Price::FromRaw(next);
    }
    for (size_t v = 0; v < nv; ++v) {
      int64_t& nb = noise_bps10_[v][i];
      nb += static_cast<int64_t>(rng_() % 3) - 1;
      nb = std::clamp<int64_t>(nb, -5, 5);
      if (offset_bps_[v][i] != 0 && now >= offset_until_[v][i]) offset_bps_[v][i] = 0;
    }
  }
  UpdateFair(now);
  if (cfg_.dislocation_every_ms > 0) {
    if (next_dislocation_.value == 0) {
      next_dislocation_ = now + Nanos::FromMillis(cfg_.dislocation_every_ms);
    } else if (now >= next_dislocation_) {
      const int v = static_cast<int>(rng_() % nv);
      const int i = static_cast<int>(rng_() % ni);
      if (lists_[static_cast<size_t>(v)][static_cast<size_t>(i)]) {
        const int64_t sign = (rng_() & 1) ? 1 : -1;
        Dislocate(v, i, sign * cfg_.dislocation_bps, cfg_.dislocation_ms, now);
      }
      std::exponential_distribution<double> wait(1.0 / static_cast<double>(cfg_.dislocation_every_ms));
      next_dislocation_ = now + Nanos::FromMillis(1 + static_cast<int64_t>(wait(rng_)));
    }
  }
  for (size_t v = 0; v < nv; ++v) {
    for (size_t i = 0; i < ni; ++i) {
      if (!lists_[v][i]) continue;
      std::vector<Level> b, a;
      BuildTarget(static_cast<int>(v), static_cast<int>(i), &b, &a);
      SimBook& book = books_[v][i];
      const Level ob = book.best_bid(), oa = book.best_ask();
      std::vector<BookDelta> d = book.ReplaceWith(b, a);
      if (d.empty()) continue;
      BookChange c = Record(static_cast<int>(v), static_cast<int>(i), std::move(d));
      c.top_changed = ob.px != book.best_bid().px || ob.qty != book.best_bid().qty || oa.px != book.best_ask().px ||
                      oa.qty != book.best_ask().qty;
      out.push_back(std::move(c));
    }
  }
  return out;
}

BookChange Market::Record(int venue, int instrument, std::vector<BookDelta> deltas) {
  SimBook& book = books_[static_cast<size_t>(venue)][static_cast<size_t>(instrument)];
  BookChange c;
  c.venue = venue;
  c.instrument = instrument;
  c.first_update_id = book.update_id + 1;
  book.update_id += deltas.empty() ? 1 : deltas.size();
  c.last_update_id = book.update_id;
  c.prev_seq = book.seq;
  book.seq += 1;
  c.seq = book.seq;
  c.deltas = std::move(deltas);
  c.top_changed = true;
  return c;
}

BookChange Market::SetBook(int venue, int instrument, const std::vector<Level>& bids, const std::vector<Level>& asks) {
  SimBook& book = books_[static_cast<size_t>(venue)][static_cast<size_t>(instrument)];
  std::vector<BookDelta> d = book.ReplaceWith(bids, asks);
  BookChange c = Record(venue, instrument, std::move(d));
  c.top_changed = true;
  return c;
}

void Market::Dislocate(int venue, int instrument, int64_t bps, int64_t ms, Nanos now) {
  offset_bps_[static_cast<size_t>(venue)][static_cast<size_t>(instrument)] = bps;
  offset_until_[static_cast<size_t>(venue)][static_cast<size_t>(instrument)] = now + Nanos::FromMillis(ms);
  ++dislocations_;
}

int64_t Market::CrashPpm(size_t instrument, Nanos now) const {
  const CrashState& c = crash_[instrument];
  if (c.ms <= 0 || now >= c.start + Nanos::FromMillis(c.ms)) return c.to_ppm;
  if (now <= c.start) return c.from_ppm;
  const fp_internal::Int128 elapsed = (now - c.start).value;
  const fp_internal::Int128 span = Nanos::FromMillis(c.ms).value;
  return c.from_ppm + static_cast<int64_t>((c.to_ppm - c.from_ppm) * elapsed / span);
}

void Market::UpdateFair(Nanos now) {
  const size_t ni = fair_.size();
  // Walkers first: a perpetual that follows a spot reads the spot's new fair.
  for (size_t i = 0; i < ni; ++i) {
    if (cfg_.follows[i] >= 0) continue;
    const Price tick = cfg_.base.instruments[i].tick;
    const int64_t px = static_cast<int64_t>(static_cast<fp_internal::Int128>(walk_[i].raw()) * CrashPpm(i, now) / 1'000'000);
    fair_[i] = Max(FloorToTick(Price::FromRaw(px), tick), tick);
  }
  for (size_t i = 0; i < ni; ++i) {
    const int spot = cfg_.follows[i];
    if (spot < 0) continue;
    const Price tick = cfg_.base.instruments[i].tick;
    const int64_t px = static_cast<int64_t>(static_cast<fp_internal::Int128>(fair_[static_cast<size_t>(spot)].raw()) *
                                            (10'000 + cfg_.perp_basis_bps) / 10'000);
    fair_[i] = Max(FloorToTick(Price::FromRaw(px), tick), tick);
  }
}

Price Market::index(int instrument) const {
  const int spot = cfg_.follows[static_cast<size_t>(instrument)];
  return spot >= 0 ? fair(spot) : fair(instrument);
}

Rate Market::funding_rate(int instrument) const {
  if (!cfg_.base.instruments[static_cast<size_t>(instrument)].perp()) return Rate::Zero();
  // 1 bp = 0.0001 = 10^4 raw; clamped to ±0.0075 (75 bp), the usual venue cap.
  const int64_t bps = std::clamp<int64_t>(cfg_.perp_basis_bps, -75, 75);
  return Rate::FromRaw(bps * 10'000);
}

int Market::Crash(int64_t pct, int64_t ms, int base_asset, Nanos now) {
  int affected = 0;
  for (size_t i = 0; i < crash_.size(); ++i) {
    const config::InstrumentConfig& ic = cfg_.base.instruments[i];
    if (base_asset >= 0 && ic.base.value != base_asset) continue;
    ++affected;
    if (cfg_.follows[i] >= 0) continue;  // moves with its spot
    CrashState& c = crash_[i];
    const int64_t from = CrashPpm(i, now);
    c.from_ppm = from;
    c.to_ppm = from * (100 - pct) / 100;
    c.start = now;
    c.ms = ms;
  }
  return affected;
}

Amount CeilTo8(Amount a) {
  const int64_t r = a.raw();
  const int64_t q = r >= 0 ? (r + 9) / 10 * 10 : r / 10 * 10;
  return Amount::FromRaw(q);
}

Account::Account(std::vector<std::string> assets, const SimAccount& cfg) : fee_(cfg.taker_fee) {
  for (const auto& a : assets) balances_[a] = Amount::Zero();
  for (const auto& [a, v] : cfg.balances) balances_[a] = v;
}

Amount Account::balance(const std::string& asset) const {
  auto it = balances_.find(asset);
  return it == balances_.end() ? Amount::Zero() : it->second;
}

Account::Booked Account::Apply(const std::string& base, const std::string& quote, Side side, Qty qty,
                               Amount quote_amount) {
  Booked b;
  b.quote = quote_amount;
  if (side == Side::kBuy) {
    const Amount got = AmountFromQty(qty);
    b.commission = CeilTo8(Amount::FromRaw(MulRate(Notional::FromRaw(got.raw()), fee_, Rounding::kCeil).raw()));
    b.commission_asset = base;
    balances_[base] += got - b.commission;
    balances_[quote] -= quote_amount;
  } else {
    b.commission = CeilTo8(Amount::FromRaw(MulRate(Notional::FromRaw(quote_amount.raw()), fee_, Rounding::kCeil).raw()));
    b.commission_asset = quote;
    balances_[base] -= AmountFromQty(qty);
    balances_[quote] += quote_amount - b.commission;
  }
  return b;
}

}  // namespace hs::sim
