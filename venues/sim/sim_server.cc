#include "venues/sim/sim_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>

#include "core/base/decimal.h"
#include "venues/common/signing.h"
#include "venues/common/url.h"

namespace hs::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

namespace {

constexpr size_t kMaxQueued = 20'000;  // a peer this far behind is disconnected, as venues do

class WsSession : public Peer, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(tcp::socket&& s, Server* server) : ws_(std::move(s)), server_(server) {}

  void Accept(http::request<http::string_body> req) {
    target = std::string(req.target());
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(1u << 20);
    auto self = shared_from_this();
    ws_.async_accept(req, [self](beast::error_code ec) {
      if (ec) return;
      self->open_ = true;
      self->server_->AddPeer(self.get());
      self->server_->protocol(self->venue)->OnOpen(*self);
      self->Read();
    });
  }

  void Send(std::string text) override { Queue(std::move(text), false); }
  void SendBinary(std::string bytes) override { Queue(std::move(bytes), true); }
  void Close() override {
    if (!open_) return;
    Finish();
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).socket().close(ec);
  }
  bool open() const override { return open_; }

 private:
  void Queue(std::string s, bool binary) {
    if (!open_) return;
    if (q_.size() >= kMaxQueued) return Close();
    q_.emplace_back(std::move(s), binary);
    if (!writing_) Write();
  }

  void Write() {
    writing_ = true;
    ws_.binary(q_.front().second);
    auto self = shared_from_this();
    ws_.async_write(asio::buffer(q_.front().first), [self](beast::error_code ec, size_t) {
      self->q_.pop_front();
      self->writing_ = false;
      if (ec) return self->Finish();
      if (!self->q_.empty() && self->open_) self->Write();
    });
  }

  void Read() {
    auto self = shared_from_this();
    ws_.async_read(buf_, [self](beast::error_code ec, size_t) {
      if (ec) return self->Finish();
      const std::string text = beast::buffers_to_string(self->buf_.data());
      self->buf_.consume(self->buf_.size());
      self->server_->protocol(self->venue)->OnText(*self, text);
      if (self->open_) self->Read();
    });
  }

  void Finish() {
    if (!open_) return;
    open_ = false;
    server_->RemovePeer(this);
    server_->protocol(venue)->OnClose(*this);
  }

  websocket::stream<beast::tcp_stream> ws_;
  Server* server_;
  beast::flat_buffer buf_;
  std::deque<std::pair<std::string, bool>> q_;
  bool writing_ = false;
  bool open_ = false;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& s, Server* server, int venue) : stream_(std::move(s)), server_(server), venue_(venue) {}

  void Start() {
    stream_.expires_after(std::chrono::seconds(30));
    Read();
  }

 private:
  void OnRequest() {
    if (websocket::is_upgrade(req_)) {
      stream_.expires_never();
      auto ws = std::make_shared<WsSession>(stream_.release_socket(), server_);
      ws->venue = venue_;
      ws->Accept(std::move(req_));
      return;
    }
    HttpResult r;
    Protocol::Headers headers;
    for (const auto& f : req_) headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    server_->HandleHttp(venue_, std::string(req_.method_string()), std::string(req_.target()), headers, req_.body(), &r);
    if (r.no_reply || silent_) {
      // No answer now, and none after it on this connection (HttpResult::no_reply): read on.
      silent_ = true;
      stream_.expires_never();
      req_ = {};
      return Read();
    }
    // Keep-alive when the client asks for it (HTTP/1.1 default): Coinbase order entry keeps one
    // connection; one-shot clients close theirs.
    const bool keep = req_.keep_alive();
    res_ = {};
    res_.result(static_cast<http::status>(r.status));
    res_.version(req_.version());
    res_.set(http::field::server, "homeostat-sim");
    res_.set(http::field::content_type, r.content_type);
    res_.keep_alive(keep);
    res_.body() = std::move(r.body);
    res_.prepare_payload();
    auto self = shared_from_this();
    http::async_write(stream_, res_, [self, keep](beast::error_code ec, size_t) {
      if (!ec && keep) {
        self->req_ = {};
        return self->Start();
      }
      beast::error_code ignore;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignore);
    });
  }

  void Read() {
    auto self = shared_from_this();
    http::async_read(stream_, buf_, req_, [self](beast::error_code ec, size_t) {
      if (ec) return;
      self->OnRequest();
    });
  }

  beast::tcp_stream stream_;
  Server* server_;
  int venue_;
  bool silent_ = false;  // a response was withheld: nothing more is written on this connection
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

