// The simulator's Kraken protocol against the client's real parser and Book, in process (no
// sockets): what homeostat-sim serves must validate message after message — snapshots at every
// depth, updates that carry only in-window changes and no deletes for levels pushed out, the
// checksum computed from the simulator's own book — and each fault must show up on the client
// as the failure it stands for. Acks, errors, heartbeats and pong in Kraken's shapes.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/test_support.h"
#include "tests/venues/kraken/kraken_test_util.h"
#include "venues/kraken/kraken_book.h"
#include "venues/kraken/kraken_parse.h"
#include "venues/sim/sim_server.h"

namespace hs::kraken {
namespace {

using json = nlohmann::json;
using venues::BookEvent;

class FakePeer final : public sim::Peer {
 public:
  void Send(std::string text) override { out.push_back(std::move(text)); }
  void SendBinary(std::string bytes) override { out.push_back(std::move(bytes)); }
  void Close() override { open_ = false; }
  bool open() const override { return open_; }
  std::vector<std::string> out;

 private:
  bool open_ = true;
};

std::string Config(int levels) {
  return std::string(R"(assets = ["BTC", "USDT"]
)") + test::kEngineSections +
         R"([[instruments]]
name = "BTC/USDT"
base = "BTC"
quote = "USDT"
tick = "0.01"
lot = "0.00001"
[[venues]]
name = "kraken"
kind = "kraken"
market_data_url = "ws://127.0.0.1:1"
trading = false
taker_fee = "0.0026"
symbols = { "BTC/USDT" = "BTC/USDT" }
[sim]
seed = 3
step_bps = 3
spread_bps = 2
levels = )" +
         std::to_string(levels) + R"(
dislocation_every_ms = 0
[sim.prices]
"BTC/USDT" = "30000"
[sim.accounts.kraken]
taker_fee = "0.0026"
)";
}

class KrakenSim : public ::testing::Test {
 protected:
  void Make(int levels) {
    peer_.subs.clear();
    auto c = sim::ParseSimConfig(Config(levels), "test");
    ASSERT_TRUE(c.ok()) << c.status();
    cfg_ = std::make_unique<sim::SimConfig>(*c);
    market_ = std::make_unique<sim::Market>(*cfg_);
    server_ = std::make_unique<sim::Server>(ioc_, *cfg_, market_.get());
    peer_.venue = 0;
    peer_.target = "/v2";
    server_->AddPeer(&peer_);
    proto()->OnOpen(peer_);
  }
  void TearDown() override {
    if (server_) server_->RemovePeer(&peer_);
  }
  sim::Protocol* proto() { return server_->protocol(0); }
  // Frames sent to the peer since the last call.
  std::vector<std::string> Take() {
    std::vector<std::string> v;
    v.swap(peer_.out);
    return v;
  }
  ParseStatus ParseText(const std::string& text, Message* m) {
    buf_ = testing::Padded(text);
    return parser_.Parse(buf_.data(), text.size(), m);
  }
  // Runs the market n ticks, publishing every change.
  void Step(int n) {
    for (int i = 0; i < n; ++i) {
      now_ = now_ + Nanos::FromMillis(20);
      for (const sim::BookChange& c : market_->Step(now_)) server_->PublishChange(c);
    }
  }
  // Feeds every pending frame to `book`; returns the book events (acks etc. skipped).
  std::vector<BookEvent> Drain(Book& book) {
    std::vector<BookEvent> evs;
    for (const std::string& f : Take()) {
      Message m;
      EXPECT_EQ(ParseText(f, &m), ParseStatus::kOk) << f;
      if (m.kind != MessageKind::kBookSnapshot && m.kind != MessageKind::kBookUpdate) continue;
      const BookEntry* e = FindEntry(m, "BTC/USDT");
      EXPECT_NE(e, nullptr) << f;
      if (e == nullptr) continue;
      evs.push_back(book.Apply(m.kind, *e));
      last_detail_ = book.detail();
    }
    return evs;
  }
  // The client's book equals the simulator's top `depth` levels.
  void ExpectMirrors(const Book& book, int depth) {
    std::vector<Level> b, a;
    market_->book(0, 0).Top(depth, &b, &a);
    ASSERT_EQ(book.book().bids().size(), static_cast<int>(b.size()));
    ASSERT_EQ(book.book().asks().size(), static_cast<int>(a.size()));
    for (size_t i = 0; i < b.size(); ++i) {
      ASSERT_EQ(book.book().bids().level(static_cast<int>(i)).px, b[i].px) << i;
      ASSERT_EQ(book.book().bids().level(static_cast<int>(i)).qty, b[i].qty) << i;
    }
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(book.book().asks().level(static_cast<int>(i)).px, a[i].px) << i;
      ASSERT_EQ(book.book().asks().level(static_cast<int>(i)).qty, a[i].qty) << i;
    }
  }
  std::string Sub(const std::string& method, int depth, const std::string& sym = "BTC/USDT", int req_id = 1) {
    return json{
        {"method", method}, {"params", {{"channel", "book"}, {"symbol", {sym}}, {"depth", depth}}}, {"req_id", req_id}}
        .dump();
  }

  boost::asio::io_context ioc_;
  std::unique_ptr<sim::SimConfig> cfg_;
  std::unique_ptr<sim::Market> market_;
  std::unique_ptr<sim::Server> server_;
  FakePeer peer_;
  Parser parser_;
  std::string buf_;
  std::string last_detail_;
  Nanos now_{1'000'000'000};
};

