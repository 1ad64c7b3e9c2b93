// OKX linear swaps (instType SWAP) without a network: the public `mark-price` / `funding-rate`
// pushes, the private `positions`, `balance_and_position` and `account` margin fields, contract
// conversion both ways, the swap order text (tdMode, sz in contracts, reduceOnly), the
// set-leverage body, and what the session and the feed publish from them (PositionUpdate,
// FundingPayment, MarginAccountUpdate, BookTop in base units, MarkUpdate). Fixtures are written
// from the documented formats (../shared/venues/ORDERS.md §6.2, venues/README §4).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "core/base/crc32.h"
#include "core/base/decimal.h"
#include "core/config/config.h"
#include "tests/support/order_loopback.h"
#include "tests/support/test_support.h"
#include "venues/okx/okx_feed.h"
#include "venues/okx/okx_orders.h"
#include "venues/okx/okx_parse.h"

namespace hs::okx {
namespace {

Qty Q(const char* s) { return ParseDecimal<Qty>(s, Sign::kAllowNegative).value; }
Price P(const char* s) { return ParseDecimal<Price>(s).value; }
Amount A(const char* s) { return ParseDecimal<Amount>(s, Sign::kAllowNegative).value; }
Rate R(const char* s) { return ParseDecimal<Rate>(s, Sign::kAllowNegative).value; }

// One OKX swap venue: BTC-USDT-SWAP with ctVal 0.01 (100 contracts = 1 BTC), isolated at 5x.
std::string SwapConfig(const std::string& mode = "isolated") {
  return testing::UnitConfigToml(R"("BTC", "USDT")", R"([[instruments]]
name = "BTC-PERP"
kind = "perp"
base = "BTC"
quote = "USDT"
tick = "0.1"
lot = "0.01"
min_notional = "5"
funding_interval_s = 8
mm_tiers = [ { max_value = "2000000", mmr = "0.005", imr = "0.01" } ]
[[venues]]
name = "okx_swap"
kind = "okx"
market_data_url = "ws://127.0.0.1:1"
rest_url = "http://127.0.0.1:1"
order_url = "ws://127.0.0.1:1"
api_key_env = "HS_SWAP_K"
api_secret_env = "HS_SWAP_S"
passphrase_env = "HS_SWAP_P"
taker_fee = "0.0005"
margin_mode = ")" + mode + R"("
leverage = "5"
symbols = { "BTC-PERP" = "BTC-USDT-SWAP" }
contract_sizes = { "BTC-PERP" = "0.01" }
)");
}

class OkxSwapParse : public ::testing::Test {
 protected:
  ParseStatus Market(const std::string& text) {
    buf_ = testing::Padded(text);
    return parser_.ParseMarket(buf_.data(), text.size(), &f_);
  }
  ParseStatus Private(const std::string& text) {
    buf_ = testing::Padded(text);
    return parser_.ParsePrivate(buf_.data(), text.size(), &m_);
  }
  Parser parser_{1 << 16};
  MarketFrame f_;
  PrivateMsg m_;
  std::string buf_;
};

TEST_F(OkxSwapParse, MarkPricePushIsATickerWithTheMark) {
  ASSERT_EQ(Market(R"({"arg":{"channel":"mark-price","instId":"BTC-USDT-SWAP"},"data":[{"instType":"SWAP",)"
                   R"("instId":"BTC-USDT-SWAP","markPx":"60012.3","ts":"1597026383085"}]})"),
            ParseStatus::kOk);
  EXPECT_EQ(f_.kind, FrameKind::kTicker);
  EXPECT_EQ(f_.channel, Channel::kMarkPrice);
  EXPECT_EQ(f_.inst_id, "BTC-USDT-SWAP");
  EXPECT_TRUE(f_.has_mark);
  EXPECT_EQ(f_.mark_px, P("60012.3"));
  EXPECT_FALSE(f_.has_funding);
  EXPECT_EQ(f_.ts_ms, 1597026383085);
}

TEST_F(OkxSwapParse, FundingRateKeepsEightDecimalsAndTheSettlementItAppliesTo) {
  ASSERT_EQ(Market(R"({"arg":{"channel":"funding-rate","instId":"BTC-USDT-SWAP"},"data":[{"fundingRate":)"
                   R"("0.0000792386885340","fundingTime":"1703088000000","instId":"BTC-USDT-SWAP","instType":"SWAP",)"
                   R"("method":"current_period","nextFundingRate":"","nextFundingTime":"1703116800000",)"
                   R"("settState":"settled","ts":"1703070685309"}]})"),
            ParseStatus::kOk);
  EXPECT_EQ(f_.kind, FrameKind::kTicker);
  EXPECT_TRUE(f_.has_funding);
  EXPECT_EQ(f_.funding_rate, R("0.00007923")) << "truncated toward zero at Rate's 8 decimals";
  EXPECT_EQ(f_.next_funding_ms, 1703088000000) << "fundingTime: when this rate is charged";
  // Negative rates, and only nextFundingTime sent.
  ASSERT_EQ(Market(R"({"arg":{"channel":"funding-rate","instId":"BTC-USDT-SWAP"},"data":[{"fundingRate":"-0.0001",)"
                   R"("nextFundingTime":"1703116800000","instId":"BTC-USDT-SWAP"}]})"),
            ParseStatus::kOk);
  EXPECT_EQ(f_.funding_rate, R("-0.0001"));
  EXPECT_EQ(f_.next_funding_ms, 1703116800000);
}

TEST_F(OkxSwapParse, IndexTickersPushIsATickerWithTheIndex) {
  ASSERT_EQ(Market(R"({"arg":{"channel":"index-tickers","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT",)"
                   R"("idxPx":"59987.6","high24h":"61000","sodUtc0":"59000","open24h":"59500","low24h":"58000",)"
                   R"("sodUtc8":"59200","ts":"1597026383085"}]})"),
            ParseStatus::kOk);
  EXPECT_EQ(f_.kind, FrameKind::kTicker);
  EXPECT_EQ(f_.channel, Channel::kIndexTickers);
  EXPECT_EQ(f_.inst_id, "BTC-USDT") << "the index's id, not the swap's";
  EXPECT_TRUE(f_.has_index);
  EXPECT_EQ(f_.index_px, P("59987.6"));
  EXPECT_FALSE(f_.has_mark);
  const std::string arg = R"({"arg":{"channel":"index-tickers","instId":"BTC-USDT"},"data":[)";
  EXPECT_EQ(Market(arg + R"({"idxPx":"0"}]})"), ParseStatus::kBadNumber) << "an index of 0";
  EXPECT_EQ(Market(arg + R"({"idxPx":"5x"}]})"), ParseStatus::kBadNumber);
  EXPECT_EQ(Market(arg + R"({"idxPx":59987.6}]})"), ParseStatus::kBadField) << "a number";
  EXPECT_EQ(Market(arg + R"({"ts":"1"}]})"), ParseStatus::kMissingField) << "no idxPx";
}

TEST_F(OkxSwapParse, MalformedTickerFieldsAreNamedErrors) {
  const std::string arg = R"({"arg":{"channel":"mark-price","instId":"BTC-USDT-SWAP"},"data":[)";
  EXPECT_EQ(Market(arg + R"({"markPx":"6x0","instId":"BTC-USDT-SWAP"}]})"), ParseStatus::kBadNumber);
  EXPECT_EQ(Market(arg + R"({"markPx":"0","instId":"BTC-USDT-SWAP"}]})"), ParseStatus::kBadNumber) << "a mark of 0";
  EXPECT_EQ(Market(arg + R"({"markPx":60000,"instId":"BTC-USDT-SWAP"}]})"), ParseStatus::kBadField) << "a number";
  EXPECT_EQ(Market(arg + R"({"ts":"1"}]})"), ParseStatus::kMissingField) << "no markPx";
  EXPECT_EQ(Market(arg + R"({"markPx":"1"},{"markPx":"2"}]})"), ParseStatus::kBadField) << "two entries";
  EXPECT_EQ(Market(R"({"arg":{"channel":"mark-price"},"data":[{"markPx":"1"}]})"), ParseStatus::kMissingField)
      << "no instId";
  EXPECT_EQ(Market(R"({"arg":{"channel":"funding-rate","instId":"X"},"data":[{"fundingRate":"1e-4"}]})"),
            ParseStatus::kBadNumber);
  EXPECT_EQ(Market(R"({"arg":{"channel":"funding-rate","instId":"X"},"data":[{"fundingTime":"1"}]})"),
            ParseStatus::kMissingField) << "no fundingRate";
  EXPECT_EQ(Market(R"({"arg":{"channel":"funding-rate","instId":"X"},"data":[{"fundingRate":"0.1","fundingTime":"x"}]})"),
            ParseStatus::kBadNumber);
}

TEST_F(OkxSwapParse, ContractsConvertExactlyBothWays) {
  EXPECT_EQ(ContractsToBase(Q("100"), Q("0.01")), Q("1"));
  EXPECT_EQ(ContractsToBase(Q("-37"), Q("0.01")), Q("-0.37"));
  EXPECT_EQ(ContractsToBase(Q("2.5"), Q("0.1")), Q("0.25"));
  Qty c;
  ASSERT_TRUE(BaseToContracts(Q("0.05"), Q("0.01"), &c));
  EXPECT_EQ(c, Q("5"));
  EXPECT_FALSE(BaseToContracts(Q("0.005"), Q("0.01"), &c)) << "half a contract";
  EXPECT_FALSE(BaseToContracts(Q("1"), Qty::Zero(), &c));
}

// The positions channel's fields as the docs list them (numbers are strings; mmr is an amount).
const char kPositionsPush[] =
    R"({"arg":{"channel":"positions","instType":"SWAP","uid":"77982378738415879"},"data":[{"adl":"1",)"
    R"("avgPx":"60000.123456789012","ccy":"USDT","fee":"-0.300000000012","fundingFee":"-0.1","imr":"",)"
    R"("instId":"BTC-USDT-SWAP","instType":"SWAP","lever":"5","liqPx":"48512.3","margin":"120.0000123",)"
    R"("markPx":"59990.1","mgnMode":"isolated","mgnRatio":"9.40","mmr":"3.00049500000001","notionalUsd":"600",)"
    R"("pos":"-1","posId":"307173036051017730","posSide":"net","upl":"0.1002345678901","uTime":"1614859751636"}]})";

TEST_F(OkxSwapParse, PositionsPushConvertsToBaseUnitsAndTheVenuesAmounts) {
  ASSERT_EQ(Private(kPositionsPush), ParseStatus::kOk);
  EXPECT_EQ(m_.kind, PrivateKind::kPositions);
  ASSERT_EQ(m_.position_count, 1);
  const PositionItem& p = m_.positions[0];
  EXPECT_EQ(p.inst_id, "BTC-USDT-SWAP");
  EXPECT_EQ(p.pos_side, "net");
  PositionUpdate u;
  Amount funding;
  ASSERT_EQ(PositionAmounts(p, Q("0.01"), &u, &funding), ParseStatus::kOk);
  EXPECT_EQ(u.mode, MarginMode::kIsolated);
  EXPECT_EQ(u.size, Q("-0.01")) << "one contract short, in BTC";
  EXPECT_EQ(u.entry_px, P("60000.123456789"));
  EXPECT_EQ(u.mark_px, P("59990.1"));
  EXPECT_EQ(u.liq_px, P("48512.3"));
  EXPECT_EQ(u.initial_margin, A("120.0000123")) << "isolated: the margin held";
  EXPECT_EQ(u.maint_margin, A("3.000495"));
  EXPECT_EQ(u.unrealized_pnl, A("0.100234567"));
  EXPECT_EQ(u.leverage, R("5"));
  EXPECT_EQ(funding, A("-0.1"));
  EXPECT_EQ(u.venue_time, Nanos::FromMillis(1614859751636));
}

TEST_F(OkxSwapParse, CrossPositionsUseImrAndFlatOnesHaveNoPrices) {
  ASSERT_EQ(Private(R"({"arg":{"channel":"positions","instType":"SWAP"},"data":[{"instId":"BTC-USDT-SWAP",)"
                    R"("mgnMode":"cross","pos":"250","avgPx":"60000","imr":"3000","margin":"","mmr":"75","lever":"5",)"
                    R"("liqPx":"","markPx":"60000","upl":"0","fundingFee":""},{"instId":"BTC-USDT-SWAP","mgnMode":"cross",)"
                    R"("pos":"0","avgPx":"","liqPx":"","imr":"","mmr":"","upl":"","lever":"5","markPx":"60000"}]})"),
            ParseStatus::kOk);
  ASSERT_EQ(m_.position_count, 2);
  PositionUpdate u;
  Amount funding;
  ASSERT_EQ(PositionAmounts(m_.positions[0], Q("0.01"), &u, &funding), ParseStatus::kOk);
  EXPECT_EQ(u.mode, MarginMode::kCross);
  EXPECT_EQ(u.size, Q("2.5"));
  EXPECT_EQ(u.initial_margin, A("3000"));
  EXPECT_TRUE(u.liq_px.is_zero());
  EXPECT_TRUE(funding.is_zero());
  PositionUpdate flat;
  ASSERT_EQ(PositionAmounts(m_.positions[1], Q("0.01"), &flat, &funding), ParseStatus::kOk);
  EXPECT_TRUE(flat.size.is_zero());
  EXPECT_TRUE(flat.entry_px.is_zero());
}

TEST_F(OkxSwapParse, MalformedPositionsAreNamedErrors) {
  PositionItem p;
  p.inst_id = "BTC-USDT-SWAP";
  p.mgn_mode = "isolated";
  PositionUpdate u;
  Amount f;
  EXPECT_EQ(PositionAmounts(p, Q("0.01"), &u, &f), ParseStatus::kMissingField) << "no pos";
  p.pos_text = "1";
  p.mgn_mode = "cash";
  EXPECT_EQ(PositionAmounts(p, Q("0.01"), &u, &f), ParseStatus::kMissingField) << "not a margin mode";
  p.mgn_mode = "isolated";
  p.pos_text = "one";
  EXPECT_EQ(PositionAmounts(p, Q("0.01"), &u, &f), ParseStatus::kBadNumber);
  p.pos_text = "1";
  p.liq_px_text = "-5";
  EXPECT_EQ(PositionAmounts(p, Q("0.01"), &u, &f), ParseStatus::kBadNumber) << "a negative price";
  p.liq_px_text = "";
  p.upl_text = "1.2.3";
  EXPECT_EQ(PositionAmounts(p, Q("0.01"), &u, &f), ParseStatus::kBadNumber);
  p.upl_text = "";
  p.funding_fee_text = "x";
  EXPECT_EQ(PositionAmounts(p, Q("0.01"), &u, &f), ParseStatus::kBadNumber);
  // The push itself.
  EXPECT_EQ(Private(R"({"arg":{"channel":"positions"},"data":[{"pos":"1","mgnMode":"cross"}]})"),
            ParseStatus::kMissingField) << "no instId";
  EXPECT_EQ(Private(R"({"arg":{"channel":"positions"},"data":[{"instId":"BTC-USDT-SWAP"}]})"),
            ParseStatus::kMissingField) << "no position field";
  EXPECT_EQ(Private(R"({"arg":{"channel":"positions"},"data":[{"instId":"X","pos":1}]})"), ParseStatus::kBadField);
  EXPECT_EQ(Private(R"({"arg":{"channel":"positions"}})"), ParseStatus::kMissingField) << "no data";
}

TEST_F(OkxSwapParse, OrderFieldsStayExactWherePositionsMayBeLenient) {
  // avgPx beyond Price's 9 decimals: a position's estimate (above) but never an order's price.
  EXPECT_EQ(Private(R"({"arg":{"channel":"orders","instType":"SWAP"},"data":[{"clOrdId":"hs1","state":"filled",)"
                    R"("accFillSz":"1","avgPx":"60000.123456789012"}]})"),
            ParseStatus::kBadNumber);
  EXPECT_EQ(Private(R"({"arg":{"channel":"orders","instType":"SWAP"},"data":[{"clOrdId":"hs1","state":"filled",)"
                    R"("accFillSz":"1","fee":"-0.1234567890123"}]})"),
            ParseStatus::kBadNumber);
}

TEST_F(OkxSwapParse, LiquidationEventCarriesThePositionsItClosed) {
  ASSERT_EQ(Private(R"({"arg":{"channel":"balance_and_position","uid":"1"},"data":[{"pTime":"1597026383085",)"
                    R"("eventType":"liquidation","balData":[{"ccy":"USDT","cashBal":"880.5","uTime":"1597026383085"}],)"
                    R"("posData":[{"posId":"1","tradeId":"2","instId":"BTC-USDT-SWAP","instType":"SWAP",)"
                    R"("mgnMode":"isolated","posSide":"net","pos":"0","ccy":"USDT","posCcy":"","avgPx":"",)"
                    R"("uTime":"1597026383085"}]}]})"),
            ParseStatus::kOk);
  EXPECT_EQ(m_.kind, PrivateKind::kBalanceAndPosition);
  EXPECT_EQ(m_.event_type, "liquidation");
  EXPECT_EQ(m_.p_time_ms, 1597026383085);
  ASSERT_EQ(m_.position_count, 1);
  EXPECT_EQ(m_.positions[0].inst_id, "BTC-USDT-SWAP");
  EXPECT_EQ(m_.positions[0].pos_text, "0");
  EXPECT_EQ(Private(R"({"arg":{"channel":"balance_and_position"},"data":[{"posData":[]}]})"),
            ParseStatus::kMissingField) << "no eventType";
  EXPECT_EQ(Private(R"({"arg":{"channel":"balance_and_position"},"data":[{"eventType":"liquidation",)"
                    R"("posData":[{"pos":"0"}]}]})"),
            ParseStatus::kMissingField) << "a posData item without instId";
  EXPECT_EQ(Private(R"({"arg":{"channel":"balance_and_position"},"data":[{"eventType":"liquidation","posData":{}}]})"),
            ParseStatus::kBadField);
}

TEST_F(OkxSwapParse, AccountDetailsCarryTheMarginFigures) {
  ASSERT_EQ(Private(R"({"arg":{"channel":"account"},"data":[{"uTime":"1","totalEq":"1000","details":[{"ccy":"USDT",)"
                    R"("cashBal":"1000.5","eq":"1010.25","imr":"120.000000000123","mmr":"3","availEq":"880.5",)"
                    R"("availBal":"870","frozenBal":"120","uTime":"1614859751636"}]}]})"),
            ParseStatus::kOk);
  ASSERT_EQ(m_.balance_count, 1);
  MarginAccountUpdate u;
  ASSERT_EQ(MarginAmounts(m_.balances[0], &u), ParseStatus::kOk);
  EXPECT_EQ(u.wallet_balance, A("1000.5"));
  EXPECT_EQ(u.equity, A("1010.25"));
  EXPECT_EQ(u.initial_margin, A("120"));
  EXPECT_EQ(u.maint_margin, A("3"));
  EXPECT_EQ(u.available, A("880.5")) << "availEq first";
  EXPECT_EQ(u.venue_time, Nanos::FromMillis(1614859751636));
  BalanceItem b = m_.balances[0];
  b.avail_eq_text = "";
  ASSERT_EQ(MarginAmounts(b, &u), ParseStatus::kOk);
  EXPECT_EQ(u.available, A("870")) << "availBal when availEq is empty";
  b.cash_text = "";
  EXPECT_EQ(MarginAmounts(b, &u), ParseStatus::kMissingField);
  b.cash_text = "1";
  b.eq_text = "ten";
  EXPECT_EQ(MarginAmounts(b, &u), ParseStatus::kBadNumber);
}

TEST_F(OkxSwapParse, ConstructedSwapFixturesParse) {
  ASSERT_EQ(Market(testing::VenueFixture("okx/swap_mark_price.json")), ParseStatus::kOk);
  EXPECT_EQ(f_.kind, FrameKind::kTicker);
  ASSERT_EQ(Market(testing::VenueFixture("okx/swap_funding_rate.json")), ParseStatus::kOk);
  EXPECT_TRUE(f_.has_funding);
  ASSERT_EQ(Private(testing::VenueFixture("okx/swap_positions.json")), ParseStatus::kOk);
  EXPECT_EQ(m_.kind, PrivateKind::kPositions);
  PositionUpdate u;
  Amount funding;
  ASSERT_EQ(PositionAmounts(m_.positions[0], Q("0.01"), &u, &funding), ParseStatus::kOk);
  EXPECT_EQ(u.size, Q("-0.01"));
  ASSERT_EQ(Private(testing::VenueFixture("okx/swap_balance_and_position.json")), ParseStatus::kOk);
  EXPECT_EQ(m_.kind, PrivateKind::kBalanceAndPosition);
  ASSERT_EQ(Private(testing::VenueFixture("okx/swap_account.json")), ParseStatus::kOk);
  EXPECT_EQ(m_.kind, PrivateKind::kAccount);
  MarginAccountUpdate a;
  ASSERT_EQ(MarginAmounts(m_.balances[0], &a), ParseStatus::kOk);
  EXPECT_EQ(a.equity, A("1010.25"));
}

// ---- orders: encoder, set-leverage body, fills ----

class OkxSwapOrders : public ::testing::Test {
 protected:
  void SetUp() override { Load("isolated"); }
  void Load(const std::string& mode) {
    auto c = config::ParseConfig(SwapConfig(mode), "test");
    ASSERT_TRUE(c.ok()) << c.status();
    cfg_ = *c;
    symbols_ = venues::SymbolTable(cfg_, cfg_.venues[0]);
    enc_.Reset(&symbols_);
    enc_.SetMarginMode(cfg_.venues[0].margin_mode);
  }
  OrderIntent Intent(uint64_t id, const char* px, const char* qty, Side side = Side::kBuy, bool reduce_only = false) {
    OrderIntent in;
    in.client_id = ClientOrderId{id};
    in.venue = VenueId{0};
    in.instrument = InstrumentId{0};
    in.side = side;
    in.tif = TimeInForce::kIoc;
    in.reduce_only = reduce_only;
    in.limit_px = P(px);
    in.qty = Q(qty);
    return in;
  }
  std::string Encode(const OrderIntent& in) {
    char buf[512];
    const size_t n = enc_.Encode(in, buf, sizeof buf);
    return std::string(buf, n);
  }
  config::Config cfg_;
  venues::SymbolTable symbols_;
  OrderEncoder enc_;
};

TEST_F(OkxSwapOrders, EncodesContractsTdModeAndReduceOnly) {
  EXPECT_EQ(Encode(Intent(42, "60000.1", "0.05")),
            R"({"id":"hs42","op":"order","args":[{"instId":"BTC-USDT-SWAP","tdMode":"isolated","side":"buy",)"
            R"("ordType":"ioc","px":"60000.1","sz":"5","clOrdId":"hs42"}]})");
  EXPECT_EQ(Encode(Intent(43, "60000", "1.2", Side::kSell, true)),
            R"({"id":"hs43","op":"order","args":[{"instId":"BTC-USDT-SWAP","tdMode":"isolated","side":"sell",)"
            R"("ordType":"ioc","px":"60000.0","sz":"120","clOrdId":"hs43","reduceOnly":true}]})");
  Load("cross");
  EXPECT_NE(Encode(Intent(44, "60000", "0.01")).find(R"("tdMode":"cross")"), std::string::npos);
}

TEST_F(OkxSwapOrders, RefusesAQuantityThatIsNotWholeContracts) {
  EXPECT_EQ(Encode(Intent(1, "60000", "0.015")), "") << "1.5 contracts";
  EXPECT_EQ(Encode(Intent(1, "60000", "0.001")), "");
  EXPECT_NE(Encode(Intent(1, "60000", "0.02")), "");
}

TEST_F(OkxSwapOrders, SetLeverageBodyNamesInstrumentLeverageAndMode) {
  EXPECT_EQ(SetLeverageBody("BTC-USDT-SWAP", R("5"), MarginMode::kIsolated),
            R"({"instId":"BTC-USDT-SWAP","lever":"5","mgnMode":"isolated"})");
  EXPECT_EQ(SetLeverageBody("BTC-USDT-SWAP", R("2.5"), MarginMode::kCross),
            R"({"instId":"BTC-USDT-SWAP","lever":"2.5","mgnMode":"cross"})");
  EXPECT_EQ(SetLeverageBody("BTC-USDT-SWAP", Rate::Zero(), MarginMode::kCross), "");
}

TEST_F(OkxSwapOrders, FillsAreReportedInBaseUnitsWithTheNotionalAndAPositiveFee) {
  OrderTracker t(VenueId{0}, &symbols_);
  t.Add(Intent(7, "60000", "0.1"), TscStamp{});
  Parser parser(1 << 16);
  PrivateMsg m;
  const std::string push =
      R"({"arg":{"channel":"orders","instType":"SWAP"},"data":[{"instId":"BTC-USDT-SWAP","clOrdId":"hs7","ordId":"9",)"
      R"("state":"partially_filled","fillPx":"60000.5","fillSz":"4","accFillSz":"4","fee":"-0.120001","feeCcy":"USDT",)"
      R"("uTime":"1"}]})";
  std::string buf = testing::Padded(push);
  ASSERT_EQ(parser.ParsePrivate(buf.data(), push.size(), &m), ParseStatus::kOk);
  ExecReport ex;
  ASSERT_EQ(t.OnPush(m.orders[0], TscStamp{}, &ex), OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kFill);
  EXPECT_EQ(ex.fill_qty, Q("0.04")) << "4 contracts of 0.01 BTC";
  EXPECT_EQ(ex.fill_px, P("60000.5"));
  EXPECT_EQ(ex.fill_quote, A("2400.02")) << "fillSz × ctVal × fillPx";
  EXPECT_EQ(ex.fee, A("0.120001"));
  EXPECT_EQ(ex.fee_asset, symbols_.FindAsset("USDT"));
  EXPECT_FALSE(ex.final);
  const std::string done =
      R"({"arg":{"channel":"orders","instType":"SWAP"},"data":[{"instId":"BTC-USDT-SWAP","clOrdId":"hs7","ordId":"9",)"
      R"("state":"filled","fillPx":"60000","fillSz":"6","accFillSz":"10","fee":"-0.3","feeCcy":"USDT","uTime":"2"}]})";
  buf = testing::Padded(done);
  ASSERT_EQ(parser.ParsePrivate(buf.data(), done.size(), &m), ParseStatus::kOk);
  ASSERT_EQ(t.OnPush(m.orders[0], TscStamp{}, &ex), OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.fill_qty, Q("0.06"));
  EXPECT_EQ(ex.cum_qty, Q("0.1"));
  EXPECT_EQ(ex.fill_quote, A("3600"));
  EXPECT_TRUE(ex.final);
}

// ---- the session and the feed on a ring ----

// Everything a venue thread published, by kind.
struct Published {
  std::vector<MarkUpdate> marks;
  std::vector<PositionUpdate> positions;
  std::vector<MarginAccountUpdate> margins;
  std::vector<FundingPayment> fundings;
  std::vector<BalanceUpdate> balances;
  std::vector<BookTop> tops;
  void Drain(testing::LoopbackRing& r) {
    r.pub->Flush();
    VenueMsg m;
    while (r.consumer->TryPop(m)) {
      switch (m.kind) {
        case VenueMsg::Kind::kMark: marks.push_back(m.mark); break;
        case VenueMsg::Kind::kPosition: positions.push_back(m.position); break;
        case VenueMsg::Kind::kMarginAccount: margins.push_back(m.margin); break;
        case VenueMsg::Kind::kFunding: fundings.push_back(m.funding); break;
        case VenueMsg::Kind::kBalance: balances.push_back(m.balance); break;
        case VenueMsg::Kind::kBookTop: tops.push_back(m.top); break;
        default: break;
      }
    }
  }
};

class OkxSwapSession : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("HS_SWAP_K", "k", 1);
    ::setenv("HS_SWAP_S", "s", 1);
    ::setenv("HS_SWAP_P", "p", 1);
    auto c = config::ParseConfig(SwapConfig(), "test");
    ASSERT_TRUE(c.ok()) << c.status();
    cfg_ = *c;
    ring_.symbols = venues::SymbolTable(cfg_, cfg_.venues[0]);
    orders_ = std::make_unique<Orders>(ring_.Context(ioc_, cfg_, cfg_.venues[0]), &ring_.symbols, [] {});
    ASSERT_TRUE(orders_->Init().ok());  // not started: frames are handed in directly
  }
  void Frame(const std::string& text) {
    buf_ = testing::Padded(text);
    orders_->OnFrame(buf_.data(), text.size(), TscStamp{}, Nanos{1});
    out_.Drain(ring_);
  }
  static std::string Positions(const char* pos, const char* funding_fee) {
    return std::string(R"({"arg":{"channel":"positions","instType":"SWAP"},"data":[{"instId":"BTC-USDT-SWAP",)"
                       R"("mgnMode":"isolated","posSide":"net","pos":")") +
           pos + R"(","avgPx":"60000","markPx":"60100","liqPx":"48300.5","margin":"120","mmr":"3","upl":"1",)"
                 R"("lever":"5","fundingFee":")" +
           funding_fee + R"(","uTime":"1700000000000"}]})";
  }
  int64_t C(const runtime::VenueCounters::C& c) const { return c.load(std::memory_order_relaxed); }

  boost::asio::io_context ioc_;
  config::Config cfg_;
  testing::LoopbackRing ring_;
  std::unique_ptr<Orders> orders_;
  Published out_;
  std::string buf_;
};

