#include "venues/coinbase/coinbase_feed.h"

#include <algorithm>

#include "venues/coinbase/coinbase_wire.h"
#include "venues/common/text_writer.h"

namespace hs::coinbase {

using venues::BookEvent;

namespace {
// Coinbase product ids are upper-case letters, digits and dashes ("BTC-USD", "1INCH-USD");
// checking that at start-up also makes them safe to write into JSON unescaped.
bool IsProductId(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}
}  // namespace

Feed::Feed(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state)
    : ctx_(ctx), symbols_(symbols), on_state_(std::move(on_state)), parser_(kMaxFrameBytes) {
  depth_ = ctx_.venue != nullptr && ctx_.venue->depth > 0 ? ctx_.venue->depth : kDefaultDepth;
  std::vector<std::string> products;
  for (const auto& s : symbols_->infos()) products.push_back(s.symbol);
  books_ = std::make_unique<ConnectionBooks>(products, depth_);
  resync_flag_.assign(products.size(), 0);
  awaiting_.assign(products.size(), 0);
  awaiting_since_.assign(products.size(), 0);
  if (ctx_.ioc != nullptr) {
    resync_timer_ = std::make_unique<venues::Timer>(*ctx_.ioc);
    watchdog_timer_ = std::make_unique<venues::Timer>(*ctx_.ioc);
  }
}

Feed::~Feed() = default;

absl::Status Feed::Init() {
  const std::string& name = ctx_.venue->name;
  if (symbols_->infos().empty()) return absl::InvalidArgumentError("venue " + name + ": no symbols to subscribe");
  size_t names = 0;
  for (const auto& s : symbols_->infos()) {
    if (!IsProductId(s.symbol))
      return absl::InvalidArgumentError("venue " + name + ": symbol '" + s.symbol +
                                        "' is not a Coinbase product id (like BTC-USDT: A-Z, 0-9, '-')");
    names += s.symbol.size() + 3;
  }
  if (ctx_.venue->market_data_url.empty()) return absl::InvalidArgumentError("venue " + name + ": market_data_url is empty");
  req_cap_ = 128 + names;
  req_buf_ = std::make_unique<char[]>(req_cap_);
  venues::WsOptions o;
  o.url = ctx_.venue->market_data_url;
  o.name = name + " md";
  o.max_message = kMaxFrameBytes;
  o.idle_timeout_ms = ctx_.venue->idle_timeout_ms;
  o.reconnect_min_ms = ctx_.venue->reconnect_min_ms;
  o.reconnect_max_ms = ctx_.venue->reconnect_max_ms;
  o.ca_file = ctx_.ca_file;
  o.send_slots = 16;
  o.send_slot_bytes = std::max<size_t>(4096, req_cap_);
  ws_ = std::make_unique<venues::WsClient>(*ctx_.ioc, o, this, ctx_.log);
  return ws_->Init();
}

void Feed::Start() noexcept { ws_->Start(); }

void Feed::Stop() noexcept {
  ++generation_;
  if (resync_timer_) resync_timer_->Cancel();
  if (watchdog_timer_) watchdog_timer_->Cancel();
  resync_armed_ = false;
  ws_->Stop();
}

size_t Feed::WriteRequest(std::string_view type, std::string_view channel, const uint8_t* only, char* buf,
                          size_t cap) const noexcept {
  venues::TextWriter w(buf, cap);
  w.Str("{\"type\":\"").Str(type).Str("\",\"product_ids\":[");
  bool first = true;
  const auto& infos = symbols_->infos();
  for (size_t i = 0; i < infos.size(); ++i) {
    if (only != nullptr && only[i] == 0) continue;
    if (!first) w.Char(',');
    first = false;
    w.Char('"').Str(infos[i].symbol).Char('"');
  }
  w.Str("],\"channel\":\"").Str(channel).Str("\"}");
  return w.ok() ? w.size() : 0;
}

bool Feed::SendRequest(std::string_view type, std::string_view channel, const uint8_t* only) noexcept {
  const size_t n = WriteRequest(type, channel, only, req_buf_.get(), req_cap_);
  return n > 0 && ws_->Send(std::string_view(req_buf_.get(), n));
}

void Feed::OnWsOpen() noexcept {
  connected_ = true;
  ++generation_;
  ctx_.counters->md_connected.store(true, std::memory_order_relaxed);
  if (ws_->connects() > 1) ctx_.counters->Add(ctx_.counters->reconnects);
  // A new connection numbers its envelopes from 0: a first envelope above 0 means the ones
  // before it (our snapshots among them) were lost.
  books_->Reset(ConnectionBooks::Start::kZero);
  quiet_ticks_ = 0;
  frames_at_tick_ = frames_;
  const int64_t now = MonoNow().value;
  for (size_t i = 0; i < awaiting_.size(); ++i) {
    resync_flag_[i] = 0;
    awaiting_[i] = 1;
    awaiting_since_[i] = now;
  }
  if (!SendRequest("subscribe", kChannelLevel2, nullptr) || !SendRequest("subscribe", kChannelHeartbeats, nullptr)) {
    ctx_.log->Log(runtime::LogLevel::kError, "%s: cannot queue the subscribe requests; reconnecting", ctx_.venue->name.c_str());
    ws_->Reconnect("subscribe not sent");
    return;
  }
  ctx_.log->Log(runtime::LogLevel::kInfo, "%s: market data connected, subscribed level2 + heartbeats for %d products",
                ctx_.venue->name.c_str(), books_->size());
  ArmWatchdog();
  if (on_state_) on_state_();
}

void Feed::OnWsClosed(std::string_view reason) noexcept {
  connected_ = false;
  ++generation_;
  ctx_.counters->md_connected.store(false, std::memory_order_relaxed);
  ctx_.counters->Add(ctx_.counters->disconnects);
  for (int i = 0; i < books_->size(); ++i) {
    tracker_.MarkUnusable(ctx_.publisher, ctx_.counters, ctx_.id, Inst(i), FeedState::kDisconnected);
    resync_flag_[static_cast<size_t>(i)] = 0;
    awaiting_[static_cast<size_t>(i)] = 0;
  }
  if (resync_timer_) resync_timer_->Cancel();
  if (watchdog_timer_) watchdog_timer_->Cancel();
  resync_armed_ = false;
  if (on_state_) on_state_();
}

void Feed::OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  OnFrame(data, len, recv, recv_time);
}

