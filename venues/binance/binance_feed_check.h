// hs::binance — Binance market data through feed-check: depthUpdate, REST snapshot (the line
// holding `lastUpdateId`) and bookTicker lines, through the real parser and DepthBook.
#pragma once

#include <memory>

#include "venues/common/feed_check.h"

namespace hs::binance {

std::unique_ptr<venues::FeedChecker> MakeFeedChecker(const venues::FeedCheckOptions& opts);

}  // namespace hs::binance
