#include "tests/support/journal_check.h"

#include <cstring>

#include "core/journal/journal_dir.h"
#include "risk/breakers.h"

namespace hs::testing {

namespace {

// A reader over the journal directory's valid prefix, or why there is none. A journal the scan
// finds damaged (other than a torn tail, which a killed engine may leave) is an error here.
absl::StatusOr<journal::DirReader> OpenJournal(const std::string& dir) {
  absl::StatusOr<journal::DirScan> scan = journal::ScanJournalDir(dir);
  if (!scan.ok()) return scan.status();
  if (!scan->ok) return absl::DataLossError(scan->damage);
  return journal::DirReader::Open(*scan);
}

bool IsCommitMark(const journal::RecordView& v) {
  return v.header.type == static_cast<uint16_t>(journal::RecordType::kCommit);
}

}  // namespace

bool ForEachJournalRecord(const std::string& dir, const std::function<void(const journal::RecordView&)>& fn,
                          std::string* error) {
  auto r = OpenJournal(dir);
  if (!r.ok()) {
    *error = std::string(r.status().message());
    return false;
  }
  journal::RecordView v;
  journal::ReadOutcome o;
  while ((o = r->Next(&v)) == journal::ReadOutcome::kRecord)
    if (!IsCommitMark(v)) fn(v);
  if (o != journal::ReadOutcome::kEnd) {
    *error = r->error();
    return false;
  }
  return true;
}

CoreInputSummary SummarizeCoreInputs(const std::string& path) {
  CoreInputSummary s;
  auto r = OpenJournal(path);
  if (!r.ok()) {
    s.error = std::string(r.status().message());
    return s;
  }
  // usable[venue][instrument]; venue-wide statuses apply to every instrument.
  std::map<std::pair<int, int>, bool> usable;
  std::map<int, bool> failed_once;
  journal::RecordView v;
  journal::ReadOutcome o;
  while ((o = r->Next(&v)) == journal::ReadOutcome::kRecord) {
    if (IsCommitMark(v)) continue;
    ++s.records;
    if (v.header.type != static_cast<uint16_t>(journal::RecordType::kVenueMsg)) continue;
    VenueMsg m;
    std::memcpy(&m, v.payload, sizeof m);
    if (m.kind == VenueMsg::Kind::kStatus) {
      const int venue = m.status.venue.value;
      if (!m.status.instrument.valid()) {
        if (!m.status.usable)
          for (auto& [k, u] : usable)
            if (k.first == venue) u = false;
        continue;
      }
      usable[{venue, m.status.instrument.value}] = m.status.usable;
      ++s.statuses[venue][m.status.state];
      if (m.status.state == FeedState::kGap || m.status.state == FeedState::kChecksumFailed ||
          m.status.state == FeedState::kCrossed)
        failed_once[venue] = true;
    } else if (m.kind == VenueMsg::Kind::kBookTop) {
      const int venue = m.top.venue.value;
      ++s.tops[venue];
      if (failed_once[venue]) ++s.tops_after_failure[venue];
      auto it = usable.find({venue, m.top.instrument.value});
      // A top before any status of its book is fine only if no failure was ever reported for it.
      if (it != usable.end() && !it->second) s.tops_while_unusable.push_back(v.header.seq);
      usable[{venue, m.top.instrument.value}] = true;  // tops only come from valid books
    }
  }
  if (o != journal::ReadOutcome::kEnd) {
    s.error = r->error();
    return s;
  }
  s.ok = true;
  return s;
}

std::vector<BreakerRecordSummary> ReadBreakerRecords(const std::string& path) {
  std::vector<BreakerRecordSummary> out;
  auto r = OpenJournal(path);
  if (!r.ok()) return out;
  journal::RecordView v;
  while (r->Next(&v) == journal::ReadOutcome::kRecord) {
    if (v.header.type != static_cast<uint16_t>(journal::RecordType::kBreaker)) continue;
    journal::BreakerRecord b;
    std::memcpy(&b, v.payload, sizeof b);
    BreakerRecordSummary s;
    s.breaker = risk::BreakerName(static_cast<risk::BreakerId>(b.breaker));
    s.kind = risk::BreakerEventKindName(static_cast<risk::BreakerEventKind>(b.kind));
    s.scope = b.scope;
    s.index = b.index;
    s.value = b.value;
    s.threshold = b.threshold;
    s.time_ns = b.time_ns;
    out.push_back(s);
  }
  return out;
}

}  // namespace hs::testing
