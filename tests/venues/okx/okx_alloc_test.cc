// OKX's market-data path allocates nothing in steady state: a few thousand `books` updates (and
// bbo-tbt frames, events and pongs) through the real parser and L2Book — checksums verified on
// every one — after warm-up, with global operator new counted. Also the order path: parsing
// replies and orders pushes and turning them into ExecReports, and encoding orders.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "core/base/crc32.h"
#include "core/base/decimal.h"
#include "core/config/config.h"
#include "venues/okx/okx_book.h"
#include "venues/okx/okx_orders.h"
#include "venues/okx/okx_parse.h"
#include "tests/support/alloc_counter.h"
#include "tests/support/test_support.h"


namespace hs::okx {
namespace {

// Builds a session (snapshot + updates with correct checksums) from a reference model, before
// counting starts.
class Session {
 public:
  explicit Session(uint64_t seed) : rng_(seed) {}

  std::vector<std::string> Build(int updates) {
    std::vector<std::string> out;
    for (int i = 1; i <= 200; ++i) {
      bids_[300000 - i] = Text(300000 - i, "1.5");
      asks_[300000 + i] = Text(300000 + i, "2.5");
    }
    out.push_back(Msg("snapshot", -1, seq_, All(bids_, true), All(asks_, false)));
    for (int u = 0; u < updates; ++u) {
      if (u % 7 == 6) {
        // A bbo-tbt frame for the same instrument, an event and a pong: other paths, same rules.
        out.push_back(Pad("pong"));
        out.push_back(Pad(R"({"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"x"})"));
        continue;
      }
      std::string b = "[", a = "[";
      for (int k = 0; k < 10; ++k) {
        const int off = 1 + static_cast<int>(rng_() % 60);
        const bool del = rng_() % 4 == 0;
        const std::string q = del ? "0" : std::to_string(1 + rng_() % 9) + ".5";
        Apply(&bids_, 300000 - off, q, &b);
        Apply(&asks_, 300000 + off, q, &a);
      }
      const int64_t next = seq_ + 1;
      out.push_back(Msg("update", seq_, next, b + "]", a + "]"));
      seq_ = next;
    }
    return out;
  }

