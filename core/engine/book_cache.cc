#include "core/engine/book_cache.h"

namespace hs::engine {

void BookCache::OnTop(const BookTop& top, Nanos recv_time) noexcept {
  CachedBook& b = books_[top.venue.value][top.instrument.value];
  b.top = top;
  b.recv_time = recv_time;
  b.has_top = top.bid_count > 0 && top.ask_count > 0;
  b.usable = b.has_top;  // venues publish tops only from books that validated
}

void BookCache::OnStatus(const VenueStatus& st, int instruments) noexcept {
  if (st.usable) return;  // a status never makes a book usable by itself
  if (!st.instrument.valid()) {
    for (int i = 0; i < instruments; ++i) books_[st.venue.value][i].usable = false;
    return;
  }
  books_[st.venue.value][st.instrument.value].usable = false;
}

}  // namespace hs::engine
