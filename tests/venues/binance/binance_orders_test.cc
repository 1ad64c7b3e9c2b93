#include "venues/binance/binance_orders.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/base/decimal.h"
#include "core/config/config.h"

namespace hs::binance {
namespace {

class EncoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = config::ParseConfig(config::EmbeddedDemoConfig(), "demo");
    ASSERT_TRUE(c.ok());
    cfg_ = *c;
    symbols_ = venues::SymbolTable(cfg_, cfg_.venues[0]);
    enc_.Reset(&symbols_, "my-api-key", "my-secret");
  }
  config::Config cfg_;
  venues::SymbolTable symbols_;
  OrderEncoder enc_;
};

// Verifies the request the way the venue does: every param but signature, sorted, key=value&...
std::string ExpectedSignature(const nlohmann::json& params, const std::string& secret) {
  std::vector<std::pair<std::string, std::string>> kv;
  for (auto it = params.begin(); it != params.end(); ++it) {
    if (it.key() == "signature") continue;
    kv.emplace_back(it.key(), it->is_string() ? it->get<std::string>() : it->dump());
  }
  std::sort(kv.begin(), kv.end());
  std::string payload;
  for (const auto& [k, v] : kv) payload += (payload.empty() ? "" : "&") + k + "=" + v;
  return venues::HexEncode(venues::HmacSha256Raw(secret, payload));
}

TEST_F(EncoderTest, OrderPlaceIsValidJsonSignedOverSortedParams) {
  OrderIntent in;
  in.client_id = ClientOrderId{123456789};
  in.instrument = InstrumentId{0};
  in.side = Side::kBuy;
  in.tif = TimeInForce::kIoc;
  in.limit_px = ParseDecimal<Price>("30000.1").value;
  in.qty = ParseDecimal<Qty>("0.05").value;
  char buf[2048];
  const size_t n = enc_.Encode(in, 1660801715431, buf, sizeof buf);
  ASSERT_GT(n, 0u);
  const auto j = nlohmann::json::parse(std::string(buf, n));
  EXPECT_EQ(j["id"], "hs123456789");
  EXPECT_EQ(j["method"], "order.place");
  const auto& p = j["params"];
  EXPECT_EQ(p["symbol"], "BTCUSDT");
  EXPECT_EQ(p["side"], "BUY");
  EXPECT_EQ(p["type"], "LIMIT");
  EXPECT_EQ(p["timeInForce"], "IOC");
  EXPECT_EQ(p["price"], "30000.10") << "rendered at the symbol's tick decimals";
  EXPECT_EQ(p["quantity"], "0.05000") << "rendered at the symbol's lot decimals";
  EXPECT_EQ(p["newClientOrderId"], "hs123456789");
  EXPECT_EQ(p["newOrderRespType"], "FULL");
  EXPECT_EQ(p["timestamp"], 1660801715431);
  EXPECT_EQ(p["apiKey"], "my-api-key");
  EXPECT_EQ(p["signature"], ExpectedSignature(p, "my-secret"));
  EXPECT_EQ(std::string(buf, n).find("my-secret"), std::string::npos) << "the secret never leaves";
}

TEST_F(EncoderTest, RefusesWhatCannotBeRenderedExactly) {
  OrderIntent in;
  in.client_id = ClientOrderId{1};
  in.instrument = InstrumentId{0};
  in.limit_px = ParseDecimal<Price>("30000.123").value;  // off the 0.01 tick
  in.qty = ParseDecimal<Qty>("0.05").value;
  char buf[2048];
  EXPECT_EQ(enc_.Encode(in, 1, buf, sizeof buf), 0u);
  in.limit_px = ParseDecimal<Price>("30000.12").value;
  in.qty = ParseDecimal<Qty>("0.000001").value;  // off the 0.00001 lot
  EXPECT_EQ(enc_.Encode(in, 1, buf, sizeof buf), 0u);
  in.qty = ParseDecimal<Qty>("0.00001").value;
  in.instrument = InstrumentId{40};  // not listed
  EXPECT_EQ(enc_.Encode(in, 1, buf, sizeof buf), 0u);
  in.instrument = InstrumentId{0};
  EXPECT_EQ(enc_.Encode(in, 1, buf, 50), 0u) << "no room";
  EXPECT_GT(enc_.Encode(in, 1, buf, sizeof buf), 0u);
}

TEST_F(EncoderTest, AccountStatusIsSigned) {
  char buf[1024];
  const size_t n = enc_.EncodeAccountStatus(3, 1700000000000, buf, sizeof buf);
  ASSERT_GT(n, 0u);
  const auto j = nlohmann::json::parse(std::string(buf, n));
  EXPECT_EQ(j["id"], "acct-3");
  EXPECT_EQ(j["method"], "account.status");
  EXPECT_EQ(j["params"]["signature"], ExpectedSignature(j["params"], "my-secret"));
}

