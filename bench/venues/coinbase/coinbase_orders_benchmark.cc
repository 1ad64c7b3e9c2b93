// Coinbase order entry costs, in ns: what the order path pays (copying a token signed ahead
// and rendering the whole HTTP request), what it would pay if it signed per request (one ES256
// JWT: why signing lives on a cold timer), and the user-channel fill parse.
//
//   EncodeOrder        body + HTTP head with a ready JWT into a fixed buffer (the hot path)
//   EncodeOrderFromPool  the same with the token taken from the JwtPool (memcpy of ~450 bytes)
//   SignJwtEs256       one CDP JWT: header/claims, ECDSA P-256 sign, DER → r||s, base64url
//   ParseUserFill      one `user` envelope with one order update
#include <benchmark/benchmark.h>

#include <string>

#include "core/config/config.h"
#include "venues/coinbase/coinbase_orders.h"
#include "venues/common/jwt_es256.h"

namespace hs::coinbase {
namespace {

struct World {
  World() {
    auto c = config::ParseConfig(R"(assets = ["BTC", "USD"]
[engine]
name = "bench"
[admin]
socket = "/tmp/cb-bench.sock"
[journal]
path = "/tmp/cb-bench.hsj"
[strategy]
min_edge = "0.0005"
max_leg_notional = "1000"
[risk]
max_order_notional = "1000"
[[instruments]]
name = "BTC/USD"
base = "BTC"
quote = "USD"
tick = "0.01"
lot = "0.00000001"
[[venues]]
name = "coinbase"
kind = "coinbase"
market_data_url = "wss://advanced-trade-ws.coinbase.com"
taker_fee = "0.006"
symbols = { "BTC/USD" = "BTC-USD" }
)",
                                 "bench");
    cfg = *c;
    symbols = venues::SymbolTable(cfg, cfg.venues[0]);
    enc.Reset(&symbols, "api.coinbase.com");
    std::string priv, pub;
    (void)venues::GenerateP256KeyPair(&priv, &pub);
    signer = std::move(*venues::Es256Signer::FromPem(priv));
    jwt = signer->SignCdp("organizations/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/apiKeys/9a8b7c6d-5e4f-3a2b-1c0d-e9f8a7b6c5d4",
                          enc.Uri("POST", kOrdersPath), 1'700'000'000);
    in.client_id = ClientOrderId{123456789};
    in.instrument = InstrumentId{0};
    in.limit_px = Price::FromRaw(60'000'500'000'000);
    in.qty = Qty::FromRaw(100'000);
  }
  config::Config cfg;
  venues::SymbolTable symbols;
  OrderEncoder enc;
  std::unique_ptr<venues::Es256Signer> signer;
  std::string jwt;
  OrderIntent in;
};

World& W() {
  static World w;
  return w;
}

void EncodeOrder(benchmark::State& st) {
  World& w = W();
  char buf[4096];
  for (auto _ : st) {
    w.in.client_id.value++;
    benchmark::DoNotOptimize(w.enc.EncodeOrder(w.in, w.jwt, buf, sizeof buf));
    benchmark::ClobberMemory();
  }
  st.counters["bytes"] = static_cast<double>(w.enc.EncodeOrder(w.in, w.jwt, buf, sizeof buf));
}
BENCHMARK(EncodeOrder);

void EncodeOrderFromPool(benchmark::State& st) {
  World& w = W();
  JwtPool pool;
  pool.Reset(w.signer.get(), "organizations/o/apiKeys/k", w.enc.Uri("POST", kOrdersPath));
  char buf[4096];
  char jwt[kMaxJwtBytes];
  for (auto _ : st) {
    if (pool.size() == 0) {
      st.PauseTiming();
      pool.Refill(1'700'000'000, kJwtPoolSize);  // the cold timer's work, not timed
      st.ResumeTiming();
    }
    const size_t jn = pool.Take(1'700'000'000, jwt);
    w.in.client_id.value++;
    benchmark::DoNotOptimize(w.enc.EncodeOrder(w.in, std::string_view(jwt, jn), buf, sizeof buf));
  }
}
BENCHMARK(EncodeOrderFromPool)->Iterations(20000);  // each 32 orders pause for a (cold) refill

void SignJwtEs256(benchmark::State& st) {
  World& w = W();
  const std::string uri = w.enc.Uri("POST", kOrdersPath);
  for (auto _ : st) benchmark::DoNotOptimize(w.signer->SignCdp("organizations/o/apiKeys/k", uri, 1'700'000'000));
}
BENCHMARK(SignJwtEs256);

void ParseUserFill(benchmark::State& st) {
  OrderParser p;
  const std::string text =
      R"({"channel":"user","client_id":"","timestamp":"2023-02-09T20:33:57.609931463Z","sequence_num":3,"events":[{"type":"update","orders":[{"order_id":"0123abcd-0000-4000-8000-000000000001","client_order_id":"hs123456789","cumulative_quantity":"0.001","leaves_quantity":"0","avg_price":"60000.5","total_fees":"0.360003","status":"FILLED","product_id":"BTC-USD","creation_time":"2022-12-07T19:42:18.719312Z","order_side":"BUY","order_type":"Limit","time_in_force":"IMMEDIATE_OR_CANCEL","cancel_reason":"","reject_reason":"","total_value_after_fees":"60.360503","trigger_status":"INVALID_ORDER_TYPE"}]}]})";
  const std::string buf = text + std::string(64, '\0');
  UserMsg m;
  for (auto _ : st) benchmark::DoNotOptimize(p.ParseUser(buf.data(), text.size(), &m));
}
BENCHMARK(ParseUserFill);

}  // namespace
}  // namespace hs::coinbase
BENCHMARK_MAIN();