void Feed::OnFrame(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  ctx_.counters->Add(ctx_.counters->md_messages);
  ctx_.counters->Add(ctx_.counters->md_bytes, len);
  ++frames_;
  Frame f;
  const ParseStatus st = parser_.Parse(data, len, &f);
  if (st == ParseStatus::kUnknown) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return;
  }
  if (st != ParseStatus::kOk) return venues::CountMalformedFrame(ctx_, &log_limit_, st, len);
  if (f.kind == FrameKind::kError) {
    // Coinbase answers a bad request (e.g. an unknown product) this way. A product it refuses
    // never gets a snapshot: the watchdog's deadline turns that into a reconnect, and the log
    // says why.
    if (log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: venue error: %.*s", ctx_.venue->name.c_str(),
                    static_cast<int>(std::min<size_t>(f.error_message.size(), 160)), f.error_message.data());
    return;
  }
  OnEnvelope(f, recv, recv_time);
}

void Feed::OnEnvelope(const Frame& f, TscStamp recv, Nanos recv_time) noexcept {
  books_->OnFrame(f);
  const ConnectionBooks::SeqCheck check = books_->last_check();
  const bool broken = check == ConnectionBooks::SeqCheck::kGap || check == ConnectionBooks::SeqCheck::kBackwards;
  if (broken) {
    if (check == ConnectionBooks::SeqCheck::kBackwards) ctx_.counters->Add(ctx_.counters->stale_dropped);
    if (log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: %s; every book on the connection resyncs", ctx_.venue->name.c_str(),
                    books_->detail(0).c_str());
  }
  if (f.kind != FrameKind::kL2Data && !broken) return;  // a heartbeat or ack, in order
  for (int i = 0; i < books_->size(); ++i) {
    const BookEvent e = books_->event(i);
    if (e == BookEvent::kIgnored) continue;
    const InstrumentId inst = Inst(i);
    const size_t k = static_cast<size_t>(i);
    bool failed = false;
    if (venues::IsIntegrityFailure(e)) {
      tracker_.MarkUnusable(ctx_.publisher, ctx_.counters, ctx_.id, inst, venues::FailureState(e));
      failed = true;
    } else if (e == BookEvent::kResyncNeeded && tracker_.usable(inst)) {
      // A truncated side ran out of known levels: not an integrity failure, but stale depth.
      tracker_.MarkUnusable(ctx_.publisher, ctx_.counters, ctx_.id, inst, FeedState::kSyncing);
      failed = true;
    }
    if (failed) {
      ctx_.counters->Add(ctx_.counters->resyncs);
      if (!broken && log_limit_.Allow())
        ctx_.log->Log(runtime::LogLevel::kWarn, "%s %s: %s (%s); resubscribing level2", ctx_.venue->name.c_str(),
                      books_->product(i).c_str(), venues::BookEventName(e), books_->detail(i).c_str());
    }
    if (books_->usable(i)) {
      // Valid now: a snapshot (possibly in the very frame that showed a gap) or an update.
      // Whatever was pending for it is superseded: the frames are in order and this book
      // validated after every failure it had.
      awaiting_[k] = 0;
      resync_flag_[k] = 0;
      tracker_.MarkSynced(ctx_.publisher, ctx_.counters, ctx_.id, inst);
      tracker_.PublishTop(ctx_.publisher, ctx_.counters, ctx_.id, inst, books_->book(i), f.sequence_num, f.timestamp, recv,
                          recv_time);
      ctx_.counters->Add(ctx_.counters->book_updates);
      ctx_.counters->parse_ns.Record(TscClock::Elapsed(recv, TscNow()));
      continue;
    }
    // Not usable: a failure always asks again (a gap may have eaten the snapshot we were
    // waiting for); an update before its snapshot asks only when nobody is on it yet.
    if (failed || (awaiting_[k] == 0 && resync_flag_[k] == 0)) RequestResync(i);
  }
}

