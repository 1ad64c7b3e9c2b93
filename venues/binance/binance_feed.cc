#include "venues/binance/binance_feed.h"

#include "venues/binance/binance_wire.h"
#include "venues/common/url.h"

namespace hs::binance {

Feed::Feed(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state)
    : ctx_(ctx), symbols_(symbols), on_state_(std::move(on_state)) {}

Feed::~Feed() = default;

std::string Feed::StreamUrl() const {
  std::string path(kCombinedStreamPath);
  bool first = true;
  for (const auto& s : symbols_->infos()) {
    if (!first) path += '/';
    first = false;
    path += s.lower;
    path += kBookTickerSuffix;
  }
  return venues::JoinUrl(ctx_.venue->market_data_url, path);
}

absl::Status Feed::Init() {
  venues::WsOptions o;
  o.url = StreamUrl();
  o.name = ctx_.venue->name + " md";
  o.idle_timeout_ms = ctx_.venue->idle_timeout_ms;
  o.reconnect_min_ms = ctx_.venue->reconnect_min_ms;
  o.reconnect_max_ms = ctx_.venue->reconnect_max_ms;
  o.ca_file = ctx_.ca_file;
  ws_ = std::make_unique<venues::WsClient>(*ctx_.ioc, o, this, ctx_.log);
  return ws_->Init();
}

void Feed::Start() noexcept { ws_->Start(); }
void Feed::Stop() noexcept { ws_->Stop(); }

void Feed::OnWsOpen() noexcept {
  connected_ = true;
  ctx_.counters->md_connected.store(true, std::memory_order_relaxed);
  // Update ids restart with a new connection's first ticker.
  last_id_.fill(0);
  synced_.fill(false);
  ctx_.log->Log(runtime::LogLevel::kInfo, "%s: market data connected", ctx_.venue->name.c_str());
  if (on_state_) on_state_();
}

void Feed::OnWsClosed(std::string_view reason) noexcept {
  connected_ = false;
  ctx_.counters->md_connected.store(false, std::memory_order_relaxed);
  ctx_.counters->Add(ctx_.counters->disconnects);
  synced_.fill(false);
  if (on_state_) on_state_();  // publishes the venue-wide "not usable" first
}

void Feed::OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  OnFrame(data, len, recv, recv_time);
}

void Feed::CountParseError(ParseStatus st, size_t len) noexcept {
  ctx_.counters->Add(ctx_.counters->parse_errors);
  if (log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: dropped malformed market-data frame (%s, %zu bytes)",
                  ctx_.venue->name.c_str(), venues::ParseStatusName(st), len);
}

void Feed::OnFrame(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  ctx_.counters->Add(ctx_.counters->md_messages);
  ctx_.counters->Add(ctx_.counters->md_bytes, len);
  MarketFrame f;
  const ParseStatus st = parser_.ParseMarket(data, len, &f);
  if (st == ParseStatus::kUnknown) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return;
  }
  if (st != ParseStatus::kOk) return CountParseError(st, len);
  switch (f.kind) {
    case FrameKind::kBookTicker:
      return OnBookTicker(f, recv, recv_time);
    case FrameKind::kSubscribeReply:
      return;
    default:
      ctx_.counters->Add(ctx_.counters->unknown_messages);
      return;
  }
}

void Feed::PublishBookStatus(int sym, FeedState st, bool usable) noexcept {
  VenueStatus s;
  s.venue = ctx_.id;
  s.instrument = symbols_->infos()[static_cast<size_t>(sym)].instrument;
  s.state = st;
  s.usable = usable;
  s.crossed = crossed_;
  s.parse_errors = static_cast<uint32_t>(ctx_.counters->parse_errors.load(std::memory_order_relaxed));
  s.stamp = TscNow();
  ctx_.publisher->PublishStatus(s, WallNow());
}

void Feed::OnBookTicker(const MarketFrame& f, TscStamp recv, Nanos recv_time) noexcept {
  const int sym = symbols_->Find(f.symbol);
  if (sym < 0) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return;
  }
  const InstrumentId inst = symbols_->infos()[static_cast<size_t>(sym)].instrument;
  uint64_t& last = last_id_[inst.value];
  if (f.last_id <= last) {
    ctx_.counters->Add(ctx_.counters->stale_dropped);
    return;
  }
  last = f.last_id;
  const bool has_bid = f.bid_qty.is_positive();
  const bool has_ask = f.ask_qty.is_positive();
  if (has_bid && has_ask && f.bid_px >= f.ask_px) {
    // A crossed top is not a market we trade against: mark the book unusable until a sane one.
    ++crossed_;
    ctx_.counters->Add(ctx_.counters->crossed_books);
    if (synced_[inst.value]) {
      synced_[inst.value] = false;
      PublishBookStatus(sym, FeedState::kCrossed, false);
    }
    return;
  }
  if (!synced_[inst.value]) {
    synced_[inst.value] = true;
    PublishBookStatus(sym, FeedState::kSynced, true);
  }
  BookTop t;
  t.venue = ctx_.id;
  t.instrument = inst;
  t.venue_seq = f.last_id;
  t.recv_stamp = recv;
  if (has_bid) {
    t.bids[0] = Level{f.bid_px, f.bid_qty};
    t.bid_count = 1;
  }
  if (has_ask) {
    t.asks[0] = Level{f.ask_px, f.ask_qty};
    t.ask_count = 1;
  }
  ctx_.publisher->PublishTop(t, recv_time);
  ctx_.counters->Add(ctx_.counters->book_updates);
  ctx_.counters->parse_ns.Record(TscClock::Elapsed(recv, TscNow()));
}

}  // namespace hs::binance
