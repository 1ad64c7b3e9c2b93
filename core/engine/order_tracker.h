// hs::engine — the orders in flight: client ids, slots, groups and each order's outcome.
//
// A part of the decision core (DESIGN §6). Client ids count up from a per-session base; an
// order lives in slot `id % slots` until its last report. When the next id's slot is still live
// (an order whose outcome is unknown, say), that id is skipped, never reused: the next id whose
// slot is free is taken, so one stuck order costs one slot, not the order path. Only a table
// with every slot live refuses a new order (counted by the caller); trading resumes as soon as
// one frees. Ids stay unique and increasing within a session. Each
// order remembers what it reserved so the core can release it, and its outcome is counted
// exactly once when it closes: filled + partly filled + unfilled + rejected + open = opened.
// The legs of one group (an arbitrage pair) are compared when both are done. No clock.
#pragma once

#include <array>
#include <cstdint>

#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/messages/messages.h"

namespace hs::engine {

struct TrackedOrder {
  bool active = false;
  ClientOrderId id;
  VenueId venue;
  InstrumentId instrument;
  Side side = Side::kBuy;
  OrderPurpose purpose = OrderPurpose::kArbitrage;
  Qty qty;
  Qty filled;
  Amount filled_quote;   // quote and fee booked so far (an adopted order's first report is cumulative)
  Amount filled_fee;
  AssetId reserved_asset;
  Amount reserved;
  uint32_t group = 0;
  bool unknown = false;  // its outcome was unknown at some point (counted once)
  bool unknown_now = false;  // unknown and not resolved yet
  bool adopted = false;      // left open by an earlier session; its next fill report is cumulative
  TimeInForce tif = TimeInForce::kIoc;
  Price limit_px;
  Nanos opened_at;       // the intent's decision time (input time)
  Nanos unknown_since;   // input time its outcome became unknown

  // Snapshot (core/engine/snapshot.h).
  template <class Ar>
  void Persist(Ar& ar) {
    ar(active);
    ar(id);
    ar(venue);
    ar(instrument);
    ar(side);
    ar(purpose);
    ar(qty);
    ar(filled);
    ar(filled_quote);
    ar(filled_fee);
    ar(reserved_asset);
    ar(reserved);
    ar(group);
    ar(unknown);
    ar(unknown_now);
    ar(adopted);
    ar(tif);
    ar(limit_px);
    ar(opened_at);
    ar(unknown_since);
  }
};

// What closing an order did to its group: when it was the second leg of a two-leg group, what
// each side filled (the leg tracker repairs a difference).
struct GroupEnd {
  bool ended = false;  // both legs of a two-leg group are now done
  InstrumentId instrument;
  VenueId buy_venue;
  VenueId sell_venue;
  Qty bought;
  Qty sold;
};

struct OrderOutcomes {
  uint64_t opened = 0;
  uint64_t filled = 0;          // filled in full
  uint64_t partly_filled = 0;   // some, not all
  uint64_t unfilled = 0;        // expired or canceled with nothing filled
  uint64_t rejected = 0;
  uint64_t legs_unbalanced = 0; // a two-leg group whose legs filled different quantities
  std::array<uint64_t, kOrderPurposes> by_purpose{};  // opened, per purpose
  std::array<uint64_t, kMaxVenues> by_venue{};        // opened, per venue
  uint64_t unknown_seen = 0;      // orders whose outcome became unknown (once each)
  uint64_t unknown_resolved = 0;  // of those, orders that later reached a final state
};

class OrderTracker {
 public:
  static constexpr int kSlots = 4096;
  static constexpr int kGroups = 2048;

  // `slots`: the table's size, 1..kSlots (tests use small tables).
  explicit OrderTracker(uint64_t first_client_id, int slots = kSlots) noexcept
      : next_id_(first_client_id), cap_(slots < 1 ? 1 : (slots > kSlots ? kSlots : slots)) {}