// Exact wire text of every other request; signatures are known answers (HMAC-SHA256 of the
// sorted payload with "my-secret", computed independently with Python's hmac module).
TEST_F(EncoderTest, CancelQueryTradesListCancelAllExactText) {
  char buf[1024];
  const int64_t ts = 1700000000000;
  size_t n = enc_.EncodeCancel(ClientOrderId{77}, InstrumentId{0}, ts, buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n),
            R"({"id":"cn77","method":"order.cancel","params":{"apiKey":"my-api-key","origClientOrderId":"hs77",)"
            R"("symbol":"BTCUSDT","timestamp":1700000000000,)"
            R"("signature":"59d5f7dc650489c359c5a7b401d1df693e2599057ab2108e6304e7efb2157c22"}})");
  n = enc_.EncodeQuery(ClientOrderId{77}, InstrumentId{0}, ts, buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n),
            R"({"id":"qs77","method":"order.status","params":{"apiKey":"my-api-key","origClientOrderId":"hs77",)"
            R"("symbol":"BTCUSDT","timestamp":1700000000000,)"
            R"("signature":"59d5f7dc650489c359c5a7b401d1df693e2599057ab2108e6304e7efb2157c22"}})");
  n = enc_.EncodeTrades(ClientOrderId{77}, InstrumentId{0}, 12569099453, ts, buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n),
            R"({"id":"qt77","method":"myTrades","params":{"apiKey":"my-api-key","orderId":12569099453,)"
            R"("symbol":"BTCUSDT","timestamp":1700000000000,)"
            R"("signature":"552370b3dee194ec57beddc2f60ad8683f6a48a3702745db816fbe0aef33cb65"}})");
  n = enc_.EncodeCancelAll(InstrumentId{0}, ts, buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n),
            R"({"id":"ca0","method":"openOrders.cancelAll","params":{"apiKey":"my-api-key","symbol":"BTCUSDT",)"
            R"("timestamp":1700000000000,)"
            R"("signature":"f07cb4a3e9ca1e7ca2bef2255717486acc233f4ad2114cbb03ebe359797f08b4"}})");
  n = enc_.EncodeListOpen(InstrumentId{0}, ts, buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n),
            R"({"id":"ls0","method":"openOrders.status","params":{"apiKey":"my-api-key","symbol":"BTCUSDT",)"
            R"("timestamp":1700000000000,)"
            R"("signature":"f07cb4a3e9ca1e7ca2bef2255717486acc233f4ad2114cbb03ebe359797f08b4"}})");
  // Unknown instrument, no room: nothing rendered.
  EXPECT_EQ(enc_.EncodeCancel(ClientOrderId{77}, InstrumentId{40}, ts, buf, sizeof buf), 0u);
  EXPECT_EQ(enc_.EncodeCancelAll(InstrumentId{40}, ts, buf, sizeof buf), 0u);
  EXPECT_EQ(enc_.EncodeQuery(ClientOrderId{77}, InstrumentId{0}, ts, buf, 40), 0u);
}

TEST_F(EncoderTest, GtcAndPostOnlyGtcExactText) {
  OrderIntent in;
  in.client_id = ClientOrderId{5};
  in.instrument = InstrumentId{0};
  in.side = Side::kBuy;
  in.tif = TimeInForce::kGtc;
  in.post_only = true;
  in.limit_px = ParseDecimal<Price>("29000").value;
  in.qty = ParseDecimal<Qty>("0.1").value;
  char buf[2048];
  size_t n = enc_.Encode(in, 1700000000000, buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n),
            R"({"id":"hs5","method":"order.place","params":{"apiKey":"my-api-key","newClientOrderId":"hs5",)"
            R"("newOrderRespType":"FULL","price":"29000.00","quantity":"0.10000","side":"BUY","symbol":"BTCUSDT",)"
            R"("timestamp":1700000000000,"type":"LIMIT_MAKER",)"
            R"("signature":"8cdf39b754d53186edd24542f7cf014902518e29e178649cac0a33b46e05436f"}})");
  in.client_id = ClientOrderId{6};
  in.side = Side::kSell;
  in.post_only = false;
  in.limit_px = ParseDecimal<Price>("31000").value;
  n = enc_.Encode(in, 1700000000000, buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n),
            R"({"id":"hs6","method":"order.place","params":{"apiKey":"my-api-key","newClientOrderId":"hs6",)"
            R"("newOrderRespType":"FULL","price":"31000.00","quantity":"0.10000","side":"SELL","symbol":"BTCUSDT",)"
            R"("timeInForce":"GTC","timestamp":1700000000000,"type":"LIMIT",)"
            R"("signature":"a3062c874254b7e2cdaad812c3f064acf6ea46ab9841d1195de3210237744eb0"}})");
  // post_only on an IOC means nothing: still LIMIT + IOC.
  in.tif = TimeInForce::kIoc;
  in.post_only = true;
  n = enc_.Encode(in, 1700000000000, buf, sizeof buf);
  const auto j = nlohmann::json::parse(std::string(buf, n));
  EXPECT_EQ(j["params"]["type"], "LIMIT");
  EXPECT_EQ(j["params"]["timeInForce"], "IOC");
  EXPECT_EQ(j["params"]["signature"], ExpectedSignature(j["params"], "my-secret"));
}

TEST(ClientId, ParsesOnlyOurForm) {
  ClientOrderId id;
  EXPECT_TRUE(venues::ParseClientId("hs42", &id));
  EXPECT_EQ(id.value, 42u);
  EXPECT_FALSE(venues::ParseClientId("hs", &id));
  EXPECT_FALSE(venues::ParseClientId("xx42", &id));
  EXPECT_FALSE(venues::ParseClientId("hs4a2", &id));
  EXPECT_FALSE(venues::ParseClientId("hs99999999999999999999", &id)) << "overflow";
  EXPECT_FALSE(venues::ParseClientId("4d96324ff9d44481926157ec08158a40", &id));
}

}  // namespace
}  // namespace hs::binance
