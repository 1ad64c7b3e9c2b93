// hs::bybit — Bybit v5 market data through `homeostat feed-check`: one captured public-stream
// message per line (orderbook snapshots and deltas; pongs and acks are ignored) through the
// real Parser and DepthBook. Pure: no I/O beyond what the caller feeds; single-threaded.
#pragma once

#include <memory>

#include "venues/common/feed_check.h"

namespace hs::bybit {

// opts.symbol: the symbol whose book is kept (other symbols are ignored). opts.depth: levels
// kept per side; 0 = each message's topic depth.
std::unique_ptr<venues::FeedChecker> MakeFeedChecker(const venues::FeedCheckOptions& opts);

}  // namespace hs::bybit
