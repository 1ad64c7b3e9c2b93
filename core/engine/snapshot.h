// hs::engine::snapshot — the decision core's state as bytes, and back (DESIGN §8).
//
// Every stateful part lists its mutable state once, in a member template used for both
// directions:
//
//   template <class Ar> void Persist(Ar& ar) { ar(free_); ar(next_id_); ar.Shape(cap_, "order slots"); }
//
// `ar(x)` saves x into, or loads it from, the archive. It takes integral, enum and bool values,
// floating point (bit for bit), the fixed-point, id and time types of core/base, std::array and
// C arrays of those, structs with a Persist member (or a free Persist(ar, x) found by ADL, for
// message structs), and any other trivially copyable struct only when it has unique object
// representations (static_assert): padding bytes must never reach a snapshot, or two equal
// states could give different bytes. Params, pointers, views and wiring are not state and are
// not listed; `ar.Shape(v, what)` records a param a state depends on (a table size, say) so a
// load into a core configured otherwise fails, naming it. `ar.Measurement(x)` marks a field that
// is not a function of the inputs (a TSC stamp, a count of journal stalls): it is not saved,
// and loads as zero. TscStamp is always a measurement.
//
// The bytes: a 16-byte header (magic, kSnapshotLayout, the total size), then the fields in
// Persist order, little-endian as in memory (x86-64; static_assert), ids stored as value + 1 so
// the invalid id (all ones) is a zero byte like every other default and the mostly-default
// tables compress. Loading is all or nothing when the caller first runs a dry pass
// (LoadArchive::Mode::kCheck): the dry pass reads and checks without writing, so a snapshot of
// another layout, size or shape leaves the core as it was.
//
// The zero-run codec (Encode/Decode) shrinks the bytes for the journal: the state is mostly
// zero tables sized kMaxVenues × kMaxInstruments. Decode checks every bound: a corrupted
// snapshot gives an error, never a crash.
//
// Cold path (snapshots every [journal] snapshot_every records, recovery, replay): no lock, no
// log, no throw; SaveArchive appends to a string whose capacity the caller reserved.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"

namespace hs::engine::snapshot {

static_assert(std::endian::native == std::endian::little, "snapshots are little-endian as in memory");

inline constexpr char kMagic[4] = {'H', 'S', 'S', 'N'};
// Bump whenever any Persist changes (a field added, removed, reordered or resized), and update
// the sizeof guards in decision_core_state.cc. 1: issue 14's first layout.
inline constexpr uint32_t kSnapshotLayout = 3;  // 3: perpetual margin (issue 15)
inline constexpr size_t kHeaderBytes = 16;  // magic[4], layout u32, total size u64
// Decode refuses to produce more than this (a corrupted size must not allocate without bound).
inline constexpr size_t kMaxSnapshotBytes = size_t{256} << 20;

namespace internal {

template <class T>
struct IsDenseId : std::false_type {};
template <class Tag, class Rep>
struct IsDenseId<DenseId<Tag, Rep>> : std::true_type {};

template <class T>
struct IsStdArray : std::false_type {};
template <class T, size_t N>
struct IsStdArray<std::array<T, N>> : std::true_type {};

template <class T, class Ar>
concept HasMemberPersist = requires(T& t, Ar& ar) { t.Persist(ar); };
template <class T, class Ar>
concept HasFreePersist = requires(T& t, Ar& ar) { Persist(ar, t); };

// Copied as raw bytes, singly or a whole array at once: no padding, no pointer, and nothing the
// archive treats specially (bools are checked on load, ids shifted, stamps skipped, structs with
// a Persist listed field by field).
template <class T, class Ar>
constexpr bool kRaw = std::is_trivially_copyable_v<T> && std::has_unique_object_representations_v<T> &&
                      !std::is_pointer_v<T> && !std::is_member_pointer_v<T> && !std::is_same_v<T, bool> &&
                      !IsDenseId<T>::value && !std::is_same_v<T, TscStamp> && !IsStdArray<T>::value &&
                      !HasMemberPersist<T, Ar> && !HasFreePersist<T, Ar>;

}  // namespace internal

// Appends a state's bytes to `out` (cleared first; its capacity is kept).
class SaveArchive {
 public:
  static constexpr bool kLoading = false;

