#include "venues/common/order_path.h"

#include "core/runtime/venue_counters.h"
#include "venues/common/venue_publisher.h"

namespace hs::venues {

void PublishLocalReject(const VenueContext& ctx, const OrderIntent& in, RejectReason why) noexcept {
  ExecReport r;
  r.client_id = in.client_id;
  r.venue = ctx.id;
  r.instrument = in.instrument;
  r.kind = ExecKind::kRejected;
  r.side = in.side;
  r.final = true;
  r.reason = why;
  r.recv_stamp = TscNow();
  ctx.publisher->PublishExec(r, WallNow());
  ctx.counters->Add(ctx.counters->order_rejects);
}

bool SendOrderFrame(const VenueContext& ctx, WsClient& ws, const OrderIntent& in, std::string_view frame,
                    TscStamp* wire) noexcept {
  const TscStamp ready = TscNow();  // closes the tick-to-order interval
  // Only orders a tick triggered have a tick-to-order: a rebalance order comes from a timer
  // input and carries no receive stamp.
  if (in.origin_stamp.ticks != 0) ctx.counters->tick_to_order_ns.Record(TscClock::Elapsed(in.origin_stamp, ready));
  switch (ws.SendOrder(frame, ctx.kill, ctx.id, in.client_id.value, wire)) {
    case WsClient::SendResult::kWritten:
    case WsClient::SendResult::kQueued:
      ctx.counters->Add(ctx.counters->orders_sent);
      return true;
    case WsClient::SendResult::kHalted:
      ctx.counters->Add(ctx.counters->orders_halted);
      PublishLocalReject(ctx, in, RejectReason::kHalted);
      return false;
    case WsClient::SendResult::kNotOpen:
      PublishLocalReject(ctx, in, RejectReason::kNotConnected);
      return false;
    case WsClient::SendResult::kQueueFull:
      PublishLocalReject(ctx, in, RejectReason::kBackpressure);
      return false;
  }
  return false;
}

}  // namespace hs::venues