TEST_F(OkxSwapSession, AccountPushIsTheWalletSnapshotAndEveryPushAMarginUpdate) {
  const std::string account =
      R"({"arg":{"channel":"account"},"data":[{"details":[{"ccy":"USDT","cashBal":"1000","availBal":"880",)"
      R"("frozenBal":"120","eq":"1001","imr":"120","mmr":"3","availEq":"881","uTime":"5"}]}]})";
  Frame(account);
  ASSERT_EQ(out_.margins.size(), 1u);
  EXPECT_EQ(out_.margins[0].asset, ring_.symbols.FindAsset("USDT"));
  EXPECT_EQ(out_.margins[0].wallet_balance, A("1000"));
  EXPECT_EQ(out_.margins[0].equity, A("1001"));
  EXPECT_EQ(out_.margins[0].available, A("881"));
  // The snapshot: USDT free = the wallet (cashBal), locked 0; BTC holds nothing here.
  ASSERT_EQ(out_.balances.size(), 2u);
  for (const BalanceUpdate& b : out_.balances) {
    if (b.asset != ring_.symbols.FindAsset("USDT")) continue;
    EXPECT_EQ(b.free, A("1000"));
    EXPECT_TRUE(b.locked.is_zero());
  }
  EXPECT_FALSE(orders_->connected()) << "not ready before the venue confirmed the leverage";
  Frame(account);
  EXPECT_EQ(out_.margins.size(), 2u) << "every account push";
  EXPECT_EQ(out_.balances.size(), 2u) << "one snapshot per login";
  // An unusable margin figure is counted, never published.
  Frame(R"({"arg":{"channel":"account"},"data":[{"details":[{"ccy":"USDT","cashBal":"1000","eq":"x"}]}]})");
  EXPECT_EQ(out_.margins.size(), 2u);
  EXPECT_EQ(C(ring_.counters.order_parse_errors), 1);
}