 private:
  using Side = std::map<int64_t, std::pair<std::string, std::string>>;
  static std::pair<std::string, std::string> Text(int64_t cents, const std::string& q) {
    return {std::to_string(cents / 10) + "." + std::to_string(cents % 10), q};
  }
  void Apply(Side* s, int64_t cents, const std::string& q, std::string* json) {
    const auto t = Text(cents, q);
    if (q == "0") {
      s->erase(cents);
    } else {
      (*s)[cents] = t;
    }
    if (json->size() > 1) *json += ",";
    *json += "[\"" + t.first + "\",\"" + q + "\",\"0\",\"1\"]";
  }
  static std::string All(const Side& s, bool desc) {
    std::string j = "[";
    auto add = [&](const std::pair<std::string, std::string>& t) {
      if (j.size() > 1) j += ",";
      j += "[\"" + t.first + "\",\"" + t.second + "\",\"0\",\"3\"]";
    };
    if (desc) {
      for (auto it = s.rbegin(); it != s.rend(); ++it) add(it->second);
    } else {
      for (const auto& [k, v] : s) add(v);
    }
    return j + "]";
  }
  int32_t Checksum() const {
    std::string s;
    auto b = bids_.rbegin();
    auto a = asks_.begin();
    for (int i = 0; i < 25; ++i) {
      if (b != bids_.rend()) {
        s += b->second.first + ":" + b->second.second + ":";
        ++b;
      }
      if (a != asks_.end()) {
        s += a->second.first + ":" + a->second.second + ":";
        ++a;
      }
    }
    if (!s.empty()) s.pop_back();
    return static_cast<int32_t>(Crc32Ieee(s));
  }
  static std::string Pad(const std::string& s) { return s + std::string(64, '\0'); }
  std::string Msg(const char* action, int64_t prev, int64_t seq, const std::string& b, const std::string& a) {
    return Pad(std::string(R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":")") + action +
               R"(","data":[{"asks":)" + a + R"(,"bids":)" + b + R"(,"ts":"1700000000000","checksum":)" +
               std::to_string(Checksum()) + R"(,"prevSeqId":)" + std::to_string(prev) + R"(,"seqId":)" +
               std::to_string(seq) + "}]}");
  }

  std::mt19937_64 rng_;
  Side bids_, asks_;
  int64_t seq_ = 1000;
};

TEST(OkxHotPath, BooksReplayAllocatesNothingAfterWarmUp) {
  Session session(7);
  const std::vector<std::string> frames = session.Build(4000);
  Parser parser(1 << 20);
  L2Book book;
  uint64_t applied = 0;
  auto run = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      const std::string& fr = frames[i];
      MarketFrame f;
      ASSERT_EQ(parser.ParseMarket(fr.data(), fr.size() - 64, &f), ParseStatus::kOk) << i;
      if (f.kind != FrameKind::kBook) continue;
      const venues::BookEvent e = book.OnFrame(f);
      ASSERT_TRUE(e == venues::BookEvent::kApplied || e == venues::BookEvent::kSnapshot) << i << ": " << book.detail();
      ++applied;
    }
  };
  run(0, 300);
  testing::StartCountingAllocations();
  run(300, frames.size());
  EXPECT_EQ(testing::StopCountingAllocations(), 0u);
  EXPECT_GT(applied, 3000u);
  EXPECT_TRUE(book.usable());
}

TEST(OkxHotPath, FailuresAndDetailTextsAllocateNothing) {
  Parser parser(1 << 16);
  L2Book book;
  const std::string snap =
      std::string(R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot","data":[{"asks":[["3366.8","9","0","3"],["3368","8","0","4"]],)"
                  R"("bids":[["3366.1","7","0","3"],["3366","6","0","4"]],"ts":"1","checksum":-1881014294,"prevSeqId":-1,"seqId":10}]})") +
      std::string(64, '\0');
  const std::string gap =
      std::string(R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[],"ts":"1","checksum":0,"prevSeqId":99,"seqId":100}]})") +
      std::string(64, '\0');
  const std::string bad = std::string(R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"upd)") + std::string(64, '\0');
  auto feed = [&](const std::string& m) {
    MarketFrame f;
    if (parser.ParseMarket(m.data(), m.size() - 64, &f) != ParseStatus::kOk) return venues::BookEvent::kParseError;
    return book.OnFrame(f);
  };
  for (int warm = 0; warm < 3; ++warm) {
    feed(snap);
    feed(gap);
    feed(bad);
  }
  testing::StartCountingAllocations();
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(feed(snap), venues::BookEvent::kSnapshot);
    EXPECT_EQ(feed(gap), venues::BookEvent::kGap);
    EXPECT_EQ(feed(bad), venues::BookEvent::kParseError);
  }
  EXPECT_EQ(testing::StopCountingAllocations(), 0u);
}

