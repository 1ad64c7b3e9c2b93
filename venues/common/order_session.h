// hs::venues — the bookkeeping every order session shares, whatever the venue's wire format:
// client-id text ("hs<digits>"), the fixed in-flight table, turning cumulative venue numbers into
// exactly-once fill reports, marking orders unknown (no reply within the ack timeout, or the
// session dropped) and scheduling their queries with backoff until they resolve.
//
// A venue's tracker composes an InFlightTable and adds only what its wire format needs. Venue
// thread only; no allocation after construction, no lock, no throw. The table does not read a
// clock: callers pass monotonic nanoseconds (the venue thread may read clocks; the core never).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/base/clock.h"
#include "core/messages/messages.h"

namespace hs::venues {

// Client-order-id text on every venue: "hs" + decimal digits (≤ 22 chars, fits Binance's 36,
// OKX's 32 alphanumerics, Bybit's 36, Kraken's 18 free-text and Coinbase's free string).
inline constexpr size_t kClientIdTextMax = 22;
// Writes "hs<digits>" into out (≥ kClientIdTextMax bytes) and returns its length.
size_t FormatClientId(ClientOrderId id, char* out) noexcept;
// Parses "hs<digits>" back into a client id; false for anything else (another engine's order,
// or text a venue mangled).
bool ParseClientId(std::string_view text, ClientOrderId* out) noexcept;

// Where an order in flight stands, as far as this session knows.
enum class InFlightState : uint8_t {
  kFree = 0,
  kSent,     // bytes handed to the socket; no reply yet
  kAcked,    // the venue answered (accepted, or a first fill)
  kUnknown,  // no reply within the ack timeout, or the session dropped: must be queried
};

struct InFlightEntry {
  InFlightState state = InFlightState::kFree;
  bool cancel_sent = false;  // a cancel for it went out (a fill may still arrive: applied once)
  bool adopted = false;      // recovered from an earlier session (OrderIntent.query), never sent here
  uint8_t queries = 0;       // queries sent while unknown
  ClientOrderId id;
  InstrumentId instrument;
  Side side = Side::kBuy;
  TimeInForce tif = TimeInForce::kIoc;
  Qty qty;                   // ordered
  Qty reported_qty;          // cumulative fill already reported to the core
  Amount reported_quote;     // cumulative quote already reported
  Amount reported_fee;       // cumulative fee already reported
  uint64_t venue_order_id = 0;
  TscStamp wire;             // bytes handed to the socket
  int64_t sent_ns = 0;       // monotonic ns when sent (ack timeout)
  int64_t next_query_ns = 0; // monotonic ns when the next query may go (unknown only)

  bool live() const noexcept { return state != InFlightState::kFree; }
};

// Cumulative numbers the venue gave for one order (a push, a reply or a query answer).
struct CumulativeFill {
  Qty cum_qty;          // total filled so far
  Amount cum_quote;     // total quote exchanged so far, as the venue accounts it
  Amount cum_fee;       // total fee so far (positive = charged), in fee_asset
  AssetId fee_asset;
  Price last_px;        // price for the report (last fill price, or average)
};

// Backoff for queries of an unknown order: first at once, then base·2^k, capped.
struct QueryPolicy {
  int64_t ack_timeout_ns = 2'000'000'000;   // [execution] ack_timeout_ms
  int64_t first_backoff_ns = 200'000'000;
  int64_t max_backoff_ns = 5'000'000'000;
  int max_queries = 8;                      // after these, the order stays unknown (counted)
};

// The session's order-rate budget: a token bucket holding `orders` tokens that refills at
// orders / window. A new order needs a token beyond the cancel reserve (so cancels always find
// room); a cancel may take the last ones. A venue's rate-limit error empties the bucket and
// stops new orders for the backoff. Pure: callers pass monotonic ns.
class OrderRateBudget {
 public:
  OrderRateBudget() = default;
  OrderRateBudget(int64_t orders, int64_t window_ms, int64_t cancel_reserve) noexcept {
    Reset(orders, window_ms, cancel_reserve);
  }
  void Reset(int64_t orders, int64_t window_ms, int64_t cancel_reserve) noexcept {
    capacity_ = orders * kUnit;
    tokens_ = capacity_;
    ns_per_token_ = orders > 0 ? window_ms * 1'000'000 / orders : 0;
    reserve_ = cancel_reserve * kUnit;
    last_ns_ = 0;
    blocked_until_ns_ = 0;
  }
  // A new order: true (and one token taken) when the budget allows it.
  bool TakeOrder(int64_t now_ns) noexcept { return Take(now_ns, reserve_); }
  // A cancel: may use the reserve.
  bool TakeCancel(int64_t now_ns) noexcept { return Take(now_ns, 0); }
  // The venue said "rate limited": nothing new until now + backoff.
  void OnVenueLimit(int64_t now_ns, int64_t backoff_ns) noexcept {
    tokens_ = 0;
    last_ns_ = now_ns;
    blocked_until_ns_ = now_ns + backoff_ns;
  }
  bool blocked(int64_t now_ns) const noexcept { return now_ns < blocked_until_ns_; }

