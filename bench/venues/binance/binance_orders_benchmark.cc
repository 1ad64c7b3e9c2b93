// Binance Spot order entry (WebSocket API): every request is HMAC-SHA256 signed, so each
// figure is encode + sign into a fixed buffer. order.place (IOC; post-only GTC = LIMIT_MAKER)
// uses the pre-absorbed key prefix; order.cancel and order.status sign their whole payload.
// Plus the parse of one order.place FULL reply and its FillDelta. Report: ns/op.
#include <benchmark/benchmark.h>

#include <string>

#include "core/base/decimal.h"
#include "core/config/config.h"
#include "venues/binance/binance_orders.h"
#include "venues/common/order_session.h"

namespace hs::binance {
namespace {

struct Fixture {
  Fixture() {
    auto c = config::ParseConfig(config::EmbeddedBenchConfig(), "bench");
    cfg = *c;
    symbols = venues::SymbolTable(cfg, cfg.venues[0]);
    enc.Reset(&symbols, "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
              "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j");
  }
  OrderIntent Intent(TimeInForce tif, bool post_only) const {
    OrderIntent in;
    in.client_id = ClientOrderId{1'801'234'567'890'123};
    in.instrument = symbols.infos()[0].instrument;
    in.side = Side::kBuy;
    in.tif = tif;
    in.post_only = post_only;
    in.limit_px = ParseDecimal<Price>("30000.01").value;
    in.qty = ParseDecimal<Qty>("0.05").value;
    return in;
  }
  config::Config cfg;
  venues::SymbolTable symbols;
  OrderEncoder enc;
};

Fixture& F() {
  static Fixture f;
  return f;
}

void BM_Binance_Place_Ioc_EncodeSign(benchmark::State& st) {
  Fixture& f = F();
  OrderIntent in = f.Intent(TimeInForce::kIoc, false);
  char buf[2048];
  for (auto _ : st) {
    benchmark::DoNotOptimize(f.enc.Encode(in, 1'700'000'000'000, buf, sizeof buf));
    ++in.client_id.value;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Binance_Place_Ioc_EncodeSign);

void BM_Binance_Place_PostOnlyGtc_EncodeSign(benchmark::State& st) {
  Fixture& f = F();
  OrderIntent in = f.Intent(TimeInForce::kGtc, true);
  char buf[2048];
  for (auto _ : st) {
    benchmark::DoNotOptimize(f.enc.Encode(in, 1'700'000'000'000, buf, sizeof buf));
    ++in.client_id.value;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Binance_Place_PostOnlyGtc_EncodeSign);

void BM_Binance_Cancel_EncodeSign(benchmark::State& st) {
  Fixture& f = F();
  ClientOrderId id{1'801'234'567'890'123};
  const InstrumentId inst = f.symbols.infos()[0].instrument;
  char buf[1024];
  for (auto _ : st) {
    benchmark::DoNotOptimize(f.enc.EncodeCancel(id, inst, 1'700'000'000'000, buf, sizeof buf));
    ++id.value;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Binance_Cancel_EncodeSign);

void BM_Binance_Query_EncodeSign(benchmark::State& st) {
  Fixture& f = F();
  ClientOrderId id{1'801'234'567'890'123};
  const InstrumentId inst = f.symbols.infos()[0].instrument;
  char buf[1024];
  for (auto _ : st) {
    benchmark::DoNotOptimize(f.enc.EncodeQuery(id, inst, 1'700'000'000'000, buf, sizeof buf));
    ++id.value;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Binance_Query_EncodeSign);

void BM_Binance_FullReply_ParseFillDelta(benchmark::State& st) {
  Fixture& f = F();
  const std::string t =
      R"({"id":"hs7","status":200,"result":{"symbol":"BTCUSDT","orderId":12569099453,"orderListId":-1,)"
      R"("clientOrderId":"hs7","transactTime":1700000000000,"price":"30001.00","origQty":"0.20000",)"
      R"("executedQty":"0.20000000","cummulativeQuoteQty":"6000.20000000","status":"FILLED","timeInForce":"IOC",)"
      R"("type":"LIMIT","side":"BUY","workingTime":1700000000000,"fills":[{"price":"30001.00","qty":"0.20000000",)"
      R"("commission":"0.00020000","commissionAsset":"BTC","tradeId":1001}],"selfTradePreventionMode":"NONE"},)"
      R"("rateLimits":[{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":50,"count":1}]})";
  const std::string b = t + std::string(64, '\0');
  Parser parser(1 << 16);
  venues::InFlightTable table;
  OrderIntent in = f.Intent(TimeInForce::kIoc, false);
  in.client_id = ClientOrderId{7};
  for (auto _ : st) {
    ApiReply r;
    parser.ParseApiReply(b.data(), t.size(), &r);
    venues::InFlightEntry& e = table.Track(in, TscStamp{}, 1);
    venues::CumulativeFill c{r.executed_qty, r.cum_quote, r.commission, f.symbols.FindAsset(r.commission_asset), Price()};
    ExecReport ex;
    benchmark::DoNotOptimize(table.FillDelta(e, c, VenueId{0}, TscStamp{}, true, &ex));
    table.Release(&e);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Binance_FullReply_ParseFillDelta);

}  // namespace
}  // namespace hs::binance

BENCHMARK_MAIN();
