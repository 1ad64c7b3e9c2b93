// hs::kraken — kraken market data through `homeostat feed-check`.
#pragma once

#include <memory>

#include "venues/common/feed_check.h"

namespace hs::kraken {

std::unique_ptr<venues::FeedChecker> MakeFeedChecker(const venues::FeedCheckOptions& opts);

}  // namespace hs::kraken
