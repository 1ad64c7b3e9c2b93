// hs::coinbase — Coinbase Advanced Trade order entry (ORDERS.md §2): intents → REST
// POST /api/v3/brokerage/orders on a persistent keep-alive connection (coinbase_http.h), acks
// and refusals from the replies, fills from the websocket `user` channel, balances from
// GET /api/v3/brokerage/accounts.
//
// Requests. The body is {"client_order_id":"hs<id>","product_id","side":"BUY"|"SELL",
// "order_configuration":{...}} with decimals as strings at the symbol's precision (never
// rounded: an intent off the tick or lot is refused locally). IOC → sor_limit_ioc {base_size,
// limit_price}; FOK → limit_limit_fok; GTC → limit_limit_gtc {base_size, limit_price,
// post_only} (post_only from set_gtc_post_only; the core sends IOC today).
//
// Auth. Every request carries "Authorization: Bearer <JWT>" (ES256, jwt_es256.h). A JWT names
// one "<METHOD> <host><path>" and lives 120 s, but Coinbase asks for "a different JWT for each
// unique API request" (ORDERS.md §2.3): we do not reuse tokens. Instead a JwtPool per uri keeps
// up to kJwtPoolSize tokens signed ahead, each used once, refilled by a cold timer on the venue
// thread (one signature every kJwtRefillMs, ~75 µs of CPU each as measured by coinbase_orders_benchmark:
// 100 tokens/s, well above the 30 req/s budget, for under 1% of the venue thread) and
// re-signed when older than kJwtMaxAgeS. The order path only copies a ready token; if the pool
// is ever empty it signs inline (counted as jwt_inline_signs, slow but correct). The simulator
// refuses a nonce it has seen, so a reuse bug shows up in the loopback tests.
//
// Replies → ExecReports: success → kAck (venue order id = the UUID's first 16 hex digits as an
// integer, diagnostics only; the text is kept for cancels); success:false → kRejected kVenue
// with venue_code = FailureCode(failure reason); 429 → kRejected kRateLimited; other 4xx →
// kRejected kVenue with the HTTP status as code; 5xx (venue_code = the status), an unreadable
// 200, or a connection lost after the request was written → kUnknown. In-flight bookkeeping is
// the shared venues::InFlightTable. The `user` channel carries cumulative quantities: each
// update whose cumulative_quantity grew is one kFill of the difference (FillDelta: quote = the
// cumulative quote less what was reported, exactly as the venue books it from
// total_value_after_fees and total_fees; fee = total_fees difference, in the quote asset); a
// repeated or late message changes nothing. FILLED closes with the last fill; CANCELLED /
// EXPIRED (an IOC remainder) close with kCanceled; FAILED without fills is kRejected.
//
// Unknown orders. No create reply within [execution] ack_timeout_ms, a 5xx, a lost request, or
// a drop of the user stream (every order in flight) makes an order kUnknown, not final
// (counted unknown_orders). An ack timeout while requests wait on the REST connection also
// reconnects it: responses come in request order, so none can follow the missing one (the
// requests still waiting are reported lost, i.e. unknown, and queried). A cold timer (100 ms) expires acks and, while ready, sends due
// queries with backoff (query_backoff_ms doubling, query_attempts; counted order_queries),
// signed with the same ES256 JWTs: with the order id known (create reply or user update),
// GET orders/historical/{order_id} (404 → not found); without it (the create reply was lost)
// GET orders/historical/batch?product_ids=<product>&start_date=<sent − 60 s>&limit=1000,
// matched on client_order_id (Coinbase has no lookup by client_order_id; the fills listing
// would miss an order that never filled). The answer's cumulative numbers go through the
// same FillDelta; terminal → final, OPEN → live (kAck if the core was never told); no such
// order → kRejected RejectReason::kNotFound. A late create ack of an unknown order is
// reported (kAck) but the order stays unknown until the query: the ack says nothing of fills
// that may have gone by on a dropped user stream.
//
// Recovery: an intent with `query` set (an order an earlier session sent and never saw end) is
// adopted as unknown, before the session is ready too, and settled by the query above from
// zero; with no order id known it is looked up in the product's historical orders without a
// start date (it may have been sent long before this session). One the query finds OPEN is
// canceled. With SetCancelAllOnConnect the first ready runs CancelAll and holds the queries
// until it finished.
//
// Cancel. Coinbase cancels only through batch_cancel {order_ids:[...]}; Cancel(client
// id) finds the venue id in the in-flight table (learned from the ack or a user update).
// CancelAll() lists open orders (GET orders/historical/batch?order_status=OPEN) and batch-
// cancels them. Coinbase queries by order id only: FindByClientId() answers from the in-flight
// table when it can, otherwise lists historical orders and matches client_order_id.
// There is no dead man's switch on Coinbase (ORDERS.md §2.5).
//
// Rate limit: a token bucket of kRestPerSecond (30 private requests/s per user, §2.6); an
// order that would leave fewer than kCancelReserve tokens is refused locally (kRateLimited)
// before the venue would answer 429, so cancels keep room. A 429 on a create (the order is
// kRejected kRateLimited, venue_code 429) empties the bucket and refuses new orders locally for
// kVenueLimitBackoffNs (RateBudget::OnVenueLimit); every refusal of either kind counts
// rate_limited.
//
// Orders count as connected once the REST connection is open, the user channel is subscribed
// and one accounts snapshot arrived. Owned by the venue thread; the order path (OnIntent and the
// reply/user handlers) allocates nothing and never logs unthrottled.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/runtime/log.h"
#include "venues/coinbase/coinbase_http.h"
#include "venues/common/jwt_es256.h"
#include "venues/common/order_session.h"
#include "venues/common/parse_status.h"
#include "venues/common/symbol_table.h"
#include "venues/common/venue_thread.h"
#include "venues/common/ws_client.h"