TEST_F(KrakenSim, StatusOnConnectAndAcksInKrakensShape) {
  Make(20);
  std::vector<std::string> f = Take();
  ASSERT_EQ(f.size(), 1u);
  Message m;
  ASSERT_EQ(ParseText(f[0], &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, MessageKind::kStatus);
  EXPECT_EQ(m.system, "online");

  proto()->OnText(peer_, Sub("subscribe", 10, "BTC/USDT", 42));
  f = Take();
  ASSERT_EQ(f.size(), 2u) << "ack, then the snapshot";
  ASSERT_EQ(ParseText(f[0], &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, MessageKind::kSubscribeAck);
  EXPECT_TRUE(m.success);
  EXPECT_EQ(m.req_id, 42);
  EXPECT_EQ(m.symbol, "BTC/USDT");
  EXPECT_EQ(m.ack_channel, "book");
  EXPECT_EQ(m.ack_depth, 10);
  ASSERT_EQ(ParseText(f[1], &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, MessageKind::kBookSnapshot);
  EXPECT_NE(f[1].find("\"price\":"), std::string::npos);
  EXPECT_EQ(f[1].find("\"price\":\""), std::string::npos) << "numbers, not strings: " << f[1];

  // Errors: already subscribed, unknown pair, bad depth, unsubscribe of nothing.
  proto()->OnText(peer_, Sub("subscribe", 10));
  proto()->OnText(peer_, Sub("subscribe", 10, "FOO/BAR"));
  proto()->OnText(peer_, Sub("subscribe", 11, "BTC/USDT"));
  f = Take();
  ASSERT_EQ(f.size(), 3u);
  for (const std::string& t : f) {
    ASSERT_EQ(ParseText(t, &m), ParseStatus::kOk) << t;
    EXPECT_EQ(m.kind, MessageKind::kSubscribeAck);
    EXPECT_FALSE(m.success);
    EXPECT_FALSE(m.error.empty());
  }
  EXPECT_NE(f[0].find("Already subscribed"), std::string::npos);
  EXPECT_NE(f[1].find("FOO/BAR"), std::string::npos);

  proto()->OnText(peer_, Sub("unsubscribe", 10));
  proto()->OnText(peer_, Sub("unsubscribe", 10));
  f = Take();
  ASSERT_EQ(f.size(), 2u);
  ASSERT_EQ(ParseText(f[0], &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, MessageKind::kUnsubscribeAck);
  EXPECT_TRUE(m.success);
  ASSERT_EQ(ParseText(f[1], &m), ParseStatus::kOk);
  EXPECT_FALSE(m.success);
  EXPECT_EQ(m.error, "Subscription Not Found");

  // Ping → pong with the req_id; heartbeats only while subscribed.
  proto()->OnText(peer_, R"({"method":"ping","req_id":9})");
  f = Take();
  ASSERT_EQ(f.size(), 1u);
  ASSERT_EQ(ParseText(f[0], &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, MessageKind::kPong);
  EXPECT_EQ(m.req_id, 9);
  proto()->OnTick(Nanos::FromSeconds(100));
  EXPECT_TRUE(Take().empty());
  proto()->OnText(peer_, Sub("subscribe", 10));
  Take();
  proto()->OnTick(Nanos::FromSeconds(102));
  f = Take();
  ASSERT_EQ(f.size(), 1u);
  ASSERT_EQ(ParseText(f[0], &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, MessageKind::kHeartbeat);
}

// Every depth window: after each simulated tick the client's book (by Kraken's rules, checksum
// verified) equals the simulator's top levels.
TEST_F(KrakenSim, UpdatesValidateAndMirrorTheSimulatorsBookAtEveryDepth) {
  for (int depth : {10, 25, 100}) {
    SCOPED_TRACE("depth " + std::to_string(depth));
    Make(depth == 100 ? 130 : 40);
    Take();
    Book book(depth, 2, 5);
    proto()->OnText(peer_, Sub("subscribe", depth));
    std::vector<BookEvent> evs = Drain(book);
    ASSERT_EQ(evs.size(), 1u);
    ASSERT_EQ(evs[0], BookEvent::kSnapshot) << last_detail_;
    ExpectMirrors(book, depth);
    int updates = 0;
    for (int t = 0; t < 300; ++t) {
      Step(1);
      for (BookEvent e : Drain(book)) {
        ASSERT_EQ(e, BookEvent::kApplied) << "tick " << t << ": " << last_detail_;
        ++updates;
      }
      ExpectMirrors(book, depth);
    }
    EXPECT_GT(updates, 100);
    server_->RemovePeer(&peer_);
    server_.reset();
  }
}

TEST_F(KrakenSim, FaultsShowUpAsTheFailuresTheyStandFor) {
  Make(40);
  Take();
  Book book(10, 2, 5);
  proto()->OnText(peer_, Sub("subscribe", 10));
  ASSERT_EQ(Drain(book), std::vector<BookEvent>{BookEvent::kSnapshot});
  auto resync = [&] {
    proto()->OnText(peer_, Sub("unsubscribe", 10));
    proto()->OnText(peer_, Sub("subscribe", 10));
    std::vector<BookEvent> evs = Drain(book);
    ASSERT_FALSE(evs.empty());
    ASSERT_EQ(evs.back(), BookEvent::kSnapshot) << last_detail_;
    ExpectMirrors(book, 10);
  };
  auto step_until_event = [&]() -> BookEvent {
    for (int t = 0; t < 200; ++t) {
      Step(1);
      const std::vector<BookEvent> evs = Drain(book);
      if (!evs.empty()) return evs.front();
    }
    return BookEvent::kIgnored;
  };
  sim::Faults& f = server_->faults(0);

  f.corrupt_checksum_next = 1;
  EXPECT_EQ(step_until_event(), BookEvent::kChecksumMismatch);
  EXPECT_NE(last_detail_.find("checksum mismatch"), std::string::npos) << last_detail_;
  resync();

  f.cross_next = 1;
  EXPECT_EQ(step_until_event(), BookEvent::kCrossed) << last_detail_;
  resync();

  // A dropped update: the next one no longer matches the client's book.
  f.drop_next = 1;
  EXPECT_EQ(step_until_event(), BookEvent::kChecksumMismatch) << last_detail_;
  resync();

  // A stall: nothing at all, then the client is behind and the next update disagrees.
  f.stall = true;
  Step(20);
  proto()->OnTick(now_ + Nanos::FromSeconds(5));
  EXPECT_TRUE(Take().empty());
  f.stall = false;
  EXPECT_EQ(step_until_event(), BookEvent::kChecksumMismatch) << last_detail_;
  resync();

  // A subscription made during a stall gets its snapshot when the stall ends.
  proto()->OnText(peer_, Sub("unsubscribe", 10));
  Take();
  f.stall = true;
  proto()->OnText(peer_, Sub("subscribe", 10));
  std::vector<std::string> fr = Take();
  ASSERT_EQ(fr.size(), 1u) << "the ack only";
  f.stall = false;
  proto()->OnTick(now_);
  ASSERT_EQ(Drain(book), std::vector<BookEvent>{BookEvent::kSnapshot}) << last_detail_;
  ExpectMirrors(book, 10);
  for (int t = 0; t < 50; ++t) {
    Step(1);
    for (BookEvent e : Drain(book)) ASSERT_EQ(e, BookEvent::kApplied) << last_detail_;
  }
  EXPECT_EQ(f.drop_next + f.corrupt_checksum_next + f.cross_next, 0);
}

}  // namespace
}  // namespace hs::kraken