class ControlSession : public std::enable_shared_from_this<ControlSession> {
 public:
  ControlSession(asio::local::stream_protocol::socket s, Server* server) : sock_(std::move(s)), server_(server) {}
  void Start() { Read(); }

 private:
  void Read() {
    auto self = shared_from_this();
    asio::async_read_until(sock_, buf_, '\n', [self](beast::error_code ec, size_t n) {
      if (ec) return;
      std::string line(static_cast<const char*>(self->buf_.data().data()), n);
      self->buf_.consume(n);
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
      self->out_ = self->server_->HandleControl(line) + "\n";
      asio::async_write(self->sock_, asio::buffer(self->out_), [self](beast::error_code ec2, size_t) {
        if (!ec2) self->Read();
      });
    });
  }
  asio::local::stream_protocol::socket sock_;
  Server* server_;
  asio::streambuf buf_;
  std::string out_;
};

}  // namespace

struct Server::Impl {
  explicit Impl(asio::io_context& io) : ioc(io), clock(io) {}
  asio::io_context& ioc;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::unique_ptr<asio::local::stream_protocol::acceptor> control;
  std::string control_path;
  asio::steady_timer clock;
  bool stopped = false;
};

Server::Server(asio::io_context& ioc, const SimConfig& cfg, Market* market)
    : impl_(std::make_unique<Impl>(ioc)), cfg_(cfg), market_(market) {
  std::vector<std::string> assets;
  for (const auto& a : cfg.base.assets) assets.push_back(a.name);
  for (const auto& v : cfg.base.venues) {
    accounts_.emplace_back(assets, cfg.accounts[v.id.value]);
    std::string k, s, p;
    venues::ReadSecretEnv(v.api_key_env, &k);
    venues::ReadSecretEnv(v.api_secret_env, &s);
    venues::ReadSecretEnv(v.passphrase_env, &p);
    keys_.push_back(k);
    secrets_.push_back(s);
    passphrases_.push_back(p);
    faults_.emplace_back();
    margins_.push_back(nullptr);
    settle_.emplace_back();
    if (v.perp()) {
      // The venue's margin account plays its rule; its wallet is the settle asset's balance.
      const auto& first = cfg.base.instruments[v.symbols.front().instrument.value];
      settle_.back() = cfg.base.assets[first.quote.value].name;
      const margin::Rule rule = v.kind == config::VenueKind::kOkx ? margin::Rule::kOkx : margin::Rule::kBybit;
      auto m = std::make_unique<MarginAccount>(rule, cfg.accounts[v.id.value].taker_fee,
                                               accounts_.back().balance(settle_.back()));
      for (const auto& sym : v.symbols) m->AddInstrument(sym.instrument.value, cfg.base.instruments[sym.instrument.value].mm_tiers);
      m->SetMode(v.margin_mode);
      if (!m->SetLeverage(v.leverage)) {
        // The venue would refuse it too (above 1 / imr of the lowest tier): it keeps 1×.
        char lev[kMaxDecimalText];
        Format(v.leverage, lev);
        std::fprintf(stderr, "homeostat-sim: venue %s: leverage %s is above what its tiers allow; it stays at 1\n",
                     v.name.c_str(), lev);
      }
      margins_.back() = std::move(m);
    }
    switch (v.kind) {
      case config::VenueKind::kBinance:
        protocols_.push_back(MakeBinanceProtocol(this, v.id.value));
        break;
      case config::VenueKind::kOkx:
        protocols_.push_back(MakeOkxProtocol(this, v.id.value));
        break;
      case config::VenueKind::kBybit:
        protocols_.push_back(MakeBybitProtocol(this, v.id.value));
        break;
      case config::VenueKind::kKraken:
        protocols_.push_back(MakeKrakenProtocol(this, v.id.value));
        break;
      case config::VenueKind::kCoinbase:
        protocols_.push_back(MakeCoinbaseProtocol(this, v.id.value));
        break;
    }
  }
  next_funding_.assign(cfg.base.instruments.size(), Nanos{0});
}

Server::~Server() {
  if (!impl_->control_path.empty()) ::unlink(impl_->control_path.c_str());
}

