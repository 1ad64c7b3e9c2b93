#include "venues/kraken/kraken_feed.h"

#include <algorithm>

#include "venues/common/text_writer.h"
#include "venues/common/url.h"
#include "venues/kraken/kraken_wire.h"

namespace hs::kraken {

using venues::BookEvent;

Feed::Feed(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state)
    : ctx_(ctx), symbols_(symbols), on_state_(std::move(on_state)) {
  depth_ = ctx_.venue != nullptr && ctx_.venue->depth > 0 ? ctx_.venue->depth : kDefaultDepth;
  syms_.resize(symbols_->infos().size());
  size_t symbols_text = 0;
  for (size_t i = 0; i < syms_.size(); ++i) {
    const venues::SymbolInfo& s = symbols_->infos()[i];
    // Tick and lot decimals are the pair's checksum precision (config keeps them <= 9 and 8).
    syms_[i].book = std::make_unique<Book>(depth_, std::min(s.price_decimals, 18), std::min(s.qty_decimals, 18));
    symbols_text += s.symbol.size() + 3;
  }
  out_cap_ = 256 + symbols_text;
  out_ = std::make_unique<char[]>(out_cap_);
}

Feed::~Feed() = default;

std::string Feed::Url() const {
  const std::string& base = ctx_.venue->market_data_url;
  auto u = venues::ParseUrl(base);
  if (u.ok() && u->target == "/" && base.find('?') == std::string::npos)
    return venues::JoinUrl(base, std::string(kWsPath));
  return base;
}

absl::Status Feed::Init() {
  const std::string& name = ctx_.venue->name;
  if (!IsValidDepth(depth_))
    return absl::InvalidArgumentError("venue " + name + ": depth = " + std::to_string(depth_) +
                                      " is not a Kraken book depth (10, 25, 100, 500 or 1000; 0 = 10)");
  for (size_t i = 0; i < syms_.size(); ++i) {
    const venues::SymbolInfo& s = symbols_->infos()[i];
    for (char c : s.symbol) {
      if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
        return absl::InvalidArgumentError("venue " + name + ": symbol '" + s.symbol +
                                          "' has a character a Kraken pair name cannot have");
    }
    syms_[i].timer = std::make_unique<venues::Timer>(*ctx_.ioc);
  }
  venues::WsOptions o;
  o.url = Url();
  o.name = name + " md";
  o.idle_timeout_ms = ctx_.venue->idle_timeout_ms;
  o.reconnect_min_ms = ctx_.venue->reconnect_min_ms;
  o.reconnect_max_ms = ctx_.venue->reconnect_max_ms;
  o.ca_file = ctx_.ca_file;
  if (out_cap_ > o.send_slot_bytes) o.send_slot_bytes = out_cap_;
  idle_timeout_ns_ = ctx_.venue->idle_timeout_ms * 1'000'000;
  ping_interval_ns_ = std::max<int64_t>(idle_timeout_ns_ / 3, 50'000'000);
  // A resync (unsubscribe, ack, subscribe, snapshot) takes a few round trips; give it the idle
  // timeout, at least 2 s, before reconnecting.
  resync_timeout_ns_ = std::max<int64_t>(idle_timeout_ns_, 2'000'000'000);
  housekeeping_ = std::make_unique<venues::Timer>(*ctx_.ioc);
  ws_ = std::make_unique<venues::WsClient>(*ctx_.ioc, o, this, ctx_.log);
  return ws_->Init();
}

void Feed::Start() noexcept { ws_->Start(); }

void Feed::Stop() noexcept {
  if (housekeeping_) housekeeping_->Cancel();
  for (auto& s : syms_)
    if (s.timer) s.timer->Cancel();
  if (ws_) ws_->Stop();
}

bool Feed::SendRequest(std::string_view method, int sym, int64_t req_id) noexcept {
  // {"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":10,"snapshot":true},"req_id":7}
  if (!ws_) return false;  // not initialised (tests, replay): nothing to send to
  venues::TextWriter w(out_.get(), out_cap_);
  w.Str("{\"method\":\"").Str(method).Str("\",\"params\":{\"channel\":\"book\",\"symbol\":[");
  bool first = true;
  for (size_t i = 0; i < syms_.size(); ++i) {
    if (sym >= 0 && static_cast<int>(i) != sym) continue;
    if (!first) w.Char(',');
    first = false;
    w.Char('"').Str(symbols_->infos()[i].symbol).Char('"');
  }
  w.Str("],\"depth\":").U64(static_cast<uint64_t>(depth_));
  if (method == kMethodSubscribe) w.Str(",\"snapshot\":true");
  w.Str("},\"req_id\":").I64(req_id).Char('}');
  if (!w.ok() || !ws_->Send(w.view())) {
    if (log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: could not send %.*s (%s)", ctx_.venue->name.c_str(),
                    static_cast<int>(method.size()), method.data(), w.ok() ? "send queue full or closed" : "too long");
    return false;
  }
  return true;
}

void Feed::Subscribe(int sym) noexcept {
  const int64_t id = next_req_id_++;
  const int64_t now = MonoNow().value;
  for (size_t i = 0; i < syms_.size(); ++i) {
    if (sym >= 0 && static_cast<int>(i) != sym) continue;
    syms_[i].sub = Sub::kSubscribing;
    syms_[i].req_id = id;
    syms_[i].waiting_since_ns = now;
    syms_[i].book->Reset();
  }
  // A failed send leaves the symbols waiting: the watchdog reconnects if it never completes.
  (void)SendRequest(kMethodSubscribe, sym, id);
}

void Feed::Unsubscribe(int sym) noexcept {
  SymbolState& s = syms_[static_cast<size_t>(sym)];
  s.sub = Sub::kUnsubscribing;
  s.req_id = next_req_id_++;
  s.waiting_since_ns = MonoNow().value;
  s.book->Reset();
  (void)SendRequest(kMethodUnsubscribe, sym, s.req_id);
}

void Feed::OnWsOpen() noexcept {
  connected_ = true;
  ctx_.counters->md_connected.store(true, std::memory_order_relaxed);
  ctx_.log->Log(runtime::LogLevel::kInfo, "%s: market data connected to %s, subscribing %zu book(s) at depth %d",
                ctx_.venue->name.c_str(), ws_ ? ws_->url().c_str() : "-", syms_.size(), depth_);
  const int64_t now = MonoNow().value;
  last_rx_ns_ = now;
  last_ping_ns_ = now;
  for (auto& s : syms_) {
    s.attempts = 0;
    if (s.timer) s.timer->Cancel();
  }
  Subscribe(-1);
  ArmHousekeeping();
  if (on_state_) on_state_();
}

void Feed::OnWsClosed(std::string_view reason) noexcept {
  connected_ = false;
  ctx_.counters->md_connected.store(false, std::memory_order_relaxed);
  ctx_.counters->Add(ctx_.counters->disconnects);
  if (housekeeping_) housekeeping_->Cancel();
  for (size_t i = 0; i < syms_.size(); ++i) {
    tracker_.MarkUnusable(ctx_.publisher, ctx_.counters, ctx_.id, Inst(static_cast<int>(i)), FeedState::kDisconnected);
    syms_[i].sub = Sub::kIdle;
    syms_[i].book->Reset();
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
  last_rx_ns_ = MonoNow().value;
  Message m;
  const ParseStatus st = parser_.Parse(data, len, &m);
  if (st == ParseStatus::kUnknown) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return;
  }
  if (st != ParseStatus::kOk) return venues::CountMalformedFrame(ctx_, &log_limit_, st, len);
  switch (m.kind) {
    case MessageKind::kBookSnapshot:
    case MessageKind::kBookUpdate:
      return OnBook(m, recv, recv_time);
    case MessageKind::kSubscribeAck:
    case MessageKind::kUnsubscribeAck:
      return OnAck(m);
    case MessageKind::kStatus:
      return OnStatus(m);
    case MessageKind::kHeartbeat:
    case MessageKind::kPong:
      return;  // liveness only (last_rx_ns_ above)
  }
}

void Feed::OnBook(const Message& m, TscStamp recv, Nanos recv_time) noexcept {
  const bool snapshot = m.kind == MessageKind::kBookSnapshot;
  bool applied = false;
  for (int k = 0; k < m.entry_count; ++k) {
    const BookEntry& e = m.entries[k];
    const int sym = symbols_->Find(e.symbol);
    if (sym < 0) {
      ctx_.counters->Add(ctx_.counters->unknown_messages);
      continue;
    }
    SymbolState& s = syms_[static_cast<size_t>(sym)];
    // Only the subscription in progress may (re)build the book: a snapshot that was in flight
    // when we unsubscribed would make a book usable that then receives no updates.
    if (snapshot ? (s.sub != Sub::kSubscribing && s.sub != Sub::kLive) : s.sub != Sub::kLive) {
      ctx_.counters->Add(ctx_.counters->stale_dropped);
      continue;
    }
    const BookEvent ev = snapshot ? s.book->OnSnapshot(e) : s.book->OnUpdate(e);
    switch (ev) {
      case BookEvent::kSnapshot:
        s.sub = Sub::kLive;
        s.attempts = 0;
        s.waiting_since_ns = 0;
        ctx_.counters->Add(ctx_.counters->book_updates);
        tracker_.MarkSynced(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym));
        tracker_.PublishTop(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym), s.book->book(), s.book->validated(),
                            e.timestamp, recv, recv_time);
        applied = true;
        if (log_limit_.Allow())
          ctx_.log->Log(runtime::LogLevel::kInfo, "%s %s: book synced (checksum %u)", ctx_.venue->name.c_str(),
                        Name(sym), s.book->checksum());
        break;
      case BookEvent::kApplied:
        ctx_.counters->Add(ctx_.counters->book_updates);
        tracker_.PublishTop(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym), s.book->book(), s.book->validated(),
                            e.timestamp, recv, recv_time);
        applied = true;
        break;
      case BookEvent::kResyncNeeded:
      case BookEvent::kIgnored:
        ctx_.counters->Add(ctx_.counters->stale_dropped);
        break;
      default:
        Fail(sym, ev, s.book->detail());
        break;
    }
  }
  if (applied) ctx_.counters->parse_ns.Record(TscClock::Elapsed(recv, TscNow()));
}

