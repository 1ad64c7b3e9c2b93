#include "venues/binance/binance_feed.h"

#include <algorithm>

#include "venues/binance/binance_wire.h"
#include "venues/common/http_client.h"
#include "venues/common/url.h"

namespace hs::binance {

using venues::BookEvent;

namespace {
// The REST endpoint accepts these limits; use the smallest that covers the depth we keep.
int SnapshotLimit(int depth) {
  for (int l : {5, 10, 20, 50, 100, 500, 1000, 5000})
    if (l >= depth) return l;
  return 5000;
}
}  // namespace

Feed::Feed(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state)
    : ctx_(ctx), symbols_(symbols), on_state_(std::move(on_state)) {
  depth_ = ctx_.venue != nullptr ? ctx_.venue->depth : 0;
  snapshot_limit_ = SnapshotLimit(depth_);
  syms_.resize(symbols_->infos().size());
  for (auto& s : syms_) {
    if (depth_ > 0) s.book = std::make_unique<DepthBook>(snapshot_limit_);
    if (depth_ > 0 && ctx_.ioc != nullptr) s.timer = std::make_unique<venues::Timer>(*ctx_.ioc);
  }
}

Feed::~Feed() = default;

std::string Feed::StreamUrl() const {
  std::string path(kCombinedStreamPath);
  bool first = true;
  for (const auto& s : symbols_->infos()) {
    if (!first) path += '/';
    first = false;
    path += s.lower;
    path += kBookTickerSuffix;
    if (depth_ > 0) {
      path += '/';
      path += s.lower;
      path += kDepthSuffix;
    }
  }
  return venues::JoinUrl(ctx_.venue->market_data_url, path);
}

std::string Feed::SnapshotUrl(int sym) const {
  return venues::JoinUrl(ctx_.venue->rest_url, std::string(kDepthSnapshotPath) + "?symbol=" +
                                                   symbols_->infos()[static_cast<size_t>(sym)].symbol +
                                                   "&limit=" + std::to_string(snapshot_limit_));
}

absl::Status Feed::Init() {
  if (depth_ > 0 && ctx_.venue->rest_url.empty())
    return absl::InvalidArgumentError("venue " + ctx_.venue->name + ": depth > 0 needs rest_url for the depth snapshot");
  venues::WsOptions o;
  o.url = StreamUrl();
  o.name = ctx_.venue->name + " md";
  o.idle_timeout_ms = ctx_.venue->idle_timeout_ms;
  o.reconnect_min_ms = ctx_.venue->reconnect_min_ms;
  o.reconnect_max_ms = ctx_.venue->reconnect_max_ms;
  o.ca_file = ctx_.ca_file;
  ws_ = std::make_unique<venues::WsClient>(*ctx_.ioc, o, this, ctx_.log);
  snapshot_buf_.reserve(1u << 20);
  return ws_->Init();
}

void Feed::Start() noexcept { ws_->Start(); }

void Feed::Stop() noexcept {
  ++generation_;
  for (auto& s : syms_)
    if (s.timer) s.timer->Cancel();
  ws_->Stop();
}

void Feed::OnWsOpen() noexcept {
  connected_ = true;
  ++generation_;
  ctx_.counters->md_connected.store(true, std::memory_order_relaxed);
  ctx_.log->Log(runtime::LogLevel::kInfo, "%s: market data connected%s", ctx_.venue->name.c_str(),
                depth_ > 0 ? ", syncing books" : "");
  for (size_t i = 0; i < syms_.size(); ++i) {
    syms_[i].last_ticker_id = 0;
    if (syms_[i].book) {
      syms_[i].book->Reset();
      syms_[i].attempts = 0;
      syms_[i].fetch_pending = false;
      // Let the first diffs buffer before asking for the snapshot (README §1.4 step 1-2).
      ScheduleSnapshot(static_cast<int>(i), 200);
    }
  }
  if (on_state_) on_state_();
}

void Feed::OnWsClosed(std::string_view reason) noexcept {
  connected_ = false;
  ++generation_;
  ctx_.counters->md_connected.store(false, std::memory_order_relaxed);
  ctx_.counters->Add(ctx_.counters->disconnects);
  for (size_t i = 0; i < syms_.size(); ++i) {
    tracker_.MarkUnusable(ctx_.publisher, ctx_.counters, ctx_.id, Inst(static_cast<int>(i)), FeedState::kDisconnected);
    if (syms_[i].timer) syms_[i].timer->Cancel();
    syms_[i].fetch_pending = false;
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
    case FrameKind::kBookTicker:
      return OnBookTicker(f, recv, recv_time);
    case FrameKind::kDepthUpdate:
      return OnDepth(f, data, len, recv, recv_time);
    case FrameKind::kSubscribeReply:
      return;
    default:
      ctx_.counters->Add(ctx_.counters->unknown_messages);
      return;
  }
}

void Feed::Fail(int sym, BookEvent e, const std::string& why) noexcept {
  tracker_.MarkUnusable(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym), venues::FailureState(e));
  ctx_.counters->Add(ctx_.counters->resyncs);
  if (log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s %s: %s (%s); resyncing from a REST snapshot", ctx_.venue->name.c_str(),
                  symbols_->infos()[static_cast<size_t>(sym)].symbol.c_str(), venues::BookEventName(e), why.c_str());
  ScheduleSnapshot(sym, 100);
}

