// hs::coinbase — coinbase market data through `homeostat feed-check`.
#pragma once

#include <memory>

#include "venues/common/feed_check.h"

namespace hs::coinbase {

std::unique_ptr<venues::FeedChecker> MakeFeedChecker(const venues::FeedCheckOptions& opts);

}  // namespace hs::coinbase
