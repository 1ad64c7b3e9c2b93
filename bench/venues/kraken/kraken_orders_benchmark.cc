// Kraken order entry: one add_order rendered into a fixed buffer (WS v2 orders carry the
// session token instead of a per-order signature, so "encode + sign" is the encode), the
// API-Sign of the token request for reference (cold path: once per connection), and the parse
// of one `trade` executions message plus the tracker's fill report. Report: ns/op.
#include <benchmark/benchmark.h>

#include <string>

#include "core/config/config.h"
#include "venues/common/signing.h"
#include "venues/kraken/kraken_orders.h"

namespace hs::kraken {
namespace {

struct Fixture {
  Fixture() {
    auto c = config::ParseConfig(config::EmbeddedBenchConfig(), "bench");
    cfg = *c;
    symbols = venues::SymbolTable(cfg, cfg.venues[0]);
    enc.Reset(&symbols);
    enc.SetToken("G38a1tGFzqGiUCmnegBcm8d4nfP3tytiNQz6tkCBYXY");
  }
  config::Config cfg;
  venues::SymbolTable symbols;
  OrderEncoder enc;
};

Fixture& F() {
  static Fixture f;
  return f;
}

void BM_Kraken_AddOrder_Encode(benchmark::State& st) {
  Fixture& f = F();
  const venues::SymbolInfo& sym = f.symbols.infos()[0];
  OrderIntent in;
  in.instrument = sym.instrument;
  in.side = Side::kBuy;
  in.tif = TimeInForce::kIoc;
  in.limit_px = Price::FromRaw(sym.tick.raw() * 3'000'017);
  in.qty = Qty::FromRaw(sym.lot.raw() * 1234);
  char buf[1024];
  uint64_t id = 1'700'000'000'000'000'000ull;
  for (auto _ : st) {
    in.client_id = ClientOrderId{++id};
    benchmark::DoNotOptimize(f.enc.Encode(in, static_cast<int64_t>(id & 0xFFFFFFF), buf, sizeof buf));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_Kraken_AddOrder_Encode);

void BM_Kraken_TokenRequest_ApiSign(benchmark::State& st) {
  std::string secret;
  venues::Base64Decode("kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==", &secret);
  for (auto _ : st) benchmark::DoNotOptimize(ApiSign(secret, kTokenPath, "1616492376594", "nonce=1616492376594"));
}
BENCHMARK(BM_Kraken_TokenRequest_ApiSign);

void BM_Kraken_TradeExec_ParseAndTrack(benchmark::State& st) {
  Fixture& f = F();
  PrivateParser parser(1 << 16);
  OrderTracker tracker(VenueId{0}, &f.symbols);
  const std::string text =
      R"({"channel":"executions","type":"update","sequence":10,"data":[{"order_id":"OK4GJX-KSTLS-7DZZO5","cl_ord_id":"hs1","exec_id":"TGBB7L-HT5LX-J3BZ4A","exec_type":"trade","trade_id":62887576,"symbol":"BTC/USD","side":"sell","last_qty":0.005,"last_price":26599.9,"liquidity_ind":"t","cost":132.9995,"order_type":"limit","timestamp":"2023-09-22T10:33:05.709993Z","order_status":"filled","cum_qty":0.005,"cum_cost":132.9995,"avg_price":26599.9,"fee_usd_equiv":0.3458,"fees":[{"asset":"USD","qty":0.3458}]}]})";
  const std::string buf = text + std::string(64, '\0');
  OrderIntent in;
  in.client_id = ClientOrderId{1};
  in.instrument = f.symbols.infos()[0].instrument;
  for (auto _ : st) {
    tracker.Add(in, 1, TscStamp{}, Nanos{});
    PrivateMsg m;
    ExecReport ex;
    parser.Parse(buf.data(), text.size(), &m);
    benchmark::DoNotOptimize(tracker.OnExec(m.execs[0], TscStamp{}, &ex));
  }
}
BENCHMARK(BM_Kraken_TradeExec_ParseAndTrack);

}  // namespace
}  // namespace hs::kraken

BENCHMARK_MAIN();
