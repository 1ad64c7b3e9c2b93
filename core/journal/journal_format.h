// hs::journal — the on-disk format of the journal, shared by writer, reader and replay.
//
// Format 3 (DESIGN §8): the journal is a DIRECTORY of numbered segment files
// (SegmentFileName: "seg-000001.hsj", ...) that no restart truncates. Each segment is a
// 256-byte SegmentHeader followed by records. Every engine session starts a new segment, and a
// segment rotates at [journal] segment_mb (at a group-commit boundary). Sequence numbers run
// 1, 2, 3, ... across segments and sessions with no gap.
//
// Group commit and hash chain: the writer ends every group (one write) with a kCommit record
// (CommitMark; header seq = 0, outside the sequence) carrying the SHA-256 chain value
//   chain = SHA-256(previous chain || every byte of the group's records before the mark)
// so a group is the unit of durability: records after the last valid commit mark are a torn
// tail. The chain starts from 32 zero bytes and continues across segments: a segment header's
// prev_hash is the chain value at the end of the segment before it.
//
// A session's first records are its config (kConfig chunks of the normalized config text,
// whose SHA-256 the segment header carries), then session_start. The core writes a snapshot
// of its whole state (kSnapshot chunks) every [journal] snapshot_every records.
//
// The FileHeader below is format 2's single-file header, kept for the reader of old files.
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
#include <string>
#include <string_view>
#include <type_traits>

#include "core/messages/messages.h"

namespace hs::journal {

inline constexpr char kFileMagic[8] = {'H', 'S', 'J', 'O', 'U', 'R', 'N', '1'};
// 2: the file header carries header_crc (version 1 had a zero reserved field there).
inline constexpr uint32_t kFormatVersion = 2;
// 3: a directory of segments, commit marks with a SHA-256 chain, config and snapshot records.
inline constexpr uint32_t kSegmentFormatVersion = 3;
inline constexpr char kSegmentMagic[8] = {'H', 'S', 'J', 'S', 'E', 'G', '0', '3'};
inline constexpr size_t kHashBytes = 32;
using ChainHash = std::array<uint8_t, kHashBytes>;
// Bump when a message struct changes. 2: with format version 2 (ControlCommand's fields
// change within the same size). 3: SessionStart carries client_id_base; OrderIntent.post_only,
// ControlOp::kDrain, RejectReason::kNotFound. 4: RiskReject carries the failed value and limit;
// breaker and state_change records; ControlOp::kReset; OrderIntent.cancel. 5: segments
// (format 3); config, snapshot and commit records; OrderIntent.query; ControlOp::kJournalFailed.
inline constexpr uint16_t kLayoutVersion = 5;

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
  kConfig = 9,        // ConfigChunk: a piece of the session's normalized config text (core, at Begin)
  kSnapshot = 10,     // SnapshotChunk: a piece of the core's whole state (core, every snapshot_every)
  kCommit = 11,       // CommitMark: end of a group commit (writer; header seq 0, not in the sequence)
};
inline constexpr RecordType kLastRecordType = RecordType::kCommit;
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

// One segment's header: the first 256 bytes of every segment file. `header_crc` is CRC-32C
// over the 256 bytes with that field zero (SegmentHeaderCrc).
struct SegmentHeader {
  char magic[8];
  uint32_t version = kSegmentFormatVersion;
  uint32_t header_size = 256;
  uint64_t segment = 0;      // this segment's number (1, 2, ...; the file name's number)
  uint64_t session = 0;      // the engine session that wrote it (1, 2, ... per journal)
  uint64_t first_seq = 0;    // sequence number of its first record
  int64_t created_wall_ns = 0;
  uint32_t record_header_size = 24;
  uint16_t layout = kLayoutVersion;  // message struct layout of its records
  uint16_t reserved0 = 0;
  uint32_t header_crc = 0;
  uint32_t reserved1 = 0;
  ChainHash config_sha256{};  // SHA-256 of the session's normalized config text
  ChainHash prev_hash{};      // chain value at the end of the previous segment (zeros: first)
  char engine_name[32] = {};
  uint8_t reserved2[96] = {};
};
static_assert(sizeof(SegmentHeader) == 256);
static_assert(std::has_unique_object_representations_v<SegmentHeader>);

// A piece of the normalized config text. The chunks of one session are consecutive records
// right after its segment header; offsets run from 0 to total with no gap.
struct ConfigChunk {
  uint32_t total = 0;   // bytes of the whole text
  uint32_t offset = 0;  // of this piece
  uint16_t length = 0;  // bytes used in `bytes`
  uint8_t reserved[6] = {};
  char bytes[224] = {};  // unused tail zero
};
static_assert(sizeof(ConfigChunk) == 240);

// A piece of a core snapshot: DecisionCore::SaveState's bytes (zero runs encoded, see
// core/engine/snapshot.h). A snapshot is `count` consecutive records; `at_seq` is the sequence
// number of the last record whose effect it includes (the record just before its first chunk).
struct SnapshotChunk {
  uint64_t at_seq = 0;
  uint32_t total = 0;   // encoded bytes of the whole snapshot
  uint32_t offset = 0;  // of this piece
  uint32_t index = 0;   // 0 .. count-1
  uint32_t count = 0;
  uint16_t length = 0;  // bytes used in `bytes`
  uint8_t reserved[6] = {};
  unsigned char bytes[216] = {};  // unused tail zero
};
static_assert(sizeof(SnapshotChunk) == 248);

// The end of one group commit. The record header's seq is 0: marks are not in the sequence.
struct CommitMark {
  uint64_t first_seq = 0;  // first and last sequence numbers of the group's records
  uint64_t last_seq = 0;
  uint32_t records = 0;    // records in the group (the mark excluded)
  uint32_t reserved = 0;
  ChainHash chain{};       // SHA-256(previous chain || the group's record bytes)
};
static_assert(sizeof(CommitMark) == 56);

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
static_assert(sizeof(ConfigChunk) <= kMaxPayload);
static_assert(sizeof(SnapshotChunk) <= kMaxPayload);

inline constexpr size_t Padded(size_t n) noexcept { return (n + 7) & ~size_t{7}; }

// CRC-32C of a record: header bytes [0,16) then the payload.
uint32_t RecordCrc(const RecordHeader& h, const void* payload) noexcept;

// CRC-32C of the 64 file header bytes with header_crc taken as zero (whatever it holds).
uint32_t FileHeaderCrc(const FileHeader& h) noexcept;

// CRC-32C of the 256 segment header bytes with header_crc taken as zero.
uint32_t SegmentHeaderCrc(const SegmentHeader& h) noexcept;

// "seg-000042.hsj" (six digits at least; more when the number needs them).
std::string SegmentFileName(uint64_t segment);
// The number in a segment file name, or 0 when `name` is not one.
uint64_t ParseSegmentFileName(std::string_view name) noexcept;

// The chain step: SHA-256(prev || bytes[0, n)).
ChainHash ChainNext(const ChainHash& prev, const void* bytes, size_t n) noexcept;
// SHA-256 of bytes (the config hash).
ChainHash Sha256(const void* bytes, size_t n) noexcept;
// Lower-case hex of a hash (64 characters).
std::string HashHex(const ChainHash& h);

// The normalized config text: line endings LF, trailing spaces and tabs of every line removed,
// exactly one final newline. Its SHA-256 is the segment header's config_sha256.
std::string NormalizeConfigText(std::string_view text);

}  // namespace hs::journal
