#include "venues/bybit/bybit_feed.h"

#include <algorithm>

#include "venues/bybit/bybit_wire.h"
#include "venues/common/url.h"

namespace hs::bybit {

using venues::BookEvent;

namespace {
constexpr std::string_view kPing = R"({"op":"ping"})";
constexpr int64_t kRetryBaseMs = 100;
}  // namespace

Feed::Feed(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state)
    : ctx_(ctx), symbols_(symbols), on_state_(std::move(on_state)) {
  perp_ = ctx_.venue != nullptr && ctx_.venue->perp();
  const int wanted = ctx_.venue != nullptr ? ctx_.venue->depth : 0;
  depth_ = perp_ ? LinearTopicDepthFor(wanted) : TopicDepthFor(wanted);
  syms_.resize(symbols_->infos().size());
  for (size_t i = 0; i < syms_.size(); ++i) {
    SymbolState& s = syms_[i];
    s.book = std::make_unique<DepthBook>(depth_);
    s.topic = std::string(kOrderbookTopicPrefix) + std::to_string(depth_) + "." + symbols_->infos()[i].symbol;
    // req_id "s<index>" maps an ack back to its symbol.
    s.subscribe = R"({"op":"subscribe","args":[")" + s.topic + R"("],"req_id":"s)" + std::to_string(i) + "\"}";
    s.unsubscribe = R"({"op":"unsubscribe","args":[")" + s.topic + R"("],"req_id":"u)" + std::to_string(i) + "\"}";
    // A perpetual's mark, index and funding come on its own topic ("t<index>" for its ack).
    if (perp_)
      s.subscribe_ticker = R"({"op":"subscribe","args":[")" + std::string(kTickersTopicPrefix) + symbols_->infos()[i].symbol +
                           R"("],"req_id":"t)" + std::to_string(i) + "\"}";
    if (ctx_.ioc != nullptr) s.retry = std::make_unique<venues::Timer>(*ctx_.ioc);
  }
  if (ctx_.ioc != nullptr) ping_timer_ = std::make_unique<venues::Timer>(*ctx_.ioc);
}

Feed::~Feed() = default;

std::string Feed::StreamUrl() const {
  return venues::JoinUrl(ctx_.venue->market_data_url, std::string(perp_ ? kPublicLinearPath : kPublicSpotPath));
}

