#include "core/journal/journal_verify.h"

#include <sys/stat.h>

#include "core/journal/internal/segment_scan.h"
#include "core/journal/journal_dir.h"
#include "core/journal/journal_reader.h"

namespace hs::journal {

int RunJournalVerify(const std::string& path, bool strict, std::string* out) {
  out->clear();
  const absl::StatusOr<VerifyResult> r = VerifyJournal(path);
  if (!r.ok()) {
    *out = "homeostat journal verify: " + std::string(r.status().message()) + "\n";
    return kVerifyExitUnreadable;
  }
  *out = path + ": " + std::to_string(r->records) + " records";
  for (uint16_t t = static_cast<uint16_t>(RecordType::kSessionStart); t <= static_cast<uint16_t>(kLastRecordType);
       ++t) {
    if (r->counts[t] == 0) continue;
    *out += ", ";
    *out += RecordTypeName(static_cast<RecordType>(t));
    *out += " " + std::to_string(r->counts[t]);
  }
  *out += "\n";
  if (!r->ok) {
    *out += "BAD: " + r->error + "\n";
    return kVerifyExitDamaged;
  }
  if (r->closed) {
    *out += "OK: every CRC and sequence number checks; the session closed (session_end)\n";
    return kVerifyExitOk;
  }
  if (r->header_only) {
    *out += "HEADER ONLY: no records (the engine wrote its header and nothing more, or the file was cut after it)\n";
  } else {
    *out +=
        "SOUND, NOT CLOSED: every CRC and sequence number checks but there is no session_end (the engine is still "
        "running, crashed, or the file was cut at a record boundary)\n";
  }
  return strict ? kVerifyExitNotClosed : kVerifyExitOk;
}

}  // namespace hs::journal

// ---- format 3: a journal directory (or one of its segment files)

namespace hs::journal {

int RunJournalVerifyDir(const std::string& path, bool strict, std::string* out) {
  out->clear();
  struct stat st {};
  const bool is_file = stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  const absl::StatusOr<DirScan> r = is_file ? internal::ScanSegmentFile(path) : ScanJournalDir(path);
  if (!r.ok()) {
    *out = "homeostat journal verify: " + std::string(r.status().message()) + "\n";
    return kVerifyExitUnreadable;
  }
  *out = path + ": " + std::to_string(r->records) + " records in " + std::to_string(r->segments.size()) +
         " segments, " + std::to_string(r->sessions.size()) + " sessions, " + std::to_string(r->groups) + " groups";
  for (uint16_t t = static_cast<uint16_t>(RecordType::kSessionStart); t < static_cast<uint16_t>(RecordType::kCommit);
       ++t) {
    if (r->counts[t] == 0) continue;
    *out += ", ";
    *out += RecordTypeName(static_cast<RecordType>(t));
    *out += " " + std::to_string(r->counts[t]);
  }
  *out += "\n";
  if (!r->ok) {
    *out += "BAD: " + r->damage + "\n";
    return kVerifyExitDamaged;
  }
  if (r->torn_tail) {
    std::string what = r->damage_what;
    if (r->damage_offset != r->tail_offset) what += "; the first bad record at offset " + std::to_string(r->damage_offset);
    *out += "TORN TAIL: valid prefix ends at seq " + std::to_string(r->last_seq) + "; damage from " +
            SegmentFileName(r->tail_segment) + " offset " + std::to_string(r->tail_offset) + " (" + what + "), " +
            std::to_string(r->tail_bytes) +
            " bytes (the next engine start keeps them in a .tail file next to the segment and cuts it back)\n";
    return kVerifyExitDamaged;
  }
  if (r->last_type == static_cast<uint16_t>(RecordType::kSessionEnd)) {
    *out +=
        "OK: every segment header, CRC, sequence number, commit mark and the chain check; the last session closed "
        "(session_end)\n";
    return kVerifyExitOk;
  }
  if (r->records == 0) {
    *out += "EMPTY: no records (no segment, or segments that hold only their header)\n";
  } else {
    *out +=
        "SOUND, NOT CLOSED: everything checks but the last session has no session_end (the engine is still running, "
        "crashed, or was killed)\n";
  }
  return strict ? kVerifyExitNotClosed : kVerifyExitOk;
}

}  // namespace hs::journal
