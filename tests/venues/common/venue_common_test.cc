#include <gtest/gtest.h>

#include "core/base/decimal.h"
#include "venues/common/text_writer.h"
#include "venues/common/url.h"
#include "venues/common/venue_publisher.h"

namespace hs::venues {
namespace {

TEST(Url, ParsesTheVenueForms) {
  auto u = ParseUrl("wss://stream.binance.com:9443/stream?streams=btcusdt@bookTicker");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->tls);
  EXPECT_TRUE(u->websocket);
  EXPECT_EQ(u->host, "stream.binance.com");
  EXPECT_EQ(u->port, "9443");
  EXPECT_EQ(u->target, "/stream?streams=btcusdt@bookTicker");
  EXPECT_EQ(u->HostHeader(), "stream.binance.com:9443");
  auto v = ParseUrl("wss://ws.kraken.com/v2");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->port, "443");
  EXPECT_EQ(v->HostHeader(), "ws.kraken.com");
  auto w = ParseUrl("http://127.0.0.1:18401");
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(w->tls);
  EXPECT_FALSE(w->websocket);
  EXPECT_EQ(w->target, "/");
  for (const char* bad : {"ftp://x", "ws://", "ws://h:99999", "ws://h:abc/x", "ws://:80", "nonsense"}) {
    EXPECT_FALSE(ParseUrl(bad).ok()) << bad;
  }
  EXPECT_EQ(JoinUrl("ws://h:1/", "/ws-api/v3"), "ws://h:1/ws-api/v3");
  EXPECT_EQ(JoinUrl("ws://h:1", "stream"), "ws://h:1/stream");
}

TEST(TextWriter, OverflowIsStickyAndFixedNeverRounds) {
  char buf[16];
  TextWriter w(buf, sizeof buf);
  w.Str("abc").U64(1234).Char('-').I64(-56);
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(w.view(), "abc1234--56");
  w.Str("0123456789");
  EXPECT_FALSE(w.ok());
  char big[128];
  TextWriter f(big, sizeof big);
  f.Fixed(ParseDecimal<Price>("23416.1").value, 8);
  EXPECT_TRUE(f.ok());
  EXPECT_EQ(f.view(), "23416.10000000");
  f.Clear();
  f.Fixed(ParseDecimal<Price>("1.234").value, 2);
  EXPECT_FALSE(f.ok());
}

BookTop Top(int inst, int64_t bid) {
  BookTop t;
  t.instrument = InstrumentId{static_cast<uint16_t>(inst)};
  t.bid_count = 1;
  t.bids[0].px = Price::FromRaw(bid);
  return t;
}

// DESIGN §4: when the ring is full, tops conflate (newest per instrument wins), statuses and
// exec reports wait in order and go first, and an "unusable" status discards the book's
// waiting top.
TEST(VenuePublisher, ConflatesTopsAndNeverDropsOrReordersTheRest) {
  VenueRing ring(4);
  runtime::VenueCounters counters;
  VenuePublisher pub(ring.TakeProducer(), nullptr, &counters, 16);
  auto out = ring.TakeConsumer();
  for (int i = 0; i < 4; ++i) pub.PublishTop(Top(0, i), Nanos{});
  // Ring full: these wait.
  pub.PublishTop(Top(0, 10), Nanos{});
  pub.PublishTop(Top(0, 11), Nanos{});  // replaces 10
  pub.PublishTop(Top(1, 20), Nanos{});
  ExecReport ex;
  ex.client_id = ClientOrderId{7};
  pub.PublishExec(ex, Nanos{});
  VenueStatus st;
  st.instrument = InstrumentId{1};
  st.usable = false;
  pub.PublishStatus(st, Nanos{});  // discards the waiting top of instrument 1
  pub.PublishTop(Top(0, 12), Nanos{});  // replaces 11; must not overtake the exec report
  EXPECT_EQ(counters.tops_conflated.load(), 2u);
  EXPECT_FALSE(pub.idle());

  VenueMsg m;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(out.TryPop(m));
    EXPECT_EQ(m.top.bids[0].px.raw(), i);
  }
  std::vector<VenueMsg> rest;
  while (!pub.idle()) {
    pub.Flush();
    while (out.TryPop(m)) rest.push_back(m);
  }
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].kind, VenueMsg::Kind::kExec);
  EXPECT_EQ(rest[0].exec.client_id, ClientOrderId{7});
  EXPECT_EQ(rest[1].kind, VenueMsg::Kind::kStatus);
  EXPECT_EQ(rest[2].kind, VenueMsg::Kind::kBookTop);
  EXPECT_EQ(rest[2].top.bids[0].px.raw(), 12) << "newest top wins; instrument 1's was discarded";
  EXPECT_FALSE(pub.overflowed());
}

