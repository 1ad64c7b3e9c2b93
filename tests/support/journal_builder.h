// Test-only: builds format-3 journal segments in memory (journal_format.h), byte for byte as
// the writer lays them out — segment headers, records, commit marks with a correct SHA-256
// chain — so the reader's tests control every byte, and can damage any of them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/journal/journal_format.h"

namespace hs::testing {

struct BuiltSegment {
  uint64_t number = 0;
  uint64_t session = 0;
  uint64_t first_seq = 0;
  std::string bytes;
  // Per committed group: the offset of its first record, the offset just past its commit mark,
  // and its last sequence number.
  std::vector<uint64_t> group_start;
  std::vector<uint64_t> group_end;
  std::vector<uint64_t> group_last_seq;
  journal::ChainHash end_hash{};  // chain value after its last group
};

// One record as the reader should return it.
struct BuiltRecord {
  uint64_t segment = 0;
  uint64_t seq = 0;  // 0 for a commit mark
  uint16_t type = 0;
  uint64_t offset = 0;
};

class JournalBuilder {
 public:
  static constexpr const char* kConfig = "[engine]\nname = \"test\"\n";

  // Opens the next segment: of the next session (new_session) or of the current one (rotation).
  void OpenSegment(bool new_session, const std::string& config = kConfig);
  // OpenSegment(true), the config chunks, session_start, then a commit: how a session starts.
  void StartSession(const std::string& config = kConfig);
  // Appends one record to the current group (the next sequence number).
  void Record(journal::RecordType type, const void* payload, size_t n);
  template <typename T>
  void Record(journal::RecordType type, const T& msg) {
    Record(type, &msg, sizeof msg);
  }
  void VenueMsgs(int n);  // n book tops
  void Snapshot(uint32_t chunks, uint32_t only_first = 0);  // a snapshot of `chunks` chunks (only_first: stop early)
  void EndSession();      // session_end, counted as DecisionCore counts it (itself included)
  void Commit();          // ends the group with its commit mark

  // Damage on purpose: the next record's seq jumps by n; the next segment header carries `h`
  // as its prev_hash.
  void SkipSeq(uint64_t n) { seq_ += n; }
  void SetNextPrevHash(const journal::ChainHash& h) {
    prev_override_ = h;
    has_prev_override_ = true;
  }

  std::vector<BuiltSegment>& segments() { return segs_; }
  const std::vector<BuiltRecord>& records() const { return records_; }  // committed, marks included
  uint64_t last_seq() const { return seq_; }
  const journal::ChainHash& chain() const { return chain_; }
  uint64_t session() const { return session_; }

  // Writes every segment as seg-NNNNNN.hsj into `dir` (which must exist).
  void WriteTo(const std::string& dir) const;

  // Recomputes a segment's header CRC after a test edited its header.
  static void Reseal(std::string* segment);
  static journal::SegmentHeader HeaderOf(const std::string& segment);
  static void SetHeader(std::string* segment, const journal::SegmentHeader& h);  // resealed

 private:
  std::vector<BuiltSegment> segs_;
  std::vector<BuiltRecord> records_;
  std::vector<BuiltRecord> pending_;
  uint64_t seq_ = 0;
  uint64_t session_ = 0;
  journal::ChainHash chain_{};
  journal::ChainHash config_hash_{};
  uint64_t group_start_ = 0;
  uint64_t group_first_ = 0;
  journal::ChainHash prev_override_{};
  bool has_prev_override_ = false;
};

}  // namespace hs::testing
