// hs::okx::internal — CRC-32 (IEEE/zlib, the polynomial OKX's book checksum uses) folded with
// carry-less multiplication (PCLMULQDQ) when the CPU has it: about ten times faster than the
// table-driven hs::Crc32Ieee on the ~600-byte check strings every book update builds. Same
// results bit for bit (tests compare both on random data); short inputs and tails use the table.
//
// Not here: the check string itself (okx_book.cc). Stateless; any thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hs::okx::internal {

// CRC-32 of [p, p+len), as hs::Crc32Ieee(std::string_view(p, len)).
uint32_t Crc32Ieee(const char* p, size_t len) noexcept;
// The table-driven path alone (the benchmark's ablation switch, and the reference in tests).
uint32_t Crc32IeeeTable(const char* p, size_t len) noexcept;
// True when the folded path is in use on this CPU.
bool ClmulAvailable() noexcept;

}  // namespace hs::okx::internal
