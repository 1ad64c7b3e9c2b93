#include "venues/okx/okx_feed.h"

#include <algorithm>

#include "venues/common/url.h"
#include "venues/okx/okx_wire.h"

namespace hs::okx {

using venues::BookEvent;

namespace {
constexpr int64_t kSnapshotTimeoutMs = 5'000;  // a (re)subscribe that yields no snapshot is retried
constexpr int kMaxResyncAttempts = 6;           // then the connection is recycled
}  // namespace

Feed::Feed(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state)
    : ctx_(ctx), symbols_(symbols), on_state_(std::move(on_state)) {
  const int depth = ctx_.venue != nullptr ? ctx_.venue->depth : 0;
  if (depth == kBooks50Depth) {
    channel_ = Channel::kBooks50L2Tbt;
    depth_ = kBooks50Depth;
  }
  syms_.resize(symbols_->infos().size());
  for (auto& s : syms_) {
    s.book = std::make_unique<L2Book>(depth_);
    if (ctx_.ioc != nullptr) s.timer = std::make_unique<venues::Timer>(*ctx_.ioc);
  }
  keepalive_ = std::make_unique<KeepAlive>(ctx_.ioc, ctx_.venue != nullptr ? ctx_.venue->idle_timeout_ms : 30'000);
  perp_ = ctx_.venue != nullptr && ctx_.venue->perp();
  // Each swap's index id (index-tickers): its instId without "-SWAP" (BTC-USDT-SWAP → BTC-USDT).
  index_ids_.assign(symbols_->infos().size(), std::string());
  for (size_t i = 0; perp_ && i < symbols_->infos().size(); ++i) {
    const std::string& sym = symbols_->infos()[i].symbol;
    if (sym.size() > kSwapSuffix.size() && sym.compare(sym.size() - kSwapSuffix.size(), kSwapSuffix.size(), kSwapSuffix) == 0)
      index_ids_[i] = sym.substr(0, sym.size() - kSwapSuffix.size());
  }
  market_ = perp_ ? config::MarketKind::kPerpetual : config::MarketKind::kSpot;
}

Feed::~Feed() = default;

std::string Feed::PublicUrl() const { return venues::JoinUrl(ctx_.venue->market_data_url, std::string(kPublicPath)); }

std::string Feed::SubscribeRequest(std::string_view op, int sym) const {
  std::string r = "{\"op\":\"" + std::string(op) + "\",\"args\":[";
  bool first = true;
  for (size_t i = 0; i < symbols_->infos().size(); ++i) {
    if (sym >= 0 && static_cast<int>(i) != sym) continue;
    if (!first) r += ',';
    first = false;
    r += "{\"channel\":\"" + std::string(ChannelName(channel_)) + "\",\"instId\":\"" + symbols_->infos()[i].symbol + "\"}";
  }
  return r + "]}";
}

std::string Feed::TickerSubscribeRequest() const {
  std::string r = "{\"op\":\"subscribe\",\"args\":[";
  for (size_t i = 0; i < symbols_->infos().size(); ++i) {
    for (std::string_view ch : {kChannelMarkPrice, kChannelFundingRate}) {
      if (r.back() != '[') r += ',';
      r += "{\"channel\":\"" + std::string(ch) + "\",\"instId\":\"" + symbols_->infos()[i].symbol + "\"}";
    }
    if (!index_ids_[i].empty())
      r += ",{\"channel\":\"" + std::string(kChannelIndexTickers) + "\",\"instId\":\"" + index_ids_[i] + "\"}";
  }
  return r + "]}";
}

absl::Status Feed::Init() {
  const config::VenueConfig& v = *ctx_.venue;
  // The local book mirrors the channel's whole window: a shallower copy loses levels that later
  // move into the top 25 and fails the checksum (README §4.5).
  if (v.depth != 0 && v.depth != kBooksDepth && v.depth != kBooks50Depth)
    return absl::InvalidArgumentError("venue " + v.name + ": depth = " + std::to_string(v.depth) +
                                      " is not an OKX book window; use 0 or 400 (channel books) or 50 "
                                      "(books50-l2-tbt)");
  venues::WsOptions o;
  o.url = PublicUrl();
  o.name = v.name + " md";
  o.idle_timeout_ms = v.idle_timeout_ms;
  o.reconnect_min_ms = v.reconnect_min_ms;
  o.reconnect_max_ms = v.reconnect_max_ms;
  o.ca_file = ctx_.ca_file;
  ws_ = std::make_unique<venues::WsClient>(*ctx_.ioc, o, this, ctx_.log);
  return ws_->Init();
}

void Feed::Start() noexcept {
  ws_->Start();
  keepalive_->Start(ws_.get());
}

void Feed::Stop() noexcept {
  ++generation_;
  for (auto& s : syms_)
    if (s.timer) s.timer->Cancel();
  keepalive_->Stop();
  ws_->Stop();
}

void Feed::OnWsOpen() noexcept {
  connected_ = true;
  ++generation_;
  keepalive_->OnTraffic(WallNow());
  ctx_.counters->md_connected.store(true, std::memory_order_relaxed);
  ctx_.log->Log(runtime::LogLevel::kInfo, "%s: market data connected, subscribing channel %s for %zu symbols",
                ctx_.venue->name.c_str(), ChannelName(channel_), syms_.size());
  for (size_t i = 0; i < syms_.size(); ++i) {
    SymbolState& s = syms_[i];
    s.book->Reset();
    s.attempts = 0;
    s.resync_pending = true;
  }
  if (!ws_->Send(SubscribeRequest("subscribe", -1)))
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: could not queue the subscribe request", ctx_.venue->name.c_str());
  // Swaps: mark price and funding too (their own channels, never resubscribed by a book resync).
  if (perp_ && !ws_->Send(TickerSubscribeRequest()))
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: could not queue the mark/funding subscribe", ctx_.venue->name.c_str());
  for (size_t i = 0; i < syms_.size(); ++i) ArmWatchdog(static_cast<int>(i));
  if (on_state_) on_state_();
}

void Feed::OnWsClosed(std::string_view reason) noexcept {
  connected_ = false;
  ++generation_;
  ctx_.counters->md_connected.store(false, std::memory_order_relaxed);
  ctx_.counters->Add(ctx_.counters->disconnects);
  for (size_t i = 0; i < syms_.size(); ++i) {
    tracker_.MarkUnusable(ctx_.publisher, ctx_.counters, ctx_.id, Inst(static_cast<int>(i)), FeedState::kDisconnected);
    syms_[i].book->Reset();
    syms_[i].resync_pending = false;
    if (syms_[i].timer) syms_[i].timer->Cancel();
  }
  if (on_state_) on_state_();
}

void Feed::OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  OnFrame(data, len, recv, recv_time);
}

void Feed::OnFrame(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  ctx_.counters->Add(ctx_.counters->md_messages);
  ctx_.counters->Add(ctx_.counters->md_bytes, len);
  keepalive_->OnTraffic(recv_time);
  MarketFrame f;
  const ParseStatus st = parser_.ParseMarket(data, len, &f);
  if (st == ParseStatus::kUnknown) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return;
  }
  if (st != ParseStatus::kOk) return venues::CountMalformedFrame(ctx_, &log_limit_, st, len);
  switch (f.kind) {
    case FrameKind::kBook:
      return OnBook(f, recv, recv_time);
    case FrameKind::kEvent:
      return OnEvent(f);
    case FrameKind::kPong:
      return;
    case FrameKind::kTicker:
      return OnTicker(f, recv_time);
  }
}

