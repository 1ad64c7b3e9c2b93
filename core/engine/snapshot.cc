#include "core/engine/snapshot.h"

namespace hs::engine::snapshot {

LoadArchive::LoadArchive(std::string_view bytes, Mode mode) noexcept : in_(bytes), apply_(mode == Mode::kApply) {
  if (in_.size() < kHeaderBytes) {
    error_ = "snapshot: " + std::to_string(in_.size()) + " bytes, shorter than its " + std::to_string(kHeaderBytes) +
             "-byte header";
    return;
  }
  if (std::memcmp(in_.data(), kMagic, sizeof kMagic) != 0) {
    error_ = "snapshot: wrong magic (not a decision-core snapshot)";
    return;
  }
  uint32_t layout = 0;
  uint64_t size = 0;
  std::memcpy(&layout, in_.data() + 4, sizeof layout);
  std::memcpy(&size, in_.data() + 8, sizeof size);
  if (layout != kSnapshotLayout) {
    error_ = "snapshot: layout " + std::to_string(layout) + ", this build reads layout " +
             std::to_string(kSnapshotLayout);
    return;
  }
  if (size != in_.size()) {
    error_ = "snapshot: header says " + std::to_string(size) + " bytes, got " + std::to_string(in_.size());
    return;
  }
  pos_ = kHeaderBytes;
}

bool LoadArchive::Peek(void* p, size_t n) noexcept {
  if (!error_.empty()) return false;
  if (in_.size() - pos_ < n) {
    error_ = "snapshot: truncated: a field at byte " + std::to_string(pos_) + " needs " + std::to_string(n) +
             " bytes, " + std::to_string(in_.size() - pos_) + " left";
    return false;
  }
  std::memcpy(p, in_.data() + pos_, n);
  return true;
}

bool LoadArchive::Get(void* p, size_t n) noexcept {
  if (!error_.empty()) return false;
  if (in_.size() - pos_ < n) return Peek(p, n);  // sets the error
  if (apply_ && n != 0) std::memcpy(p, in_.data() + pos_, n);
  pos_ += n;
  return true;
}

void LoadArchive::Fail(const char* what) noexcept {
  if (error_.empty()) error_ = std::string("snapshot: ") + what;
}

void LoadArchive::ShapeMismatch(const char* what, int64_t saved, int64_t current) noexcept {
  if (!error_.empty()) return;
  error_ = std::string("snapshot: ") + what + " is " + std::to_string(saved) + " in the snapshot but " +
           std::to_string(current) + " in this core's config";
}

void LoadArchive::BadBool(size_t at) noexcept {
  if (!error_.empty()) return;
  error_ = "snapshot: byte " + std::to_string(at) + " should be a bool (0 or 1)";
}

bool LoadArchive::Finish() noexcept {
  if (error_.empty() && pos_ != in_.size())
    error_ = "snapshot: " + std::to_string(in_.size() - pos_) + " trailing bytes after the state (at byte " +
             std::to_string(pos_) + ")";
  return error_.empty();
}

// ---- zero-run codec
//
// varint(raw size), then tokens until the end: varint(t) with t = 2·len + 1 for a run of len
// zero bytes, or t = 2·len followed by len literal bytes; len >= 1. Varints are LEB128 (7 bits a
// byte, least significant first). Zero runs shorter than kMinZeroRun stay inside literals, where
// they cost less than the two token headers that splitting would take.

namespace {

constexpr size_t kMinZeroRun = 8;

void PutVarint(uint64_t v, std::string* out) noexcept {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// False when the varint is truncated or longer than 64 bits.
bool GetVarint(std::string_view in, size_t* pos, uint64_t* v) noexcept {
  uint64_t x = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= in.size()) return false;
    const auto b = static_cast<uint8_t>(in[(*pos)++]);
    if (shift == 63 && b > 1) return false;  // bits past the 64th
    x |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *v = x;
      return true;
    }
  }
  return false;
}

}  // namespace

size_t EncodedBound(size_t raw_size) noexcept {
  // A literal's own header is at most 10 bytes, and every zero run the encoder splits out is at
  // least kMinZeroRun bytes long, more than its token plus the next literal's header cost, so
  // encoding never grows the bytes beyond the size varint and the first literal's header.
  return raw_size + 32;
}

void Encode(std::string_view raw, std::string* out) noexcept {
  out->clear();
  PutVarint(raw.size(), out);
  const size_t n = raw.size();
  size_t lit = 0;
  size_t i = 0;
  auto literal = [&](size_t from, size_t to) {
    PutVarint(static_cast<uint64_t>(to - from) << 1, out);
    out->append(raw.data() + from, to - from);
  };
  while (i < n) {
    if (raw[i] != 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < n && raw[j] == 0) ++j;
    if (j - i >= kMinZeroRun || j == n) {
      if (i > lit) literal(lit, i);
      PutVarint((static_cast<uint64_t>(j - i) << 1) | 1, out);
      lit = j;
    }
    i = j;
  }
  if (n > lit) literal(lit, n);
}

bool Decode(std::string_view in, std::string* out, std::string* error) {
  out->clear();
  auto fail = [&](std::string what) {
    *error = "snapshot encoding: " + std::move(what);
    out->clear();
    return false;
  };
  size_t pos = 0;
  uint64_t size = 0;
  if (!GetVarint(in, &pos, &size)) return fail("truncated size");
  if (size > kMaxSnapshotBytes)
    return fail("declares " + std::to_string(size) + " bytes, more than the " + std::to_string(kMaxSnapshotBytes) +
                " a snapshot may have");
  // First pass: every token in bounds and the runs add up to the size, before anything is
  // allocated for what may be garbage.
  const size_t tokens_at = pos;
  uint64_t produced = 0;
  while (pos < in.size()) {
    const size_t at = pos;
    uint64_t t = 0;
    if (!GetVarint(in, &pos, &t)) return fail("truncated token at byte " + std::to_string(at));
    const uint64_t len = t >> 1;
    if (len == 0) return fail("empty run at byte " + std::to_string(at));
    if (len > size - produced)
      return fail("run at byte " + std::to_string(at) + " goes past the declared " + std::to_string(size) + " bytes");
    if ((t & 1) == 0) {
      if (len > in.size() - pos)
        return fail("literal at byte " + std::to_string(at) + " has " + std::to_string(len) + " bytes, " +
                    std::to_string(in.size() - pos) + " left");
      pos += len;
    }
    produced += len;
  }
  if (produced != size)
    return fail("runs give " + std::to_string(produced) + " bytes, the size says " + std::to_string(size));
  out->resize(size);  // zeros: zero runs need no writing
  pos = tokens_at;
  size_t w = 0;
  while (pos < in.size()) {
    uint64_t t = 0;
    GetVarint(in, &pos, &t);  // checked above
    const size_t len = static_cast<size_t>(t >> 1);
    if ((t & 1) == 0) {
      std::memcpy(out->data() + w, in.data() + pos, len);
      pos += len;
    }
    w += len;
  }
  return true;
}

}  // namespace hs::engine::snapshot
