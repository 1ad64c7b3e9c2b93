// Bybit v5 parse and parse+apply cost per message kind: ours (simdjson On-Demand straight to
// fixed point) side by side with nlohmann::json and RapidJSON parsing the same bytes into the
// same fixed-point values, in the same run. Kinds: orderbook delta (20 levels), orderbook
// snapshot (50 per side), the pong, a private `execution` push; plus delta parse+apply to a
// synced 50-level book for all three parsers, order.create and order.cancel encoding, and
// the REST X-BAPI-SIGN (cancel-all body; encode + sign of a realtime query). Report: ns/message;
// compare the ratios, not absolute numbers.
#include <benchmark/benchmark.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <rapidjson/document.h>
#include <string>
#include <vector>

#include "core/base/decimal.h"
#include "core/config/config.h"
#include "venues/bybit/bybit_book.h"
#include "venues/bybit/bybit_orders.h"
#include "venues/common/order_session.h"
#include "venues/bybit/bybit_parse.h"

namespace hs {
namespace {

using bybit::BookLevel;

std::string Padded(const std::string& s) { return s + std::string(64, '\0'); }

std::string Level(int64_t cents, const std::string& qty) {
  char b[64];
  std::snprintf(b, sizeof b, "[\"%lld.%02lld\",\"%s\"]", static_cast<long long>(cents / 100), static_cast<long long>(cents % 100),
                qty.c_str());
  return b;
}

// A delta as the venue sends it on spot: topic, ts, type, data (s, b, a, u, seq), cts.
std::string Delta(uint64_t u, bool phase) {
  std::string b = "[", a = "[";
  for (int i = 0; i < 10; ++i) {
    const std::string q = phase ? "2.250" : (i % 3 == 0 ? "0" : "1.500");
    b += std::string(i ? "," : "") + Level(3'000'000 - 1 - 2 * i, q);
    a += std::string(i ? "," : "") + Level(3'000'000 + 1 + 2 * i, q);
  }
  return "{\"topic\":\"orderbook.50.BTCUSDT\",\"ts\":1687940967466,\"type\":\"delta\",\"data\":{\"s\":\"BTCUSDT\",\"b\":" + b +
         "],\"a\":" + a + "],\"u\":" + std::to_string(u) + ",\"seq\":66544703342},\"cts\":1687940967464}";
}

std::string Snapshot50(uint64_t u) {
  std::string b = "[", a = "[";
  for (int i = 0; i < 50; ++i) {
    b += std::string(i ? "," : "") + Level(3'000'000 - 1 - i, "1.500");
    a += std::string(i ? "," : "") + Level(3'000'000 + 1 + i, "1.500");
  }
  return "{\"topic\":\"orderbook.50.BTCUSDT\",\"ts\":1687940967466,\"type\":\"snapshot\",\"data\":{\"s\":\"BTCUSDT\",\"b\":" + b +
         "],\"a\":" + a + "],\"u\":" + std::to_string(u) + ",\"seq\":66544703342},\"cts\":1687940967464}";
}

const std::string kPong = R"({"success":true,"ret_msg":"pong","conn_id":"0970e817-426e-429a-a679-ff7f55e0b16a","op":"ping"})";

const std::string kExecution =
    R"({"id":"592324803b2785-26fa-4214-9963-bdd4727f07be","topic":"execution","creationTime":1672364174455,"data":[{"category":"spot","symbol":"BTCUSDT","execFee":"0.00000750","execId":"2100000000007764263","execPrice":"30000.10","execQty":"0.007500","execType":"Trade","execValue":"225.00075","isMaker":false,"feeRate":"0.001","tradeIv":"","markIv":"","blockTradeId":"","markPrice":"","indexPrice":"","underlyingPrice":"","leavesQty":"0","orderId":"1321003749386327552","orderLinkId":"hs1801234567890123","orderPrice":"30001.00","orderQty":"0.007500","orderType":"Limit","stopOrderType":"","side":"Buy","execTime":"1672364174443","isLeverage":"0","closedSize":"","seq":4688002127,"feeCurrency":"BTC"}]})";

// ---- the same fields through the baselines ----

// What every parser must produce for a book message.
struct BookOut {
  std::string_view symbol;
  uint64_t u = 0, seq = 0;
  int64_t ts = 0;
  bool snapshot = false;
  BookLevel bids[100];
  BookLevel asks[100];
  int nb = 0, na = 0;
};

void NlohmannBook(std::string_view s, BookOut* o) {
  auto j = nlohmann::json::parse(s.begin(), s.end());
  o->snapshot = j["type"].get_ref<const std::string&>() == "snapshot";
  o->ts = j["ts"].get<int64_t>();
  const auto& d = j["data"];
  o->u = d["u"].get<uint64_t>();
  o->seq = d["seq"].get<uint64_t>();
  o->nb = o->na = 0;
  for (const auto& l : d["b"]) {
    o->bids[o->nb].px = ParseDecimal<Price>(l[0].get_ref<const std::string&>()).value;
    o->bids[o->nb++].qty = ParseDecimal<Qty>(l[1].get_ref<const std::string&>()).value;
  }
  for (const auto& l : d["a"]) {
    o->asks[o->na].px = ParseDecimal<Price>(l[0].get_ref<const std::string&>()).value;
    o->asks[o->na++].qty = ParseDecimal<Qty>(l[1].get_ref<const std::string&>()).value;
  }
  benchmark::DoNotOptimize(d["s"].get_ref<const std::string&>().size());
}

void RapidBook(std::string_view s, BookOut* o) {
  rapidjson::Document doc;
  doc.Parse(s.data(), s.size());
  o->snapshot = std::string_view(doc["type"].GetString(), doc["type"].GetStringLength()) == "snapshot";
  o->ts = doc["ts"].GetInt64();
  const auto& d = doc["data"];
  o->u = d["u"].GetUint64();
  o->seq = d["seq"].GetUint64();
  o->nb = o->na = 0;
  for (const auto& l : d["b"].GetArray()) {
    o->bids[o->nb].px = ParseDecimal<Price>({l[0].GetString(), l[0].GetStringLength()}).value;
    o->bids[o->nb++].qty = ParseDecimal<Qty>({l[1].GetString(), l[1].GetStringLength()}).value;
  }
  for (const auto& l : d["a"].GetArray()) {
    o->asks[o->na].px = ParseDecimal<Price>({l[0].GetString(), l[0].GetStringLength()}).value;
    o->asks[o->na++].qty = ParseDecimal<Qty>({l[1].GetString(), l[1].GetStringLength()}).value;
  }
  benchmark::DoNotOptimize(d["s"].GetStringLength());
}

bybit::MarketFrame FrameOf(const BookOut& o) {
  bybit::MarketFrame f;
  f.kind = o.snapshot ? bybit::MarketKind::kBookSnapshot : bybit::MarketKind::kBookDelta;
  f.update_id = o.u;
  f.cross_seq = o.seq;
  f.ts_ms = o.ts;
  f.topic_depth = 50;
  f.bids = o.bids;
  f.bid_count = o.nb;
  f.asks = o.asks;
  f.ask_count = o.na;
  return f;
}

// ---- parse only, per kind ----

template <typename F>
void RunOurs(benchmark::State& st, const std::string& text, F check) {
  bybit::Parser p(1 << 16);
  const std::string buf = Padded(text);
  for (auto _ : st) {
    bybit::MarketFrame f;
    auto r = p.ParseMarket(buf.data(), text.size(), &f);
    benchmark::DoNotOptimize(r);
    check(f);
  }
  st.SetItemsProcessed(st.iterations());
}

void BM_Bybit_Delta20_Parse_Ours(benchmark::State& st) {
  RunOurs(st, Delta(101, true), [](const bybit::MarketFrame& f) { benchmark::DoNotOptimize(f.asks[9].qty); });
}
BENCHMARK(BM_Bybit_Delta20_Parse_Ours);
void BM_Bybit_Delta20_Parse_Nlohmann(benchmark::State& st) {
  const std::string s = Delta(101, true);
  BookOut o;
  for (auto _ : st) {
    NlohmannBook(s, &o);
    benchmark::DoNotOptimize(o.asks[9].qty);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Bybit_Delta20_Parse_Nlohmann);
void BM_Bybit_Delta20_Parse_RapidJson(benchmark::State& st) {
  const std::string s = Delta(101, true);
  BookOut o;
  for (auto _ : st) {
    RapidBook(s, &o);
    benchmark::DoNotOptimize(o.asks[9].qty);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Bybit_Delta20_Parse_RapidJson);

void BM_Bybit_Snapshot50_Parse_Ours(benchmark::State& st) {
  RunOurs(st, Snapshot50(100), [](const bybit::MarketFrame& f) { benchmark::DoNotOptimize(f.asks[49].qty); });
}
BENCHMARK(BM_Bybit_Snapshot50_Parse_Ours);
void BM_Bybit_Snapshot50_Parse_Nlohmann(benchmark::State& st) {
  const std::string s = Snapshot50(100);
  BookOut o;
  for (auto _ : st) {
    NlohmannBook(s, &o);
    benchmark::DoNotOptimize(o.asks[49].qty);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Bybit_Snapshot50_Parse_Nlohmann);
void BM_Bybit_Snapshot50_Parse_RapidJson(benchmark::State& st) {
  const std::string s = Snapshot50(100);
  BookOut o;
  for (auto _ : st) {
    RapidBook(s, &o);
    benchmark::DoNotOptimize(o.asks[49].qty);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Bybit_Snapshot50_Parse_RapidJson);

void BM_Bybit_Pong_Parse_Ours(benchmark::State& st) {
  RunOurs(st, kPong, [](const bybit::MarketFrame& f) { benchmark::DoNotOptimize(f.kind); });
}
BENCHMARK(BM_Bybit_Pong_Parse_Ours);
void BM_Bybit_Pong_Parse_Nlohmann(benchmark::State& st) {
  for (auto _ : st) {
    auto j = nlohmann::json::parse(kPong);
    const bool pong = j["op"].get_ref<const std::string&>() == "ping" && j["ret_msg"].get_ref<const std::string&>() == "pong";
    benchmark::DoNotOptimize(pong);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Bybit_Pong_Parse_Nlohmann);
void BM_Bybit_Pong_Parse_RapidJson(benchmark::State& st) {
  for (auto _ : st) {
    rapidjson::Document d;
    d.Parse(kPong.data(), kPong.size());
    const bool pong = std::string_view(d["op"].GetString()) == "ping" && std::string_view(d["ret_msg"].GetString()) == "pong";
    benchmark::DoNotOptimize(pong);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Bybit_Pong_Parse_RapidJson);

struct ExecOut {
  Price px;
  Qty qty;
  Amount fee;
  int64_t time = 0;
  size_t link = 0, ccy = 0;
};

void BM_Bybit_Execution_Parse_Ours(benchmark::State& st) {
  bybit::Parser p(1 << 16);
  const std::string buf = Padded(kExecution);
  for (auto _ : st) {
    bybit::AccountMsg m;
    auto r = p.ParseAccount(buf.data(), kExecution.size(), &m);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(m.executions[0].exec_fee);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Bybit_Execution_Parse_Ours);
void BM_Bybit_Execution_Parse_Nlohmann(benchmark::State& st) {
  ExecOut o;
  for (auto _ : st) {
    auto j = nlohmann::json::parse(kExecution);
    const auto& e = j["data"][0];
    o.px = ParseDecimal<Price>(e["execPrice"].get_ref<const std::string&>()).value;
    o.qty = ParseDecimal<Qty>(e["execQty"].get_ref<const std::string&>()).value;
    o.fee = ParseDecimal<Amount>(e["execFee"].get_ref<const std::string&>(), Sign::kAllowNegative).value;
    o.time = std::stoll(e["execTime"].get_ref<const std::string&>());
    o.link = e["orderLinkId"].get_ref<const std::string&>().size();
    o.ccy = e["feeCurrency"].get_ref<const std::string&>().size();
    benchmark::DoNotOptimize(o);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Bybit_Execution_Parse_Nlohmann);
void BM_Bybit_Execution_Parse_RapidJson(benchmark::State& st) {
  ExecOut o;
  for (auto _ : st) {
    rapidjson::Document d;
    d.Parse(kExecution.data(), kExecution.size());
    const auto& e = d["data"][0];
    o.px = ParseDecimal<Price>({e["execPrice"].GetString(), e["execPrice"].GetStringLength()}).value;
    o.qty = ParseDecimal<Qty>({e["execQty"].GetString(), e["execQty"].GetStringLength()}).value;
    o.fee = ParseDecimal<Amount>({e["execFee"].GetString(), e["execFee"].GetStringLength()}, Sign::kAllowNegative).value;
    o.time = std::stoll(e["execTime"].GetString());
    o.link = e["orderLinkId"].GetStringLength();
    o.ccy = e["feeCurrency"].GetStringLength();
    benchmark::DoNotOptimize(o);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Bybit_Execution_Parse_RapidJson);

// ---- parse + apply: a 20-level delta to a synced 50-level book ----

// Alternating deltas move the same 20 levels back and forth, so every apply does real inserts,
// updates and deletes while u chains.
struct DeltaStream {
  std::string snapshot = Padded(Snapshot50(100));
  std::vector<std::string> msgs;
  DeltaStream() {
    for (uint64_t u = 101; u < 101 + 4096; ++u) msgs.push_back(Padded(Delta(u, u % 2 == 0)));
  }
};
const DeltaStream& Stream() {
  static const DeltaStream s;
  return s;
}

template <typename ParseFn>
void RunParseApply(benchmark::State& st, ParseFn parse) {
  const DeltaStream& ds = Stream();
  bybit::Parser sp(1 << 16);
  bybit::DepthBook book(50);
  auto resync = [&] {
    bybit::MarketFrame f;
    sp.ParseMarket(ds.snapshot.data(), ds.snapshot.size() - 64, &f);
    book.OnMessage(f);
  };
  resync();
  size_t k = 0;
  for (auto _ : st) {
    if (k == ds.msgs.size()) {
      st.PauseTiming();
      resync();
      k = 0;
      st.ResumeTiming();
    }
    const std::string& m = ds.msgs[k++];
    benchmark::DoNotOptimize(parse(m, &book));
  }
  if (!book.usable()) st.SkipWithError("the book failed");
  st.SetItemsProcessed(st.iterations());
}

void BM_Bybit_Delta20_ParseApply_Ours(benchmark::State& st) {
  bybit::Parser p(1 << 16);
  RunParseApply(st, [&](const std::string& m, bybit::DepthBook* book) {
    bybit::MarketFrame f;
    p.ParseMarket(m.data(), m.size() - 64, &f);
    return book->OnMessage(f);
  });
}
BENCHMARK(BM_Bybit_Delta20_ParseApply_Ours);
void BM_Bybit_Delta20_ParseApply_Nlohmann(benchmark::State& st) {
  BookOut o;
  RunParseApply(st, [&](const std::string& m, bybit::DepthBook* book) {
    NlohmannBook(std::string_view(m.data(), m.size() - 64), &o);
    return book->OnMessage(FrameOf(o));
  });
}
BENCHMARK(BM_Bybit_Delta20_ParseApply_Nlohmann);
void BM_Bybit_Delta20_ParseApply_RapidJson(benchmark::State& st) {
  BookOut o;
  RunParseApply(st, [&](const std::string& m, bybit::DepthBook* book) {
    RapidBook(std::string_view(m.data(), m.size() - 64), &o);
    return book->OnMessage(FrameOf(o));
  });
}
BENCHMARK(BM_Bybit_Delta20_ParseApply_RapidJson);

// A 50-level snapshot parsed and applied (what each resync costs on the venue thread).
void BM_Bybit_Snapshot50_ParseApply_Ours(benchmark::State& st) {
  bybit::Parser p(1 << 16);
  bybit::DepthBook book(50);
  const std::string s = Padded(Snapshot50(100));
  for (auto _ : st) {
    bybit::MarketFrame f;
    p.ParseMarket(s.data(), s.size() - 64, &f);
    benchmark::DoNotOptimize(book.OnMessage(f));
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Bybit_Snapshot50_ParseApply_Ours);

// ---- order.create encoding (the last step before the socket) ----

void BM_Bybit_EncodeOrder(benchmark::State& st) {
  auto cfg = config::ParseConfig(config::EmbeddedBenchConfig(), "bench");
  venues::SymbolTable symbols(*cfg, cfg->venues[0]);
  bybit::OrderEncoder enc(&symbols, "XXXXXXXXXXXXXXXXXX", "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY");
  OrderIntent in;
  in.client_id = ClientOrderId{1'801'234'567'890'123};
  in.instrument = InstrumentId{0};
  in.side = Side::kBuy;
  in.limit_px = ParseDecimal<Price>("30000.01").value;
  in.qty = ParseDecimal<Qty>("0.05").value;
  char buf[1024];
  for (auto _ : st) {
    benchmark::DoNotOptimize(enc.Encode(in, 1'700'000'000'000, buf, sizeof buf));
    ++in.client_id.value;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Bybit_EncodeOrder);

// order.cancel on the trade socket (no per-request signature: the session is authenticated).
void BM_Bybit_EncodeCancel(benchmark::State& st) {
  auto cfg = config::ParseConfig(config::EmbeddedBenchConfig(), "bench");
  venues::SymbolTable symbols(*cfg, cfg->venues[0]);
  bybit::OrderEncoder enc(&symbols, "XXXXXXXXXXXXXXXXXX", "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY");
  ClientOrderId id{1'801'234'567'890'123};
  char buf[512];
  for (auto _ : st) {
    benchmark::DoNotOptimize(enc.EncodeCancel(id, InstrumentId{0}, 1'700'000'000'000, buf, sizeof buf));
    ++id.value;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Bybit_EncodeCancel);

// A signed REST request's X-BAPI-SIGN (cancel-all body; the realtime query signs its query
// string the same way): HMAC-SHA256 over timestamp + key + recvWindow + payload, hex.
void BM_Bybit_SignRest_CancelAll(benchmark::State& st) {
  auto cfg = config::ParseConfig(config::EmbeddedBenchConfig(), "bench");
  venues::SymbolTable symbols(*cfg, cfg->venues[0]);
  bybit::OrderEncoder enc(&symbols, "XXXXXXXXXXXXXXXXXX", "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY");
  char sig[64];
  int64_t ts = 1'700'000'000'000;
  for (auto _ : st) {
    benchmark::DoNotOptimize(enc.SignRestInto(ts++, "8000", R"({"category":"spot"})", sig));
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Bybit_SignRest_CancelAll);

// Encode a query's signed payload and sign it: "category=spot&orderLinkId=hs<id>".
void BM_Bybit_EncodeSignQuery(benchmark::State& st) {
  auto cfg = config::ParseConfig(config::EmbeddedBenchConfig(), "bench");
  venues::SymbolTable symbols(*cfg, cfg->venues[0]);
  bybit::OrderEncoder enc(&symbols, "XXXXXXXXXXXXXXXXXX", "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY");
  ClientOrderId id{1'801'234'567'890'123};
  char q[64] = "category=spot&orderLinkId=";
  const size_t prefix = std::strlen(q);
  char sig[64];
  for (auto _ : st) {
    const size_t n = prefix + venues::FormatClientId(id, q + prefix);
    benchmark::DoNotOptimize(enc.SignRestInto(1'700'000'000'000, "8000", std::string_view(q, n), sig));
    ++id.value;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Bybit_EncodeSignQuery);

}  // namespace
}  // namespace hs

BENCHMARK_MAIN();
