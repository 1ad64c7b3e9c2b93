// hs::journal — `homeostat journal verify [--strict] FILE`: the report and the exit code.
//
// Format 3 (a journal directory) is verified by RunJournalVerifyDir (journal_dir.h) with the
// same exit codes: its report is "DIR: N records in K segments, S sessions, G groups, <counts>"
// and one verdict line — "OK: ..." (0), "SOUND, NOT CLOSED: ..." or "EMPTY: ..." (0; 3 with
// --strict), "TORN TAIL: valid prefix ends at seq S; damage from <segment> offset X (<what>),
// Y bytes" (1: the next engine start keeps those bytes in a .tail file and cuts them off),
// "BAD: <segment file> offset X, seq S: <what>" (1). RunJournalVerify below reads the
// single-file format 2.
//
// Lives in the library (not in core/app/main.cc) so the verdicts are unit-tested. The report is
// two lines: "FILE: N records, session_start 1, venue_msg ..., session_end 1" (types with a
// zero count left out), then one verdict line:
//
//   verdict                                          exit   --strict
//   "OK: ... the session closed (session_end)"       0      0
//   "SOUND, NOT CLOSED: no session_end (...)"        0      3
//   "HEADER ONLY: no records (...)"                  0      3
//   "BAD: <first defect: the file header, or a       1      1
//         record and its byte offset>"
//   file cannot be read (missing, unreadable,        2      2   (a usage error; the text is one
//   a directory)                                                 line for stderr, no report)
//
// Only a sound, closed journal says "OK:". Sound but not closed means the engine is still
// running, crashed, or the file was cut at a record boundary: every byte present checks, but
// verify cannot prove nothing is missing; --strict makes that a failure of its own.
#pragma once

#include <string>

namespace hs::journal {

inline constexpr int kVerifyExitOk = 0;         // sound (closed, or not closed without --strict)
inline constexpr int kVerifyExitDamaged = 1;    // header, record, sequence or session shape damaged
inline constexpr int kVerifyExitUnreadable = 2;  // the file cannot be read: usage error
inline constexpr int kVerifyExitNotClosed = 3;  // --strict: sound but no session_end

// Verifies the journal at `path`, replaces `*out` with the report (or, for exit 2, the one-line
// error naming the file and why it cannot be read) and returns the exit code above.
int RunJournalVerify(const std::string& path, bool strict, std::string* out);

}  // namespace hs::journal
