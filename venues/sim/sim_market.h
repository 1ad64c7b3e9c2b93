// hs::sim — the simulated market: a fair price per instrument (random walk in ticks), each
// venue's L2 book around it, occasional dislocations of one venue, and IOC matching against
// the books. Single-threaded (the simulator's io_context). Doubles are used only to draw random
// numbers; every price and quantity is snapped to the instrument's tick and lot as integers.
//
// Perpetuals (issue 15): a perpetual with a spot sibling (SimConfig::follows) has no walk of its
// own: its fair is the spot's × (1 + perp_basis_bps); one without walks like a spot instrument.
// A perpetual's mark is its fair, its index the spot's fair (its own fair when it has no spot),
// and its funding rate the configured basis clamped to ±0.75 % per interval — a fixed premium
// rule, simple enough for tests to predict what each settlement charges.
//
// The crash fault: Crash() makes fair prices fall linearly by a percentage over a time, then
// stay there. It scales the walk (so the walk's gentle pull back to the start price does not
// undo it), and a second crash compounds on what the first left.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <vector>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "core/messages/messages.h"
#include "venues/sim/sim_config.h"

namespace hs::sim {

struct BookDelta {
  bool bid = true;
  Price px;
  Qty qty;  // new absolute size; zero = removed
};

struct FillPart {
  Price px;
  Qty qty;
};

class SimBook {
 public:
  std::map<int64_t, Qty, std::greater<int64_t>> bids;  // price raw → qty, best first
  std::map<int64_t, Qty> asks;
  uint64_t update_id = 1000;  // advances by one per level change (Binance-style ids)
  uint64_t seq = 1;           // advances by one per published change (message sequences)

  // Makes the book equal to the given levels; returns the level changes.
  std::vector<BookDelta> ReplaceWith(const std::vector<Level>& new_bids, const std::vector<Level>& new_asks);
  // Takes liquidity for an IOC: a buy walks asks up to `limit`, a sell walks bids down to it.
  // Appends the fills and the level changes it caused.
  void Take(Side side, Price limit, Qty qty, std::vector<FillPart>* fills, std::vector<BookDelta>* deltas);
  bool has_top() const { return !bids.empty() && !asks.empty(); }
  Level best_bid() const { return bids.empty() ? Level{} : Level{Price::FromRaw(bids.begin()->first), bids.begin()->second}; }
  Level best_ask() const { return asks.empty() ? Level{} : Level{Price::FromRaw(asks.begin()->first), asks.begin()->second}; }
  // Top n levels per side, best first.
  void Top(int n, std::vector<Level>* b, std::vector<Level>* a) const;
};

// One book change, as the protocols publish it.
struct BookChange {
  int venue = 0;
  int instrument = 0;
  std::vector<BookDelta> deltas;
  uint64_t first_update_id = 0;  // first id covered by these deltas
  uint64_t last_update_id = 0;
  uint64_t prev_seq = 0;         // book seq before this change
  uint64_t seq = 0;              // book seq after it
  bool top_changed = false;
  bool snapshot = false;         // the book was replaced wholesale (set_book, reset)
};

class Market {
 public:
  explicit Market(const SimConfig& cfg);

  // One tick: random walk, dislocations, books rebuilt. Returns the changes (venue, instrument).
  std::vector<BookChange> Step(Nanos now);
  // Applies level changes made outside Step (fills) and returns the change record.
  BookChange Record(int venue, int instrument, std::vector<BookDelta> deltas);

  // Scripted control (tests and demos).
  void SetPaused(bool p) { paused_ = p; }
  bool paused() const { return paused_; }
  // Replaces one venue's book with exactly these levels (frozen while paused).
  BookChange SetBook(int venue, int instrument, const std::vector<Level>& bids, const std::vector<Level>& asks);
  // Fault injection: moves every book of `venue` by `bps` from the fair price until set back to
  // 0 (a venue whose prices drift away from the others', for the divergence breaker).
  void SetBias(int venue, int64_t bps) { bias_bps_[static_cast<size_t>(venue)] = bps; }
  int64_t bias_bps(int venue) const { return bias_bps_[static_cast<size_t>(venue)]; }
  void Dislocate(int venue, int instrument, int64_t bps, int64_t ms, Nanos now);

