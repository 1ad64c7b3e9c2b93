#include "core/app/backtest_runner.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <vector>

#include "core/app/backtest_events.h"
#include "core/app/backtest_market.h"
#include "core/app/core_params.h"
#include "core/app/feed_check.h"
#include "core/base/clock.h"
#include "core/base/decimal.h"
#include "core/config/config.h"
#include "core/engine/decision_core.h"
#include "venues/sim/sim_config.h"

namespace hs::app {

namespace {

std::string Dec(int64_t raw, int scale) {
  char b[kMaxDecimalText];
  FormatDecimal(raw, scale, b);
  return b;
}
template <typename T>
std::string Dec(T v) {
  return Dec(v.raw(), T::kDecimals);
}
std::string Q(const std::string& s) {
  std::string o;
  backtest::AppendJsonString(s, &o);
  return o;
}

// One backtest run: owns the core, the simulated market and the outputs.
class Runner {
 public:
  Runner(config::Config cfg, std::vector<sim::SimAccount> accounts, std::string out_dir)
      : cfg_(std::move(cfg)), accounts_(std::move(accounts)), out_dir_(std::move(out_dir)) {}

  int Run(const std::string& events_path);

 private:
  bool Init();
  void Connect();
  void StartBalances();
  void Timers(int64_t t);
  void OnBook(const backtest::Event& e);
  void OnRaw(const backtest::Event& e);
  void OnBalance(const backtest::Event& e);
  void Publish(VenueId v, InstrumentId i, int64_t t);
  // Every input is followed by Settle; most (timers above all) emit nothing, which the core's
  // count of orders sent tells without touching the rings.
  void Settle(int64_t t) {
    if (core_->telemetry().counters.orders_sent != settled_orders_) SettleIntents(t);
  }
  void SettleIntents(int64_t t);
  void Report(const ExecReport& r, int64_t t);
  void WriteSummary(std::ostream& o) const;
  const std::string& Name(VenueId v) const { return cfg_.venues[v.value].name; }

