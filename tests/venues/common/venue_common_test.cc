#include <gtest/gtest.h>

#include "core/base/decimal.h"
#include "venues/common/text_writer.h"
#include "venues/common/url.h"
#include "venues/common/venue_publisher.h"
#include "venues/common/internal/envelope.h"
#include "venues/common/venue_adapter.h"
#include "venues/common/venue_thread.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

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
// The vector scan (64-byte blocks, 16-byte blocks, one overlapping last block) against a byte
// loop: every length up to 300 at every alignment of a 64-byte line, with one offending byte at
// every position and of every offending kind, and the edge values that are allowed.
TEST(Envelope, AllPrintableAsciiAgreesWithAByteLoop) {
  auto reference = [](const char* p, const char* end) {
    for (; p != end; ++p)
      if (static_cast<unsigned char>(*p) < 0x20 || static_cast<unsigned char>(*p) > 0x7f) return false;
    return true;
  };
  alignas(64) char buf[64 + 300];
  const unsigned char bad[] = {0x00, 0x09, 0x0a, 0x1f, 0x80, 0xc3, 0xff};
  const unsigned char good[] = {0x20, 0x7f, '"', '~'};
  int checked = 0;
  for (size_t align = 0; align < 64; align += 7) {
    for (size_t len = 0; len <= 300; ++len) {
      char* p = buf + align;
      for (size_t i = 0; i < len; ++i) p[i] = static_cast<char>(good[(i + len) % 4]);
      ASSERT_TRUE(internal::AllPrintableAscii(p, p + len)) << "len " << len;
      for (size_t at = 0; at < len; at += (len > 40 ? 3 : 1)) {
        const char keep = p[at];
        for (unsigned char b : bad) {
          p[at] = static_cast<char>(b);
          ASSERT_EQ(internal::AllPrintableAscii(p, p + len), reference(p, p + len))
              << "len " << len << " at " << at << " byte " << int{b};
          ASSERT_FALSE(internal::AllPrintableAscii(p, p + len));
          ++checked;
        }
        p[at] = keep;
      }
      // A bad byte just past the end is not part of the range.
      if (align + len < sizeof buf - 64) {
        p[len] = 0;
        EXPECT_TRUE(internal::AllPrintableAscii(p, p + len)) << "len " << len;
      }
    }
  }
  EXPECT_GT(checked, 10000);
}

TEST(Envelope, SplitCopiesThePrefixAndClosesIt) {
  const std::string msg = R"({"arg":{"channel":"books"},"action":"update","data":[{"asks":[]}]})";
  char scratch[internal::kEnvelopeScratch];
  const char* value = nullptr;
  const size_t n = internal::EnvelopeSplit(msg.data(), msg.size(), ",\"data\":[", scratch, &value);
  ASSERT_EQ(std::string(scratch, n), R"({"arg":{"channel":"books"},"action":"update"})");
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(*value, '[');
  EXPECT_EQ(value - msg.data(), static_cast<ptrdiff_t>(msg.find("[{")));
  // Absent key, key at offset 0, a control byte after the array's start: no split.
  EXPECT_EQ(internal::EnvelopeSplit(msg.data(), msg.size(), ",\"events\":[", scratch, &value), 0u);
  const std::string at0 = R"(,"data":[1]})";
  EXPECT_EQ(internal::EnvelopeSplit(at0.data(), at0.size(), ",\"data\":[", scratch, &value), 0u);
  std::string ctl = msg;
  ctl[ctl.size() - 5] = '\n';
  EXPECT_EQ(internal::EnvelopeSplit(ctl.data(), ctl.size(), ",\"data\":[", scratch, &value), 0u);
  // A key beyond kMaxEnvelope is not looked for.
  const std::string far = "{\"pad\":\"" + std::string(internal::kMaxEnvelope, 'x') + "\",\"data\":[1]}";
  EXPECT_EQ(internal::EnvelopeSplit(far.data(), far.size(), ",\"data\":[", scratch, &value), 0u);
}