void Feed::Fail(int sym, BookEvent e, const std::string& why) noexcept {
  SymbolState& s = syms_[static_cast<size_t>(sym)];
  tracker_.MarkUnusable(ctx_.publisher, ctx_.counters, ctx_.id, Inst(sym), venues::FailureState(e));
  ctx_.counters->Add(ctx_.counters->resyncs);
  if (log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s %s: %s (%s); resyncing (unsubscribe + subscribe)",
                  ctx_.venue->name.c_str(), Name(sym), venues::BookEventName(e), why.c_str());
  if (s.attempts == 0) {
    ++s.attempts;
    return Unsubscribe(sym);
  }
  // Failing again right after a resync: back off before asking again (a venue in trouble, or
  // a precision that does not match the venue's, would otherwise be hammered).
  const int64_t delay = std::min<int64_t>(ctx_.venue->reconnect_max_ms, int64_t{100} << std::min(s.attempts, 8));
  ++s.attempts;
  s.sub = Sub::kUnsubscribing;  // nothing applies until the delayed resync runs
  s.req_id = 0;
  s.waiting_since_ns = MonoNow().value + delay * 1'000'000;
  s.book->Reset();
  if (s.timer)
    s.timer->After(delay, [this, sym] {
      if (connected_ && syms_[static_cast<size_t>(sym)].sub == Sub::kUnsubscribing) Unsubscribe(sym);
    });
}