  config::Config cfg_;
  std::vector<sim::SimAccount> accounts_;
  std::string out_dir_;
  engine::EngineParams params_{};
  std::vector<std::unique_ptr<IntentRing>> rings_;
  std::vector<IntentRing::Consumer> intents_;
  std::unique_ptr<engine::DecisionCore> core_;
  std::unique_ptr<backtest::SimulatedMarket> market_;
  // Raw events: every symbol of a venue has its venue's real parser and book.
  struct Checker {
    InstrumentId instrument;
    std::unique_ptr<venues::FeedChecker> check;
  };
  std::vector<std::vector<Checker>> checkers_;
  std::vector<Level> level_buf_bids_, level_buf_asks_;
  std::array<std::pair<VenueId, InstrumentId>, 32> touched_;
  // Balances given before the market opens, per venue (asset id, amount).
  std::vector<std::vector<std::pair<AssetId, Amount>>> start_balances_;
  bool started_ = false;
  bool timers_started_ = false;
  int64_t timer_ns_ = 0;
  int64_t next_timer_ = 0;
  std::ofstream intents_out_, fills_out_;
  // Summary figures.
  uint64_t events_ = 0, intents_n_ = 0, fills_n_ = 0, raw_rejected_ = 0;
  Amount turnover_;
  uint64_t settled_orders_ = 0;  // the core's orders_sent when the rings were last emptied
  bool nav_start_known_ = false;
  Amount nav_start_;
};

bool Runner::Init() {
  params_ = CoreParamsFromConfig(cfg_, /*client_id_base=*/1);
  // Nobody reads status during a backtest: the core's NAV and PnL snapshot (telemetry, which no
  // decision reads) is recomputed once per second of event time instead of every 50 ms, and
  // once more at the end for the summary. Live it is what `ctl status` shows.
  if (cfg_.timer_ms > 0) params_.telemetry_every_timers = std::max<int>(params_.telemetry_every_timers, static_cast<int>(1000 / cfg_.timer_ms));
  engine::DecisionCore::Wiring w;
  for (size_t v = 0; v < cfg_.venues.size(); ++v) {
    rings_.push_back(std::make_unique<IntentRing>(1024));
    w.to_venues.push_back(rings_.back()->TakeProducer());
    intents_.push_back(rings_.back()->TakeConsumer());
  }
  core_ = std::make_unique<engine::DecisionCore>(params_, std::move(w));
  market_ = std::make_unique<backtest::SimulatedMarket>();
  checkers_.resize(cfg_.venues.size());
  for (const auto& vc : cfg_.venues) {
    for (const auto& s : vc.symbols) {
      venues::FeedCheckOptions o;
      o.symbol = s.symbol;
      o.depth = vc.depth;
      o.price_precision = s.price_decimals;
      o.qty_precision = s.qty_decimals;
      checkers_[vc.id.value].push_back(Checker{s.instrument, MakeFeedCheckerFor(config::VenueKindName(vc.kind), o)});
    }
  }
  level_buf_bids_.reserve(backtest::kMaxEventLevels);
  level_buf_asks_.reserve(backtest::kMaxEventLevels);
  start_balances_.resize(cfg_.venues.size());
  timer_ns_ = cfg_.timer_ms * 1'000'000;
  std::error_code ec;
  std::filesystem::create_directories(out_dir_, ec);
  if (ec) {
    std::fprintf(stderr, "homeostat backtest: cannot create output directory %s: %s\n", out_dir_.c_str(),
                 ec.message().c_str());
    return false;
  }
  // No stale summary may claim a run that did not finish.
  std::filesystem::remove(out_dir_ + "/summary.json", ec);
  intents_out_.open(out_dir_ + "/intents.jsonl", std::ios::trunc);
  fills_out_.open(out_dir_ + "/fills.jsonl", std::ios::trunc);
  if (!intents_out_ || !fills_out_) {
    std::fprintf(stderr, "homeostat backtest: cannot write into %s\n", out_dir_.c_str());
    return false;
  }
  Connect();
  return true;
}

// Every venue connected, its order session up where it trades: as live once its feeds are up.
void Runner::Connect() {
  for (const auto& vc : cfg_.venues) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kStatus;
    m.status.venue = vc.id;
    m.status.state = FeedState::kSynced;
    m.status.usable = true;
    m.status.orders_connected = vc.trading;
    core_->Handle(m);
  }
}

// The market opens with the first book: balance events before it are the starting balances;
// a venue without any takes its [sim.accounts] balances.
void Runner::StartBalances() {
  started_ = true;
  for (const auto& vc : cfg_.venues) {
    auto& given = start_balances_[vc.id.value];
    if (given.empty() && vc.id.value < accounts_.size()) {
      for (const auto& [asset, amount] : accounts_[vc.id.value].balances) {
        if (const config::AssetConfig* a = cfg_.FindAsset(asset)) given.emplace_back(a->id, amount);
      }
    }
    for (size_t k = 0; k < given.size(); ++k) {
      VenueMsg m;
      m.kind = VenueMsg::Kind::kBalance;
      m.balance.venue = vc.id;
      m.balance.asset = given[k].first;
      m.balance.free = given[k].second;
      m.balance.final_of_snapshot = k + 1 == given.size();
      core_->Handle(m);
    }
  }
}

void Runner::Timers(int64_t t) {
  if (!timers_started_) {
    timers_started_ = true;
    next_timer_ = t + timer_ns_;
    return;
  }
  while (next_timer_ <= t) {
    ControlCommand c;
    c.op = ControlOp::kTimer;
    c.peer_uid = kNoPeer;
    c.time = Nanos{next_timer_};
    core_->Handle(c);
    Settle(next_timer_);
    const engine::CoreTelemetry& tel = core_->telemetry();
    if (!nav_start_known_ && tel.nav_complete && tel.nav.is_positive()) {
      nav_start_known_ = true;
      nav_start_ = tel.nav;
    }
    next_timer_ += timer_ns_;
  }
}

void Runner::OnBook(const backtest::Event& e) {
  market_->OnBook(e);
  Publish(e.venue, e.instrument, e.t);
}

void Runner::OnRaw(const backtest::Event& e) {
  for (Checker& c : checkers_[e.venue.value]) {
    if (!c.check) continue;
    const venues::BookEvent ev = c.check->OnMessage(e.raw.data(), e.raw.size());
    switch (ev) {
      case venues::BookEvent::kApplied:
      case venues::BookEvent::kSnapshot: {
        const book::OrderBook& b = c.check->book();
        level_buf_bids_.clear();
        level_buf_asks_.clear();
        for (int k = 0; k < b.bids().size() && k < backtest::kMaxEventLevels; ++k) level_buf_bids_.push_back(b.bids().level(k));
        for (int k = 0; k < b.asks().size() && k < backtest::kMaxEventLevels; ++k) level_buf_asks_.push_back(b.asks().level(k));
        market_->OnLevels(e.venue, c.instrument, e.t, level_buf_bids_, level_buf_asks_);
        Publish(e.venue, c.instrument, e.t);
        break;
      }
      case venues::BookEvent::kIgnored:
        break;
      case venues::BookEvent::kParseError:
        ++raw_rejected_;
        break;
      default: {  // gap, checksum mismatch, crossed, resync: the book is unusable, as live
        ++raw_rejected_;
        VenueMsg m;
        m.kind = VenueMsg::Kind::kStatus;
        m.recv_time = Nanos{e.t};
        m.status.venue = e.venue;
        m.status.instrument = c.instrument;
        m.status.state = FeedState::kGap;
        m.status.usable = false;
        m.status.orders_connected = cfg_.venues[e.venue.value].trading;
        core_->Handle(m);
        break;
      }
    }
  }
}

void Runner::OnBalance(const backtest::Event& e) {
  if (!started_) {
    auto& given = start_balances_[e.venue.value];
    for (auto& [asset, amount] : given) {
      if (asset == e.asset) {
        amount = e.free;
        return;
      }
    }
    given.emplace_back(e.asset, e.free);
    return;
  }
  VenueMsg m;
  m.kind = VenueMsg::Kind::kBalance;
  m.recv_time = Nanos{e.t};
  m.balance.venue = e.venue;
  m.balance.asset = e.asset;
  m.balance.free = e.free;
  m.balance.final_of_snapshot = true;
  core_->Handle(m);
}

void Runner::Publish(VenueId v, InstrumentId i, int64_t t) {
  VenueMsg m;
  m.kind = VenueMsg::Kind::kBookTop;
  m.recv_time = Nanos{t};
  m.top = market_->Top(v, i);
  if (m.top.bid_count == 0 || m.top.ask_count == 0) return;  // venues publish only two-sided books
  core_->Handle(m);
  Settle(t);
}

// Every intent the core emitted fills at once; its reports go back at the same time, then the
// books it took from are published again (what is left of them).
void Runner::SettleIntents(int64_t t) {
  for (int rounds = 0; rounds < 64; ++rounds) {
    bool any = false;
    // The books fills took from: a short list (touched_, kept across calls so that it is not
    // initialized on every event), not a venues × instruments table.
    auto& touched = touched_;
    int n_touched = 0;
    bool overflow = false;
    for (size_t v = 0; v < intents_.size(); ++v) {
      OrderIntent in;
      while (intents_[v].TryPop(in)) {
        any = true;
        ++intents_n_;
        const config::InstrumentConfig& ic = cfg_.instruments[in.instrument.value];
        const bool buy = in.side == Side::kBuy;
        intents_out_ << "{\"t\":" << t << ",\"client_id\":" << in.client_id.value << ",\"venue\":" << Q(Name(in.venue))
                     << ",\"instrument\":" << Q(ic.name) << ",\"side\":\"" << (buy ? "buy" : "sell") << "\",\"qty\":\""
                     << Dec(in.qty) << "\",\"limit_px\":\"" << Dec(in.limit_px) << "\",\"purpose\":\""
                     << OrderPurposeName(in.purpose) << "\"}\n";
        const backtest::FillResult f = market_->Fill(in, cfg_.venues[in.venue.value].taker_fee, ic.quote);
        ExecReport r;
        r.client_id = in.client_id;
        r.venue = in.venue;
        r.instrument = in.instrument;
        r.side = in.side;
        if (f.refused) {
          r.kind = ExecKind::kRejected;
          r.final = true;
          Report(r, t);
          continue;
        }
        if (f.qty.is_positive()) {
          ++fills_n_;
          if (ic.quote == params_.valuation_asset) turnover_ += f.quote;
          fills_out_ << "{\"t\":" << t << ",\"client_id\":" << in.client_id.value << ",\"venue\":" << Q(Name(in.venue))
                     << ",\"instrument\":" << Q(ic.name) << ",\"side\":\"" << (buy ? "buy" : "sell") << "\",\"qty\":\""
                     << Dec(f.qty) << "\",\"px\":\"" << Dec(f.avg_px) << "\",\"fee\":\"" << Dec(f.fee)
                     << "\",\"fee_asset\":" << Q(cfg_.assets[f.fee_asset.value].name) << ",\"purpose\":\""
                     << OrderPurposeName(in.purpose) << "\"}\n";
          r.kind = ExecKind::kFill;
          r.fill_qty = f.qty;
          r.fill_quote = f.quote;
          r.fill_px = f.avg_px;
          r.cum_qty = f.qty;
          r.fee = f.fee;
          r.fee_asset = f.fee_asset;
          r.final = f.canceled.is_zero();
          Report(r, t);
          bool seen = false;
          for (int k = 0; k < n_touched; ++k) seen = seen || (touched[k].first == in.venue && touched[k].second == in.instrument);
          if (!seen) {
            if (n_touched < static_cast<int>(touched.size())) {
              touched[n_touched++] = {in.venue, in.instrument};
            } else {
              overflow = true;
            }
          }
        }
        if (f.canceled.is_positive()) {
          ExecReport c = r;
          c.kind = ExecKind::kCanceled;
          c.fill_qty = Qty::Zero();
          c.fill_quote = Amount::Zero();
          c.fee = Amount::Zero();
          c.final = true;
          Report(c, t);
        }
      }
    }
    if (!any) {
      settled_orders_ = core_->telemetry().counters.orders_sent;  // every ring is empty
      return;
    }
    auto republish = [&](VenueId v, InstrumentId i) {
      VenueMsg m;
      m.kind = VenueMsg::Kind::kBookTop;
      m.recv_time = Nanos{t};
      m.top = market_->Top(v, i);
      if (m.top.bid_count > 0 && m.top.ask_count > 0) core_->Handle(m);
    };
    if (overflow) {  // more books than the list holds: publish them all
      for (const auto& vc : cfg_.venues)
        for (const auto& s : vc.symbols) republish(vc.id, s.instrument);
    } else {
      for (int k = 0; k < n_touched; ++k) republish(touched[k].first, touched[k].second);
    }
  }
}

void Runner::Report(const ExecReport& r, int64_t t) {
  VenueMsg m;
  m.kind = VenueMsg::Kind::kExec;
  m.recv_time = Nanos{t};
  m.exec = r;
  core_->Handle(m);
}

void Runner::WriteSummary(std::ostream& o) const {
  const engine::CoreTelemetry& tel = core_->telemetry();
  const engine::AllocationView& av = tel.allocation;
  const engine::AllocationStats& st = av.stats;
  o << "{\"events\":" << events_ << ",\"intents\":" << intents_n_ << ",\"fills\":" << fills_n_
    << ",\"raw_rejected\":" << raw_rejected_;
  o << ",\"nav_start\":\"" << Dec(st.started() ? st.nav_start() : nav_start_) << "\",\"nav_end\":\"" << Dec(tel.nav)
    << "\",\"pnl\":\"" << Dec(tel.pnl_quote) << "\",\"fees\":\"" << Dec(tel.fees_quote) << "\",\"turnover\":\""
    << Dec(turnover_) << "\"";
  o << ",\"orders_by_purpose\":{";
  for (int k = 0; k < kOrderPurposes; ++k)
    o << (k ? "," : "") << "\"" << OrderPurposeName(static_cast<OrderPurpose>(k)) << "\":" << tel.counters.orders_by_purpose[k];
  o << "}";
  char bps[32];
  const double n = av.rebalance_notional.ToDoubleForStats();
  std::snprintf(bps, sizeof bps, "%.2f", n > 0 ? av.rebalance_cost_weighted / n * 1e4 : 0.0);
  o << ",\"rebalance_cost_bps\":" << bps << ",\"converged_at_t\":";
  if (st.converged()) {
    o << st.converged_at().value;
  } else {
    o << "null";
  }
  o << ",\"assets\":{";
  for (size_t a = 0; a < cfg_.assets.size(); ++a) {
    const AssetId id{static_cast<uint16_t>(a)};
    char pct[32];
    std::snprintf(pct, sizeof pct, "%lld.%02lld", static_cast<long long>(st.time_in_band_bp(id) / 100),
                  static_cast<long long>(st.time_in_band_bp(id) % 100));
    o << (a ? "," : "") << Q(cfg_.assets[a].name) << ":{\"target\":" << Dec(av.target[a]) << ",\"band\":" << Dec(av.band[a])
      << ",\"effective_target_end\":" << Dec(st.effective_target_end(id)) << ",\"weight_start\":" << Dec(st.weight_start(id))
      << ",\"weight_end\":" << Dec(st.weight_end(id)) << ",\"max_abs_drift\":" << Dec(st.max_abs_drift(id))
      << ",\"time_in_band_pct\":" << pct << "}";
  }
  o << "}}\n";
}

int Runner::Run(const std::string& events_path) {
  if (!Init()) return 1;
  auto reader = backtest::EventReader::Open(events_path, cfg_);
  if (!reader.ok()) {
    std::fprintf(stderr, "homeostat backtest: %s\n", std::string(reader.status().message()).c_str());
    return 2;
  }
  const int64_t wall_start = MonoNow().value;
  backtest::Event e;
  for (;;) {
    absl::StatusOr<bool> more = reader->Next(&e);
    if (!more.ok()) {
      std::fprintf(stderr, "homeostat backtest: %s: %s; stopped, no summary written\n", events_path.c_str(),
                   std::string(more.status().message()).c_str());
      return 1;
    }
    if (!*more) break;
    ++events_;
    Timers(e.t);
    if (e.kind == backtest::Event::Kind::kBalance) {
      OnBalance(e);
      continue;
    }
    if (!started_) StartBalances();
    if (e.kind == backtest::Event::Kind::kBook) {
      OnBook(e);
    } else {
      OnRaw(e);
    }
  }
  if (!started_) StartBalances();
  core_->PublishTelemetry();
  intents_out_.flush();
  fills_out_.flush();
  std::ofstream summary(out_dir_ + "/summary.json", std::ios::trunc);
  WriteSummary(summary);
  summary.flush();
  if (!intents_out_ || !fills_out_ || !summary) {
    std::fprintf(stderr, "homeostat backtest: writing the outputs into %s failed\n", out_dir_.c_str());
    std::error_code ec;
    std::filesystem::remove(out_dir_ + "/summary.json", ec);
    return 1;
  }
  const double secs = static_cast<double>(MonoNow().value - wall_start) / 1e9;
  std::printf("backtest: %llu events in %.3f s (%.0f events/s); %llu intents, %llu fills; outputs in %s\n",
              static_cast<unsigned long long>(events_), secs, secs > 0 ? static_cast<double>(events_) / secs : 0.0,
              static_cast<unsigned long long>(intents_n_), static_cast<unsigned long long>(fills_n_), out_dir_.c_str());
  return 0;
}

}  // namespace

int RunBacktest(const BacktestArgs& args) {
  auto cfg = config::LoadConfig(args.config);
  if (!cfg.ok()) {
    std::fprintf(stderr, "homeostat backtest: config error: %s\n", std::string(cfg.status().message()).c_str());
    return 2;
  }
  // Starting balances for venues the event file gives none: the config's [sim.accounts].
  std::vector<sim::SimAccount> accounts;
  std::ifstream f(args.config);
  std::stringstream text;
  text << f.rdbuf();
  if (auto sim = sim::ParseSimConfig(text.str(), args.config); sim.ok()) accounts = sim->accounts;
  Runner r(std::move(*cfg), std::move(accounts), args.out);
  return r.Run(args.events);
}

int RunStamp(const StampArgs& args) {
  const absl::Status s = backtest::StampCapture(args.venue, args.file, args.start_ns, args.every_ms, std::cout);
  std::cout.flush();
  if (!s.ok()) {
    std::fprintf(stderr, "homeostat backtest --stamp: %s\n", std::string(s.message()).c_str());
    return absl::IsNotFound(s) || absl::IsInvalidArgument(s) ? 2 : 1;
  }
  return 0;
}

}  // namespace hs::app
