// hs::base — CRC-32 checksums.
//
// Crc32Ieee: the IEEE 802.3 / zlib polynomial (0xEDB88320 reflected), which OKX and Kraken use
// for their book checksums, after every book message. Inputs of 64 bytes and more are folded
// with carry-less multiplication (PCLMULQDQ) when the CPU has it — about six times faster than
// slicing-by-8 tables on the 300–600-byte check strings — and the tables take short inputs and
// tails. Same result bit for bit either way (tests compare both with zlib). No allocation,
// incremental.
// Crc32c: the Castagnoli polynomial with the SSE4.2 instruction, for journal records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hs {

// Incremental form: start with crc = 0, feed pieces in order.
uint32_t Crc32IeeeUpdate(uint32_t crc, const void* data, size_t len) noexcept;
inline uint32_t Crc32Ieee(std::string_view s) noexcept { return Crc32IeeeUpdate(0, s.data(), s.size()); }
// The table-driven path alone (the benchmark's ablation and the tests' reference).
uint32_t Crc32IeeeTableUpdate(uint32_t crc, const void* data, size_t len) noexcept;
// True when Crc32IeeeUpdate folds with PCLMULQDQ on this CPU.
bool Crc32IeeeFolds() noexcept;

uint32_t Crc32cUpdate(uint32_t crc, const void* data, size_t len) noexcept;
inline uint32_t Crc32c(const void* data, size_t len) noexcept { return Crc32cUpdate(0, data, len); }

}  // namespace hs