  // An order's outcome is unknown (no reply in time, or its session dropped): counted once; it
  // stays live until a final report resolves it.
  // `now`: the input time of the report that said so (the unknown-orders breaker ages it).
  void MarkUnknown(TrackedOrder& o, Nanos now = Nanos{}) noexcept {
    if (!o.unknown_now) {
      o.unknown_now = true;
      o.unknown_since = now;
      ++unknown_open_;
    }
    if (o.unknown) return;
    o.unknown = true;
    ++outcomes_.unknown_seen;
  }
  // Orders whose outcome is unknown now.
  int unknown_open() const noexcept { return unknown_open_; }
  // Per venue, the earliest unknown_since among orders unknown now (0 = none). Scans the table:
  // call only when unknown_open() > 0.
  void OldestUnknown(std::array<Nanos, kMaxVenues>* out) const noexcept;
  // Calls f(order) for every live order (table order). Cold: status views.
  template <typename F>
  void ForEachOpen(F&& f) const {
    if (open_ == 0) return;
    for (int k = 0; k < cap_; ++k)
      if (slots_[static_cast<size_t>(k)].active) f(slots_[static_cast<size_t>(k)]);
  }

  // True when n orders can be opened now (n free slots, skipping live ones).
  bool HasRoom(int n) const noexcept;
  // A new group id for the legs of one decision.
  uint32_t NewGroup(int legs) noexcept;
  // Tracks `intent` (its client id is assigned here) with what it reserves. REQUIRES HasRoom(1).
  TrackedOrder& Open(OrderIntent& intent, AssetId reserved_asset, Amount reserved) noexcept;

  // The live order with this id, or nullptr (unknown, or already closed).
  TrackedOrder* Find(ClientOrderId id) noexcept {
    TrackedOrder& s = slots_[id.value % static_cast<uint64_t>(cap_)];
    return (s.active && s.id == id) ? &s : nullptr;
  }
  void AddFill(TrackedOrder& o, Qty qty, Amount quote = Amount{}, Amount fee = Amount{}) noexcept {
    o.filled += qty;
    o.filled_quote += quote;
    o.filled_fee += fee;
  }
  // A new session's id prefix: ids continue from `base` unless the tracker is already past it.
  void AdvanceClientIds(uint64_t base) noexcept {
    if (base > next_id_) next_id_ = base;
  }
  // Calls f(order&) for every live order (table order). Cold: session start after a restart.
  template <typename F>
  void ForEachOpenMutable(F&& f) {
    if (open_ == 0) return;
    for (int k = 0; k < cap_; ++k)
      if (slots_[static_cast<size_t>(k)].active) f(slots_[static_cast<size_t>(k)]);
  }
  // The order's last report arrived (kind `last`): counts its outcome and frees its slot. The
  // caller releases o.reserved first. Returns what that did to the order's group.
  GroupEnd Close(TrackedOrder& o, ExecKind last) noexcept;

  int open() const noexcept { return open_; }
  int open_on(VenueId v) const noexcept { return v.value < kMaxVenues ? open_by_venue_[v.value] : 0; }
  const int* open_by_venue() const noexcept { return open_by_venue_.data(); }
  const OrderOutcomes& outcomes() const noexcept { return outcomes_; }
  uint64_t next_client_id() const noexcept { return next_id_; }
  // Client ids passed over because their slot was still live.
  uint64_t ids_skipped() const noexcept { return ids_skipped_; }

  // Snapshot (core/engine/snapshot.h): the whole table (the slots past the configured size stay
  // default), the id and group counters and the outcome counts.
  template <class Ar>
  void Persist(Ar& ar) {
    ar.Shape(cap_, "order table slots");
    ar(slots_);
    ar(groups_);
    ar(next_id_);
    ar(ids_skipped_);
    ar(next_group_);
    ar(open_);
    ar(unknown_open_);
    ar(open_by_venue_);
    ar(outcomes_);
  }

 private:
  struct Group {
    uint32_t id = 0;
    uint8_t legs = 0;
    uint8_t legs_done = 0;
    Qty filled[2];      // [0] the buy leg, [1] the sell leg
    VenueId venue[2];
    InstrumentId instrument[2];
    bool sides_seen[2] = {false, false};

    template <class Ar>
    void Persist(Ar& ar) {
      ar(id);
      ar(legs);
      ar(legs_done);
      ar(filled);
      ar(venue);
      ar(instrument);
      ar(sides_seen);
    }
  };
  std::array<TrackedOrder, kSlots> slots_{};
  std::array<Group, kGroups> groups_{};
  uint64_t next_id_;
  int cap_;
  uint64_t ids_skipped_ = 0;
  uint32_t next_group_ = 1;
  int open_ = 0;
  int unknown_open_ = 0;
  std::array<int, kMaxVenues> open_by_venue_{};
  OrderOutcomes outcomes_{};
};

}  // namespace hs::engine
