// libFuzzer: reading or verifying a damaged journal never crashes and never runs past the data,
// and verify's verdict is consistent with itself.
#include <cstdint>
#include <string>

#include "core/journal/journal_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const hs::journal::VerifyResult v = hs::journal::VerifyJournalBytes(bytes, "fuzz");
  if (v.closed && (!v.ok || v.header_only)) __builtin_trap();
  if (v.header_only && (!v.ok || v.records != 0)) __builtin_trap();
  if (!v.ok && v.error.empty()) __builtin_trap();
  if (!v.header_ok && (v.ok || v.records != 0)) __builtin_trap();

  auto r = hs::journal::JournalReader::FromBytes(bytes, "fuzz");
  if (r.ok() != v.header_ok) __builtin_trap();
  if (!r.ok()) return 0;
  hs::journal::RecordView v2;
  uint64_t n = 0;
  while (r->Next(&v2) == hs::journal::ReadOutcome::kRecord) ++n;
  if (n < v.records) __builtin_trap();  // verify stops at the same defects and more
  return 0;
}
