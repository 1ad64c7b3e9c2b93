// libFuzzer: the segment parser (bytes → one segment scan, as the directory scan and
// `journal verify` run it) never crashes, never reads past the data, and its verdict is
// consistent with itself — whether the bytes are read as the journal's first segment or as a
// lone segment file.
#include <cstdint>
#include <string_view>

#include "core/journal/internal/segment_scan.h"

namespace {

void Check(std::string_view bytes, bool lone) {
  using hs::journal::internal::Defect;
  hs::journal::internal::Carry carry;
  if (lone) {
    carry.first = false;
    carry.lone = true;
    carry.next_segment = 0;
  }
  hs::journal::DirScan scan;
  const hs::journal::internal::SegmentResult r = hs::journal::internal::ScanSegment(bytes, "fuzz", &carry, &scan);
  const uint64_t size = bytes.size();
  if (r.info.valid_bytes > size) __builtin_trap();
  if (r.defect == Defect::kNone && r.info.valid_bytes != size) __builtin_trap();  // every byte checked
  if (r.defect != Defect::kNone && r.damage.empty()) __builtin_trap();
  if (r.defect == Defect::kHeader && (scan.records != 0 || scan.groups != 0)) __builtin_trap();
  if (r.defect != Defect::kHeader && r.info.valid_bytes < sizeof(hs::journal::SegmentHeader)) __builtin_trap();
  if (r.info.records != scan.records) __builtin_trap();
  if (scan.groups != scan.counts[static_cast<int>(hs::journal::RecordType::kCommit)]) __builtin_trap();
  if (scan.groups > scan.records || scan.sessions.size() > scan.records) __builtin_trap();
  if (scan.snapshot_first_seq > scan.last_seq) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Check(bytes, /*lone=*/true);
  Check(bytes, /*lone=*/false);
  return 0;
}
