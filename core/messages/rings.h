// hs::messages — the ring types of the hot edges (DESIGN §4), named once.
//   VenueRing   venue thread → core   VenueMsg       full: BookTops conflate, the rest wait (VenuePublisher)
//   IntentRing  core → venue thread   OrderIntent    full: the core rejects the intent, counted as a risk event
//   ControlRing control → core        ControlCommand full: the control thread reports "busy" to the operator
#pragma once

#include "core/messages/messages.h"
#include "core/runtime/spsc_ring.h"

namespace hs {

using VenueRing = runtime::SpscRing<VenueMsg>;
using IntentRing = runtime::SpscRing<OrderIntent>;
using ControlRing = runtime::SpscRing<ControlCommand>;

}  // namespace hs