TEST(OkxHotPath, OrderRepliesPushesAndEncodingAllocateNothing) {
  auto cfg = config::ParseConfig(testing::UnitConfigToml(R"("BTC", "USDT")", R"([[instruments]]
name = "BTC/USDT"
base = "BTC"
quote = "USDT"
tick = "0.1"
lot = "0.0001"
[[venues]]
name = "okx"
kind = "okx"
market_data_url = "ws://127.0.0.1:1"
rest_url = "http://127.0.0.1:1"
order_url = "ws://127.0.0.1:1"
api_key_env = "K"
api_secret_env = "S"
passphrase_env = "P"
taker_fee = "0.001"
symbols = { "BTC/USDT" = "BTC-USDT" }
)"),
                                 "test");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  const venues::SymbolTable symbols(*cfg, cfg->venues[0]);
  Parser parser(1 << 16);
  OrderTracker tracker(VenueId{1}, &symbols);
  OrderEncoder encoder(&symbols);
  std::vector<std::string> replies, pushes;
  for (int i = 0; i < 2000; ++i) {
    const std::string id = "hs" + std::to_string(i);
    replies.push_back(R"({"id":")" + id + R"(","op":"order","code":"0","msg":"","data":[{"clOrdId":")" + id +
                      R"(","ordId":"123","tag":"","sCode":"0","sMsg":""}],"inTime":"1","outTime":"2"})" + std::string(64, '\0'));
    pushes.push_back(R"({"arg":{"channel":"orders","instType":"SPOT"},"data":[{"instId":"BTC-USDT","ordId":"123","clOrdId":")" + id +
                     R"(","state":"filled","fillPx":"30000.1","fillSz":"0.5","accFillSz":"0.5","fee":"-0.0005","feeCcy":"BTC","uTime":"1"}]})" +
                     std::string(64, '\0'));
  }
  char buf[1024];
  auto run = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      OrderIntent in;
      in.client_id = ClientOrderId{static_cast<uint64_t>(i)};
      in.instrument = InstrumentId{0};
      in.limit_px = Price::FromUnits(30000);
      in.qty = Qty::FromUnits(1);
      ASSERT_FALSE(tracker.Busy(in.client_id));
      ASSERT_GT(encoder.Encode(in, buf, sizeof buf), 0u);
      tracker.Add(in, TscStamp{});
      PrivateMsg m;
      ASSERT_EQ(parser.ParsePrivate(replies[static_cast<size_t>(i)].data(), replies[static_cast<size_t>(i)].size() - 64, &m),
                ParseStatus::kOk);
      ExecReport ex;
      TscStamp wire;
      ASSERT_EQ(tracker.OnReply(m, TscStamp{}, &ex, &wire), OrderTracker::Outcome::kReport);
      ASSERT_EQ(parser.ParsePrivate(pushes[static_cast<size_t>(i)].data(), pushes[static_cast<size_t>(i)].size() - 64, &m),
                ParseStatus::kOk);
      ASSERT_EQ(tracker.OnPush(m.orders[0], TscStamp{}, &ex), OrderTracker::Outcome::kReport);
      ASSERT_EQ(ex.kind, ExecKind::kFill);
      ASSERT_TRUE(ex.final);
      ASSERT_EQ(ex.fee_asset.value, 0);
    }
  };
  run(0, 100);
  testing::StartCountingAllocations();
  run(100, 2000);
  EXPECT_EQ(testing::StopCountingAllocations(), 0u);
}