void Feed::OnDepth(const MarketFrame& f, const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  const int sym = symbols_->Find(f.symbol);
  if (sym < 0 || depth_ == 0) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return;
  }
  SymbolState& s = syms_[static_cast<size_t>(sym)];
  const BookEvent e = s.book->OnDiff(f, data, len);
  switch (e) {
    case BookEvent::kApplied:
      ctx_.counters->Add(ctx_.counters->book_updates);
      tracker_.PublishTop(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym), s.book->book(), f.last_id,
                          Nanos::FromMillis(f.event_time_ms), recv, recv_time);
      ctx_.counters->parse_ns.Record(TscClock::Elapsed(recv, TscNow()));
      return;
    case BookEvent::kIgnored:
      ctx_.counters->Add(ctx_.counters->stale_dropped);
      return;
    case BookEvent::kResyncNeeded:
      if (!s.fetch_pending) ScheduleSnapshot(sym, 200);
      return;
    case BookEvent::kParseError:
      return venues::CountMalformedFrame(ctx_, &log_limit_, ParseStatus::kBadField, len);
    default:
      return Fail(sym, e, s.book->detail());
  }
}

void Feed::PublishTickerTop(int sym, const MarketFrame& f, TscStamp recv, Nanos recv_time) noexcept {
  BookTop t;
  t.venue = ctx_.id;
  t.instrument = Inst(sym);
  t.venue_seq = f.last_id;
  t.recv_stamp = recv;
  if (f.bid_qty.is_positive()) {
    t.bids[0] = Level{f.bid_px, f.bid_qty};
    t.bid_count = 1;
  }
  if (f.ask_qty.is_positive()) {
    t.asks[0] = Level{f.ask_px, f.ask_qty};
    t.ask_count = 1;
  }
  ctx_.publisher->PublishTop(t, recv_time);
}

void Feed::OnBookTicker(const MarketFrame& f, TscStamp recv, Nanos recv_time) noexcept {
  const int sym = symbols_->Find(f.symbol);
  if (sym < 0) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return;
  }
  SymbolState& s = syms_[static_cast<size_t>(sym)];
  if (depth_ > 0) {
    // L2 mode: the ticker overlays the synced book's top when it is newer than the book.
    const BookEvent e = s.book->OnTicker(f);
    if (e == BookEvent::kApplied) {
      ctx_.counters->Add(ctx_.counters->book_updates);
      tracker_.PublishTop(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym), s.book->book(), f.last_id, Nanos{}, recv,
                          recv_time);
      ctx_.counters->parse_ns.Record(TscClock::Elapsed(recv, TscNow()));
    } else if (e == BookEvent::kCrossed) {
      Fail(sym, e, s.book->detail());
    }
    return;
  }
  // Ticker-only mode: a one-level top, stale tickers dropped, a crossed one refused.
  if (f.last_id <= s.last_ticker_id) {
    ctx_.counters->Add(ctx_.counters->stale_dropped);
    return;
  }
  s.last_ticker_id = f.last_id;
  if (f.bid_qty.is_positive() && f.ask_qty.is_positive() && f.bid_px >= f.ask_px) {
    tracker_.MarkUnusable(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym), FeedState::kCrossed);
    return;
  }
  tracker_.MarkSynced(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym));
  PublishTickerTop(sym, f, recv, recv_time);
  ctx_.counters->Add(ctx_.counters->book_updates);
  ctx_.counters->parse_ns.Record(TscClock::Elapsed(recv, TscNow()));
}

