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
