// hs::engine — arbitrage legs that lean toward the venue shares (DESIGN §6, "rebalance legs").
//
// An arbitrage buys an asset on one venue and sells it on another: it moves the asset between
// venues. With venue shares configured for the asset ([allocation.venue_shares]):
//  - an opportunity that moves inventory toward the shares (the buy venue under its share, the
//    sell venue over it) is taken at a lower edge: zero beyond the fees, never below;
//  - any opportunity is shrunk so that neither venue's share leaves its band: the buy venue
//    may reach share + band, the sell venue share − band, and no further.
// The allocator's last evaluation (the last rebalance run, on input time) is what it reads, so
// the decision stays a function of the inputs. Exact fixed point; no allocation; no clock.
#pragma once

#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/engine/allocator.h"

namespace hs::engine {

struct ArbLean {
  Rate min_edge;             // the edge the opportunity must beat (beyond both fees)
  Qty max_qty = Qty::Max();  // what keeps both venues' shares inside their bands
  bool toward = false;       // the legs move the asset toward its venue shares
};

// For buying asset `a` on `buy` and selling it on `sell`, valued at `ref` (valuation asset per
// unit). Without venue shares for `a`, an allocator that has not evaluated, or no holdings of
// `a`, it changes nothing.
ArbLean LeanArbitrage(const Allocator& al, AssetId a, VenueId buy, VenueId sell, Price ref, Rate min_edge,
                      Qty lot) noexcept;
// The edge alone (two lookups, no division): what the hot path needs before it knows there is
// an opportunity at all.
Rate LeanMinEdge(const Allocator& al, AssetId a, VenueId buy, VenueId sell, Rate min_edge) noexcept;

}  // namespace hs::engine
