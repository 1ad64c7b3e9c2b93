// hs::venues — the adapter every venue is: its market-data Feed and, for a venue with order
// entry, its Orders session, both on the venue thread, plus the venue-wide status the core sees
// on start, connect and disconnect (PublishVenueLevelStatus).
//
// FeedT and OrdersT are a venue's own classes, constructed as (VenueContext, const SymbolTable*,
// on_state callback) with Init/Start/Stop/connected (and OnIntent for OrdersT). With OrdersT =
// NoOrders the venue is market data only: MakeFeedAdapter refuses a venue configured with
// trading = true (UnimplementedError naming it), and an intent that reaches the adapter anyway is
// answered at once with a local reject (kNotConnected), so the core never waits on it.
// Owned by the venue thread; built cold by core/app's venue factory.
#pragma once

#include <concepts>
#include <memory>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "venues/common/order_path.h"
#include "venues/common/symbol_table.h"
#include "venues/common/venue_thread.h"

namespace hs::venues {

struct NoOrders {};

template <typename FeedT, typename OrdersT = NoOrders>
class FeedAdapter final : public VenueAdapter {
 public:
  static constexpr bool kHasOrders = !std::is_same_v<OrdersT, NoOrders>;

  explicit FeedAdapter(VenueContext ctx) : ctx_(ctx), symbols_(*ctx.config, *ctx.venue) {
    feed_ = std::make_unique<FeedT>(ctx_, &symbols_, [this] { PublishStatus(); });
    if constexpr (kHasOrders) orders_ = std::make_unique<OrdersT>(ctx_, &symbols_, [this] { PublishStatus(); });
  }

  absl::Status Init() override {
    if (absl::Status s = feed_->Init(); !s.ok()) return s;
    if constexpr (kHasOrders) {
      if (ctx_.venue->trading) return orders_->Init();
    }
    return absl::OkStatus();
  }

  void Start() noexcept override {
    PublishStatus();
    feed_->Start();
    if constexpr (kHasOrders) {
      if (ctx_.venue->trading) orders_->Start();
    }
  }

  void OnIntent(const OrderIntent& in) noexcept override {
    if constexpr (kHasOrders) {
      orders_->OnIntent(in);
    } else {
      PublishLocalReject(ctx_, in, RejectReason::kNotConnected);
    }
  }

  // Kill switch: the order session's cancel-all, when it has one and is trading. A session whose
  // CancelAll returns nothing (it answers later, e.g. Coinbase's list + batch_cancel) counts as
  // sent when it is connected.
  bool CancelAll() noexcept override {
    if constexpr (kHasOrders) {
      if (!ctx_.venue->trading) return false;
      if constexpr (requires(OrdersT& o) { { o.CancelAll() } -> std::same_as<bool>; }) {
        return orders_->CancelAll();
      } else if constexpr (requires(OrdersT& o) { o.CancelAll(); }) {
        if (!orders_->connected()) return false;
        orders_->CancelAll();
        return true;
      }
    }
    return false;
  }

  // Balance reconciliation: the order session's account query, when it has one.
  bool RequestBalances() noexcept override {
    if constexpr (kHasOrders) {
      if (!ctx_.venue->trading) return false;
      if constexpr (requires(OrdersT& o) { { o.RequestBalances() } -> std::same_as<bool>; }) {
        return orders_->RequestBalances();
      }
    }
    return false;
  }

  // Recovery: the order session's cancel-all on its first connect, when it has one.
  void SetCancelAllOnConnect(bool on) noexcept override {
    if constexpr (kHasOrders) {
      if constexpr (requires(OrdersT& o) { o.SetCancelAllOnConnect(true); }) orders_->SetCancelAllOnConnect(on);
    }
    (void)on;
  }

  void Stop() noexcept override {
    feed_->Stop();
    if constexpr (kHasOrders) {
      if (ctx_.venue->trading) orders_->Stop();
    }
  }

 private:
  void PublishStatus() noexcept {
    bool orders_connected = false;
    if constexpr (kHasOrders) orders_connected = orders_ != nullptr && orders_->connected();
    PublishVenueLevelStatus(ctx_, feed_->connected(), orders_connected);
  }

  VenueContext ctx_;
  SymbolTable symbols_;
  std::unique_ptr<FeedT> feed_;
  std::unique_ptr<std::conditional_t<kHasOrders, OrdersT, NoOrders>> orders_;
};

// The adapter for a configured venue; `kind` names the venue in the error a market-data-only
// venue gives when configured with trading = true.
template <typename FeedT, typename OrdersT = NoOrders>
absl::StatusOr<std::unique_ptr<VenueAdapter>> MakeFeedAdapter(const VenueContext& ctx, const char* kind) {
  if constexpr (std::is_same_v<OrdersT, NoOrders>) {
    if (ctx.venue->trading)
      return absl::UnimplementedError("venue " + ctx.venue->name + ": " + kind +
                                      " order entry is not implemented; set trading = false");
  }
  return std::unique_ptr<VenueAdapter>(std::make_unique<FeedAdapter<FeedT, OrdersT>>(ctx));
}

}  // namespace hs::venues
