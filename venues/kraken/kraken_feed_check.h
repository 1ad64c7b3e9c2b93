// hs::kraken — Kraken WebSocket v2 market data through `homeostat feed-check`: `book`
// snapshot and update lines (one or more symbols each; the --symbol entry counts) through the
// real parser and Book, one line at a time. Checksum precision from --price-precision /
// --qty-precision, or inferred from each snapshot's number text when not given. Acks,
// heartbeats, status and other channels are reported as ignored. Pure: no I/O, no clock; owned
// by the feed-check run.
#pragma once

#include <memory>

#include "venues/common/feed_check.h"

namespace hs::kraken {

std::unique_ptr<venues::FeedChecker> MakeFeedChecker(const venues::FeedCheckOptions& opts);

}  // namespace hs::kraken