 private:
  static constexpr int64_t kUnit = 1'000;  // tokens in thousandths: smooth refill
  bool Take(int64_t now_ns, int64_t keep) noexcept {
    if (capacity_ == 0) return true;  // no budget configured
    if (now_ns < blocked_until_ns_ && keep > 0) return false;
    if (now_ns > last_ns_ && ns_per_token_ > 0) {
      const int64_t add = (now_ns - last_ns_) * kUnit / ns_per_token_;
      if (add > 0) {
        tokens_ = tokens_ + add > capacity_ ? capacity_ : tokens_ + add;
        last_ns_ = now_ns;
      }
    } else if (last_ns_ == 0) {
      last_ns_ = now_ns;
    }
    if (tokens_ - kUnit < keep) return false;
    tokens_ -= kUnit;
    return true;
  }
  int64_t capacity_ = 0, tokens_ = 0, ns_per_token_ = 0, reserve_ = 0, last_ns_ = 0, blocked_until_ns_ = 0;
};

class InFlightTable {
 public:
  static constexpr int kCapacity = 1024;

  // True when the id's slot holds a live order (the intent must be refused locally: the core
  // never reuses a live id, so this means the table is smaller than the core's window).
  bool Busy(ClientOrderId id) const noexcept { return slots_[Slot(id)].live(); }
  // Starts tracking an order whose bytes were handed to the socket. REQUIRES: !Busy(in.client_id).
  InFlightEntry& Track(const OrderIntent& in, TscStamp wire, int64_t now_ns) noexcept;
  // Starts tracking an order an earlier session sent and never saw end (a recovery intent,
  // OrderIntent.query): kUnknown with nothing reported yet, its first query due at now_ns, so
  // the query path books its whole outcome since it was sent. REQUIRES: !Busy(in.client_id).
  InFlightEntry& Adopt(const OrderIntent& in, int64_t now_ns) noexcept;
  // The live entry for this id, or nullptr.
  InFlightEntry* Find(ClientOrderId id) noexcept;
  // The live entry for client-id text ("hs<digits>"), or nullptr; *id gets the parsed id.
  InFlightEntry* Find(std::string_view client_id_text, ClientOrderId* id) noexcept;
  // Frees the entry (the order reached a final state and the core was told).
  void Release(InFlightEntry* e) noexcept { *e = InFlightEntry{}; }

  // The fill report that moves the core from what it was told to `c`, or false when `c` adds
  // nothing (a repeated, late or out-of-order message: cumulative numbers never go back).
  // Updates the reported totals. `final` marks the report final (the caller releases after).
  bool FillDelta(InFlightEntry& e, const CumulativeFill& c, VenueId venue, TscStamp recv, bool final,
                 ExecReport* out) noexcept;
  // A report for this entry with the common fields filled (kind/final left to the caller).
  ExecReport Base(const InFlightEntry& e, VenueId venue, TscStamp recv) const noexcept;