namespace {
void AcceptLoop(tcp::acceptor* a, Server* s, int venue) {
  a->async_accept([a, s, venue](beast::error_code ec, tcp::socket sock) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      beast::error_code ignore;
      sock.set_option(tcp::no_delay(true), ignore);
      std::make_shared<HttpSession>(std::move(sock), s, venue)->Start();
    }
    AcceptLoop(a, s, venue);
  });
}
void ControlLoop(asio::local::stream_protocol::acceptor* a, Server* s) {
  a->async_accept([a, s](beast::error_code ec, asio::local::stream_protocol::socket sock) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<ControlSession>(std::move(sock), s)->Start();
    ControlLoop(a, s);
  });
}
}  // namespace

absl::Status Server::Listen(const std::string& control_path) {
  std::map<std::string, int> port_venue;  // "host:port" → venue
  for (const auto& v : cfg_.base.venues) {
    for (const std::string& u : {v.market_data_url, v.rest_url, v.order_url}) {
      if (u.empty()) continue;
      auto url = venues::ParseUrl(u);
      if (!url.ok()) return url.status();
      if (url->tls) return absl::InvalidArgumentError("venue " + v.name + ": the simulator serves plain ws:// and http:// only, not '" + u + "'");
      const std::string key = url->host + ":" + url->port;
      auto it = port_venue.find(key);
      if (it != port_venue.end()) {
        if (it->second != v.id.value)
          return absl::InvalidArgumentError("venues " + cfg_.base.venues[static_cast<size_t>(it->second)].name + " and " +
                                            v.name + " share " + key + "; give each venue its own port");
        continue;
      }
      port_venue[key] = v.id.value;
      beast::error_code ec;
      auto addr = asio::ip::make_address(url->host == "localhost" ? "127.0.0.1" : url->host, ec);
      if (ec) return absl::InvalidArgumentError("venue " + v.name + ": cannot listen on host '" + url->host + "'");
      auto acc = std::make_unique<tcp::acceptor>(impl_->ioc);
      const tcp::endpoint ep(addr, static_cast<unsigned short>(std::stoi(url->port)));
      acc->open(ep.protocol(), ec);
      if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
      if (!ec) acc->bind(ep, ec);
      if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) return absl::UnavailableError("venue " + v.name + ": cannot listen on " + key + ": " + ec.message());
      AcceptLoop(acc.get(), this, v.id.value);
      impl_->acceptors.push_back(std::move(acc));
    }
  }
  if (!control_path.empty()) {
    ::unlink(control_path.c_str());
    impl_->control = std::make_unique<asio::local::stream_protocol::acceptor>(impl_->ioc);
    beast::error_code ec;
    const asio::local::stream_protocol::endpoint ep(control_path);
    impl_->control->open(ep.protocol(), ec);
    if (!ec) impl_->control->bind(ep, ec);
    if (!ec) impl_->control->listen(16, ec);
    if (ec) return absl::UnavailableError("control socket " + control_path + ": " + ec.message());
    ::chmod(control_path.c_str(), 0600);
    impl_->control_path = control_path;
    ControlLoop(impl_->control.get(), this);
  }
  return absl::OkStatus();
}

void Server::StartClock() {
  impl_->clock.expires_after(std::chrono::milliseconds(cfg_.tick_interval_ms));
  impl_->clock.async_wait([this](beast::error_code ec) {
    if (ec || impl_->stopped) return;
    Tick(MonoNow());
    StartClock();
  });
}