namespace hs::coinbase {

using venues::ParseStatus;

inline constexpr std::string_view kOrdersPath = "/api/v3/brokerage/orders";
inline constexpr std::string_view kBatchCancelPath = "/api/v3/brokerage/orders/batch_cancel";
inline constexpr std::string_view kAccountsPath = "/api/v3/brokerage/accounts";
inline constexpr std::string_view kHistoricalPath = "/api/v3/brokerage/orders/historical/";
inline constexpr std::string_view kHistoricalBatchPath = "/api/v3/brokerage/orders/historical/batch";
inline constexpr int kRestPerSecond = 30;
inline constexpr int kCancelReserve = 3;
// After a 429 no new order is sent for this long (the venue's window is one second).
inline constexpr int64_t kVenueLimitBackoffNs = 1'000'000'000;
inline constexpr int kJwtPoolSize = 32;
inline constexpr int64_t kJwtRefillMs = 10;
inline constexpr int64_t kJwtMaxAgeS = 90;  // of the 120 s life: room for clock skew and queueing
inline constexpr size_t kMaxJwtBytes = 1024;
inline constexpr int kMaxUserOrders = 64;  // orders per user-channel envelope (snapshots batch 50)

// Client ids are the shared "hs<digits>" text (venues/common/order_session.h).
using venues::FormatClientId;
using venues::ParseClientId;
// A failure reason → a stable small code for ExecReport::venue_code (index in the known list,
// 1-based; 0 = empty or unknown text).
int32_t FailureCode(std::string_view reason) noexcept;
const char* FailureName(int32_t code) noexcept;

// Renders requests. Pure (no I/O, no clock); used on the hot path, by tests and benchmarks.
class OrderEncoder {
 public:
  void Reset(const venues::SymbolTable* symbols, std::string host) {
    symbols_ = symbols;
    host_ = std::move(host);
  }
  void set_gtc_post_only(bool v) noexcept { gtc_post_only_ = v; }
  // The JSON body for an intent. Returns its length; 0 when it cannot be rendered exactly
  // (unknown instrument, price/qty off the symbol's precision or not positive, no room).
  size_t EncodeBody(const OrderIntent& in, char* out, size_t cap) const noexcept;
  // The whole HTTP/1.1 request (POST kOrdersPath, Host, Authorization: Bearer jwt, JSON body).
  size_t EncodeOrder(const OrderIntent& in, std::string_view jwt, char* out, size_t cap) const noexcept;
  // POST kBatchCancelPath with {"order_ids":[...]}; 0 when it does not fit.
  size_t EncodeBatchCancel(const std::string_view* order_ids, int n, std::string_view jwt, char* out,
                           size_t cap) const noexcept;
  // "<METHOD> <host><path>" — the JWT uri claim for a path on this host (no query string).
  std::string Uri(std::string_view method, std::string_view path) const;
  const std::string& host() const noexcept { return host_; }