TEST_F(OkxSwapSession, PositionsPublishAndAFundingFeeChangeIsAPayment) {
  Frame(Positions("-50", "0"));
  ASSERT_EQ(out_.positions.size(), 1u);
  const PositionUpdate& p = out_.positions[0];
  EXPECT_EQ(p.instrument, InstrumentId{0});
  EXPECT_EQ(p.size, Q("-0.5"));
  EXPECT_EQ(p.entry_px, P("60000"));
  EXPECT_EQ(p.liq_px, P("48300.5"));
  EXPECT_EQ(p.mode, MarginMode::kIsolated);
  EXPECT_FALSE(p.liquidated);
  EXPECT_TRUE(out_.fundings.empty()) << "the first push is the baseline";
  // A settlement: the short receives 3.005 (OKX fundingFee positive = received).
  Frame(Positions("-50", "3.005"));
  ASSERT_EQ(out_.fundings.size(), 1u);
  EXPECT_EQ(out_.fundings[0].amount, A("3.005"));
  EXPECT_EQ(out_.fundings[0].size, Q("-0.5"));
  EXPECT_EQ(out_.fundings[0].mark_px, P("60100"));
  EXPECT_EQ(out_.fundings[0].asset, ring_.symbols.FindAsset("USDT"));
  // Then one paid.
  Frame(Positions("-50", "1.5"));
  ASSERT_EQ(out_.fundings.size(), 2u);
  EXPECT_EQ(out_.fundings[1].amount, A("-1.505"));
  // A new position (size changed, fundingFee back to 0): not a payment.
  Frame(Positions("20", "0"));
  EXPECT_EQ(out_.fundings.size(), 2u);
  EXPECT_EQ(out_.positions.size(), 4u);
}

