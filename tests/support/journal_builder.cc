#include "tests/support/journal_builder.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace hs::testing {

using journal::ChainHash;
using journal::RecordHeader;
using journal::RecordType;
using journal::SegmentHeader;

void JournalBuilder::OpenSegment(bool new_session, const std::string& config) {
  if (new_session) {
    ++session_;
    const std::string text = journal::NormalizeConfigText(config);
    config_hash_ = journal::Sha256(text.data(), text.size());
  }
  SegmentHeader h;
  std::memcpy(h.magic, journal::kSegmentMagic, sizeof h.magic);
  h.segment = segs_.size() + 1;
  h.session = session_;
  h.first_seq = seq_ + 1;
  h.created_wall_ns = 1'700'000'000'000'000'000 + static_cast<int64_t>(h.segment);
  h.config_sha256 = config_hash_;
  h.prev_hash = has_prev_override_ ? prev_override_ : chain_;
  has_prev_override_ = false;
  std::memcpy(h.engine_name, "test", 4);
  h.header_crc = journal::SegmentHeaderCrc(h);
  BuiltSegment s;
  s.number = h.segment;
  s.session = h.session;
  s.first_seq = h.first_seq;
  s.bytes.assign(reinterpret_cast<const char*>(&h), sizeof h);
  s.end_hash = chain_;
  segs_.push_back(std::move(s));
  group_start_ = sizeof h;
  group_first_ = seq_ + 1;
}

void JournalBuilder::StartSession(const std::string& config) {
  OpenSegment(true, config);
  const std::string text = journal::NormalizeConfigText(config);
  journal::ConfigChunk c;
  c.total = static_cast<uint32_t>(text.size());
  for (size_t at = 0; at < text.size(); at += sizeof c.bytes) {
    c.offset = static_cast<uint32_t>(at);
    c.length = static_cast<uint16_t>(std::min(sizeof c.bytes, text.size() - at));
    std::memset(c.bytes, 0, sizeof c.bytes);
    std::memcpy(c.bytes, text.data() + at, c.length);
    Record(RecordType::kConfig, c);
  }
  journal::SessionStart s;
  s.wall_ns = 1'700'000'000'000'000'000;
  s.venues = 2;
  s.instruments = 1;
  s.client_id_base = session_ << 40;
  Record(RecordType::kSessionStart, s);
  Commit();
}

void JournalBuilder::Record(RecordType type, const void* payload, size_t n) {
  if (segs_.empty()) throw std::logic_error("JournalBuilder: no segment open");
  BuiltSegment& s = segs_.back();
  if (pending_.empty()) {
    group_start_ = s.bytes.size();
    group_first_ = seq_ + 1;
  }
  RecordHeader h;
  h.length = static_cast<uint32_t>(n);
  h.type = static_cast<uint16_t>(type);
  h.seq = type == RecordType::kCommit ? 0 : ++seq_;
  h.crc = journal::RecordCrc(h, payload);
  pending_.push_back({s.number, h.seq, h.type, s.bytes.size()});
  s.bytes.append(reinterpret_cast<const char*>(&h), sizeof h);
  s.bytes.append(static_cast<const char*>(payload), n);
  s.bytes.append(journal::Padded(n) - n, '\0');
}

void JournalBuilder::VenueMsgs(int n) {
  for (int i = 0; i < n; ++i) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kBookTop;
    m.top.venue = VenueId{static_cast<uint8_t>(i % 2)};
    m.top.venue_seq = seq_ + 1;
    m.top.bids[0].px = Price::FromRaw(100 + i);
    Record(RecordType::kVenueMsg, m);
  }
}

void JournalBuilder::Snapshot(uint32_t chunks, uint32_t only_first) {
  journal::SnapshotChunk c;
  c.at_seq = seq_;
  c.count = chunks;
  c.total = chunks * 100;
  const uint32_t n = only_first == 0 ? chunks : only_first;
  for (uint32_t i = 0; i < n; ++i) {
    c.index = i;
    c.offset = i * 100;
    c.length = 100;
    std::memset(c.bytes, static_cast<int>(i + 1), c.length);
    Record(RecordType::kSnapshot, c);
  }
}

void JournalBuilder::EndSession() {
  journal::SessionEnd e;
  e.wall_ns = 1'700'000'000'000'000'001;
  e.records = seq_ + 1;
  Record(RecordType::kSessionEnd, e);
}

void JournalBuilder::Commit() {
  BuiltSegment& s = segs_.back();
  const uint64_t mark_at = s.bytes.size();
  journal::CommitMark m;
  m.first_seq = group_first_;
  m.last_seq = seq_;
  m.records = static_cast<uint32_t>(pending_.size());
  m.chain = journal::ChainNext(chain_, s.bytes.data() + group_start_, mark_at - group_start_);
  Record(RecordType::kCommit, m);
  chain_ = m.chain;
  s.group_start.push_back(group_start_);
  s.group_end.push_back(s.bytes.size());
  s.group_last_seq.push_back(seq_);
  s.end_hash = chain_;
  records_.insert(records_.end(), pending_.begin(), pending_.end());
  pending_.clear();
}

void JournalBuilder::WriteTo(const std::string& dir) const {
  for (const BuiltSegment& s : segs_) {
    std::ofstream f(dir + "/" + journal::SegmentFileName(s.number), std::ios::binary | std::ios::trunc);
    f.write(s.bytes.data(), static_cast<std::streamsize>(s.bytes.size()));
    if (!f) throw std::runtime_error("JournalBuilder: cannot write into " + dir);
  }
}

SegmentHeader JournalBuilder::HeaderOf(const std::string& segment) {
  SegmentHeader h;
  std::memcpy(&h, segment.data(), sizeof h);
  return h;
}

void JournalBuilder::SetHeader(std::string* segment, const SegmentHeader& h) {
  std::memcpy(segment->data(), &h, sizeof h);
  Reseal(segment);
}

void JournalBuilder::Reseal(std::string* segment) {
  SegmentHeader h = HeaderOf(*segment);
  h.header_crc = journal::SegmentHeaderCrc(h);
  std::memcpy(segment->data(), &h, sizeof h);
}

}  // namespace hs::testing
