#include "venues/common/order_session.h"

namespace hs::venues {

size_t FormatClientId(ClientOrderId id, char* out) noexcept {
  char digits[20];
  size_t n = 0;
  uint64_t v = id.value;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  out[0] = 'h';
  out[1] = 's';
  for (size_t i = 0; i < n; ++i) out[2 + i] = digits[n - 1 - i];
  return n + 2;
}

bool ParseClientId(std::string_view text, ClientOrderId* out) noexcept {
  if (text.size() < 3 || text.size() > kClientIdTextMax || text[0] != 'h' || text[1] != 's') return false;
  uint64_t v = 0;
  for (size_t i = 2; i < text.size(); ++i) {
    const unsigned d = static_cast<unsigned char>(text[i] - '0');
    if (d > 9) return false;
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v)) return false;
  }
  out->value = v;
  return true;
}

InFlightEntry& InFlightTable::Track(const OrderIntent& in, TscStamp wire, int64_t now_ns) noexcept {
  InFlightEntry& e = slots_[Slot(in.client_id)];
  e = InFlightEntry{};
  e.state = InFlightState::kSent;
  e.id = in.client_id;
  e.instrument = in.instrument;
  e.side = in.side;
  e.tif = in.tif;
  e.qty = in.qty;
  e.wire = wire;
  e.sent_ns = now_ns;
  return e;
}

InFlightEntry& InFlightTable::Adopt(const OrderIntent& in, int64_t now_ns) noexcept {
  // Nothing of it was reported by this session: fills count from 0, so the reports carry the
  // order's cumulative outcome.
  InFlightEntry& e = Track(in, TscStamp{}, now_ns);
  e.adopted = true;
  MakeUnknown(e, now_ns);
  return e;
}

InFlightEntry* InFlightTable::Find(ClientOrderId id) noexcept {
  InFlightEntry& e = slots_[Slot(id)];
  return e.live() && e.id == id ? &e : nullptr;
}

InFlightEntry* InFlightTable::Find(std::string_view client_id_text, ClientOrderId* id) noexcept {
  if (!ParseClientId(client_id_text, id)) return nullptr;
  return Find(*id);
}

ExecReport InFlightTable::Base(const InFlightEntry& e, VenueId venue, TscStamp recv) const noexcept {
  ExecReport ex;
  ex.client_id = e.id;
  ex.venue = venue;
  ex.instrument = e.instrument;
  ex.side = e.side;
  ex.cum_qty = e.reported_qty;
  ex.venue_order_id = e.venue_order_id;
  ex.recv_stamp = recv;
  ex.wire_stamp = e.wire;
  return ex;
}

bool InFlightTable::FillDelta(InFlightEntry& e, const CumulativeFill& c, VenueId venue, TscStamp recv, bool final,
                              ExecReport* out) noexcept {
  // Cumulative numbers only grow: anything not ahead of what was reported is a repeat.
  if (!(e.reported_qty < c.cum_qty)) return false;
  ExecReport ex = Base(e, venue, recv);
  ex.kind = ExecKind::kFill;
  ex.final = final;
  ex.fill_qty = c.cum_qty - e.reported_qty;
  ex.fill_quote = c.cum_quote - e.reported_quote;
  ex.fee = c.cum_fee - e.reported_fee;
  ex.fee_asset = c.fee_asset;
  ex.fill_px = c.last_px;
  ex.cum_qty = c.cum_qty;
  e.reported_qty = c.cum_qty;
  e.reported_quote = c.cum_quote;
  e.reported_fee = c.cum_fee;
  if (e.state != InFlightState::kUnknown) e.state = InFlightState::kAcked;
  *out = ex;
  return true;
}

int InFlightTable::live() const noexcept {
  int n = 0;
  for (const InFlightEntry& e : slots_) n += e.live() ? 1 : 0;
  return n;
}

int InFlightTable::unknown() const noexcept {
  int n = 0;
  for (const InFlightEntry& e : slots_) n += e.state == InFlightState::kUnknown ? 1 : 0;
  return n;
}

}  // namespace hs::venues