TEST_F(OkxSwapSession, LiquidationEventsPublishLiquidatedPositions) {
  Frame(R"({"arg":{"channel":"balance_and_position"},"data":[{"pTime":"1700000000123","eventType":"liquidation",)"
        R"("balData":[],"posData":[{"instId":"BTC-USDT-SWAP","mgnMode":"isolated","posSide":"net","pos":"0",)"
        R"("avgPx":"","uTime":""}]}]})");
  ASSERT_EQ(out_.positions.size(), 1u);
  EXPECT_TRUE(out_.positions[0].liquidated);
  EXPECT_TRUE(out_.positions[0].size.is_zero());
  EXPECT_EQ(out_.positions[0].venue_time, Nanos::FromMillis(1700000000123)) << "pTime when the item has none";
  // Other events say nothing new (positions and account pushes follow them).
  Frame(R"({"arg":{"channel":"balance_and_position"},"data":[{"eventType":"filled","posData":[{"instId":"BTC-USDT-SWAP",)"
        R"("mgnMode":"isolated","pos":"1"}]}]})");
  EXPECT_EQ(out_.positions.size(), 1u);
}

TEST_F(OkxSwapSession, UnusablePositionsAreCountedNotPublished) {
  Frame(Positions("abc", "0"));
  EXPECT_TRUE(out_.positions.empty());
  EXPECT_EQ(C(ring_.counters.order_parse_errors), 1);
  Frame(R"({"arg":{"channel":"positions"},"data":[{"instId":"ETH-USDT-SWAP","mgnMode":"cross","pos":"1"}]})");
  EXPECT_TRUE(out_.positions.empty());
  EXPECT_EQ(C(ring_.counters.unknown_messages), 1) << "an instrument not configured here";
  Frame(R"({"arg":{"channel":"positions"},"data":[{"instId":"BTC-USDT-SWAP","pos":{}}]})");
  EXPECT_EQ(C(ring_.counters.order_parse_errors), 2) << "malformed JSON field";
}

