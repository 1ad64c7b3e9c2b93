// libFuzzer: any bytes as a backtest event file give events and then a clean end or an error,
// never a crash; the error names the line it stopped at; every event keeps the format's rules
// (ordered, uncrossed, positive prices, time never going back, a padded raw message); reading
// the levels in place and through On-Demand gives the same events and the same error. And any
// UTF-8 text embedded by AppendJsonString (what --stamp writes) reads back byte for byte.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/app/backtest_events.h"
#include "core/config/config.h"

namespace {

using hs::backtest::Event;
using hs::backtest::EventReader;

// binance lists BTC/USDT and ETH/USDT, kraken only BTC/USDT (built by hand: no TOML here).
const hs::config::Config& Names() {
  static const hs::config::Config c = [] {
    hs::config::Config c;
    const char* assets[] = {"BTC", "ETH", "USDT"};
    for (uint16_t i = 0; i < 3; ++i) c.assets.push_back({hs::AssetId{i}, assets[i]});
    hs::config::InstrumentConfig btc;
    btc.id = hs::InstrumentId{0};
    btc.name = "BTC/USDT";
    hs::config::InstrumentConfig eth;
    eth.id = hs::InstrumentId{1};
    eth.name = "ETH/USDT";
    c.instruments = {btc, eth};
    auto symbol = [](hs::InstrumentId i, const char* text) {
      hs::config::VenueSymbolConfig s;
      s.instrument = i;
      s.symbol = text;
      return s;
    };
    hs::config::VenueConfig binance;
    binance.id = hs::VenueId{0};
    binance.name = "binance";
    binance.symbols.push_back(symbol(btc.id, "BTCUSDT"));
    binance.symbols.push_back(symbol(eth.id, "ETHUSDT"));
    hs::config::VenueConfig kraken;
    kraken.id = hs::VenueId{1};
    kraken.name = "kraken";
    kraken.symbols.push_back(symbol(btc.id, "BTC/USDT"));
    c.venues = {binance, kraken};
    return c;
  }();
  return c;
}

void Check(bool ok) {
  if (!ok) std::abort();
}

struct Run {
  std::vector<Event> events;
  std::vector<std::string> raws;
  std::string error;
};

// mode 2: the default (canonical book lines and compact levels first); 1: levels in place by the
// byte scan only; 0: everything through On-Demand.
Run ReadAll(std::string_view text, int mode) {
  EventReader r = EventReader::FromText(text, Names());
  r.set_in_place_levels(mode >= 1);
  r.set_compact_levels(mode >= 2);
  Run run;
  Event e;
  int64_t prev_t = -1;
  for (;;) {
    absl::StatusOr<bool> got = r.Next(&e);
    if (!got.ok()) {
      run.error = std::string(got.status().message());
      const std::string prefix = "line " + std::to_string(r.line()) + ": ";
      Check(run.error.compare(0, prefix.size(), prefix) == 0 && run.error.size() > prefix.size());
      Check(!r.Next(&e).ok());  // the reader stays at its error
      return run;
    }
    if (!*got) return run;
    Check(e.line == r.line());
    Check(e.t >= 0 && e.t >= prev_t);
    prev_t = e.t;
    Check(e.venue.valid() && e.venue.value < 2);
    switch (e.kind) {
      case Event::Kind::kBook:
        Check(e.instrument.valid() && e.instrument.value < 2);
        Check(e.bid_count >= 0 && e.bid_count <= hs::backtest::kMaxEventLevels);
        Check(e.ask_count >= 0 && e.ask_count <= hs::backtest::kMaxEventLevels);
        for (int i = 0; i < e.bid_count; ++i) {
          Check(e.bids[i].px.is_positive() && !e.bids[i].qty.is_negative());
          Check(i == 0 || e.bids[i].px < e.bids[i - 1].px);
        }
        for (int i = 0; i < e.ask_count; ++i) {
          Check(e.asks[i].px.is_positive() && !e.asks[i].qty.is_negative());
          Check(i == 0 || e.asks[i].px > e.asks[i - 1].px);
        }
        Check(e.bid_count == 0 || e.ask_count == 0 || e.bids[0].px < e.asks[0].px);
        Check(e.raw.empty());
        break;
      case Event::Kind::kBalance:
        Check(e.asset.valid() && !e.free.is_negative() && e.bid_count == 0 && e.ask_count == 0);
        break;
      case Event::Kind::kRaw:
        Check(!e.raw.empty() && e.bid_count == 0);
        for (int i = 0; i < hs::backtest::kEventRawPadding; ++i) Check(e.raw.data()[e.raw.size() + i] == '\0');
        break;
    }
    run.events.push_back(e);
    run.raws.emplace_back(e.raw);
  }
}

bool SameLevels(const Event& a, const Event& b) {
  if (a.bid_count != b.bid_count || a.ask_count != b.ask_count) return false;
  for (int i = 0; i < a.bid_count; ++i)
    if (a.bids[i].px != b.bids[i].px || a.bids[i].qty != b.bids[i].qty) return false;
  for (int i = 0; i < a.ask_count; ++i)
    if (a.asks[i].px != b.asks[i].px || a.asks[i].qty != b.asks[i].qty) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 65536) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // The three ways of reading agree, event for event and error for error.
  const Run a = ReadAll(text, 2);
  for (int mode = 0; mode < 2; ++mode) {
    const Run b = ReadAll(text, mode);
    Check(a.error == b.error && a.events.size() == b.events.size());
    for (size_t i = 0; i < a.events.size(); ++i) {
      const Event& x = a.events[i];
      const Event& y = b.events[i];
      Check(x.t == y.t && x.kind == y.kind && x.venue == y.venue && x.instrument == y.instrument &&
            x.asset == y.asset && x.free == y.free && x.line == y.line && a.raws[i] == b.raws[i] && SameLevels(x, y));
    }
  }

  // --stamp's escaping: valid UTF-8 (no newline needed: it is escaped) reads back exactly.
  if (size > 0 && simdjson::validate_utf8(text.data(), text.size())) {
    std::string line = R"({"t":5,"type":"raw","venue":"kraken","msg":)";
    hs::backtest::AppendJsonString(text, &line);
    line += "}\n";
    const Run r = ReadAll(line, 2);
    Check(r.error.empty() && r.raws.size() == 1 && r.raws[0] == text);
  }
  return 0;
}
