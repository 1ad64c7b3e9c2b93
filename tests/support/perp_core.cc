#include "tests/support/perp_core.h"

#include <gtest/gtest.h>

#include "core/app/core_params.h"
#include "core/base/decimal.h"
#include "tests/support/paths.h"
#include "tests/support/test_support.h"

namespace hs::testing {
namespace {

Price P(const char* s) { return ParseDecimal<Price>(s).value; }
Amount A(const char* s) { return ParseDecimal<Amount>(s, Sign::kAllowNegative).value; }

}  // namespace

std::string PerpCoreDriver::DemoText() {
  return ReadFileOrDie(std::string(HS_SOURCE_DIR) + "/configs/perps-demo.toml");
}

PerpCoreDriver::PerpCoreDriver(const std::function<std::string(std::string)>& edit) {
  std::string text = DemoText();
  if (edit) text = edit(text);
  auto c = config::ParseConfig(text, "perps-demo");
  EXPECT_TRUE(c.ok()) << c.status();
  if (!c.ok()) return;
  cfg = *c;
  params = app::CoreParamsFromConfig(cfg, 1000);
  engine::DecisionCore::Wiring w;
  for (int v = 0; v < params.venues; ++v) {
    rings.push_back(std::make_unique<IntentRing>(256));
    w.to_venues.push_back(rings.back()->TakeProducer());
    out.push_back(rings.back()->TakeConsumer());
  }
  core = std::make_unique<engine::DecisionCore>(params, std::move(w));
  core->Begin(Nanos::FromMillis(1), "config");
  for (int v = 0; v < params.venues; ++v) Connect(VenueId{static_cast<uint8_t>(v)});
  Balance(kBinance, "BTC", "0.2", false);
  Balance(kBinance, "USDT", "20000", true);
  Balance(kOkxSpot, "USDT", "0", true);
  Balance(kBybitPerp, "USDT", "2000", true);
  Balance(kOkxSwap, "USDT", "2000", true);
}

void PerpCoreDriver::Connect(VenueId v) {
  VenueMsg m;
  m.kind = VenueMsg::Kind::kStatus;
  m.status.venue = v;
  m.status.state = FeedState::kSynced;
  m.status.usable = true;
  m.status.orders_connected = true;
  Send(m);
}

void PerpCoreDriver::Balance(VenueId v, const char* asset, const char* amount, bool last) {
  VenueMsg m;
  m.kind = VenueMsg::Kind::kBalance;
  m.balance.venue = v;
  m.balance.asset = cfg.FindAsset(asset)->id;
  m.balance.free = A(amount);
  m.balance.final_of_snapshot = last;
  Send(m);
}

void PerpCoreDriver::Top(VenueId v, InstrumentId i, const char* bid, const char* ask, int64_t t_ms) {
  VenueMsg m;
  m.kind = VenueMsg::Kind::kBookTop;
  m.recv_time = Nanos::FromMillis(t_ms);
  m.top.venue = v;
  m.top.instrument = i;
  m.top.bid_count = 1;
  m.top.ask_count = 1;
  m.top.bids[0] = {P(bid), Qty::FromUnits(5)};
  m.top.asks[0] = {P(ask), Qty::FromUnits(5)};
  Send(m);
}

void PerpCoreDriver::Mark(VenueId v, const char* px, int64_t t_ms, const char* funding_rate) {
  VenueMsg m;
  m.kind = VenueMsg::Kind::kMark;
  m.recv_time = Nanos::FromMillis(t_ms);
  m.mark.venue = v;
  m.mark.instrument = kPerp;
  m.mark.fields = MarkUpdate::kMark | MarkUpdate::kFunding;
  m.mark.mark_px = P(px);
  m.mark.funding_rate = ParseDecimal<Rate>(funding_rate, Sign::kAllowNegative).value;
  Send(m);
}

void PerpCoreDriver::Timer(int64_t t_ms) {
  ControlCommand c;
  c.op = ControlOp::kTimer;
  c.time = Nanos::FromMillis(t_ms);
  core->Step(c);
}

std::vector<OrderIntent> PerpCoreDriver::Drain(VenueId v) {
  std::vector<OrderIntent> got;
  OrderIntent in;
  while (out[v.value].TryPop(in)) got.push_back(in);
  return got;
}

void PerpCoreDriver::Fill(const OrderIntent& in, const char* fee, int64_t t_ms, const char* fee_asset) {
  VenueMsg m;
  m.kind = VenueMsg::Kind::kExec;
  m.recv_time = Nanos::FromMillis(t_ms);
  m.exec.client_id = in.client_id;
  m.exec.venue = in.venue;
  m.exec.instrument = in.instrument;
  m.exec.kind = ExecKind::kFill;
  m.exec.side = in.side;
  m.exec.final = true;
  m.exec.fill_px = in.limit_px;
  m.exec.fill_qty = in.qty;
  m.exec.cum_qty = in.qty;
  m.exec.fill_quote = Amount::FromRaw(MulNotional(in.limit_px, in.qty, Rounding::kFloor).raw());
  m.exec.fee = A(fee);
  m.exec.fee_asset = cfg.FindAsset(fee_asset)->id;
  Send(m);
}

Amount PerpCoreDriver::Free(VenueId v, const char* asset) const {
  return core->portfolio().free(v, cfg.FindAsset(asset)->id);
}

}  // namespace hs::testing
