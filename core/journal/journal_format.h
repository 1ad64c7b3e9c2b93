// hs::journal — the on-disk format of the journal, shared by writer, reader and replay.
//
// A journal file is a 64-byte FileHeader followed by records. The header carries its own
// CRC-32C (`header_crc`, over the 64 header bytes with that field zeroed), so a flipped byte
// anywhere in it — the engine name and creation time included — is caught. Each record is a 24-byte
// RecordHeader and `length` payload bytes, padded with zeros to a multiple of 8. The payload
// is the message struct's bytes as the core saw them (messages are trivially copyable and the
// file is read back on the same architecture; `layout` versions the structs). `seq` counts
// records from 1 with no gaps; `crc` is CRC-32C over the header's first 16 bytes and the
// payload. Little-endian throughout.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "core/messages/messages.h"

namespace hs::journal {

inline constexpr char kFileMagic[8] = {'H', 'S', 'J', 'O', 'U', 'R', 'N', '1'};
// 2: the file header carries header_crc (version 1 had a zero reserved field there).
inline constexpr uint32_t kFormatVersion = 2;
// Bump when a message struct changes. 2: with format version 2 (ControlCommand's fields
// change within the same size). 3: SessionStart carries client_id_base; OrderIntent.post_only,
// ControlOp::kDrain, RejectReason::kNotFound. 4: RiskReject carries the failed value and limit;
// breaker and state_change records; ControlOp::kReset; OrderIntent.cancel.
inline constexpr uint16_t kLayoutVersion = 4;

struct FileHeader {
  char magic[8];
  uint32_t version = kFormatVersion;
  uint32_t header_size = sizeof(FileHeader);
  int64_t created_wall_ns = 0;
  uint32_t record_header_size = 24;
  uint32_t header_crc = 0;  // FileHeaderCrc(); was reserved (zero) in format version 1
  char engine_name[32] = {};
};
static_assert(sizeof(FileHeader) == 64);
static_assert(offsetof(FileHeader, header_crc) == 28);
// No padding: the struct's bytes are exactly the file's 64 header bytes.
static_assert(std::has_unique_object_representations_v<FileHeader>);

enum class RecordType : uint16_t {
  kSessionStart = 1,  // SessionStart
  kVenueMsg = 2,      // VenueMsg: a core input from a venue thread
  kControl = 3,       // ControlCommand: a core input from the control thread
  kIntent = 4,        // OrderIntent: a core output
  kRiskReject = 5,    // RiskReject: an intent the risk gate refused
  kSessionEnd = 6,    // SessionEnd
  kBreaker = 7,       // BreakerRecord: a circuit breaker tripped, cleared or was reset
  kStateChange = 8,   // StateChange: trading states after an operator command or a breaker event
};
inline constexpr RecordType kLastRecordType = RecordType::kStateChange;
const char* RecordTypeName(RecordType t) noexcept;

struct RecordHeader {
  uint32_t length = 0;  // payload bytes, before padding
  uint16_t type = 0;
  uint16_t layout = kLayoutVersion;
  uint64_t seq = 0;
  uint32_t crc = 0;
  uint32_t reserved = 0;
};
static_assert(sizeof(RecordHeader) == 24);

struct SessionStart {
  int64_t wall_ns = 0;
  uint32_t venues = 0;
  uint32_t instruments = 0;
  uint64_t tsc_ticks_per_ms = 0;
  // The session's first client order id: a prefix no earlier session used (the app picks it
  // from the wall clock at start). A core input: a replay starts its ids here too.
  uint64_t client_id_base = 0;
};

struct RiskReject {
  OrderIntent intent;
  uint8_t verdict = 0;  // risk::Verdict
  uint8_t reserved = 0;
  uint16_t asset = 0xFFFF;  // position checks: the asset whose limit failed
  uint32_t reserved2 = 0;
  int64_t value = 0;        // what failed and the limit it broke (raw; risk::ValueDecimals)
  int64_t limit = 0;
};

// risk::BreakerEvent as journaled (plain fields: the journal does not depend on risk/).
struct BreakerRecord {
  uint8_t breaker = 0;  // risk::BreakerId
  uint8_t scope = 0;    // risk::BreakerScope
  uint8_t kind = 0;     // risk::BreakerEventKind: trip, clear, reset
  uint8_t action = 0;   // risk::BreakerAction
  uint8_t cause = 0;
  uint8_t reserved = 0;
  uint16_t index = 0;   // the slot: venue or instrument id (0 for global)
  uint16_t venue = 0xFFFF;
  uint16_t instrument = 0xFFFF;
  uint32_t peer_uid = 0xFFFFFFFFu;  // reset: the operator
  int64_t value = 0;
  int64_t threshold = 0;
  int64_t time_ns = 0;  // input time
};

// The trading states after a change, and what changed them: an operator command (op, its
// request id, the peer's uid and the result) or a breaker event (op = kNone).
struct StateChange {
  int64_t time_ns = 0;
  uint64_t request_id = 0;
  uint32_t peer_uid = 0xFFFFFFFFu;
  uint8_t op = 0;       // ControlOp, or kNone for a breaker event
  uint8_t result = 0;   // StateChangeResult
  uint8_t global = 0;   // risk::TradingState that applies globally
  uint8_t killed = 0;
  std::array<uint8_t, kMaxVenues> venue{};            // risk::TradingState per venue (global included)
  std::array<uint8_t, kMaxInstruments> instrument{};  // the breaker layer per instrument
};
enum class StateChangeResult : uint8_t {
  kApplied = 0,    // the command was applied (states may or may not have changed)
  kNoEffect = 1,   // nothing to do (a reset of a breaker not tripped; a venue out of range)
  kRefused = 2,    // the core refused it (a reset of the journal breaker)
};

struct SessionEnd {
  int64_t wall_ns = 0;
  uint64_t records = 0;
};

// Largest payload a record carries (sizes the ring slots and the reader's buffer).
inline constexpr size_t kMaxPayload = 256;
static_assert(sizeof(VenueMsg) <= kMaxPayload);
static_assert(sizeof(RiskReject) <= kMaxPayload);
static_assert(sizeof(BreakerRecord) <= kMaxPayload);
static_assert(sizeof(StateChange) <= kMaxPayload);

inline constexpr size_t Padded(size_t n) noexcept { return (n + 7) & ~size_t{7}; }

// CRC-32C of a record: header bytes [0,16) then the payload.
uint32_t RecordCrc(const RecordHeader& h, const void* payload) noexcept;

// CRC-32C of the 64 file header bytes with header_crc taken as zero (whatever it holds).
uint32_t FileHeaderCrc(const FileHeader& h) noexcept;

}  // namespace hs::journal