  // Every live entry becomes unknown (the session dropped); `emit(ExecReport)` is called once
  // per order that was not already unknown; queries become due at once. Returns how many.
  template <typename Emit>
  int MarkAllUnknown(VenueId venue, TscStamp recv, int64_t now_ns, Emit&& emit) noexcept {
    int n = 0;
    for (InFlightEntry& e : slots_) {
      if (!e.live() || e.state == InFlightState::kUnknown) continue;
      MakeUnknown(e, now_ns);
      emit(UnknownReport(e, venue, recv));
      ++n;
    }
    return n;
  }
  // Entries still kSent after policy.ack_timeout_ns become unknown (emit as above). Returns how many.
  template <typename Emit>
  int ExpireAcks(VenueId venue, TscStamp recv, int64_t now_ns, const QueryPolicy& p, Emit&& emit) noexcept {
    int n = 0;
    for (InFlightEntry& e : slots_) {
      if (e.state != InFlightState::kSent || now_ns - e.sent_ns < p.ack_timeout_ns) continue;
      MakeUnknown(e, now_ns);
      emit(UnknownReport(e, venue, recv));
      ++n;
    }
    return n;
  }
  // Calls query(InFlightEntry&) for each unknown entry whose next query is due and that has
  // queries left; a call that returns true counts as sent and moves the next one out (backoff).
  // Returns how many were sent.
  template <typename Query>
  int DueQueries(int64_t now_ns, const QueryPolicy& p, Query&& query) noexcept {
    int n = 0;
    for (InFlightEntry& e : slots_) {
      if (e.state != InFlightState::kUnknown || e.queries >= p.max_queries || now_ns < e.next_query_ns) continue;
      if (!query(e)) continue;
      int64_t wait = p.first_backoff_ns;
      for (int k = 0; k < e.queries && wait < p.max_backoff_ns; ++k) wait *= 2;
      e.next_query_ns = now_ns + (wait < p.max_backoff_ns ? wait : p.max_backoff_ns);
      ++e.queries;
      ++n;
    }
    return n;
  }

  // Calls cancel(InFlightEntry&) for each adopted order a query found still open (kAcked) whose
  // cancel has not gone out: recovery leaves nothing resting that the core did not decide anew.
  // A call that returns true counts as sent (cancel_sent). Returns how many were sent.
  template <typename Cancel>
  int CancelAdoptedOpen(Cancel&& cancel) noexcept {
    int n = 0;
    for (InFlightEntry& e : slots_) {
      if (!e.adopted || e.state != InFlightState::kAcked || e.cancel_sent) continue;
      if (!cancel(e)) continue;
      e.cancel_sent = true;
      ++n;
    }
    return n;
  }

  int live() const noexcept;
  int unknown() const noexcept;
  // Live entries, for cancel-all by id (venues without an account-wide cancel) and tests.
  template <typename Fn>
  void ForEachLive(Fn&& fn) noexcept {
    for (InFlightEntry& e : slots_)
      if (e.live()) fn(e);
  }

 private:
  static size_t Slot(ClientOrderId id) noexcept { return static_cast<size_t>(id.value % kCapacity); }
  static void MakeUnknown(InFlightEntry& e, int64_t now_ns) noexcept {
    e.state = InFlightState::kUnknown;
    e.next_query_ns = now_ns;
  }
  ExecReport UnknownReport(const InFlightEntry& e, VenueId venue, TscStamp recv) const noexcept {
    ExecReport ex = Base(e, venue, recv);
    ex.kind = ExecKind::kUnknown;
    return ex;
  }

  std::array<InFlightEntry, kCapacity> slots_{};
};

}  // namespace hs::venues
