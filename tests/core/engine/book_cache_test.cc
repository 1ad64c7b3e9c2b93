#include "core/engine/book_cache.h"

#include <gtest/gtest.h>

namespace hs::engine {
namespace {

BookTop Top(int venue, int instrument, int bids, int asks) {
  BookTop t;
  t.venue = VenueId{static_cast<uint8_t>(venue)};
  t.instrument = InstrumentId{static_cast<uint16_t>(instrument)};
  t.bid_count = static_cast<uint8_t>(bids);
  t.ask_count = static_cast<uint8_t>(asks);
  t.bids[0] = {Price::FromUnits(100), Qty::FromUnits(1)};
  t.asks[0] = {Price::FromUnits(101), Qty::FromUnits(1)};
  return t;
}

VenueStatus Status(int venue, int instrument, bool usable) {
  VenueStatus s;
  s.venue = VenueId{static_cast<uint8_t>(venue)};
  s.instrument = instrument < 0 ? InstrumentId::Invalid() : InstrumentId{static_cast<uint16_t>(instrument)};
  s.usable = usable;
  return s;
}

TEST(BookCache, ATopWithBothSidesMakesTheBookUsable) {
  BookCache c;
  const VenueId v{1};
  const InstrumentId i{2};
  EXPECT_FALSE(c.usable(v, i));
  c.OnTop(Top(1, 2, 1, 1), Nanos::FromMillis(10));
  EXPECT_TRUE(c.usable(v, i));
  EXPECT_EQ(c.at(v, i).recv_time, Nanos::FromMillis(10));
  EXPECT_EQ(c.at(v, i).top.bids[0].px, Price::FromUnits(100));
  c.OnTop(Top(1, 2, 0, 1), Nanos::FromMillis(11));  // one-sided: not usable
  EXPECT_FALSE(c.usable(v, i));
  EXPECT_FALSE(c.at(v, i).has_top);
}

TEST(BookCache, StatusesOnlyEverTakeUsabilityAway) {
  BookCache c;
  c.OnTop(Top(0, 0, 1, 1), Nanos::FromMillis(1));
  c.OnTop(Top(0, 1, 1, 1), Nanos::FromMillis(1));
  c.OnTop(Top(1, 0, 1, 1), Nanos::FromMillis(1));
  c.OnStatus(Status(0, 1, /*usable=*/false), 2);
  EXPECT_TRUE(c.usable(VenueId{0}, InstrumentId{0}));
  EXPECT_FALSE(c.usable(VenueId{0}, InstrumentId{1}));
  c.OnStatus(Status(0, 1, /*usable=*/true), 2);
  EXPECT_FALSE(c.usable(VenueId{0}, InstrumentId{1})) << "only a top makes a book usable again";
  c.OnStatus(Status(0, -1, /*usable=*/false), 2);  // the venue's connection dropped
  EXPECT_FALSE(c.usable(VenueId{0}, InstrumentId{0}));
  EXPECT_TRUE(c.usable(VenueId{1}, InstrumentId{0})) << "other venues are untouched";
  c.OnTop(Top(0, 0, 1, 1), Nanos::FromMillis(5));
  EXPECT_TRUE(c.usable(VenueId{0}, InstrumentId{0}));
}

TEST(BookCache, FreshMeansUsableAndYoungEnoughOnInputTime) {
  BookCache c;
  const VenueId v{0};
  const InstrumentId i{0};
  c.OnTop(Top(0, 0, 1, 1), Nanos::FromMillis(1000));
  EXPECT_TRUE(c.Fresh(v, i, Nanos::FromMillis(3000), Nanos::FromMillis(2000)));
  EXPECT_FALSE(c.Fresh(v, i, Nanos::FromMillis(3001), Nanos::FromMillis(2000)));
  c.OnStatus(Status(0, 0, false), 1);
  EXPECT_FALSE(c.Fresh(v, i, Nanos::FromMillis(1000), Nanos::FromMillis(2000)));
}

}  // namespace
}  // namespace hs::engine