void Feed::RequestResync(int sym) noexcept {
  resync_flag_[static_cast<size_t>(sym)] = 1;
  books_->ResetProduct(sym);
  if (resync_armed_ || !resync_timer_) return;
  resync_armed_ = true;
  // The backoff restarts once failures have been quiet for a while.
  const int64_t now = MonoNow().value;
  if (now - last_resync_ns_ > kResyncQuietMs * 1'000'000) resync_attempts_ = 0;
  last_resync_ns_ = now;
  // Coalesce everything that fails within a few ms into one unsubscribe + subscribe; back off
  // while failures repeat (a venue in trouble needs air, and requests are rate-limited).
  const int64_t delay = std::min<int64_t>(ctx_.venue->reconnect_max_ms, int64_t{10} << std::min(resync_attempts_, 10));
  ++resync_attempts_;
  const uint64_t gen = generation_;
  resync_timer_->After(delay, [this, gen] {
    resync_armed_ = false;
    if (gen == generation_) SendResync();
  });
}

void Feed::SendResync() noexcept {
  if (!connected_) return;
  int n = 0;
  for (uint8_t fl : resync_flag_) n += fl;
  if (n == 0) return;
  if (!SendRequest("unsubscribe", kChannelLevel2, resync_flag_.data()) ||
      !SendRequest("subscribe", kChannelLevel2, resync_flag_.data())) {
    ctx_.log->Log(runtime::LogLevel::kError, "%s: cannot queue the level2 resubscribe; reconnecting", ctx_.venue->name.c_str());
    ws_->Reconnect("level2 resubscribe not sent");
    return;
  }
  const int64_t now = MonoNow().value;
  for (size_t i = 0; i < resync_flag_.size(); ++i) {
    if (resync_flag_[i] == 0) continue;
    resync_flag_[i] = 0;
    // Keep the oldest request time: repeated resubscribes must not postpone the deadline.
    if (awaiting_[i] == 0) awaiting_since_[i] = now;
    awaiting_[i] = 1;
    books_->ResetProduct(static_cast<int>(i));
  }
  if (log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kInfo, "%s: resubscribed level2 for %d product%s", ctx_.venue->name.c_str(), n,
                  n == 1 ? "" : "s");
}

void Feed::ArmWatchdog() noexcept {
  if (!watchdog_timer_) return;
  const uint64_t gen = generation_;
  watchdog_timer_->After(kWatchdogMs, [this, gen] {
    if (gen == generation_) OnWatchdog();
  });
}

int64_t Feed::stale_after_ms() const noexcept {
  return std::min<int64_t>(kHeartbeatTimeoutMs, ctx_.venue->idle_timeout_ms);
}

void Feed::OnWatchdog() noexcept {
  if (!connected_) return;
  // Heartbeats arrive every second on a live connection, whatever the books do: silence means
  // the stream is dead even if the socket still answers pings. Counting frames between ticks
  // keeps the clock off the frame path (the timer measures the time).
  quiet_ticks_ = frames_ == frames_at_tick_ ? quiet_ticks_ + 1 : 0;
  frames_at_tick_ = frames_;
  if (quiet_ticks_ * kWatchdogMs >= stale_after_ms()) {
    for (int i = 0; i < books_->size(); ++i)
      tracker_.MarkUnusable(ctx_.publisher, ctx_.counters, ctx_.id, Inst(i), FeedState::kStale);
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: no frame (not even a heartbeat) for %lld ms; reconnecting",
                  ctx_.venue->name.c_str(), static_cast<long long>(quiet_ticks_ * kWatchdogMs));
    ws_->Reconnect("market data stale");
    return;
  }
  const int64_t now = MonoNow().value;
  for (size_t i = 0; i < awaiting_.size(); ++i) {
    if (awaiting_[i] == 0 || now - awaiting_since_[i] < kSnapshotDeadlineMs * 1'000'000) continue;
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s %s: no level2 snapshot %lld ms after subscribing; reconnecting",
                  ctx_.venue->name.c_str(), books_->product(static_cast<int>(i)).c_str(),
                  static_cast<long long>(kSnapshotDeadlineMs));
    ctx_.counters->Add(ctx_.counters->resyncs);
    ws_->Reconnect("no level2 snapshot after subscribing");
    return;
  }
  ArmWatchdog();
}

}  // namespace hs::coinbase