void Feed::ScheduleSnapshot(int sym, int64_t delay_ms) noexcept {
  SymbolState& s = syms_[static_cast<size_t>(sym)];
  if (!s.timer || s.fetch_pending) return;
  s.fetch_pending = true;
  // Back off on repeated attempts: snapshots are expensive (weight) and a venue in trouble
  // needs air. Capped at the reconnect maximum.
  const int64_t backoff = std::min<int64_t>(ctx_.venue->reconnect_max_ms, delay_ms << std::min(s.attempts, 8));
  ++s.attempts;
  s.timer->After(backoff, [this, sym] { FetchSnapshot(sym); });
}

void Feed::FetchSnapshot(int sym) noexcept {
  if (!connected_) {
    syms_[static_cast<size_t>(sym)].fetch_pending = false;
    return;
  }
  venues::HttpRequest req;
  req.url = SnapshotUrl(sym);
  req.ca_file = ctx_.ca_file;
  const uint64_t gen = generation_;
  venues::HttpFetch(*ctx_.ioc, std::move(req), [this, sym, gen](venues::HttpResponse r) {
    OnSnapshotBody(sym, gen, r.status, r.status == 0 ? r.error : r.body);
  });
}

void Feed::OnSnapshotBody(int sym, uint64_t generation, int status, const std::string& body) noexcept {
  SymbolState& s = syms_[static_cast<size_t>(sym)];
  if (generation != generation_) return;  // a reconnect happened meanwhile; that one fetches anew
  s.fetch_pending = false;
  const char* name = symbols_->infos()[static_cast<size_t>(sym)].symbol.c_str();
  if (status != 200) {
    if (log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s %s: depth snapshot failed (%d: %.120s); retrying",
                    ctx_.venue->name.c_str(), name, status, body.c_str());
    return ScheduleSnapshot(sym, 500);
  }
  snapshot_buf_.assign(body);
  snapshot_buf_.append(venues::kWsPadding, '\0');
  MarketFrame f;
  const ParseStatus st = snapshot_parser_.ParseMarket(snapshot_buf_.data(), body.size(), &f);
  if (st != ParseStatus::kOk || f.kind != FrameKind::kDepthSnapshot) {
    venues::CountMalformedFrame(ctx_, &log_limit_, st == ParseStatus::kOk ? ParseStatus::kUnknown : st, body.size());
    return ScheduleSnapshot(sym, 500);
  }
  const BookEvent e = s.book->OnSnapshot(f, &snapshot_parser_);
  if (e == BookEvent::kSnapshot) {
    s.attempts = 0;
    tracker_.MarkSynced(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym));
    tracker_.PublishTop(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym), s.book->book(), s.book->book_id(), Nanos{},
                        TscNow(), WallNow());
    ctx_.log->Log(runtime::LogLevel::kInfo, "%s %s: book synced at update id %llu", ctx_.venue->name.c_str(), name,
                  static_cast<unsigned long long>(s.book->book_id()));
    return;
  }
  if (e == BookEvent::kResyncNeeded) {
    if (log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kInfo, "%s %s: %s; fetching again", ctx_.venue->name.c_str(), name,
                    s.book->detail().c_str());
    return ScheduleSnapshot(sym, 200);
  }
  Fail(sym, e, s.book->detail());
}

}  // namespace hs::binance
