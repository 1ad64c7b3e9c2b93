// hs::venues — the venue thread's side of its ring to the decision core, with the full-ring
// rules of DESIGN §4.
//
// BookTops conflate: when the ring is full, or older messages are still waiting, the newest
// BookTop per instrument waits in a slot (a newer one replaces it, counted) and goes out when
// there is room. Statuses, exec reports and balances never conflate: they wait in a
// preallocated FIFO and always go out, in order, before any waiting BookTop. A status saying a
// book is unusable discards that book's waiting BookTop, so the core never sees a top from a
// book after it failed validation. Owned by one venue thread; allocation only in the constructor.
#pragma once

#include <cstdint>
#include <vector>

#include "core/messages/messages.h"
#include "core/messages/rings.h"
#include "core/runtime/idle.h"
#include "core/runtime/spsc_ring.h"
#include "core/runtime/venue_counters.h"

namespace hs::venues {

class VenuePublisher {
 public:
  VenuePublisher(VenueRing::Producer ring, runtime::Waker* core_waker, runtime::VenueCounters* counters,
                 size_t fifo_capacity = 4096);

  void PublishTop(const BookTop& top, Nanos recv_time) noexcept;
  void PublishStatus(const VenueStatus& st, Nanos now) noexcept;
  void PublishExec(const ExecReport& ex, Nanos now) noexcept;
  void PublishBalance(const BalanceUpdate& b, Nanos now) noexcept;
  // Perpetuals (issue 15): never conflated, in order with execs and balances.
  void PublishMark(const MarkUpdate& m, Nanos now) noexcept;
  void PublishPosition(const PositionUpdate& p, Nanos now) noexcept;
  void PublishMarginAccount(const MarginAccountUpdate& a, Nanos now) noexcept;
  void PublishFunding(const FundingPayment& f, Nanos now) noexcept;

  // Moves waiting messages into the ring. Returns how many went. Call every duty cycle.
  int Flush() noexcept;
  bool idle() const noexcept { return fifo_count_ == 0 && pending_tops_ == 0; }
  // True once a non-conflatable message found the FIFO full: state is in doubt, halt the venue.
  bool overflowed() const noexcept { return overflowed_; }

 private:
  void PushOrQueue(const VenueMsg& m) noexcept;
  bool TryRing(const VenueMsg& m) noexcept;

  VenueRing::Producer ring_;
  runtime::Waker* core_waker_;
  runtime::VenueCounters* counters_;
  std::vector<VenueMsg> fifo_;
  size_t fifo_head_ = 0;
  size_t fifo_count_ = 0;
  std::vector<VenueMsg> top_slot_;     // per instrument
  std::vector<uint8_t> top_waiting_;   // per instrument
  int pending_tops_ = 0;
  bool overflowed_ = false;
};

}  // namespace hs::venues