void Server::Tick(Nanos now) {
  for (const BookChange& c : market_->Step(now)) PublishChange(c);
  // Funding falls due per instrument; every venue listing it settles at the same moment.
  std::vector<bool> funding_due(next_funding_.size(), false);
  for (size_t i = 0; i < next_funding_.size(); ++i) {
    const auto& ic = cfg_.base.instruments[i];
    if (!ic.perp()) continue;
    const Nanos interval = Nanos::FromSeconds(ic.funding_interval_s);
    if (next_funding_[i].value == 0) {
      next_funding_[i] = now + interval;
    } else if (now >= next_funding_[i]) {
      funding_due[i] = true;
      // One settlement however late the tick (a stalled loop does not pay twice), then the
      // schedule goes on from where it was.
      while (next_funding_[i] <= now) next_funding_[i] = next_funding_[i] + interval;
    }
  }
  const Nanos wall = WallNow();
  for (size_t v = 0; v < margins_.size(); ++v) {
    MarginAccount* m = margins_[v].get();
    if (m == nullptr) continue;
    Protocol* proto = protocols_[v].get();
    const auto& symbols = cfg_.base.venues[v].symbols;
    for (const auto& sym : symbols) {
      const int i = sym.instrument.value;
      m->SetMark(i, market_->mark(i));
      // The protocols render nextFundingTime as wall-clock time.
      proto->OnMark(i, market_->mark(i), market_->index(i), market_->funding_rate(i),
                    wall + (next_funding_[static_cast<size_t>(i)] - now));
    }
    for (const auto& sym : symbols) {
      const int i = sym.instrument.value;
      if (!funding_due[static_cast<size_t>(i)] || m->position(i).size.is_zero()) continue;
      const Rate rate = market_->funding_rate(i);
      const Amount flow = m->SettleFunding(i, rate);
      SyncMarginWallet(static_cast<int>(v));
      proto->OnFunding(i, flow, rate);
    }
    const std::vector<MarginAccount::Liquidation> liqs = m->CheckLiquidations();
    SyncMarginWallet(static_cast<int>(v));
    for (const auto& l : liqs) proto->OnLiquidation(l);
  }
  for (auto& p : protocols_) p->OnTick(now);
}

void Server::SyncMarginWallet(int venue) {
  const MarginAccount* m = margins_[static_cast<size_t>(venue)].get();
  if (m == nullptr) return;
  accounts_[static_cast<size_t>(venue)].balances()[settle_[static_cast<size_t>(venue)]] = m->wallet();
}

void Server::Stop() {
  impl_->stopped = true;
  impl_->clock.cancel();
  beast::error_code ec;
  for (auto& a : impl_->acceptors) a->close(ec);
  if (impl_->control) impl_->control->close(ec);
  for (Peer* p : std::vector<Peer*>(peers_)) p->Close();
}

std::vector<Peer*> Server::Peers(int venue) const {
  std::vector<Peer*> out;
  for (Peer* p : peers_)
    if (p->venue == venue && p->open()) out.push_back(p);
  return out;
}

void Server::AddPeer(Peer* p) {
  p->id = next_peer_id_++;
  peers_.push_back(p);
}

void Server::RemovePeer(Peer* p) { peers_.erase(std::remove(peers_.begin(), peers_.end(), p), peers_.end()); }

void Server::PublishChange(const BookChange& c) { protocols_[static_cast<size_t>(c.venue)]->OnBookChange(c); }

bool Server::HandleHttp(int venue, const std::string& method, const std::string& target, const Protocol::Headers& headers,
                        const std::string& body, HttpResult* out) {
  return protocols_[static_cast<size_t>(venue)]->OnHttpWithHeaders(method, target, headers, body, out);
}

void Server::LogOrder(int venue, Nanos arrived, std::string_view request, std::string_view client_id,
                      const std::string& wire_fields, const std::string& outcome_fields) {
  if (order_log_ == nullptr) return;
  std::string line = "{\"time_ns\":" + std::to_string(arrived.value) + ",\"venue\":" +
                     json(cfg_.base.venues[static_cast<size_t>(venue)].name).dump() + ",\"request\":" +
                     json(std::string(request)).dump();
  if (!client_id.empty()) line += ",\"client_id\":" + json(std::string(client_id)).dump();
  line += ",\"wire\":{" + wire_fields + "}";
  if (!outcome_fields.empty()) line += "," + outcome_fields;
  line += "}\n";
  std::fwrite(line.data(), 1, line.size(), order_log_);
  std::fflush(order_log_);
}

namespace {
std::string Err(const std::string& what) { return json{{"ok", false}, {"error", what}}.dump(); }

template <typename T>
std::string Dec(T v) {
  char buf[kMaxDecimalText];
  Format(v, buf);
  return buf;
}

bool ReadLevels(const json& j, const config::InstrumentConfig& ic, std::vector<Level>* out, std::string* err) {
  if (!j.is_array()) {
    *err = "levels must be an array of [price, qty] strings";
    return false;
  }
  for (const auto& l : j) {
    if (!l.is_array() || l.size() != 2 || !l[0].is_string() || !l[1].is_string()) {
      *err = "each level must be [\"price\", \"qty\"]";
      return false;
    }
    auto px = ParseDecimal<Price>(l[0].get<std::string>());
    auto q = ParseDecimal<Qty>(l[1].get<std::string>());
    if (!px.ok() || !q.ok()) {
      *err = "bad decimal in level";
      return false;
    }
    if (!IsMultipleOf(px.value.raw(), ic.tick.raw()) || !IsMultipleOf(q.value.raw(), ic.lot.raw())) {
      *err = "level off the instrument's tick or lot";
      return false;
    }
    out->push_back({px.value, q.value});
  }
  return true;
}
}  // namespace