void Feed::OnTicker(const MarketFrame& f, Nanos recv_time) noexcept {
  int sym = -1;
  if (f.channel == Channel::kIndexTickers) {
    // The push names the index (BTC-USDT): the swap whose underlying it is.
    for (size_t i = 0; i < index_ids_.size() && sym < 0; ++i)
      if (!index_ids_[i].empty() && f.inst_id == index_ids_[i]) sym = static_cast<int>(i);
  } else {
    sym = symbols_->Find(f.inst_id, market_);
  }
  if (sym < 0 || !perp_) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return;
  }
  MarkUpdate m;
  m.venue = ctx_.id;
  m.instrument = Inst(sym);
  if (f.has_mark) {
    m.fields |= MarkUpdate::kMark;
    m.mark_px = f.mark_px;
  }
  if (f.has_index) {
    m.fields |= MarkUpdate::kIndex;
    m.index_px = f.index_px;
  }
  if (f.has_funding) {
    m.fields |= MarkUpdate::kFunding;
    m.funding_rate = f.funding_rate;
    m.next_funding_time = Nanos::FromMillis(f.next_funding_ms);
  }
  m.exchange_time = Nanos::FromMillis(f.ts_ms);
  if (m.fields == 0) return;
  ctx_.publisher->PublishMark(m, recv_time);
}