  explicit SaveArchive(std::string* out) noexcept : out_(out) {
    out_->clear();
    out_->append(kMagic, sizeof kMagic);
    const uint32_t layout = kSnapshotLayout;
    Put(&layout, sizeof layout);
    const uint64_t size = 0;  // patched by Finish
    Put(&size, sizeof size);
  }

  template <class T>
  void operator()(T& x) noexcept {
    Visit(x);
  }
  template <class T>
  void Measurement(T&) noexcept {}
  template <class T>
  void Shape(const T& v, const char*) noexcept {
    static_assert(std::is_integral_v<T> || std::is_enum_v<T>);
    Put(&v, sizeof v);
  }
  // A vector sized from params: its size (a shape), then its elements.
  template <class T>
  void Vector(std::vector<T>& v, const char* what) noexcept {
    Shape(static_cast<uint64_t>(v.size()), what);
    for (T& e : v) Visit(e);
  }
  void Fail(const char*) noexcept {}

  // Writes the total size into the header. The bytes are complete after this.
  void Finish() noexcept {
    const uint64_t size = out_->size();
    std::memcpy(out_->data() + 8, &size, sizeof size);
  }

 private:
  void Put(const void* p, size_t n) noexcept { out_->append(static_cast<const char*>(p), n); }

  template <class T>
  void Visit(T& x) noexcept {
    using U = std::remove_cv_t<T>;
    if constexpr (internal::HasMemberPersist<U, SaveArchive>) {
      x.Persist(*this);
    } else if constexpr (internal::HasFreePersist<U, SaveArchive>) {
      Persist(*this, x);
    } else if constexpr (std::is_same_v<U, bool>) {
      const uint8_t b = x ? 1 : 0;
      Put(&b, 1);
    } else if constexpr (std::is_floating_point_v<U>) {
      static_assert(sizeof(U) == 8 || sizeof(U) == 4);
      using Bits = std::conditional_t<sizeof(U) == 8, uint64_t, uint32_t>;
      const Bits bits = std::bit_cast<Bits>(x);
      Put(&bits, sizeof bits);
    } else if constexpr (internal::IsDenseId<U>::value) {
      const auto shifted = static_cast<decltype(x.value)>(x.value + 1);
      Put(&shifted, sizeof shifted);
    } else if constexpr (std::is_same_v<U, TscStamp>) {
      // A measurement: never state.
    } else if constexpr (internal::IsStdArray<U>::value || std::is_array_v<U>) {
      using E = std::remove_cv_t<std::remove_reference_t<decltype(x[0])>>;
      constexpr size_t n = sizeof(U) / sizeof(E);
      if constexpr (internal::kRaw<E, SaveArchive>) {
        Put(&x[0], sizeof(E) * n);
      } else {
        for (size_t k = 0; k < n; ++k) Visit(x[k]);
      }
    } else {
      static_assert(internal::kRaw<U, SaveArchive>,
                    "not persistable as raw bytes (padding, a pointer or a bool inside?): give it a Persist");
      Put(&x, sizeof x);
    }
  }

  std::string* out_;
};

// Reads a state from bytes SaveArchive wrote. The first error is kept (error()); after it every
// read is a no-op. In kCheck mode nothing is written to the fields: the bytes are only checked,
// against the shapes of the object being "loaded".
class LoadArchive {
 public:
  static constexpr bool kLoading = true;
  enum class Mode : uint8_t { kCheck, kApply };

  LoadArchive(std::string_view bytes, Mode mode) noexcept;