class OkxSwapFeed : public OkxSwapSession {
 protected:
  void SetUp() override {
    OkxSwapSession::SetUp();
    feed_ = std::make_unique<Feed>(ring_.Context(ioc_, cfg_, cfg_.venues[0]), &ring_.symbols, [] {});
  }
  void Md(const std::string& text) {
    buf_ = testing::Padded(text);
    feed_->OnFrame(buf_.data(), text.size(), TscStamp{}, Nanos{1});
    out_.Drain(ring_);
  }
  std::unique_ptr<Feed> feed_;
};

TEST_F(OkxSwapFeed, BookTopsAreInBaseUnitsAndMarksArePublished) {
  // Checksum over the wire text (contracts), as OKX computes it.
  const int32_t sum = static_cast<int32_t>(Crc32Ieee("59999.9:150:60000.1:37:59999.8:2:60000.2:1000"));
  Md(R"({"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"action":"snapshot","data":[{"asks":[["60000.1","37","0","1"],)"
     R"(["60000.2","1000","0","3"]],"bids":[["59999.9","150","0","2"],["59999.8","2","0","1"]],"ts":"1700000000000",)"
     R"("checksum":)" + std::to_string(sum) + R"(,"prevSeqId":-1,"seqId":10}]})");
  ASSERT_EQ(out_.tops.size(), 1u);
  const BookTop& t = out_.tops[0];
  ASSERT_EQ(t.bid_count, 2);
  ASSERT_EQ(t.ask_count, 2);
  EXPECT_EQ(t.bids[0].px, P("59999.9"));
  EXPECT_EQ(t.bids[0].qty, Q("1.5"));
  EXPECT_EQ(t.bids[1].qty, Q("0.02"));
  EXPECT_EQ(t.asks[0].qty, Q("0.37"));
  EXPECT_EQ(t.asks[1].qty, Q("10"));
  EXPECT_EQ(feed_->book(0).book().bids().level(0).qty, Q("150")) << "the book keeps the wire's contracts";

  Md(R"({"arg":{"channel":"mark-price","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP","markPx":"60000.4",)"
     R"("ts":"1700000000001"}]})");
  Md(R"({"arg":{"channel":"funding-rate","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP",)"
     R"("fundingRate":"0.0001","fundingTime":"1700006400000","nextFundingTime":"1700035200000","ts":"2"}]})");
  ASSERT_EQ(out_.marks.size(), 2u);
  EXPECT_EQ(out_.marks[0].fields, MarkUpdate::kMark);
  EXPECT_EQ(out_.marks[0].mark_px, P("60000.4"));
  EXPECT_EQ(out_.marks[0].exchange_time, Nanos::FromMillis(1700000000001));
  EXPECT_EQ(out_.marks[1].fields, MarkUpdate::kFunding);
  EXPECT_EQ(out_.marks[1].funding_rate, R("0.0001"));
  EXPECT_EQ(out_.marks[1].next_funding_time, Nanos::FromMillis(1700006400000));
  // The index arrives under the index's id (BTC-USDT) and is published for its swap.
  Md(R"({"arg":{"channel":"index-tickers","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","idxPx":"59990.5",)"
     R"("ts":"3"}]})");
  ASSERT_EQ(out_.marks.size(), 3u);
  EXPECT_EQ(out_.marks[2].fields, MarkUpdate::kIndex);
  EXPECT_EQ(out_.marks[2].instrument, out_.marks[0].instrument);
  EXPECT_EQ(out_.marks[2].index_px, P("59990.5"));
  out_.marks.pop_back();
  // An index of no swap of this venue: counted as unknown, nothing published.
  Md(R"({"arg":{"channel":"index-tickers","instId":"ETH-USDT"},"data":[{"instId":"ETH-USDT","idxPx":"3000"}]})");
  EXPECT_EQ(out_.marks.size(), 2u);
  // Malformed and unknown: counted, nothing published.
  const int64_t errors = C(ring_.counters.parse_errors);
  Md(R"({"arg":{"channel":"mark-price","instId":"BTC-USDT-SWAP"},"data":[{"markPx":"x"}]})");
  EXPECT_EQ(C(ring_.counters.parse_errors), errors + 1);
  Md(R"({"arg":{"channel":"mark-price","instId":"ETH-USDT-SWAP"},"data":[{"markPx":"1"}]})");
  EXPECT_EQ(out_.marks.size(), 2u);
}

TEST_F(OkxSwapFeed, SubscribesMarkFundingAndIndexForEverySwap) {
  EXPECT_EQ(feed_->TickerSubscribeRequest(),
            R"({"op":"subscribe","args":[{"channel":"mark-price","instId":"BTC-USDT-SWAP"},)"
            R"({"channel":"funding-rate","instId":"BTC-USDT-SWAP"},{"channel":"index-tickers","instId":"BTC-USDT"}]})");
}

}  // namespace
}  // namespace hs::okx
