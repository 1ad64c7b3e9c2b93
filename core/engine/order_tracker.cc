#include "core/engine/order_tracker.h"

namespace hs::engine {

bool OrderTracker::HasRoom(int n) const noexcept {
  if (n <= 0) return true;
  if (cap_ - open_ < n) return false;
  // The next n ids Open will take: free slots from next_id_ on, live ones skipped.
  int found = 0;
  for (int k = 0; k < cap_ && found < n; ++k)
    found += slots_[(next_id_ + static_cast<uint64_t>(k)) % static_cast<uint64_t>(cap_)].active ? 0 : 1;
  return found >= n;
}

uint32_t OrderTracker::NewGroup(int legs) noexcept {
  const uint32_t id = next_group_++;
  Group& g = groups_[id % kGroups];
  g = Group{};
  g.id = id;
  g.legs = static_cast<uint8_t>(legs);
  return id;
}

TrackedOrder& OrderTracker::Open(OrderIntent& intent, AssetId reserved_asset, Amount reserved) noexcept {
  // Skip the ids whose slots are still live (HasRoom found a free one within the table).
  for (int k = 0; k < cap_ && slots_[next_id_ % static_cast<uint64_t>(cap_)].active; ++k) {
    ++next_id_;
    ++ids_skipped_;
  }
  intent.client_id = ClientOrderId{next_id_++};
  TrackedOrder& s = slots_[intent.client_id.value % static_cast<uint64_t>(cap_)];
  s = TrackedOrder{};
  s.active = true;
  s.id = intent.client_id;
  s.venue = intent.venue;
  s.instrument = intent.instrument;
  s.side = intent.side;
  s.purpose = intent.purpose;
  s.qty = intent.qty;
  s.group = intent.group;
  s.tif = intent.tif;
  s.limit_px = intent.limit_px;
  s.opened_at = intent.decision_time;
  s.reserved_asset = reserved_asset;
  s.reserved = reserved;
  ++open_;
  ++open_by_venue_[intent.venue.value % kMaxVenues];
  ++outcomes_.opened;
  ++outcomes_.by_purpose[static_cast<int>(intent.purpose) % kOrderPurposes];
  ++outcomes_.by_venue[intent.venue.value % kMaxVenues];
  return s;
}

void OrderTracker::OldestUnknown(std::array<Nanos, kMaxVenues>* out) const noexcept {
  out->fill(Nanos{});
  int left = unknown_open_;
  for (int k = 0; k < cap_ && left > 0; ++k) {
    const TrackedOrder& o = slots_[static_cast<size_t>(k)];
    if (!o.active || !o.unknown_now) continue;
    --left;
    Nanos& t = (*out)[o.venue.value % kMaxVenues];
    if (t.value == 0 || o.unknown_since < t) t = o.unknown_since;
  }
}

GroupEnd OrderTracker::Close(TrackedOrder& o, ExecKind last) noexcept {
  if (o.unknown) ++outcomes_.unknown_resolved;
  if (o.unknown_now) --unknown_open_;
  if (o.filled.is_positive()) {
    ++(o.filled >= o.qty ? outcomes_.filled : outcomes_.partly_filled);
  } else {
    ++(last == ExecKind::kRejected ? outcomes_.rejected : outcomes_.unfilled);
  }
  GroupEnd end;
  Group& g = groups_[o.group % kGroups];
  if (o.group != 0 && g.id == o.group && g.legs == 2) {
    const int side = o.side == Side::kBuy ? 0 : 1;
    g.filled[side] = o.filled;
    g.venue[side] = o.venue;
    g.sides_seen[side] = true;
    g.instrument[side] = o.instrument;
    if (++g.legs_done == 2) {
      if (g.filled[0] != g.filled[1]) ++outcomes_.legs_unbalanced;
      // One buy and one sell of one instrument: a pair the leg tracker can repair.
      end.ended = g.sides_seen[0] && g.sides_seen[1] && g.instrument[0] == g.instrument[1];
      end.instrument = g.instrument[0];
      end.buy_venue = g.venue[0];
      end.sell_venue = g.venue[1];
      end.bought = g.filled[0];
      end.sold = g.filled[1];
    }
  }
  o.active = false;
  --open_;
  --open_by_venue_[o.venue.value % kMaxVenues];
  return end;
}

}  // namespace hs::engine
