#include "venues/coinbase/coinbase_book.h"

#include <cstdio>
#include <cstring>

#include "core/base/check.h"
#include "core/base/decimal.h"
#include "core/messages/messages.h"

namespace hs::coinbase {

using venues::BookEvent;

namespace {

// Severity for merging several events of one product within a frame.
int Rank(BookEvent e) noexcept {
  switch (e) {
    case BookEvent::kGap:
    case BookEvent::kChecksumMismatch:
    case BookEvent::kCrossed:
    case BookEvent::kParseError:
      return 4;
    case BookEvent::kSnapshot:
      return 3;
    case BookEvent::kResyncNeeded:
      return 2;
    case BookEvent::kApplied:
      return 1;
    case BookEvent::kIgnored:
      return 0;
  }
  return 0;
}

// A failure detail formatted on the stack (the detail strings have reserved capacity).
struct Why {
  char text[176];
};

std::string_view Dec(int64_t raw, int scale, char* buf) noexcept {
  const int n = FormatDecimal(raw, scale, buf);
  return {buf, static_cast<size_t>(n)};
}

}  // namespace

ConnectionBooks::ConnectionBooks(const std::vector<std::string>& products, int depth) : depth_(depth) {
  HS_CHECK(depth > 0, "book depth must be positive");
  products_.reserve(products.size());
  for (const std::string& p : products) products_.push_back(std::make_unique<Product>(p, depth));
}

int ConnectionBooks::Find(std::string_view product) const noexcept {
  for (size_t i = 0; i < products_.size(); ++i) {
    const std::string& n = products_[i]->name;
    if (n.size() == product.size() && std::memcmp(n.data(), product.data(), n.size()) == 0) return static_cast<int>(i);
  }
  return -1;
}

void ConnectionBooks::Clear(Product& p) noexcept {
  p.book.Clear();
  p.side[0] = SideState{};
  p.side[1] = SideState{};
  p.synced = false;
}

void ConnectionBooks::Reset(Start start) noexcept {
  have_seq_ = false;
  have_next_ = start == Start::kZero;
  next_seq_ = 0;
  last_seq_ = 0;
  check_ = SeqCheck::kNone;
  for (auto& p : products_) {
    Clear(*p);
    p->event = BookEvent::kIgnored;
    p->detail.clear();
  }
}

void ConnectionBooks::ResetProduct(int i) noexcept { Clear(*products_[static_cast<size_t>(i)]); }

void ConnectionBooks::Merge(Product& p, BookEvent e) noexcept {
  // The first integrity failure of a frame sticks; otherwise the more severe event wins.
  if (Rank(e) > Rank(p.event) || (Rank(e) == Rank(p.event) && Rank(e) < 4)) p.event = e;
}

void ConnectionBooks::Fail(Product& p, BookEvent e, const char* why) noexcept {
  if (!(venues::IsIntegrityFailure(p.event))) p.detail.assign(why);
  Clear(p);
  Merge(p, e);
}

bool ConnectionBooks::SetLevel(Product& p, const L2Level& lv) noexcept {
  book::BookSide& side = lv.bid ? p.book.bids() : p.book.asks();
  SideState& st = p.side[lv.bid ? 0 : 1];
  // Beyond a truncated side's floor nothing is known: levels there are not ours to keep.
  if (st.truncated && (lv.bid ? lv.px < st.floor : lv.px > st.floor)) return false;
  const bool full = side.size() == side.capacity();
  const book::SetResult r = side.Set(lv.px, lv.qty);
  if (full && (r == book::SetResult::kInserted || r == book::SetResult::kBeyondDepth)) {
    // A level left the window (the worst one, or this one): the side is known down to its
    // worst held level from now on.
    const Price worst = side.level(side.size() - 1).px;
    if (!st.truncated || (lv.bid ? worst > st.floor : worst < st.floor)) st.floor = worst;
    st.truncated = true;
  }
  return true;
}

bool ConnectionBooks::Validate(Product& p, const Frame& f, const char* what) noexcept {
  const book::OrderBook& b = p.book;
  if (b.crossed()) {
    char bb[kMaxDecimalText], ba[kMaxDecimalText];
    Why w;
    const std::string_view bid = Dec(b.bids().level(0).px.raw(), Price::kDecimals, bb);
    const std::string_view ask = Dec(b.asks().level(0).px.raw(), Price::kDecimals, ba);
    std::snprintf(w.text, sizeof w.text, "%s %s crossed at sequence_num %llu: best bid %.*s >= best ask %.*s", p.name.c_str(),
                  what, static_cast<unsigned long long>(f.sequence_num), static_cast<int>(bid.size()), bid.data(),
                  static_cast<int>(ask.size()), ask.data());
    Fail(p, BookEvent::kCrossed, w.text);
    return false;
  }
  // A truncated side must still fill the core's top (or the whole window when it is smaller).
  const int need = depth_ < kBookTopDepth ? depth_ : kBookTopDepth;
  for (int s = 0; s < 2; ++s) {
    const book::BookSide& side = s == 0 ? b.bids() : b.asks();
    if (p.side[s].truncated && side.size() < need) {
      Why w;
      std::snprintf(w.text, sizeof w.text,
                    "%s %s side truncated to %d levels now holds %d known levels; a fresh snapshot is needed",
                    p.name.c_str(), s == 0 ? "bid" : "offer", depth_, side.size());
      Fail(p, BookEvent::kResyncNeeded, w.text);
      return false;
    }
  }
  return true;
}

void ConnectionBooks::ApplySnapshot(Product& p, const Frame& f, const L2Event& ev) noexcept {
  Clear(p);
  const L2Level* lv = f.levels + ev.first;
  for (uint32_t k = 0; k < ev.count; ++k) {
    if (lv[k].qty.is_zero()) continue;  // a snapshot lists live levels; a zero one says nothing
    beyond_floor_ += SetLevel(p, lv[k]) ? 0 : 1;
  }
  if (!Validate(p, f, "snapshot")) return;
  p.synced = true;
  if (!venues::IsIntegrityFailure(p.event)) p.detail.clear();
  Merge(p, BookEvent::kSnapshot);
}

void ConnectionBooks::ApplyUpdate(Product& p, const Frame& f, const L2Event& ev) noexcept {
  if (!p.synced) {
    if (!venues::IsIntegrityFailure(p.event))
      p.detail.assign("update while the book waits for a snapshot (dropped)");
    Merge(p, BookEvent::kResyncNeeded);
    return;
  }
  const L2Level* lv = f.levels + ev.first;
  for (uint32_t k = 0; k < ev.count; ++k) beyond_floor_ += SetLevel(p, lv[k]) ? 0 : 1;
  if (!Validate(p, f, "update")) return;
  Merge(p, BookEvent::kApplied);
}

BookEvent ConnectionBooks::OnFrame(const Frame& f, int focus) noexcept {
  beyond_floor_ = 0;
  for (auto& p : products_) p->event = BookEvent::kIgnored;
  if (!f.has_sequence) {
    check_ = SeqCheck::kNone;
  } else if (!have_next_ || f.sequence_num == next_seq_) {
    check_ = have_next_ ? SeqCheck::kInOrder : SeqCheck::kFirst;
    have_seq_ = have_next_ = true;
    last_seq_ = f.sequence_num;
    next_seq_ = f.sequence_num + 1;
  } else {
    // Lost or out-of-order envelopes: no book on this connection can be trusted.
    Why w;
    if (f.sequence_num > next_seq_) {
      check_ = SeqCheck::kGap;
      std::snprintf(w.text, sizeof w.text, "gap: sequence_num %llu, expected %llu (%llu lost)",
                    static_cast<unsigned long long>(f.sequence_num), static_cast<unsigned long long>(next_seq_),
                    static_cast<unsigned long long>(f.sequence_num - next_seq_));
    } else {
      check_ = SeqCheck::kBackwards;
      std::snprintf(w.text, sizeof w.text, "out of order: sequence_num %llu, expected %llu",
                    static_cast<unsigned long long>(f.sequence_num), static_cast<unsigned long long>(next_seq_));
    }
    have_seq_ = true;
    last_seq_ = f.sequence_num;
    next_seq_ = f.sequence_num + 1;
    for (auto& p : products_) Fail(*p, BookEvent::kGap, w.text);
  }
  if (f.kind == FrameKind::kL2Data) {
    for (int e = 0; e < f.event_count; ++e) {
      const L2Event& ev = f.events[e];
      const int i = Find(ev.product_id);
      if (i < 0) continue;  // a product this connection does not follow
      Product& p = *products_[static_cast<size_t>(i)];
      if (ev.type == EventType::kSnapshot) {
        ApplySnapshot(p, f, ev);
      } else {
        ApplyUpdate(p, f, ev);
      }
    }
  }
  for (auto& p : products_)
    if (p->event == BookEvent::kIgnored || p->event == BookEvent::kApplied) p->detail.clear();
  if (focus < 0 || focus >= size()) return BookEvent::kIgnored;
  return products_[static_cast<size_t>(focus)]->event;
}

}  // namespace hs::coinbase
