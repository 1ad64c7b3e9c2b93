// hs::venues — the steps every venue's order path shares, after its own encoder ran.
//
// Venue thread only; no allocation, no lock, no throw (hot path).
#pragma once

#include <string_view>

#include "core/base/clock.h"
#include "core/messages/messages.h"
#include "venues/common/venue_thread.h"
#include "venues/common/ws_client.h"

namespace hs::venues {

// Publishes a final Rejected report for an order that never left this process (not connected,
// back-pressure, encode failure, kill switch) and counts it.
void PublishLocalReject(const VenueContext& ctx, const OrderIntent& in, RejectReason why) noexcept;

// The order's bytes are ready: records tick-to-order (trigger receive stamp → now), then hands
// the frame to the socket under the kill switch. Returns true when it was written or queued
// (counted as sent; the caller tracks it, *wire is the wire stamp or later reported through
// OnWsOrderSent). Otherwise publishes the local reject (halted, not open, queue full) and
// returns false.
bool SendOrderFrame(const VenueContext& ctx, WsClient& ws, const OrderIntent& in, std::string_view frame,
                    TscStamp* wire) noexcept;

}  // namespace hs::venues