TEST(VenuePublisher, FifoOverflowIsFlagged) {
  VenueRing ring(2);
  runtime::VenueCounters counters;
  VenuePublisher pub(ring.TakeProducer(), nullptr, &counters, 2);
  ExecReport ex;
  for (int i = 0; i < 5; ++i) pub.PublishExec(ex, Nanos{});
  EXPECT_TRUE(pub.overflowed());
  EXPECT_EQ(counters.fifo_overflow.load(), 1u);
}

}  // namespace
}  // namespace hs::venues

#include "core/config/config.h"
#include "venues/common/symbol_table.h"

namespace hs::venues {
namespace {

// One instrument, each venue's own spelling: the ids agree, the text stays per venue.
TEST(SymbolTable, PerVenueSpellingsMapToOneInstrument) {
  std::string text = config::EmbeddedBenchConfig();
  const std::string from = "symbols = { \"BTC/USDT\" = \"BTCUSDT\", \"ETH/USDT\" = \"ETHUSDT\" }";
  const size_t second = text.find(from, text.find(from) + 1);
  ASSERT_NE(second, std::string::npos);
  text.replace(second, from.size(),
               "symbols = { \"BTC/USDT\" = { symbol = \"BTC-USDT\", tick = \"0.1\" }, \"ETH/USDT\" = \"ETH-USDT\" }");
  auto cfg = config::ParseConfig(text, "t");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  const SymbolTable a(*cfg, cfg->venues[0]);
  const SymbolTable b(*cfg, cfg->venues[1]);
  const int ia = a.Find("BTCUSDT");
  const int ib = b.Find("BTC-USDT");
  ASSERT_GE(ia, 0);
  ASSERT_GE(ib, 0);
  EXPECT_EQ(a.infos()[static_cast<size_t>(ia)].instrument, b.infos()[static_cast<size_t>(ib)].instrument);
  EXPECT_EQ(a.Find("BTC-USDT"), -1);
  EXPECT_EQ(b.Find("BTCUSDT"), -1);
  EXPECT_EQ(a.Find("BTCUSD"), -1);
  EXPECT_EQ(a.infos()[static_cast<size_t>(ia)].lower, "btcusdt");
  EXPECT_EQ(a.infos()[static_cast<size_t>(ia)].price_decimals, 2);
  EXPECT_EQ(b.infos()[static_cast<size_t>(ib)].price_decimals, 1) << "per-venue tick override";
  const InstrumentId eth = cfg->FindInstrument("ETH/USDT")->id;
  ASSERT_NE(b.ForInstrument(eth), nullptr);
  EXPECT_EQ(b.ForInstrument(eth)->symbol, "ETH-USDT");
  EXPECT_EQ(b.ForInstrument(InstrumentId{40}), nullptr);
  EXPECT_EQ(a.FindAsset("USDT"), cfg->FindAsset("USDT")->id);
  EXPECT_FALSE(a.FindAsset("XBT").valid());
}

}  // namespace
}  // namespace hs::venues