 private:
  size_t Frame(std::string_view path, std::string_view jwt, const char* body, size_t body_len, char* out,
               size_t cap) const noexcept;
  const venues::SymbolTable* symbols_ = nullptr;
  std::string host_;
  bool gtc_post_only_ = false;
};

// Tokens for one uri, signed ahead on a cold timer and used once each (see the file comment).
class JwtPool {
 public:
  JwtPool() = default;
  void Reset(const venues::Es256Signer* signer, std::string key_name, std::string uri) {
    signer_ = signer;
    key_name_ = std::move(key_name);
    uri_ = std::move(uri);
    count_ = 0;
  }
  // Cold: drops tokens older than kJwtMaxAgeS and signs up to `max_new` new ones.
  int Refill(int64_t now_s, int max_new);
  // Hot: the newest ready token, removed from the pool; copies it into `out` (kMaxJwtBytes).
  // Returns its length, or 0 when the pool is empty (the caller may SignInline).
  size_t Take(int64_t now_s, char* out) noexcept;
  // Cold fallback: signs one token now.
  size_t SignInline(int64_t now_s, char* out);
  int size() const noexcept { return count_; }
  const std::string& uri() const noexcept { return uri_; }

 private:
  struct Token {
    int64_t signed_at_s = 0;
    uint16_t len = 0;
    char text[kMaxJwtBytes];
  };
  const venues::Es256Signer* signer_ = nullptr;
  std::string key_name_;
  std::string uri_;
  std::array<Token, kJwtPoolSize> tokens_{};
  int count_ = 0;  // tokens_[0..count_) are ready, oldest first
};

// ---- parsed messages ----

enum class UserStatus : uint8_t { kOther = 0, kPending, kOpen, kFilled, kCancelled, kExpired, kFailed, kQueued, kCancelQueued };
UserStatus ParseUserStatus(std::string_view s) noexcept;
inline bool IsTerminal(UserStatus s) noexcept {
  return s == UserStatus::kFilled || s == UserStatus::kCancelled || s == UserStatus::kExpired || s == UserStatus::kFailed;
}

// One order of a `user` channel event (views into the frame: borrowed until the next parse).
struct UserOrder {
  std::string_view order_id;
  std::string_view client_order_id;
  std::string_view status_text;
  UserStatus status = UserStatus::kOther;
  Qty cumulative_quantity;
  Qty leaves_quantity;
  Price avg_price;
  Amount total_fees;
  Amount total_value_after_fees;
  bool has_value_after_fees = false;
  bool sell = false;
};

enum class UserKind : uint8_t { kUser = 0, kSubscriptions, kHeartbeats, kError, kOther };
struct UserMsg {
  UserKind kind = UserKind::kOther;
  uint64_t sequence_num = 0;
  std::string_view message;  // kError
  int order_count = 0;
};

// The REST create-order reply.
struct CreateReply {
  bool success = false;
  std::string_view order_id;
  std::string_view client_order_id;
  std::string_view failure_reason;  // error_response.{error, new_order_failure_reason, preview_failure_reason} or top-level
  std::string_view message;
};

struct CancelResult {
  bool success = false;
  std::string_view order_id;
  std::string_view failure_reason;
};

class OrderParser {
 public:
  OrderParser();
  ~OrderParser();
  // A `user`-channel websocket frame; orders() holds msg->order_count entries.
  ParseStatus ParseUser(const char* data, size_t len, UserMsg* msg) noexcept;
  const UserOrder* orders() const noexcept { return orders_.data(); }
  // A create-order reply body (HTTP 200).
  ParseStatus ParseCreate(const char* data, size_t len, CreateReply* out) noexcept;
  // A batch_cancel reply; fills up to `cap` results, *n = how many.
  ParseStatus ParseBatchCancel(const char* data, size_t len, CancelResult* out, int cap, int* n) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::array<UserOrder, kMaxUserOrders> orders_{};
};

// Cold-path readers (allocate): accounts and order listings. `text` need not be padded.
struct AccountBalance {
  std::string currency;
  Amount available;
  Amount hold;
};
absl::StatusOr<std::vector<AccountBalance>> ParseAccounts(std::string_view text);
struct OrderInfo {
  std::string order_id;
  std::string client_order_id;
  std::string product_id;
  std::string status;
  Qty filled_size;
  Amount total_fees;
  Amount total_value_after_fees;   // quote + fees (buy) or quote - fees (sell), as the venue books it
  bool has_value_after_fees = false;
  Price average_filled_price;      // zero when absent or finer than a Price holds
};
// GET orders/historical/batch → orders; GET orders/historical/{id} → one order in "order".
absl::StatusOr<std::vector<OrderInfo>> ParseOrderList(std::string_view text);
absl::StatusOr<OrderInfo> ParseOrderQuery(std::string_view text);

// ---- the in-flight table ----

// The orders in flight on the shared venues::InFlightTable (order_session.h), plus what
// Coinbase needs per slot: the venue's order id text (cancels and queries go by it). Fills are
// FillDelta steps from the venue's cumulative numbers (cumulative_quantity, the quote derived
// from total_value_after_fees and total_fees, total_fees), from the user channel or a query.
class OrderTracker {
 public:
  static constexpr int kInFlight = venues::InFlightTable::kCapacity;
  OrderTracker(VenueId venue, const venues::SymbolTable* symbols, venues::VenuePublisher* pub,
               runtime::VenueCounters* counters)
      : venue_(venue), symbols_(symbols), pub_(pub), counters_(counters) {}