  template <class T>
  void operator()(T& x) noexcept {
    Visit(x);
  }
  template <class T>
  void Measurement(T& x) noexcept {
    if (apply_) x = T{};
  }
  template <class T>
  void Shape(const T& v, const char* what) noexcept {
    static_assert(std::is_integral_v<T> || std::is_enum_v<T>);
    T saved{};
    if (!Peek(&saved, sizeof saved)) return;  // read even in kCheck mode: it is compared, not stored
    pos_ += sizeof saved;
    if (saved != v) ShapeMismatch(what, static_cast<int64_t>(saved), static_cast<int64_t>(v));
  }
  template <class T>
  void Vector(std::vector<T>& v, const char* what) noexcept {
    Shape(static_cast<uint64_t>(v.size()), what);
    for (T& e : v) Visit(e);
  }
  void Fail(const char* what) noexcept;

  // Checks that every byte was read. Returns ok().
  bool Finish() noexcept;
  bool ok() const noexcept { return error_.empty(); }
  // The first error, naming what is wrong ("" when none).
  const std::string& error() const noexcept { return error_; }

 private:
  // Copies n bytes into p (or only consumes them in kCheck mode); false (and the error) when the
  // input is short or an error came before.
  bool Get(void* p, size_t n) noexcept;
  void ShapeMismatch(const char* what, int64_t saved, int64_t current) noexcept;
  void BadBool(size_t at) noexcept;

  template <class T>
  void Visit(T& x) noexcept {
    using U = std::remove_cv_t<T>;
    if constexpr (internal::HasMemberPersist<U, LoadArchive>) {
      x.Persist(*this);
    } else if constexpr (internal::HasFreePersist<U, LoadArchive>) {
      Persist(*this, x);
    } else if constexpr (std::is_same_v<U, bool>) {
      uint8_t b = 0;
      if (!Peek(&b, 1)) return;
      if (b > 1) return BadBool(pos_);
      pos_ += 1;
      if (apply_) x = b != 0;
    } else if constexpr (std::is_floating_point_v<U>) {
      using Bits = std::conditional_t<sizeof(U) == 8, uint64_t, uint32_t>;
      Bits bits = 0;
      if (!Peek(&bits, sizeof bits)) return;
      pos_ += sizeof bits;
      if (apply_) x = std::bit_cast<U>(bits);
    } else if constexpr (internal::IsDenseId<U>::value) {
      decltype(x.value) shifted{};
      if (!Peek(&shifted, sizeof shifted)) return;
      pos_ += sizeof shifted;
      if (apply_) x.value = static_cast<decltype(x.value)>(shifted - 1);
    } else if constexpr (std::is_same_v<U, TscStamp>) {
      if (apply_) x = TscStamp{};
    } else if constexpr (internal::IsStdArray<U>::value || std::is_array_v<U>) {
      using E = std::remove_cv_t<std::remove_reference_t<decltype(x[0])>>;
      constexpr size_t n = sizeof(U) / sizeof(E);
      if constexpr (internal::kRaw<E, LoadArchive>) {
        Get(&x[0], sizeof(E) * n);
      } else {
        for (size_t k = 0; k < n; ++k) Visit(x[k]);
      }
    } else {
      static_assert(internal::kRaw<U, LoadArchive>,
                    "not persistable as raw bytes (padding, a pointer or a bool inside?): give it a Persist");
      Get(&x, sizeof x);
    }
  }
  // Copies n bytes at the read position into p without consuming them; false (and the error)
  // when short.
  bool Peek(void* p, size_t n) noexcept;

  std::string_view in_;
  size_t pos_ = 0;
  bool apply_;
  std::string error_;
};

// The zero-run encoding of `raw` into *out (cleared first; capacity kept). Never longer than
// EncodedBound(raw.size()).
void Encode(std::string_view raw, std::string* out) noexcept;
size_t EncodedBound(size_t raw_size) noexcept;
// Back: false (and *error set) for any malformed input — a truncated token, a run past the
// declared size, a size over kMaxSnapshotBytes, bytes after the end. *out is cleared first.
bool Decode(std::string_view encoded, std::string* out, std::string* error);

}  // namespace hs::engine::snapshot
