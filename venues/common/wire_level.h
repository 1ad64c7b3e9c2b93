// hs::venues — one book level as a venue sent it: fixed-point values plus the exact wire text
// (checksums such as OKX's are computed from the text as received, never re-formatted).
// The text views borrow the frame: valid until the next parse.
#pragma once

#include <string_view>

#include "core/base/fixed_point.h"

namespace hs::venues {

struct WireLevel {
  Price px;
  Qty qty;  // zero = delete the level
  std::string_view px_text;
  std::string_view qty_text;
};

}  // namespace hs::venues