  bool CanTrack(ClientOrderId id) const noexcept { return !table_.Busy(id); }
  // `now_ns`: monotonic send time (the ack timeout runs from it).
  void Track(const OrderIntent& in, TscStamp wire, int64_t now_ns = MonoNow().value) noexcept;
  // A recovery intent (OrderIntent.query): tracked as unknown, queried at once, never sent
  // (venues::InFlightTable::Adopt; counted as unknown_orders). REQUIRES: CanTrack(in.client_id).
  void Adopt(const OrderIntent& in, int64_t now_ns = MonoNow().value) noexcept;
  enum class Outcome : uint8_t { kHandled = 0, kUnknownOrder, kAnomaly };
  // The REST reply to the create request of `id`: HTTP status and parsed body (null when the
  // body did not parse, `st` says why). 5xx or an unreadable 200: the order becomes unknown.
  Outcome OnCreateReply(ClientOrderId id, int http_status, const CreateReply* r, TscStamp recv, Nanos now) noexcept;
  // The create request will get no reply: written = it reached the socket (unknown: queried).
  void OnCreateLost(ClientOrderId id, bool written, bool halted, Nanos now) noexcept;
  Outcome OnUserOrder(const UserOrder& o, TscStamp recv, Nanos now) noexcept;
  // A query's answer for `id`: the order as the venue has it, or nullptr when the venue has no
  // such order (404 by order id, or absent from the listing): kRejected kNotFound.
  Outcome OnQueryAnswer(ClientOrderId id, const OrderInfo* info, TscStamp recv, Nanos now) noexcept;
  // Every order in flight has an unknown outcome now (the user stream dropped): kUnknown, not
  // final; they stay in flight until a query settles them.
  void OnDisconnect(Nanos now) noexcept;
  // Orders without a reply after the ack timeout become unknown. Returns how many.
  int ExpireAcks(int64_t now_ns, const venues::QueryPolicy& p, Nanos now) noexcept;
  // The venue order id of a tracked order (empty when not known yet).
  std::string_view VenueOrderId(ClientOrderId id) const noexcept;
  int active() const noexcept { return table_.live(); }
  venues::InFlightTable& table() noexcept { return table_; }
  const venues::InFlightTable& table() const noexcept { return table_; }

