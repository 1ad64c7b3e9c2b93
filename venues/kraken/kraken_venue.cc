#include "venues/kraken/kraken_venue.h"

#include "absl/status/status.h"

namespace hs::kraken {

absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx) {
  if (ctx.venue->trading)
    return absl::UnimplementedError("venue " + ctx.venue->name +
                                    ": Kraken order entry is not implemented; set trading = false");
  return std::unique_ptr<venues::VenueAdapter>(std::make_unique<Venue>(ctx));
}

Venue::Venue(venues::VenueContext ctx) : ctx_(ctx), symbols_(*ctx.config, *ctx.venue) {
  feed_ = std::make_unique<Feed>(ctx_, &symbols_, [this] { PublishVenueStatus(); });
}

absl::Status Venue::Init() { return feed_->Init(); }

void Venue::Start() noexcept {
  PublishVenueStatus();
  feed_->Start();
}

void Venue::OnIntent(const OrderIntent& in) noexcept {
  ExecReport r;
  r.client_id = in.client_id;
  r.venue = ctx_.id;
  r.instrument = in.instrument;
  r.kind = ExecKind::kRejected;
  r.side = in.side;
  r.final = true;
  r.reason = RejectReason::kNotConnected;
  r.recv_stamp = TscNow();
  ctx_.publisher->PublishExec(r, WallNow());
  ctx_.counters->Add(ctx_.counters->order_rejects);
}

void Venue::Stop() noexcept { feed_->Stop(); }

void Venue::PublishVenueStatus() noexcept {
  venues::PublishVenueLevelStatus(ctx_, feed_->connected(), false);
}

}  // namespace hs::kraken
