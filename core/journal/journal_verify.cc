#include "core/journal/journal_verify.h"

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
