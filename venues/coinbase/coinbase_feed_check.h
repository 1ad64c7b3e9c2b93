// hs::coinbase — Coinbase Advanced Trade market data through `homeostat feed-check`: one
// captured envelope per line (l2_data snapshot/update events, heartbeats, subscription acks)
// through the real Parser and ConnectionBooks, following the requested product. The sequence_num
// chain runs across every line, as on a live connection, so a missing line is a gap.
// Owned by the feed-check run (one thread).
#pragma once

#include <memory>

#include "venues/common/feed_check.h"

namespace hs::coinbase {

std::unique_ptr<venues::FeedChecker> MakeFeedChecker(const venues::FeedCheckOptions& opts);

}  // namespace hs::coinbase