// Swaps (issue 15): the order text in contracts, fills converted back to base units, and the
// mark, funding, positions and account pushes parsed and converted, all without allocating.
TEST(OkxHotPath, SwapOrdersPositionsMarksAndMarginAllocateNothing) {
  auto cfg = config::ParseConfig(testing::UnitConfigToml(R"("BTC", "USDT")", R"([[instruments]]
name = "BTC-PERP"
kind = "perp"
base = "BTC"
quote = "USDT"
tick = "0.1"
lot = "0.01"
min_notional = "5"
mm_tiers = [ { max_value = "2000000", mmr = "0.005", imr = "0.01" } ]
[[venues]]
name = "okx_swap"
kind = "okx"
market_data_url = "ws://127.0.0.1:1"
rest_url = "http://127.0.0.1:1"
order_url = "ws://127.0.0.1:1"
api_key_env = "K"
api_secret_env = "S"
passphrase_env = "P"
taker_fee = "0.0005"
margin_mode = "isolated"
leverage = "5"
symbols = { "BTC-PERP" = "BTC-USDT-SWAP" }
contract_sizes = { "BTC-PERP" = "0.01" }
)"),
                                 "test");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  const venues::SymbolTable symbols(*cfg, cfg->venues[0]);
  Parser parser(1 << 16);
  OrderTracker tracker(VenueId{1}, &symbols);
  OrderEncoder encoder(&symbols);
  encoder.SetMarginMode(MarginMode::kIsolated);
  const std::string pad(64, '\0');
  std::vector<std::string> pushes;
  for (int i = 0; i < 2000; ++i)
    pushes.push_back(R"({"arg":{"channel":"orders","instType":"SWAP"},"data":[{"instId":"BTC-USDT-SWAP","ordId":"1","clOrdId":"hs)" +
                     std::to_string(i) +
                     R"(","state":"filled","fillPx":"60000.1","fillSz":"100","accFillSz":"100","fee":"-3.00005","feeCcy":"USDT","uTime":"1"}]})" +
                     pad);
  const std::string positions =
      R"({"arg":{"channel":"positions","instType":"SWAP"},"data":[{"instId":"BTC-USDT-SWAP","mgnMode":"isolated","pos":"-100",)"
      R"("avgPx":"60000","markPx":"60010.5","liqPx":"71000","margin":"12000","mmr":"300.0525000000001","upl":"-10.5",)"
      R"("lever":"5","fundingFee":"-1.2","uTime":"1"}]})" + pad;
  const std::string account = R"({"arg":{"channel":"account"},"data":[{"details":[{"ccy":"USDT","cashBal":"100000",)"
                              R"("eq":"99989.5","imr":"12000","mmr":"300","availEq":"87989.5","uTime":"1"}]}]})" + pad;
  const std::string mark = R"({"arg":{"channel":"mark-price","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP",)"
                           R"("markPx":"60010.5","ts":"1"}]})" + pad;
  const std::string funding = R"({"arg":{"channel":"funding-rate","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP",)"
                              R"("fundingRate":"0.0000792386885340","fundingTime":"1","nextFundingTime":"2","ts":"1"}]})" + pad;
  char buf[1024];
  auto run = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      OrderIntent in;
      in.client_id = ClientOrderId{static_cast<uint64_t>(i)};
      in.instrument = InstrumentId{0};
      in.limit_px = Price::FromUnits(60000);
      in.qty = Qty::FromUnits(1);
      in.reduce_only = i % 2 == 0;
      ASSERT_GT(encoder.Encode(in, buf, sizeof buf), 0u);
      tracker.Add(in, TscStamp{});
      PrivateMsg m;
      const std::string& p = pushes[static_cast<size_t>(i)];
      ASSERT_EQ(parser.ParsePrivate(p.data(), p.size() - 64, &m), ParseStatus::kOk);
      ExecReport ex;
      ASSERT_EQ(tracker.OnPush(m.orders[0], TscStamp{}, &ex), OrderTracker::Outcome::kReport);
      ASSERT_EQ(ex.fill_qty, Qty::FromUnits(1));
      ASSERT_TRUE(ex.final);
      ASSERT_EQ(parser.ParsePrivate(positions.data(), positions.size() - 64, &m), ParseStatus::kOk);
      PositionUpdate pu;
      Amount fee;
      ASSERT_EQ(PositionAmounts(m.positions[0], symbols.infos()[0].contract_size, &pu, &fee), ParseStatus::kOk);
      ASSERT_EQ(parser.ParsePrivate(account.data(), account.size() - 64, &m), ParseStatus::kOk);
      MarginAccountUpdate mu;
      ASSERT_EQ(MarginAmounts(m.balances[0], &mu), ParseStatus::kOk);
      MarketFrame f;
      ASSERT_EQ(parser.ParseMarket(mark.data(), mark.size() - 64, &f), ParseStatus::kOk);
      ASSERT_EQ(parser.ParseMarket(funding.data(), funding.size() - 64, &f), ParseStatus::kOk);
    }
  };
  run(0, 100);
  testing::StartCountingAllocations();
  run(100, 2000);
  EXPECT_EQ(testing::StopCountingAllocations(), 0u);
}

}  // namespace
}  // namespace hs::okx