 private:
  struct Extra {
    bool acked = false;
    uint8_t venue_id_len = 0;
    char venue_id[64] = {};
  };
  static size_t Slot(ClientOrderId id) noexcept { return static_cast<size_t>(id.value % kInFlight); }
  venues::InFlightEntry* Find(std::string_view client_order_id) noexcept;
  void SetVenueId(venues::InFlightEntry* e, std::string_view id) noexcept;
  void Heard(venues::InFlightEntry* e) noexcept;
  void Release(venues::InFlightEntry* e) noexcept;
  void MakeUnknown(venues::InFlightEntry* e, TscStamp recv, Nanos now, int32_t code) noexcept;
  // Cumulative numbers (user channel or query) → reports.
  Outcome Apply(venues::InFlightEntry* e, Qty cum, Amount value_after_fees, bool has_value, Amount fees, Price avg,
                UserStatus status, TscStamp recv, Nanos now) noexcept;

  VenueId venue_;
  const venues::SymbolTable* symbols_;
  venues::VenuePublisher* pub_;
  runtime::VenueCounters* counters_;
  venues::InFlightTable table_;
  std::array<Extra, kInFlight> extra_{};
};

// A token bucket over MonoNow (ns). Pure given the times handed in.
class RateBudget {
 public:
  explicit RateBudget(int per_second = kRestPerSecond) : per_second_(per_second), tokens_milli_(per_second * 1000) {}
  // Takes one token if more than `reserve` remain after refilling to now_ns. While backing
  // off (OnVenueLimit) only calls with reserve 0 (cancels) may take one.
  bool TryTake(int64_t now_ns, int reserve) noexcept;
  // The venue answered 429: the bucket is emptied and new orders wait until now_ns + backoff_ns.
  void OnVenueLimit(int64_t now_ns, int64_t backoff_ns) noexcept;
  bool blocked(int64_t now_ns) const noexcept { return now_ns < blocked_until_ns_; }
  int tokens() const noexcept { return static_cast<int>(tokens_milli_ / 1000); }

 private:
  int per_second_;
  int64_t tokens_milli_;
  int64_t last_ns_ = 0;
  int64_t blocked_until_ns_ = 0;
};

class Orders final : public venues::WsListener, public HttpListener {
 public:
  Orders(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state);
  ~Orders();

  absl::Status Init();
  void Start() noexcept;
  void Stop() noexcept;
  void OnIntent(const OrderIntent& in) noexcept;
  bool connected() const noexcept { return ready_; }
  // Recovery (cold, before Start): CancelAll on the first transition to ready; queries of
  // adopted orders wait until it finished.
  void SetCancelAllOnConnect(bool on) noexcept { cancel_all_on_connect_ = on; }