// Symbols are keyed by (market, text): a perpetual "BTCUSDT" beside the spot one on the same
// venue finds its own instrument, and a spot lookup never returns the perpetual.
TEST(SymbolTable, TheSameTextInAnotherMarketIsAnotherInstrument) {
  auto cfg = config::ParseConfig(config::EmbeddedBenchConfig(), "t");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  config::VenueConfig venue = cfg->venues[0];
  const InstrumentId btc = cfg->FindInstrument("BTC/USDT")->id;
  const InstrumentId eth = cfg->FindInstrument("ETH/USDT")->id;  // stands in for a perpetual
  for (config::VenueSymbolConfig& s : venue.symbols)
    if (s.instrument == eth) {
      s.symbol = "BTCUSDT";
      s.market = config::MarketKind::kPerpetual;
    }
  const SymbolTable t(*cfg, venue);
  const int spot = t.Find("BTCUSDT");
  const int perp = t.Find("BTCUSDT", config::MarketKind::kPerpetual);
  ASSERT_GE(spot, 0);
  ASSERT_GE(perp, 0);
  EXPECT_EQ(t.infos()[static_cast<size_t>(spot)].instrument, btc);
  EXPECT_EQ(t.infos()[static_cast<size_t>(perp)].instrument, eth);
  EXPECT_EQ(t.infos()[static_cast<size_t>(perp)].market, config::MarketKind::kPerpetual);
  EXPECT_EQ(t.Find("ETHUSDT"), -1);
}

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

// Recovery plumbing: the engine asks the venue thread for a cancel-all on connect before the
// thread runs; it reaches the order session whether the adapter was set before or after, and a
// market-data-only adapter takes it as a no-op.
struct FakeFeed {
  FakeFeed(VenueContext, const SymbolTable*, std::function<void()>) {}
  absl::Status Init() { return absl::OkStatus(); }
  void Start() noexcept {}
  void Stop() noexcept {}
  bool connected() const noexcept { return false; }
};
struct FakeOrders : FakeFeed {
  using FakeFeed::FakeFeed;
  void OnIntent(const OrderIntent&) noexcept {}
  void SetCancelAllOnConnect(bool on) noexcept { (on ? set_on : set_off)++; }
  static inline int set_on = 0, set_off = 0;
};
class RecordingAdapter final : public VenueAdapter {
 public:
  absl::Status Init() override { return absl::OkStatus(); }
  void Start() noexcept override {}
  void OnIntent(const OrderIntent&) noexcept override {}
  void Stop() noexcept override {}
  void SetCancelAllOnConnect(bool on) noexcept override { calls.push_back(on); }
  std::vector<bool> calls;
};

TEST(CancelAllOnConnect, ReachesTheOrderSessionThroughAdapterAndThread) {
  auto cfg = config::ParseConfig(config::EmbeddedBenchConfig(), "t");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  VenueContext ctx;
  ctx.config = &*cfg;
  ctx.venue = &cfg->venues[0];
  FeedAdapter<FakeFeed, FakeOrders> trading(ctx);
  static_cast<VenueAdapter&>(trading).SetCancelAllOnConnect(true);
  EXPECT_EQ(FakeOrders::set_on, 1);
  FeedAdapter<FakeFeed> market_data_only(ctx);
  static_cast<VenueAdapter&>(market_data_only).SetCancelAllOnConnect(true);  // nothing to reach
  EXPECT_EQ(FakeOrders::set_on, 1);

  IntentRing intents(8);
  VenueRing to_core(8);
  runtime::VenueCounters counters;
  // Set before the adapter: applied when it arrives.
  VenueThread before(VenueId{0}, intents.TakeConsumer(), to_core.TakeProducer(), nullptr, &counters);
  before.SetCancelAllOnConnect(true);
  auto a = std::make_unique<RecordingAdapter>();
  RecordingAdapter* seen = a.get();
  before.SetAdapter(std::move(a));
  EXPECT_EQ(seen->calls, std::vector<bool>{true});
  // Set after the adapter: forwarded at once.
  IntentRing intents2(8);
  VenueRing to_core2(8);
  VenueThread after(VenueId{1}, intents2.TakeConsumer(), to_core2.TakeProducer(), nullptr, &counters);
  auto b = std::make_unique<RecordingAdapter>();
  RecordingAdapter* seen2 = b.get();
  after.SetAdapter(std::move(b));
  EXPECT_TRUE(seen2->calls.empty()) << "off unless asked for";
  after.SetCancelAllOnConnect(true);
  EXPECT_EQ(seen2->calls, std::vector<bool>{true});
}

}  // namespace
}  // namespace hs::venues
