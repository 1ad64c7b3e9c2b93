// hs::base — small integer ids for venues, assets and instruments.
//
// Names ("binance", "BTC", "BTC/USDT") are interned once at startup into dense ids that index
// plain arrays everywhere after. Venue symbol text ("BTCUSDT", "BTC-USDT") never appears here:
// it lives inside the venue's folder (venues/<venue>/*_symbols).
#pragma once

#include <compare>
#include <cstdint>

namespace hs {

template <typename Tag, typename Rep>
struct DenseId {
  Rep value = kInvalidValue;
  static constexpr Rep kInvalidValue = static_cast<Rep>(~Rep{0});
  static constexpr DenseId Invalid() noexcept { return DenseId{}; }
  constexpr bool valid() const noexcept { return value != kInvalidValue; }
  constexpr auto operator<=>(const DenseId&) const noexcept = default;
};

struct VenueTag {};
struct AssetTag {};
struct InstrumentTag {};

using VenueId = DenseId<VenueTag, uint8_t>;
using AssetId = DenseId<AssetTag, uint16_t>;
using InstrumentId = DenseId<InstrumentTag, uint16_t>;

// Hard caps that size the preallocated tables of the core and the venue threads.
inline constexpr int kMaxVenues = 16;
inline constexpr int kMaxAssets = 64;
inline constexpr int kMaxInstruments = 64;

// Client order ids are assigned by the decision core; venues render them as text.
struct ClientOrderId {
  uint64_t value = 0;
  constexpr auto operator<=>(const ClientOrderId&) const noexcept = default;
};

}  // namespace hs