absl::Status Feed::Init() {
  if (ctx_.venue->market_data_url.empty())
    return absl::InvalidArgumentError("venue " + ctx_.venue->name + ": market_data_url is empty");
  if (!perp_ && ctx_.venue->depth > 1000)
    return absl::InvalidArgumentError("venue " + ctx_.venue->name + ": depth " + std::to_string(ctx_.venue->depth) +
                                      " exceeds Bybit's deepest spot topic (1000)");
  if (perp_ && ctx_.venue->depth > 500)
    return absl::InvalidArgumentError("venue " + ctx_.venue->name + ": depth " + std::to_string(ctx_.venue->depth) +
                                      " exceeds Bybit's deepest linear topic (500)");
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

void Feed::Stop() noexcept {
  for (auto& s : syms_)
    if (s.retry) s.retry->Cancel();
  if (ping_timer_) ping_timer_->Cancel();
  ws_->Stop();
}

void Feed::SchedulePing() noexcept {
  if (!ping_timer_) return;
  ping_timer_->After(kPingIntervalMs, [this] {
    if (!connected_) return;
    if (!ws_->Send(kPing) && log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: could not queue the keep-alive ping", ctx_.venue->name.c_str());
    SchedulePing();
  });
}

void Feed::OnWsOpen() noexcept {
  connected_ = true;
  ctx_.counters->md_connected.store(true, std::memory_order_relaxed);
  ctx_.log->Log(runtime::LogLevel::kInfo, "%s: market data connected, subscribing %zu orderbook.%d topics",
                ctx_.venue->name.c_str(), syms_.size(), depth_);
  for (size_t i = 0; i < syms_.size(); ++i) {
    SymbolState& s = syms_[i];
    s.book->Reset();
    s.attempts = 0;
    s.retry_pending = false;
    if (s.retry) s.retry->Cancel();
    // A new connection has no subscriptions: subscribe directly, the snapshot follows.
    SendSubscribe(static_cast<int>(i));
    if (perp_ && !ws_->Send(s.subscribe_ticker) && log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s %s: could not queue the tickers subscribe", ctx_.venue->name.c_str(),
                    Name(static_cast<int>(i)));
  }
  SchedulePing();
  if (on_state_) on_state_();
}

void Feed::OnWsClosed(std::string_view reason) noexcept {
  connected_ = false;
  ctx_.counters->md_connected.store(false, std::memory_order_relaxed);
  ctx_.counters->Add(ctx_.counters->disconnects);
  if (ping_timer_) ping_timer_->Cancel();
  for (size_t i = 0; i < syms_.size(); ++i) {
    tracker_.MarkUnusable(ctx_.publisher, ctx_.counters, ctx_.id, Inst(static_cast<int>(i)), FeedState::kDisconnected);
    syms_[i].book->Reset();
    if (syms_[i].retry) syms_[i].retry->Cancel();
    syms_[i].retry_pending = false;
  }
  if (on_state_) on_state_();
}

void Feed::OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  OnFrame(data, len, recv, recv_time);
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
  if (st != ParseStatus::kOk) return venues::CountMalformedFrame(ctx_, &log_limit_, st, len);
  switch (f.kind) {
    case MarketKind::kBookSnapshot:
    case MarketKind::kBookDelta:
      return OnBook(f, recv, recv_time);
    case MarketKind::kSubscribeReply:
      return OnSubscribeReply(f);
    case MarketKind::kTicker:
      return OnTicker(f, recv_time);
    case MarketKind::kPong:
      return;
  }
}

void Feed::OnBook(const MarketFrame& f, TscStamp recv, Nanos recv_time) noexcept {
  const int sym = symbols_->Find(f.symbol, Market());
  if (sym < 0 || f.topic_depth != depth_) {
    // Not a topic we subscribed to (another symbol or depth): nothing to apply it to.
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return;
  }
  SymbolState& s = syms_[static_cast<size_t>(sym)];
  const BookEvent e = s.book->OnMessage(f);
  switch (e) {
    case BookEvent::kSnapshot:
      s.attempts = 0;
      ctx_.counters->Add(ctx_.counters->book_updates);
      tracker_.MarkSynced(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym));
      tracker_.PublishTop(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym), s.book->book(), f.update_id,
                          Nanos::FromMillis(f.ts_ms), recv, recv_time);
      ctx_.counters->parse_ns.Record(TscClock::Elapsed(recv, TscNow()));
      return;
    case BookEvent::kApplied:
      ctx_.counters->Add(ctx_.counters->book_updates);
      tracker_.PublishTop(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym), s.book->book(), f.update_id,
                          Nanos::FromMillis(f.ts_ms), recv, recv_time);
      ctx_.counters->parse_ns.Record(TscClock::Elapsed(recv, TscNow()));
      return;
    case BookEvent::kResyncNeeded:
      // A delta for a book waiting for its snapshot (in flight before our resubscribe landed).
      ctx_.counters->Add(ctx_.counters->stale_dropped);
      return;
    case BookEvent::kParseError:
      return venues::CountMalformedFrame(ctx_, &log_limit_, ParseStatus::kBadField, 0);
    default:
      return Fail(sym, e);
  }
}

void Feed::OnTicker(const MarketFrame& f, Nanos recv_time) noexcept {
  const int sym = perp_ ? symbols_->Find(f.symbol, config::MarketKind::kPerpetual) : -1;
  if (sym < 0) {
    // A ticker of a symbol we did not subscribe (or on a spot venue, which reads none).
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return;
  }
  MarkUpdate m;
  m.venue = ctx_.id;
  m.instrument = Inst(sym);
  if (f.ticker_fields & MarketFrame::kTickMark) {
    m.fields |= MarkUpdate::kMark;
    m.mark_px = f.mark_px;
  }
  if (f.ticker_fields & MarketFrame::kTickIndex) {
    m.fields |= MarkUpdate::kIndex;
    m.index_px = f.index_px;
  }
  if (f.ticker_fields & MarketFrame::kTickFunding) {
    m.fields |= MarkUpdate::kFunding;
    m.funding_rate = f.funding_rate;
  }
  if (f.ticker_fields & MarketFrame::kTickNextFunding) m.next_funding_time = Nanos::FromMillis(f.next_funding_ms);
  m.exchange_time = Nanos::FromMillis(f.ts_ms);
  // A delta with none of these (last price, volume moved) tells the core nothing.
  if (m.fields == 0 && m.next_funding_time.value == 0) return;
  ctx_.publisher->PublishMark(m, recv_time);
}

