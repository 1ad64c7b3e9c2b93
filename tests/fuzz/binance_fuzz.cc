// libFuzzer: Binance wire parsing and the DepthBook rules on arbitrary bytes. Nothing may crash,
// and a book that calls itself usable must never be crossed.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "venues/binance/binance_book.h"
#include "venues/binance/binance_parse.h"

namespace {
hs::binance::Parser& P() {
  static hs::binance::Parser p(1 << 20);
  return p;
}
hs::binance::DepthBook& B() {
  static hs::binance::DepthBook b(100, 1 << 20, 64);
  return b;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 19)) return 0;
  std::string buf(reinterpret_cast<const char*>(data), size);
  buf.append(64, '\0');
  hs::binance::MarketFrame f;
  if (P().ParseMarket(buf.data(), size, &f) == hs::venues::ParseStatus::kOk) {
    switch (f.kind) {
      case hs::binance::FrameKind::kDepthUpdate:
        B().OnDiff(f, buf.data(), size);
        break;
      case hs::binance::FrameKind::kDepthSnapshot:
        B().OnSnapshot(f, &P());
        break;
      case hs::binance::FrameKind::kBookTicker:
        B().OnTicker(f);
        break;
      default:
        break;
    }
    if (B().usable() && B().book().crossed()) std::abort();
  }
  hs::binance::ApiReply r;
  P().ParseApiReply(buf.data(), size, &r);
  return 0;
}
