// DecisionCore's durability: its whole state as a snapshot and back (SaveState, LoadState), and
// the periodic snapshot records (DESIGN §8; core/engine/snapshot.h for the bytes).
#include <algorithm>
#include <cstring>

#include "core/engine/allocation_stats.h"
#include "core/engine/decision_core.h"
#include "core/engine/snapshot.h"
#include "core/journal/journal_format.h"

namespace hs::engine {

// Guards against a member added without its Persist: every persisted type's size as of
// kSnapshotLayout (clang 14, x86-64). When one fails, list the new member in the Persist that
// covers it (or say there why it is not state), bump snapshot::kSnapshotLayout and update the
// size here.
#define HS_SNAPSHOT_SIZE(T, n) \
  static_assert(sizeof(T) == (n), #T " changed: update its Persist and bump snapshot::kSnapshotLayout")
HS_SNAPSHOT_SIZE(DecisionCore, 1490152);
HS_SNAPSHOT_SIZE(margin::MarginBook, 100272);
HS_SNAPSHOT_SIZE(margin::PerpPosition, 80);
HS_SNAPSHOT_SIZE(Portfolio, 41488);
HS_SNAPSHOT_SIZE(BookCache, 221184);
HS_SNAPSHOT_SIZE(CachedBook, 216);
HS_SNAPSHOT_SIZE(BookTop, 200);
HS_SNAPSHOT_SIZE(OrderTracker, 491856);
HS_SNAPSHOT_SIZE(TrackedOrder, 104);
HS_SNAPSHOT_SIZE(OrderOutcomes, 232);
HS_SNAPSHOT_SIZE(LegTracker, 10896);
HS_SNAPSHOT_SIZE(LegCounters, 88);
HS_SNAPSHOT_SIZE(LiquidityLedger, 24616);
HS_SNAPSHOT_SIZE(LiquidityCounters, 32);
HS_SNAPSHOT_SIZE(ReferencePrice, 12896);
HS_SNAPSHOT_SIZE(NavReport, 8720);
HS_SNAPSHOT_SIZE(PnlLedger, 3096);
HS_SNAPSHOT_SIZE(Allocator, 48904);
HS_SNAPSHOT_SIZE(VolEstimator, 168);
HS_SNAPSHOT_SIZE(Rebalancer, 152);
HS_SNAPSHOT_SIZE(RebalanceCounters, 72);
HS_SNAPSHOT_SIZE(AllocationStats, 2608);
HS_SNAPSHOT_SIZE(BreakerFeeds, 53048);
HS_SNAPSHOT_SIZE(CoreTelemetry, 183488);
HS_SNAPSHOT_SIZE(MarginView, 4136);
HS_SNAPSHOT_SIZE(PerpView, 64);
HS_SNAPSHOT_SIZE(MarginCounters, 88);
HS_SNAPSHOT_SIZE(risk::Deleverager, 2904);
HS_SNAPSHOT_SIZE(BookView, 48);
HS_SNAPSHOT_SIZE(VenueView, 3656);
HS_SNAPSHOT_SIZE(CoreCounters, 424);
HS_SNAPSHOT_SIZE(AllocationView, 5376);
HS_SNAPSHOT_SIZE(OpenOrderView, 56);
HS_SNAPSHOT_SIZE(BreakerView, 64);
HS_SNAPSHOT_SIZE(PositionView, 48);
HS_SNAPSHOT_SIZE(RiskUsageView, 304);
HS_SNAPSHOT_SIZE(risk::TradingStates, 99);
HS_SNAPSHOT_SIZE(risk::OrderRateWindow, 48);
HS_SNAPSHOT_SIZE(risk::RepeatThrottle, 96);
HS_SNAPSHOT_SIZE(risk::DailyNotional, 24);
HS_SNAPSHOT_SIZE(risk::RejectCounts, 160);
HS_SNAPSHOT_SIZE(risk::RestingTop, 24);
HS_SNAPSHOT_SIZE(risk::BreakerSet, 45728);
HS_SNAPSHOT_SIZE(risk::BreakerSlot, 64);
HS_SNAPSHOT_SIZE(risk::CounterWindow, 992);
HS_SNAPSHOT_SIZE(risk::VolRatio, 72);
HS_SNAPSHOT_SIZE(risk::Drawdown, 16);
HS_SNAPSHOT_SIZE(risk::ClockCheck, 152);
#undef HS_SNAPSHOT_SIZE

// The core's own state, then each part's. Not state: p_ (params), w_ (wiring), ctx_ (views into
// the parts; only `now` changes, set before each check), gate_ and valuation_ (params and views
// only), the scratch sides asks_left_/bids_left_/take_left_ (written before every read), and the
// snapshot schedule and buffers (the journal's, not a decision's).
template <class Ar>
void DecisionCore::Persist(Ar& ar) {
  ar(phase_);
  ar(portfolio_);
  ar(margin_);
  ar(books_);
  ar(orders_);
  ar(legs_);
  ar(last_input_);
  ar(last_timer_);
  ar(liquidity_);
  ar(reference_);
  ar(ref_dirty_);
  ar(ledger_);
  ar(nav_);
  ar.Shape(allocator_.has_value(), "allocation");
  if (allocator_) ar(*allocator_);
  if (rebalancer_) ar(*rebalancer_);
  ar(cooldown_until_);
  ar(episode_);
  ar(draining_);
  for (ReconcileState& r : reconcile_) {
    ar(r.in_snapshot);
    ar(r.defer);
    ar(r.mismatch);
  }
  ar(timers_since_publish_);
  ar(tel_);
  ar(states_);
  ar(rate_);
  ar(repeat_);
  ar(daily_);
  ar(rejects_);
  ar(resting_);
  ar(drift_sign_);
  ar(breakers_);
  ar(feeds_);
  ar(states_changed_);
  ar(venue_halt_mirror_);
  ar(venue_rejects_);
  ar(integrity_events_);
  ar(lists_);
  ar(oldest_unknown_);
  // Durability: sessions lived through, and a restart's reconciliation and queue flags.
  ar(sessions_);
  ar(reconcile_deadline_);
  ar(recon_pending_);
  ar(journal_backlog_);
  ar(intent_backlog_);
  // Perpetuals: deleveraging and the liquidation REDUCING layer.
  ar(delever_);
  ar.Shape(carry_.has_value(), "basis carry");
  if (carry_) ar(*carry_);
  ar(liq_reducing_);
  ar(liq_pending_);
}

void DecisionCore::SaveState(std::string* out) const {
  snapshot::SaveArchive ar(out);
  // Persist is one template for both directions; a SaveArchive only reads what it is given.
  const_cast<DecisionCore*>(this)->Persist(ar);
  ar.Finish();
}

absl::Status DecisionCore::LoadState(std::string_view bytes) {
  // A dry pass first: it checks the header, the shapes and every bound without writing, so bytes
  // this core cannot take leave it exactly as it was.
  {
    snapshot::LoadArchive check(bytes, snapshot::LoadArchive::Mode::kCheck);
    Persist(check);
    if (!check.Finish()) return absl::InvalidArgumentError(check.error());
  }
  snapshot::LoadArchive ar(bytes, snapshot::LoadArchive::Mode::kApply);
  Persist(ar);
  if (!ar.Finish()) return absl::InternalError(ar.error());  // the dry pass read the same bytes
  // Wiring follows the loaded state: the order sessions' kill switch shows the HALTED venues
  // (ApplyStates only writes it when a venue's state changes from the mirror's).
  if (w_.kill != nullptr)
    for (int v = 0; v < p_.venues; ++v) w_.kill->SetVenueHalted(VenueId{static_cast<uint8_t>(v)}, venue_halt_mirror_[v]);
  return absl::OkStatus();
}

void DecisionCore::InitSnapshots() {
  if (p_.snapshot_every == 0) return;
  next_snapshot_seq_ = p_.snapshot_every;
  // The state's size is fixed by params (every table is an array, every ring sized at start-up),
  // so one SaveState now measures what every later one needs: the buffers never grow after this.
  SaveState(&snapshot_buf_);
  snapshot_buf_.reserve(snapshot_buf_.size());
  snapshot_enc_.reserve(snapshot::EncodedBound(snapshot_buf_.size()));
}

void DecisionCore::MaybeSnapshot() noexcept {
  // A backlogged journal gets no snapshot now (hundreds of records at once): the next input
  // after it drains writes it.
  // (The journaled backpressure flag, not the sink's own state: whether a snapshot is written
  // must be a function of the inputs, or a replay would write it elsewhere.)
  if (next_snapshot_seq_ != 0 && w_.journal.last_seq() >= next_snapshot_seq_ && !journal_backlog_)
    WriteSnapshot();
}

void DecisionCore::WriteSnapshot() noexcept {
  SaveState(&snapshot_buf_);
  snapshot::Encode(snapshot_buf_, &snapshot_enc_);
  journal::SnapshotChunk c;
  constexpr size_t kPiece = sizeof c.bytes;
  const size_t total = snapshot_enc_.size();
  c.at_seq = w_.journal.last_seq();
  c.total = static_cast<uint32_t>(total);
  c.count = static_cast<uint32_t>((total + kPiece - 1) / kPiece);
  for (uint32_t k = 0; k < c.count; ++k) {
    const size_t off = static_cast<size_t>(k) * kPiece;
    const size_t len = std::min(kPiece, total - off);
    c.offset = static_cast<uint32_t>(off);
    c.index = k;
    c.length = static_cast<uint16_t>(len);
    std::memcpy(c.bytes, snapshot_enc_.data() + off, len);
    std::memset(c.bytes + len, 0, kPiece - len);  // the last piece's tail: zero, as the format says
    w_.journal.Append(journal::RecordType::kSnapshot, c);
  }
  next_snapshot_seq_ = w_.journal.last_seq() + p_.snapshot_every;
}

}  // namespace hs::engine