int Feed::SymbolForAck(const Message& m) const noexcept {
  if (!m.symbol.empty()) return symbols_->Find(m.symbol);
  if (m.req_id <= 0) return -1;
  for (size_t i = 0; i < syms_.size(); ++i)
    if (syms_[i].req_id == m.req_id) return static_cast<int>(i);
  return -1;
}

void Feed::OnAck(const Message& m) noexcept {
  const int sym = SymbolForAck(m);
  if (sym < 0) {
    if (!m.success && log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: request %lld failed: %.*s", ctx_.venue->name.c_str(),
                    static_cast<long long>(m.req_id), static_cast<int>(m.error.size()), m.error.data());
    return;
  }
  SymbolState& s = syms_[static_cast<size_t>(sym)];
  if (m.kind == MessageKind::kUnsubscribeAck) {
    // Success, or "Subscription Not Found" (already gone): either way subscribe again now.
    if (s.sub == Sub::kUnsubscribing) Subscribe(sym);
    return;
  }
  if (m.success || s.sub != Sub::kSubscribing) return;  // the snapshot follows a success
  if (m.error.find("lready subscribed") != std::string_view::npos) {
    // The venue still holds the old subscription: go round again.
    Unsubscribe(sym);
    return;
  }
  s.sub = Sub::kRefused;
  ctx_.log->Log(runtime::LogLevel::kError, "%s %s: subscription refused: %.*s (the book stays unusable)",
                ctx_.venue->name.c_str(), Name(sym), static_cast<int>(m.error.size()), m.error.data());
}

void Feed::OnStatus(const Message& m) noexcept {
  if (m.system.empty() || m.system == system_) return;
  system_.assign(m.system);
  ctx_.log->Log(m.system == "online" ? runtime::LogLevel::kInfo : runtime::LogLevel::kWarn,
                "%s: venue system status %s", ctx_.venue->name.c_str(), system_.c_str());
}

void Feed::ArmHousekeeping() noexcept {
  if (!housekeeping_) return;
  const int64_t ms = std::clamp<int64_t>(ctx_.venue->idle_timeout_ms / 4, 25, 1000);
  housekeeping_->After(ms, [this] { Housekeeping(); });
}

void Feed::Housekeeping() noexcept {
  if (!connected_) return;
  const int64_t now = MonoNow().value;
  if (now - last_rx_ns_ > idle_timeout_ns_) {
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: no market data for %lld ms; reconnecting", ctx_.venue->name.c_str(),
                  static_cast<long long>((now - last_rx_ns_) / 1'000'000));
    ws_->Reconnect("market data stalled");
    return;
  }
  for (size_t i = 0; i < syms_.size(); ++i) {
    const SymbolState& s = syms_[i];
    if ((s.sub == Sub::kSubscribing || s.sub == Sub::kUnsubscribing) && s.waiting_since_ns != 0 &&
        now - s.waiting_since_ns > resync_timeout_ns_) {
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s %s: no snapshot %lld ms after subscribing; reconnecting",
                    ctx_.venue->name.c_str(), Name(static_cast<int>(i)),
                    static_cast<long long>((now - s.waiting_since_ns) / 1'000'000));
      ws_->Reconnect("resync did not complete");
      return;
    }
  }
  if (now - last_ping_ns_ >= ping_interval_ns_) {
    last_ping_ns_ = now;
    venues::TextWriter w(out_.get(), out_cap_);
    w.Str("{\"method\":\"ping\",\"req_id\":").I64(next_req_id_++).Char('}');
    if (ws_) (void)ws_->Send(w.view());
  }
  ArmHousekeeping();
}

}  // namespace hs::kraken
