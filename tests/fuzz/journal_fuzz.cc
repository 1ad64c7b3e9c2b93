// libFuzzer: reading a damaged journal never crashes and never runs past the data.
#include <cstdint>
#include <string>

#include "core/journal/journal_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = hs::journal::JournalReader::FromBytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  if (!r.ok()) return 0;
  hs::journal::RecordView v;
  while (r->Next(&v) == hs::journal::ReadOutcome::kRecord) {
  }
  return 0;
}