void Feed::PublishTop(int sym, const MarketFrame& f, TscStamp recv, Nanos recv_time) noexcept {
  const InstrumentId inst = Inst(sym);
  const book::OrderBook& b = syms_[static_cast<size_t>(sym)].book->book();
  if (!perp_) {
    return tracker_.PublishTop(ctx_.publisher, ctx_.counters, ctx_.id, inst, b, static_cast<uint64_t>(f.seq_id),
                               Nanos::FromMillis(f.ts_ms), recv, recv_time);
  }
  // A swap's book counts contracts (the checksum ran over that text): the core sees base units.
  if (!tracker_.usable(inst) || !b.has_both_sides()) return;
  BookTop t;
  t.venue = ctx_.id;
  t.instrument = inst;
  t.venue_seq = static_cast<uint64_t>(f.seq_id);
  t.exchange_time = Nanos::FromMillis(f.ts_ms);
  t.recv_stamp = recv;
  b.FillTop(&t);
  const Qty ct = symbols_->infos()[static_cast<size_t>(sym)].contract_size;
  for (int i = 0; i < t.bid_count; ++i) t.bids[i].qty = ContractsToBase(t.bids[i].qty, ct);
  for (int i = 0; i < t.ask_count; ++i) t.asks[i].qty = ContractsToBase(t.asks[i].qty, ct);
  ctx_.publisher->PublishTop(t, recv_time);
}

void Feed::OnEvent(const MarketFrame& f) noexcept {
  if (f.event == EventKind::kSubscribe || f.event == EventKind::kUnsubscribe) return;
  // Errors (a refused subscribe, say) and events this feed does not use (connection counts).
  ctx_.counters->Add(ctx_.counters->unknown_messages);
  if (f.event == EventKind::kError && log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: market-data error event: code %.*s %.*s", ctx_.venue->name.c_str(),
                  static_cast<int>(f.code.size()), f.code.data(), static_cast<int>(f.msg.size()), f.msg.data());
}