  // Cancels one tracked order through batch_cancel. False when its venue id is not known yet,
  // the budget is spent or the request could not be queued.
  bool Cancel(ClientOrderId id) noexcept;
  // Lists the account's open orders and batch-cancels them (cold; for the kill path). `done`
  // gets how many the venue confirmed canceled, or the error.
  void CancelAll(std::function<void(absl::StatusOr<int>)> done = {});
  // Fetches the accounts again and publishes them (reconciliation; cold). True when it left.
  bool RequestBalances() noexcept;
  // GET orders/historical/{order_id} (cold).
  void QueryOrder(const std::string& order_id, std::function<void(absl::StatusOr<OrderInfo>)> done);
  // The order with this client id: from the in-flight table (then queried by venue id), else
  // by listing historical orders (cold). NotFound when neither knows it.
  void FindByClientId(ClientOrderId id, std::function<void(absl::StatusOr<OrderInfo>)> done);

  // WsListener (the user channel).
  void OnWsOpen() noexcept override;
  void OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept override;
  void OnWsClosed(std::string_view reason) noexcept override;
  // HttpListener (the REST connection).
  void OnHttpOpen() noexcept override;
  void OnHttpResponse(uint64_t tag, int status, char* body, size_t len, TscStamp recv) noexcept override;
  void OnHttpLost(uint64_t tag, bool written) noexcept override;
  void OnHttpClosed() noexcept override;

  // User-channel frames (also the entry point for tests).
  void OnUserMessage(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept;

  uint64_t jwt_inline_signs() const noexcept { return jwt_inline_signs_; }
  const OrderTracker& tracker() const noexcept { return tracker_; }
  OrderTracker& tracker() noexcept { return tracker_; }

 private:
  // Tags on the REST connection: orders carry their client id; other requests set the top bit.
  static constexpr uint64_t kCancelTag = 1ull << 63;
  void Reject(const OrderIntent& in, RejectReason why) noexcept;
  void UpdateReady() noexcept;
  void RefillJwts() noexcept;
  void FetchAccounts(bool recheck = false) noexcept;
  void SubscribeUser() noexcept;
  void ColdRequest(const std::string& method, const std::string& path_and_query, std::string body,
                   std::function<void(int, std::string)> done);
  void CountBad(const char* which, ParseStatus st, size_t len) noexcept;
  void Note(OrderTracker::Outcome o) noexcept;
  void ScheduleSweep() noexcept;
  void Sweep() noexcept;
  void CancelAdoptedOpen() noexcept;
  void SendQuery(const venues::InFlightEntry& e) noexcept;
  int64_t NowS() const noexcept { return WallNow().value / 1'000'000'000; }

  venues::VenueContext ctx_;
  const venues::SymbolTable* symbols_;
  std::function<void()> on_state_;
  OrderEncoder encoder_;
  OrderTracker tracker_;
  OrderParser parser_;
  RateBudget budget_;
  std::unique_ptr<venues::Es256Signer> signer_;
  std::string key_name_;
  std::string rest_base_;
  JwtPool order_jwts_;
  JwtPool cancel_jwts_;
  std::unique_ptr<HttpSession> rest_;
  std::unique_ptr<venues::WsClient> user_ws_;
  std::unique_ptr<venues::Timer> jwt_timer_;
  std::unique_ptr<venues::Timer> sweep_timer_;
  venues::QueryPolicy policy_;
  uint64_t stop_generation_ = 0;  // bumps on Stop(): pending query answers and timers end
  std::unique_ptr<char[]> buf_;
  char jwt_buf_[kMaxJwtBytes];
  bool rest_open_ = false;
  bool user_subscribed_ = false;
  bool balances_known_ = false;
  bool ready_ = false;
  bool cancel_all_on_connect_ = false;
  bool hold_queries_ = false;  // the cancel-all on connect is under way: queries wait for it
  uint64_t user_generation_ = 0;
  uint64_t jwt_inline_signs_ = 0;
  runtime::RateLimited log_limit_;
};

}  // namespace hs::coinbase
