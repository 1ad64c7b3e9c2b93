// hs::okx — okx market data through `homeostat feed-check`.
#pragma once

#include <memory>

#include "venues/common/feed_check.h"

namespace hs::okx {

std::unique_ptr<venues::FeedChecker> MakeFeedChecker(const venues::FeedCheckOptions& opts);

}  // namespace hs::okx
