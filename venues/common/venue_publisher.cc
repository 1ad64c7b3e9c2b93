#include "venues/common/venue_publisher.h"

namespace hs::venues {

VenuePublisher::VenuePublisher(VenueRing::Producer ring, runtime::Waker* core_waker,
                               runtime::VenueCounters* counters, size_t fifo_capacity)
    : ring_(std::move(ring)),
      core_waker_(core_waker),
      counters_(counters),
      fifo_(fifo_capacity),
      top_slot_(kMaxInstruments),
      top_waiting_(kMaxInstruments, 0) {}

bool VenuePublisher::TryRing(const VenueMsg& m) noexcept {
  if (!ring_.TryPush(m)) return false;
  if (core_waker_ != nullptr) core_waker_->Wake();
  return true;
}

void VenuePublisher::PublishTop(const BookTop& top, Nanos recv_time) noexcept {
  const uint16_t i = top.instrument.value;
  if (i >= kMaxInstruments) return;
  VenueMsg m;
  m.kind = VenueMsg::Kind::kBookTop;
  m.recv_time = recv_time;
  m.top = top;
  m.top.publish_stamp = TscNow();
  // Never overtake older messages still waiting: wait behind them (conflating).
  if (fifo_count_ == 0 && !top_waiting_[i] && TryRing(m)) {
    if (counters_) counters_->Add(counters_->tops_published);
    return;
  }
  if (top_waiting_[i]) {
    if (counters_) counters_->Add(counters_->tops_conflated);
  } else {
    top_waiting_[i] = 1;
    ++pending_tops_;
  }
  top_slot_[i] = m;
}

void VenuePublisher::PushOrQueue(const VenueMsg& m) noexcept {
  if (fifo_count_ == 0 && TryRing(m)) return;
  if (fifo_count_ == fifo_.size()) {
    overflowed_ = true;
    if (counters_) counters_->Add(counters_->fifo_overflow);
    return;
  }
  fifo_[(fifo_head_ + fifo_count_) % fifo_.size()] = m;
  ++fifo_count_;
}

void VenuePublisher::PublishStatus(const VenueStatus& st, Nanos now) noexcept {
  if (!st.usable) {
    // Tops taken before the failure must not reach the core after the status.
    if (!st.instrument.valid()) {
      for (size_t i = 0; i < top_waiting_.size(); ++i) top_waiting_[i] = 0;
      pending_tops_ = 0;
    } else if (st.instrument.value < kMaxInstruments && top_waiting_[st.instrument.value]) {
      top_waiting_[st.instrument.value] = 0;
      --pending_tops_;
    }
  }
  VenueMsg m;
  m.kind = VenueMsg::Kind::kStatus;
  m.recv_time = now;
  m.status = st;
  PushOrQueue(m);
}

namespace {

// A message of one kind with its payload member set: what every non-conflating Publish* sends.
template <class T>
VenueMsg Wrap(VenueMsg::Kind kind, T VenueMsg::*member, const T& payload, Nanos now) noexcept {
  VenueMsg m;
  m.kind = kind;
  m.recv_time = now;
  m.*member = payload;
  return m;
}

}  // namespace

void VenuePublisher::PublishExec(const ExecReport& ex, Nanos now) noexcept {
  PushOrQueue(Wrap(VenueMsg::Kind::kExec, &VenueMsg::exec, ex, now));
}

void VenuePublisher::PublishBalance(const BalanceUpdate& b, Nanos now) noexcept {
  PushOrQueue(Wrap(VenueMsg::Kind::kBalance, &VenueMsg::balance, b, now));
}

void VenuePublisher::PublishMark(const MarkUpdate& mk, Nanos now) noexcept {
  PushOrQueue(Wrap(VenueMsg::Kind::kMark, &VenueMsg::mark, mk, now));
}

void VenuePublisher::PublishPosition(const PositionUpdate& p, Nanos now) noexcept {
  PushOrQueue(Wrap(VenueMsg::Kind::kPosition, &VenueMsg::position, p, now));
}

void VenuePublisher::PublishMarginAccount(const MarginAccountUpdate& a, Nanos now) noexcept {
  PushOrQueue(Wrap(VenueMsg::Kind::kMarginAccount, &VenueMsg::margin, a, now));
}

void VenuePublisher::PublishFunding(const FundingPayment& f, Nanos now) noexcept {
  PushOrQueue(Wrap(VenueMsg::Kind::kFunding, &VenueMsg::funding, f, now));
}

int VenuePublisher::Flush() noexcept {
  int n = 0;
  while (fifo_count_ > 0) {
    if (!TryRing(fifo_[fifo_head_])) return n;
    fifo_head_ = (fifo_head_ + 1) % fifo_.size();
    --fifo_count_;
    ++n;
  }
  if (pending_tops_ == 0) return n;
  for (size_t i = 0; i < top_waiting_.size() && pending_tops_ > 0; ++i) {
    if (!top_waiting_[i]) continue;
    top_slot_[i].top.publish_stamp = TscNow();
    if (!TryRing(top_slot_[i])) return n;
    top_waiting_[i] = 0;
    --pending_tops_;
    if (counters_) counters_->Add(counters_->tops_published);
    ++n;
  }
  return n;
}

}  // namespace hs::venues
