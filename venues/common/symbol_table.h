// hs::venues — a venue's symbols: venue text ↔ InstrumentId, with the venue's tick and lot.
//
// Built once from the venue's config (cold); looked up on the hot path by the symbol text a
// message carries. Venues list a handful of instruments, so a linear scan comparing lengths
// first beats hashing. Venue symbol text never leaves the venue's folder (DESIGN §3).
#pragma once

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/config/config.h"

namespace hs::venues {

struct SymbolInfo {
  InstrumentId instrument;
  config::MarketKind market = config::MarketKind::kSpot;
  std::string symbol;   // venue text
  std::string lower;    // lower-case form (stream names)
  Price tick;
  Qty lot;
  int price_decimals = 0;
  int qty_decimals = 0;
  AssetId base;
  AssetId quote;
  std::string base_name;
  std::string quote_name;
  // Perpetuals: base per contract on the wire (OKX ctVal); 1 where the venue counts in base.
  Qty contract_size = Qty::FromUnits(1);
};

class SymbolTable {
 public:
  SymbolTable() = default;
  explicit SymbolTable(const config::Config& cfg, const config::VenueConfig& venue) {
    for (const auto& s : venue.symbols) {
      const config::InstrumentConfig& ic = cfg.instruments[s.instrument.value];
      SymbolInfo info;
      info.instrument = s.instrument;
      info.market = s.market;
      info.symbol = s.symbol;
      info.lower = s.symbol;
      for (char& c : info.lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      info.tick = s.tick;
      info.lot = s.lot;
      info.price_decimals = s.price_decimals;
      info.qty_decimals = s.qty_decimals;
      info.base = ic.base;
      info.quote = ic.quote;
      info.base_name = cfg.assets[ic.base.value].name;
      info.quote_name = cfg.assets[ic.quote.value].name;
      info.contract_size = s.contract_size;
      by_instrument_[s.instrument.value] = static_cast<int>(infos_.size());
      infos_.push_back(std::move(info));
    }
    for (const auto& a : cfg.assets) assets_.push_back(a.name);
  }

  // Index into infos() for a venue symbol in a market, or -1. The key is (market, text): the
  // same text names different instruments in the spot and the perpetual market.
  int Find(std::string_view symbol, config::MarketKind market = config::MarketKind::kSpot) const noexcept {
    for (size_t i = 0; i < infos_.size(); ++i) {
      const std::string& s = infos_[i].symbol;
      if (infos_[i].market == market && s.size() == symbol.size() &&
          std::memcmp(s.data(), symbol.data(), s.size()) == 0)
        return static_cast<int>(i);
    }
    return -1;
  }
  const SymbolInfo* ForInstrument(InstrumentId id) const noexcept {
    if (!id.valid() || id.value >= kMaxInstruments || by_instrument_[id.value] < 0) return nullptr;
    return &infos_[static_cast<size_t>(by_instrument_[id.value])];
  }
  // AssetId for a venue asset code ("BTC"), or Invalid.
  AssetId FindAsset(std::string_view code) const noexcept {
    for (size_t i = 0; i < assets_.size(); ++i)
      if (assets_[i] == code) return AssetId{static_cast<uint16_t>(i)};
    return AssetId::Invalid();
  }
  const std::vector<SymbolInfo>& infos() const noexcept { return infos_; }
  const std::vector<std::string>& asset_names() const noexcept { return assets_; }

 private:
  std::vector<SymbolInfo> infos_;
  std::vector<std::string> assets_;
  int by_instrument_[kMaxInstruments] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                         -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                         -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                         -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
};

}  // namespace hs::venues
