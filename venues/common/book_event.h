// hs::venues — what one market-data message did to a venue's book: the common vocabulary of
// every venue's book keeper, of `homeostat feed-check`, and of the feeds' counters.
#pragma once

#include <cstdint>

namespace hs::venues {

enum class BookEvent : uint8_t {
  kApplied = 0,      // a delta applied to a valid book
  kSnapshot,         // the book was (re)built from a snapshot and validated
  kIgnored,          // nothing to do: stale/duplicate update, ack, heartbeat, other channel
  kGap,              // sequence continuity broken: the book is unusable until resynced
  kChecksumMismatch, // the venue's checksum disagrees with our book: unusable until resynced
  kCrossed,          // best bid >= best ask after applying: unusable until resynced
  kParseError,       // malformed message: dropped, the book untouched
  kResyncNeeded,     // an update while the book is not usable (waiting for a snapshot)
};

inline const char* BookEventName(BookEvent e) noexcept {
  switch (e) {
    case BookEvent::kApplied:
      return "applied";
    case BookEvent::kSnapshot:
      return "snapshot";
    case BookEvent::kIgnored:
      return "ignored";
    case BookEvent::kGap:
      return "gap";
    case BookEvent::kChecksumMismatch:
      return "checksum_mismatch";
    case BookEvent::kCrossed:
      return "crossed";
    case BookEvent::kParseError:
      return "parse_error";
    case BookEvent::kResyncNeeded:
      return "resync_needed";
  }
  return "?";
}

// True for the events that make a book unusable and call for a resync.
inline bool IsIntegrityFailure(BookEvent e) noexcept {
  return e == BookEvent::kGap || e == BookEvent::kChecksumMismatch || e == BookEvent::kCrossed;
}

}  // namespace hs::venues
