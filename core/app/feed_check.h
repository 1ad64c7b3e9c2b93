// hs::app — `homeostat feed-check`: replays a recorded capture (one raw message per line)
// through a venue's real parser and book code and prints one JSON line per message.
#pragma once

#include <memory>
#include <string>

#include "venues/common/feed_check.h"

namespace hs::app {

// The venue's pure market-data side for a kind ("binance", "okx", "bybit", "kraken",
// "coinbase"); nullptr for anything else. Shared by feed-check and backtest's raw events.
std::unique_ptr<venues::FeedChecker> MakeFeedCheckerFor(const std::string& kind, const venues::FeedCheckOptions& o);

struct FeedCheckArgs {
  std::string venue;   // binance | okx | bybit | kraken | coinbase
  std::string symbol;  // venue symbol text
  std::string file;
  int depth = 1;       // levels to print per side
  int book_depth = 0;  // levels to keep (0 = venue default)
  int price_precision = -1;
  int qty_precision = -1;
};

// Returns the process exit code: 0 when no message failed integrity (gap, checksum mismatch,
// crossed) or parsing, 1 when any did, 2 for usage errors (unknown venue, unreadable file).
// Updates that arrive while the book waits for a snapshot are reported as resync_needed
// (Binance buffers them and replays them against the snapshot) and do not fail the run.
int RunFeedCheck(const FeedCheckArgs& args);

}  // namespace hs::app