std::string Server::HandleControl(std::string_view line) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("cmd") || !j["cmd"].is_string())
    return Err("expected a JSON object with a string \"cmd\"");
  const std::string cmd = j["cmd"];
  auto venue_of = [&](int* out) -> bool {
    if (!j.contains("venue") || !j["venue"].is_string()) return false;
    const auto* v = cfg_.base.FindVenue(j["venue"].get<std::string>());
    if (v == nullptr) return false;
    *out = v->id.value;
    return true;
  };
  auto inst_of = [&](int* out) -> bool {
    if (!j.contains("instrument") || !j["instrument"].is_string()) return false;
    const auto* i = cfg_.base.FindInstrument(j["instrument"].get<std::string>());
    if (i == nullptr) return false;
    *out = i->id.value;
    return true;
  };
  if (cmd == "pause" || cmd == "resume") {
    market_->SetPaused(cmd == "pause");
    return json{{"ok", true}, {"paused", market_->paused()}}.dump();
  }
  if (cmd == "accounts") {
    json acc = json::object();
    for (const auto& v : cfg_.base.venues) {
      json b = json::object();
      for (const auto& [asset, amt] : accounts_[v.id.value].balances()) {
        char buf[kMaxDecimalText];
        FormatDecimal(amt.raw(), Amount::kDecimals, buf);
        b[asset] = buf;
      }
      acc[v.name] = b;
    }
    return json{{"ok", true}, {"accounts", acc}}.dump();
  }
  if (cmd == "orders") return json{{"ok", true}, {"orders", orders_received_}}.dump();
  if (cmd == "crash") {
    if (!j.contains("pct") || !j["pct"].is_number_integer())
      return Err("crash needs \"pct\": a whole percentage, 1..99");
    if (!j.contains("ms") || !j["ms"].is_number_integer())
      return Err("crash needs \"ms\": the fall's duration in milliseconds (0: at once)");
    const int64_t pct = j["pct"].get<int64_t>();
    const int64_t ms = j["ms"].get<int64_t>();
    if (pct < 1 || pct > 99) return Err("crash \"pct\" must be within 1..99, not " + std::to_string(pct));
    if (ms < 0 || ms > 86'400'000) return Err("crash \"ms\" must be within 0..86400000, not " + std::to_string(ms));
    int base = -1;
    if (j.contains("base")) {
      if (!j["base"].is_string()) return Err("crash \"base\" must be an asset name");
      const auto* a = cfg_.base.FindAsset(j["base"].get<std::string>());
      if (a == nullptr) return Err("crash: unknown asset '" + j["base"].get<std::string>() + "'");
      base = a->id.value;
    }
    const int n = market_->Crash(pct, ms, base, MonoNow());
    return json{{"ok", true}, {"instruments", n}}.dump();
  }
  if (cmd == "margin") {
    json venues = json::object();
    uint64_t total = 0;
    for (const auto& v : cfg_.base.venues) {
      const MarginAccount* m = margins_[v.id.value].get();
      if (m == nullptr) continue;
      json pos = json::object();
      for (const auto& sym : v.symbols) {
        const int i = sym.instrument.value;
        const MarginAccount::Position& p = m->position(i);
        pos[cfg_.base.instruments[static_cast<size_t>(i)].name] = {
            {"size", Dec(p.size)}, {"entry", Dec(p.entry)}, {"mark", Dec(p.mark)}, {"liq", Dec(m->liq_price(i))}};
      }
      venues[v.name] = {{"mode", MarginModeName(m->mode())},
                        {"leverage", Dec(m->leverage())},
                        {"wallet", Dec(m->wallet())},
                        {"equity", Dec(m->equity())},
                        {"maint_margin", Dec(m->maint_margin())},
                        {"liquidations", m->liquidations()},
                        {"positions", pos}};
      total += m->liquidations();
    }
    return json{{"ok", true}, {"venues", venues}, {"liquidations", total}}.dump();
  }
  if (cmd == "stats") {
    return json{{"ok", true}, {"orders", orders_received_}, {"peers", peers_.size()},
                {"dislocations", market_->dislocations()}}
        .dump();
  }
  if (cmd == "set_book") {
    int v, i;
    if (!venue_of(&v) || !inst_of(&i)) return Err("set_book needs a known \"venue\" and \"instrument\"");
    if (!market_->lists(v, i)) return Err("venue does not list that instrument");
    std::vector<Level> bids, asks;
    std::string err;
    const auto& ic = cfg_.base.instruments[static_cast<size_t>(i)];
    if (!ReadLevels(j.value("bids", json::array()), ic, &bids, &err) ||
        !ReadLevels(j.value("asks", json::array()), ic, &asks, &err))
      return Err(err);
    PublishChange(market_->SetBook(v, i, bids, asks));
    return json{{"ok", true}}.dump();
  }
  if (cmd == "dislocate") {
    int v, i;
    if (!venue_of(&v) || !inst_of(&i)) return Err("dislocate needs a known \"venue\" and \"instrument\"");
    market_->Dislocate(v, i, j.value("bps", 50), j.value("ms", 300), MonoNow());
    return json{{"ok", true}}.dump();
  }
  if (cmd == "raw") {
    int v;
    if (!venue_of(&v)) return Err("raw needs a known \"venue\"");
    int sent = 0;
    if (j.contains("text") && j["text"].is_string()) {
      for (Peer* p : Peers(v))
        if (!p->subs.empty()) {
          p->Send(j["text"].get<std::string>());
          ++sent;
        }
    } else if (j.contains("hex") && j["hex"].is_string()) {
      const std::string hex = j["hex"];
      std::string bytes;
      for (size_t k = 0; k + 1 < hex.size(); k += 2) bytes.push_back(static_cast<char>(std::stoi(hex.substr(k, 2), nullptr, 16)));
      for (Peer* p : Peers(v))
        if (!p->subs.empty()) {
          p->SendBinary(bytes);
          ++sent;
        }
    } else {
      return Err("raw needs \"text\" or \"hex\"");
    }
    return json{{"ok", true}, {"sent", sent}}.dump();
  }
  if (cmd == "fault") {
    int v;
    if (!venue_of(&v)) return Err("fault needs a known \"venue\"");
    Faults& f = faults_[static_cast<size_t>(v)];
    f.drop_next += j.value("drop", 0);
    f.corrupt_checksum_next += j.value("corrupt_checksum", 0);
    f.cross_next += j.value("cross", 0);
    if (j.contains("stall")) f.stall = j.value("stall", false);
    f.reject_orders += j.value("reject_orders", 0);
    f.partial_orders += j.value("partial_orders", 0);
    f.drop_replies += j.value("drop_replies", 0);
    f.late_replies += j.value("late_replies", 0);
    if (j.contains("late_reply_ms")) f.late_reply_ms = j.value("late_reply_ms", int64_t{0});
    f.duplicate_fills += j.value("duplicate_fills", 0);
    f.disconnect_orders += j.value("disconnect_orders", 0);
    f.rate_limit_orders += j.value("rate_limit_orders", 0);
    if (j.contains("drop_reply_every")) {
      const int every = j.value("drop_reply_every", 0);
      if (every < 0) return Err("drop_reply_every must be >= 0");
      f.drop_reply_every = every;
      f.orders_seen = 0;
    }
    if (j.contains("bias_bps")) {
      if (!j["bias_bps"].is_number_integer()) return Err("bias_bps must be an integer (bps; 0 ends the bias)");
      const int64_t bps = j["bias_bps"].get<int64_t>();
      if (bps <= -5000 || bps >= 5000) return Err("bias_bps must be within (-5000, 5000)");
      market_->SetBias(v, bps);
    }
    int closed = 0;
    if (j.value("disconnect", false)) {
      for (Peer* p : Peers(v)) {
        p->Close();
        ++closed;
      }
    }
    return json{{"ok", true}, {"disconnected", closed}}.dump();
  }
  return Err("unknown command '" + cmd + "'");
}

}  // namespace hs::sim