  SimBook& book(int venue, int instrument) { return books_[static_cast<size_t>(venue)][static_cast<size_t>(instrument)]; }
  bool lists(int venue, int instrument) const { return lists_[static_cast<size_t>(venue)][static_cast<size_t>(instrument)]; }
  Price fair(int instrument) const { return fair_[static_cast<size_t>(instrument)]; }
  // Perpetuals: mark = fair; index = the spot sibling's fair (else the fair); funding per
  // interval = clamp(perp_basis_bps / 10^4, ±0.0075), > 0: longs pay. Zero for spot instruments.
  Price mark(int instrument) const { return fair(instrument); }
  Price index(int instrument) const;
  Rate funding_rate(int instrument) const;
  // Fault injection: every fair price of `base_asset` (-1: every instrument) falls linearly by
  // pct % over `ms` from `now` (ms 0: at once), then stays. Returns the instruments affected
  // (perpetuals that follow an affected spot included). REQUIRES: 0 < pct < 100, ms >= 0.
  int Crash(int64_t pct, int64_t ms, int base_asset, Nanos now);
  const SimConfig& config() const { return cfg_; }
  uint64_t dislocations() const { return dislocations_; }

 private:
  void BuildTarget(int venue, int instrument, std::vector<Level>* bids, std::vector<Level>* asks);
  // The crash multiplier of an instrument at `now`, in millionths.
  int64_t CrashPpm(size_t instrument, Nanos now) const;
  // fair_ from walk_, the crash and the perpetuals' basis.
  void UpdateFair(Nanos now);
  const SimConfig& cfg_;
  std::mt19937_64 rng_;
  std::vector<Price> walk_;  // the random walk (instruments that follow a spot do not walk)
  std::vector<Price> fair_;
  struct CrashState {
    int64_t from_ppm = 1'000'000;
    int64_t to_ppm = 1'000'000;
    Nanos start;
    int64_t ms = 0;
  };
  std::vector<CrashState> crash_;  // per instrument
  std::vector<std::vector<SimBook>> books_;
  std::vector<std::vector<bool>> lists_;
  std::vector<std::vector<int64_t>> offset_bps_;   // current dislocation per venue/instrument
  std::vector<int64_t> bias_bps_;                  // per venue, every instrument, until set back to 0
  std::vector<std::vector<Nanos>> offset_until_;
  std::vector<std::vector<int64_t>> noise_bps10_;  // small per-venue drift, in 0.1 bp
  Nanos next_dislocation_{0};
  bool paused_ = false;
  uint64_t dislocations_ = 0;
};

// One venue account: balances per asset and the taker fee. Commission is charged in the asset
// received (Binance's rule), rounded up to 10^-8.
class Account {
 public:
  Account() = default;
  Account(std::vector<std::string> assets, const SimAccount& cfg);
  Amount balance(const std::string& asset) const;
  std::map<std::string, Amount>& balances() { return balances_; }
  const std::map<std::string, Amount>& balances() const { return balances_; }
  Rate fee() const { return fee_; }
  // Books a fill; returns the commission and the asset it was charged in.
  struct Booked {
    Amount quote;       // quote exchanged
    Amount commission;
    std::string commission_asset;
  };
  Booked Apply(const std::string& base, const std::string& quote, Side side, Qty qty, Amount quote_amount);

 private:
  std::map<std::string, Amount> balances_;
  Rate fee_;
};

// Rounds an amount up to 10^-8 (venues report 8 decimals).
Amount CeilTo8(Amount a);

}  // namespace hs::sim