void Feed::OnSubscribeReply(const MarketFrame& f) noexcept {
  if (f.success) return;
  // A refused (un)subscribe: find the symbol from req_id "s<i>"/"u<i>" and try again later.
  int sym = -1;
  if (f.req_id.size() >= 2 && (f.req_id[0] == 's' || f.req_id[0] == 'u')) {
    int v = 0;
    bool ok = true;
    for (size_t k = 1; k < f.req_id.size() && ok; ++k) {
      ok = f.req_id[k] >= '0' && f.req_id[k] <= '9' && v < 100000;
      v = v * 10 + (f.req_id[k] - '0');
    }
    if (ok && v < static_cast<int>(syms_.size())) sym = v;
  }
  if (log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: %s refused (req_id %.*s): %.*s", ctx_.venue->name.c_str(),
                  f.unsubscribe ? "unsubscribe" : "subscribe", static_cast<int>(f.req_id.size()), f.req_id.data(),
                  static_cast<int>(f.ret_msg.size()), f.ret_msg.data());
  if (sym < 0 || f.unsubscribe) return;  // a refused unsubscribe changes nothing we rely on
  SymbolState& s = syms_[static_cast<size_t>(sym)];
  s.book->Reset();
  tracker_.MarkUnusable(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym), FeedState::kSyncing);
  ++s.attempts;
  Resubscribe(sym);
}

void Feed::Fail(int sym, BookEvent e) noexcept {
  SymbolState& s = syms_[static_cast<size_t>(sym)];
  // The core hears first; the book was already dropped by its keeper.
  tracker_.MarkUnusable(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym), venues::FailureState(e));
  ctx_.counters->Add(ctx_.counters->resyncs);
  if (log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s %s: %s (%s); resubscribing for a fresh snapshot",
                  ctx_.venue->name.c_str(), Name(sym), venues::BookEventName(e), s.book->detail().c_str());
  Resubscribe(sym);
  ++s.attempts;
}

void Feed::Resubscribe(int sym) noexcept {
  SymbolState& s = syms_[static_cast<size_t>(sym)];
  if (!connected_) return;  // the reconnect subscribes afresh
  if (!s.retry_pending) {
    if (!ws_->Send(s.unsubscribe) && log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s %s: could not queue the unsubscribe", ctx_.venue->name.c_str(), Name(sym));
  }
  if (s.attempts == 0 || !s.retry) return SendSubscribe(sym);
  if (s.retry_pending) return;
  // Failures in a row: give the venue air before asking again (capped at the reconnect maximum).
  const int64_t delay = std::min<int64_t>(ctx_.venue->reconnect_max_ms, kRetryBaseMs << std::min(s.attempts, 8));
  s.retry_pending = true;
  s.retry->After(delay, [this, sym] {
    syms_[static_cast<size_t>(sym)].retry_pending = false;
    SendSubscribe(sym);
  });
}

void Feed::SendSubscribe(int sym) noexcept {
  SymbolState& s = syms_[static_cast<size_t>(sym)];
  if (!connected_) return;
  if (ws_->Send(s.subscribe)) return;
  // The send queue is full: try again shortly.
  if (log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s %s: could not queue the subscribe; retrying", ctx_.venue->name.c_str(), Name(sym));
  if (s.retry && !s.retry_pending) {
    s.retry_pending = true;
    s.retry->After(kRetryBaseMs, [this, sym] {
      syms_[static_cast<size_t>(sym)].retry_pending = false;
      SendSubscribe(sym);
    });
  }
}

}  // namespace hs::bybit