void Feed::OnBook(const MarketFrame& f, TscStamp recv, Nanos recv_time) noexcept {
  const int sym = symbols_->Find(f.inst_id, market_);
  if (sym < 0 || f.channel != channel_) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return;
  }
  SymbolState& s = syms_[static_cast<size_t>(sym)];
  const BookEvent e = s.book->OnFrame(f);
  switch (e) {
    case BookEvent::kApplied:
      ctx_.counters->Add(ctx_.counters->book_updates);
      s.attempts = 0;  // the resynced book is holding: the next failure starts a fresh backoff
      if (f.bid_count + f.ask_count == 0) return;  // keep-alive: nothing changed
      PublishTop(sym, f, recv, recv_time);
      ctx_.counters->parse_ns.Record(TscClock::Elapsed(recv, TscNow()));
      return;
    case BookEvent::kSnapshot:
      ctx_.counters->Add(ctx_.counters->book_updates);
      s.resync_pending = false;
      if (s.timer) s.timer->Cancel();
      tracker_.MarkSynced(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym));
      PublishTop(sym, f, recv, recv_time);
      ctx_.counters->parse_ns.Record(TscClock::Elapsed(recv, TscNow()));
      if (log_limit_.Allow())
        ctx_.log->Log(runtime::LogLevel::kInfo, "%s %s: book synced at seqId %lld", ctx_.venue->name.c_str(), Name(sym),
                      static_cast<long long>(f.seq_id));
      return;
    case BookEvent::kIgnored:
      ctx_.counters->Add(ctx_.counters->stale_dropped);
      return;
    case BookEvent::kResyncNeeded:
      // Updates of the previous subscription still in flight after a resubscribe: dropped. An
      // update with no resync under way means the snapshot was lost: ask for one.
      ctx_.counters->Add(ctx_.counters->stale_dropped);
      if (!s.resync_pending) Resubscribe(sym);
      return;
    case BookEvent::kParseError:
      venues::CountMalformedFrame(ctx_, &log_limit_, ParseStatus::kBadField, 0);
      return Fail(sym, e);
    default:
      return Fail(sym, e);
  }
}

void Feed::Fail(int sym, BookEvent e) noexcept {
  tracker_.MarkUnusable(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym), venues::FailureState(e));
  ctx_.counters->Add(ctx_.counters->resyncs);
  if (log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s %s: %s (%s); resubscribing for a new snapshot", ctx_.venue->name.c_str(),
                  Name(sym), venues::BookEventName(e), syms_[static_cast<size_t>(sym)].book->detail().c_str());
  Resubscribe(sym);
}

void Feed::Resubscribe(int sym) noexcept {
  SymbolState& s = syms_[static_cast<size_t>(sym)];
  if (!connected_) return;
  s.book->Reset();
  s.resync_pending = true;
  const int n = s.attempts++;
  if (n >= kMaxResyncAttempts) {
    s.attempts = 0;
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s %s: no valid snapshot after %d resubscribes; reconnecting",
                  ctx_.venue->name.c_str(), Name(sym), n);
    ws_->Reconnect("no valid snapshot after repeated resubscribes");
    return;
  }
  auto send = [this, sym] {
    // Unsubscribe then subscribe: OKX answers the subscribe with a new snapshot (README §4.4).
    const bool ok = ws_->Send(SubscribeRequest("unsubscribe", sym)) && ws_->Send(SubscribeRequest("subscribe", sym));
    if (!ok && log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s %s: could not queue the resubscribe", ctx_.venue->name.c_str(), Name(sym));
    ArmWatchdog(sym);
  };
  if (n == 0 || !s.timer) return send();
  // Repeated failures back off: a venue in trouble needs air, and subscribe operations are
  // limited per connection (README §4.1).
  const int64_t delay = std::min<int64_t>(ctx_.venue->reconnect_max_ms, int64_t{100} << std::min(n - 1, 8));
  const uint64_t gen = generation_;
  s.timer->After(delay, [this, gen, send] {
    if (gen == generation_ && connected_) send();
  });
}

void Feed::ArmWatchdog(int sym) noexcept {
  SymbolState& s = syms_[static_cast<size_t>(sym)];
  if (!s.timer) return;
  const uint64_t gen = generation_;
  s.timer->After(kSnapshotTimeoutMs, [this, sym, gen] { OnWatchdog(sym, gen); });
}

void Feed::OnWatchdog(int sym, uint64_t generation) noexcept {
  if (generation != generation_ || !connected_) return;
  SymbolState& s = syms_[static_cast<size_t>(sym)];
  if (!s.resync_pending) return;
  if (log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s %s: no snapshot %lld ms after subscribing; resubscribing",
                  ctx_.venue->name.c_str(), Name(sym), static_cast<long long>(kSnapshotTimeoutMs));
  ctx_.counters->Add(ctx_.counters->resyncs);
  Resubscribe(sym);
}

}  // namespace hs::okx
