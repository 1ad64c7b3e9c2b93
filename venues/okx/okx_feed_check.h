// hs::okx — OKX market data through `homeostat feed-check`: book pushes on `books`,
// `books-l2-tbt`, `books50-l2-tbt`, `books5` and `bbo-tbt` for one instId, through the real
// parser and L2Book (sequence continuity, checksum, crossing). Events and "pong" lines are
// ignored; pushes for other instruments are ignored. --book-depth sets the levels kept.
#pragma once

#include <memory>

#include "venues/common/feed_check.h"

namespace hs::okx {

std::unique_ptr<venues::FeedChecker> MakeFeedChecker(const venues::FeedCheckOptions& opts);

}  // namespace hs::okx
