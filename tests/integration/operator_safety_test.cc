// Operator safety, end to end with the real binaries: one engine per journal and per admin
// socket, the kill latch, audited admin commands, strict command-line handling and an honest
// summary. Each test here fails on the engine as it was before these rules.
#include <gtest/gtest.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/control/admin_server.h"
#include "core/journal/journal_dir.h"
#include "tests/support/loopback.h"
#include "tests/support/paths.h"

namespace hs {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::BinPath;
using testing::RunCommand;
using testing::WaitFor;

const std::string kSecretA = "SECRET-OPS-A-do-not-print-51c0";
const std::string kSecretB = "SECRET-OPS-B-do-not-print-2e9a";

class OperatorSafety : public testing::LoopbackFixture {
 protected:
  // Two Binance-format venues with dislocations every `disloc_ms` (0: none), so orders flow.
  // `admin_extra`: lines added to [admin] (permissions).
  void Start(int disloc_ms, const std::string& admin_extra = "") {
    env_ = {{"HS_OPS_A_KEY", "key-a"}, {"HS_OPS_A_SECRET", kSecretA}, {"HS_OPS_B_KEY", "key-b"}, {"HS_OPS_B_SECRET", kSecretB}};
    SetEnv(env_, {kSecretA, kSecretB});
    const std::vector<int> ports = testing::DistinctFreePorts(2);
    const std::string c = testing::EngineToml(R"("BTC", "USDT")", "ops", "3000", "10", "30") + testing::kBtcUsdtInstrumentToml +
                          testing::BinanceVenueToml("binance_a", std::to_string(ports[0]), "HS_OPS_A_KEY", "HS_OPS_A_SECRET") +
                          testing::BinanceVenueToml("binance_b", std::to_string(ports[1]), "HS_OPS_B_KEY", "HS_OPS_B_SECRET") +
                          "[sim]\nseed = 5\ntick_interval_ms = 20\ndislocation_every_ms = " + std::to_string(disloc_ms) +
                          "\ndislocation_bps = 60\ndislocation_ms = 150\n[sim.prices]\n\"BTC/USDT\" = \"30000\"\n" +
                          testing::SimAccountToml("binance_a") + testing::SimAccountToml("binance_b");
    WriteConfig("ops.toml", testing::Substitute(c, {{"[admin]\n", "[admin]\n" + admin_extra}}));
    StartSim(/*paused=*/false, {}, /*order_log=*/true);
  }

  int Ctl(const std::vector<std::string>& args, std::string* out) {
    std::vector<std::string> a = {"ctl"};
    a.insert(a.end(), args.begin(), args.end());
    a.push_back("--socket");
    a.push_back(dir_.File("admin.sock"));
    return RunCommand(BinPath("homeostat"), a, out);
  }

  // A second engine on this config, with `extra` arguments; its exit code and output.
  int SecondEngine(const std::vector<std::string>& extra, std::string* out) {
    std::vector<std::string> a = {"run", "--config", config_, "--seconds", "5"};
    a.insert(a.end(), extra.begin(), extra.end());
    return RunCommand(BinPath("homeostat"), a, out, env_, 20s);
  }

  static bool FileExists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

  // Every control record in the journal: {op, refused_op, venue, peer_uid}.
  std::vector<ControlCommand> ControlRecords() {
    std::vector<ControlCommand> out;
    std::string error;
    const bool read = testing::ForEachJournalRecord(
        dir_.File("journal"),
        [&](const journal::RecordView& v) {
          if (v.header.type != static_cast<uint16_t>(journal::RecordType::kControl)) return;
          ControlCommand c;
          std::memcpy(&c, v.payload, sizeof c);
          out.push_back(c);
        },
        &error);
    EXPECT_TRUE(read) << error;
    return out;
  }
};

// The issue's acceptance run: while an engine trades, a second `homeostat run` on the same
// config exits non-zero naming the lock and the first engine's pid, changes nothing, and the
// first engine still answers status and kill; its journal verifies with every record it
// reported durable.
TEST_F(OperatorSafety, SecondEngineOnTheSameConfigExitsAndChangesNothing) {
  Start(/*disloc_ms=*/200);
  StartEngine();
  ASSERT_TRUE(WaitFor([&] { return EngineCount("orders_sent") >= 2; }, 30s)) << Status().dump();
  const std::string pid = std::to_string(engine_->pid());

  std::string out;
  EXPECT_EQ(SecondEngine({}, &out), 1) << out;
  EXPECT_NE(out.find(dir_.File("journal")), std::string::npos) << out;  // the journal's lock
  EXPECT_NE(out.find("pid " + pid), std::string::npos) << out;
  // Same socket, another journal: refused on the socket's lock, the live socket left alone.
  EXPECT_EQ(SecondEngine({"--journal", dir_.File("other-journal"), "--log", dir_.File("other.log")}, &out), 1) << out;
  EXPECT_NE(out.find(dir_.File("admin.sock.lock")), std::string::npos) << out;
  EXPECT_NE(out.find("pid " + pid), std::string::npos) << out;
  EXPECT_FALSE(FileExists(dir_.File("other-journal"))) << "the refused engine opened a journal";
  EXPECT_FALSE(FileExists(dir_.File("other.log"))) << "the refused engine opened a log";
  // Same journal, another socket: refused before the journal is opened for writing.
  EXPECT_EQ(SecondEngine({"--socket", dir_.File("other.sock")}, &out), 1) << out;
  EXPECT_FALSE(FileExists(dir_.File("other.sock")));

  ASSERT_TRUE(FileExists(dir_.File("admin.sock"))) << "the refused engines unlinked the live socket";
  const json st = Status();
  ASSERT_TRUE(st.value("ok", false)) << "the first engine no longer answers";
  EXPECT_EQ(st["engine"], "ops");
  EXPECT_EQ(Ctl({"kill"}, &out), 0) << out;
  EXPECT_TRUE(Status().value("kill_switch", false));
  const uint64_t durable = Status()["journal"].value("durable_seq", uint64_t{0});
  EXPECT_GT(durable, 10u);
  EXPECT_FALSE(FileExists(dir_.File("other.log"))) << "the refused engine opened a log";

  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
  auto v = journal::ScanJournalDir(dir_.File("journal"));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok) << v->damage;
  EXPECT_FALSE(v->torn_tail) << v->damage;
  EXPECT_GE(v->last_seq, durable) << "every record reported durable is in the journal";
  EXPECT_EQ(RunCommand(BinPath("homeostat"), {"journal", "verify", "--strict", dir_.File("journal")}, &out), 0)
      << out;
}

// A socket file with no process behind it (a crashed engine's) is replaced, as before.
TEST_F(OperatorSafety, StaleSocketIsReplaced) {
  Start(/*disloc_ms=*/0);
  const std::string path = dir_.File("admin.sock");
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  close(fd);  // the file stays, nobody listens
  ASSERT_TRUE(FileExists(path));
  StartEngine();
  EXPECT_TRUE(Status().value("ok", false));
}

// The kill latches: venue resumes (of a trading venue or not) never clear it, kill takes no
// venue, empty and unknown venue names are errors, and every state change is logged with the
// operator's uid and journaled (refusals too).
TEST_F(OperatorSafety, KillLatchAndAuditedCommands) {
  Start(/*disloc_ms=*/0);
  StartEngine();
  std::string out;
  EXPECT_EQ(Ctl({"kill", "--venue", "binance_a"}, &out), 2) << out;
  EXPECT_NE(out.find("halt --venue binance_a"), std::string::npos) << out;
  EXPECT_FALSE(Status().value("kill_switch", true)) << "a refused kill --venue must not kill";
  EXPECT_EQ(Ctl({"halt", "--venue", ""}, &out), 2) << out;
  EXPECT_EQ(Ctl({"status", "--venue", "binance_a"}, &out), 2) << out;
  EXPECT_EQ(Ctl({"halt", "--venue", "nosuch"}, &out), 1) << out;
  EXPECT_NE(out.find("unknown venue \\\"nosuch\\\""), std::string::npos) << out;
  // The same rules on the socket itself.
  std::string reply;
  ASSERT_TRUE(control::AdminRequest(dir_.File("admin.sock"), R"({"cmd":"kill","venue":"binance_a"})", &reply).ok());
  EXPECT_NE(reply.find("\"ok\":false"), std::string::npos) << reply;
  ASSERT_TRUE(control::AdminRequest(dir_.File("admin.sock"), R"({"cmd":"status","cmd":"kill"})", &reply).ok());
  EXPECT_NE(reply.find("\"ok\":false"), std::string::npos) << reply;
  EXPECT_FALSE(Status().value("kill_switch", true));

  EXPECT_EQ(Ctl({"kill"}, &out), 0) << out;
  ASSERT_TRUE(WaitFor([&] { return Status()["state"] == "HALTED"; }, 10s)) << Status().dump();
  EXPECT_EQ(Ctl({"resume", "--venue", "binance_b"}, &out), 0) << out;
  EXPECT_NE(out.find("kill switch stays set"), std::string::npos) << out;
  EXPECT_NE(Ctl({"reduce"}, &out), 0) << "a global reduce cannot relax a kill: " << out;
  // The core handles control commands in order: once this halt shows, the resume before it
  // has been handled too.
  EXPECT_EQ(Ctl({"halt", "--venue", "binance_a"}, &out), 0) << out;
  ASSERT_TRUE(WaitFor([&] { return VenueStatus("binance_a")["operator_state"] == "HALTED"; }, 10s)) << Status().dump();
  json st = Status();
  EXPECT_TRUE(st.value("kill_switch", false)) << st.dump();
  EXPECT_TRUE(st.value("kill_latched_in_core", false)) << st.dump();
  EXPECT_EQ(st["state"], "HALTED") << "a venue resume must not clear the kill: " << st.dump();
  EXPECT_EQ(VenueStatus("binance_b")["operator_state"], "ACTIVE") << "its own state did resume";
  EXPECT_EQ(VenueStatus("binance_b")["trading_state"], "HALTED") << "what applies to it: the kill";
  EXPECT_EQ(Ctl({"reduce", "--venue", "binance_b"}, &out), 0) << out;
  EXPECT_EQ(Ctl({"resume"}, &out), 0) << out;
  ASSERT_TRUE(WaitFor([&] { return Status()["state"] == "ACTIVE"; }, 10s)) << Status().dump();
  EXPECT_FALSE(Status().value("kill_switch", true));

  // Logged with the uid and the result.
  const std::string uid = std::to_string(getuid());
  ASSERT_TRUE(WaitFor(
      [&] {
        const std::string log = testing::ReadFileOrDie(dir_.File("engine.log"));
        return log.find("ADMIN kill from uid " + uid) != std::string::npos &&
               log.find("ADMIN resume (binance_b) from uid " + uid) != std::string::npos &&
               log.find("ADMIN halt (binance_a) from uid " + uid) != std::string::npos &&
               log.find("ADMIN reduce (binance_b) from uid " + uid) != std::string::npos &&
               log.find("ADMIN resume (global) from uid " + uid) != std::string::npos &&
               log.find("REFUSED: unknown venue \"nosuch\"") != std::string::npos;
      },
      10s))
      << testing::ReadFileOrDie(dir_.File("engine.log"));

  // Journaled: each state change with the operator's uid; the refusals as kRefused.
  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
  int kills = 0, resumes = 0, refused = 0;
  for (const ControlCommand& c : ControlRecords()) {
    if (c.op == ControlOp::kTimer || c.op == ControlOp::kDrain) continue;  // the engine's own inputs
    EXPECT_EQ(c.peer_uid, getuid()) << ControlOpName(c.op);
    kills += c.op == ControlOp::kKill;
    resumes += c.op == ControlOp::kResume;
    refused += c.op == ControlOp::kRefused;
  }
  EXPECT_EQ(kills, 1);
  EXPECT_EQ(resumes, 2);
  EXPECT_GE(refused, 2) << "the unknown venue and the global reduce under a kill";
}

// The operator views through `homeostat ctl`: a table by default, JSON with --json (the list
// itself for breakers, orders and positions); reset reaches the core's journal with the breaker
// and the operator's uid; usage errors exit 2, a refused reset exits 1.
TEST_F(OperatorSafety, CtlViewsAndBreakerReset) {
  Start(/*disloc_ms=*/0);
  StartEngine();
  std::string out;
  EXPECT_EQ(Ctl({"breakers", "--json"}, &out), 0) << out;
  const json breakers = json::parse(out);
  EXPECT_TRUE(breakers.is_array()) << out;
  EXPECT_EQ(Ctl({"breakers"}, &out), 0) << out;
  EXPECT_NE(out.find("BREAKER  SCOPE"), std::string::npos) << out;
  EXPECT_EQ(Ctl({"positions"}, &out), 0) << out;
  EXPECT_NE(out.find("ASSET  POSITION  binance_a  binance_b"), std::string::npos) << out;
  EXPECT_EQ(Ctl({"positions", "--json"}, &out), 0) << out;
  const json positions = json::parse(out);
  ASSERT_TRUE(positions.is_array()) << out;
  ASSERT_EQ(positions.size(), 2u) << out;
  EXPECT_EQ(positions[0]["asset"], "BTC");
  EXPECT_TRUE(positions[0]["position"].is_string()) << "money is text";
  EXPECT_EQ(Ctl({"orders", "--json"}, &out), 0) << out;
  EXPECT_TRUE(json::parse(out).is_array()) << out;
  EXPECT_EQ(Ctl({"orders"}, &out), 0) << out;
  EXPECT_NE(out.find("open orders: "), std::string::npos) << out;
  EXPECT_EQ(Ctl({"pnl", "--json"}, &out), 0) << out;
  EXPECT_TRUE(json::parse(out)["pnl"].is_string()) << out;
  EXPECT_EQ(Ctl({"limits"}, &out), 0) << out;
  EXPECT_NE(out.find("pre-trade rejects by check"), std::string::npos) << out;
  EXPECT_EQ(Ctl({"limits", "--json"}, &out), 0) << out;
  EXPECT_EQ(json::parse(out)["venues"].size(), 2u) << out;
  EXPECT_TRUE(Status()["breakers"].contains("tripped")) << Status().dump();

  EXPECT_EQ(Ctl({"reset"}, &out), 2) << out;
  EXPECT_NE(out.find("reset needs a breaker"), std::string::npos) << out;
  EXPECT_EQ(Ctl({"reset", "nosuch"}, &out), 2) << out;
  EXPECT_NE(out.find("unknown breaker 'nosuch'"), std::string::npos) << out;
  EXPECT_EQ(Ctl({"pnl", "stale"}, &out), 2) << out;
  EXPECT_EQ(Ctl({"limits", "--venue", "binance_a"}, &out), 2) << out;
  EXPECT_EQ(Ctl({"reset", "journal"}, &out), 1) << out;
  EXPECT_NE(out.find("the journal breaker cannot be reset"), std::string::npos) << out;
  EXPECT_EQ(Ctl({"reset", "divergence"}, &out), 0) << out;
  EXPECT_EQ(json::parse(out)["reset"], "divergence") << out;

  const std::string uid = std::to_string(getuid());
  ASSERT_TRUE(WaitFor(
      [&] {
        const std::string log = testing::ReadFileOrDie(dir_.File("engine.log"));
        return log.find("ADMIN reset divergence from uid " + uid) != std::string::npos &&
               log.find("ADMIN reset journal from uid " + uid) != std::string::npos;
      },
      10s))
      << testing::ReadFileOrDie(dir_.File("engine.log"));
  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
  int resets = 0, refused_resets = 0;
  for (const ControlCommand& c : ControlRecords()) {
    if (c.op == ControlOp::kReset) {
      ++resets;
      EXPECT_EQ(c.arg, 2) << "divergence";
      EXPECT_EQ(c.peer_uid, getuid());
    }
    refused_resets += c.op == ControlOp::kRefused && c.refused_op == ControlOp::kReset;
  }
  EXPECT_EQ(resets, 1);
  EXPECT_EQ(refused_resets, 1);
}

// A peer with another uid is refused, and the refusal is logged with its uid and journaled
// (it used to be only counted).
TEST_F(OperatorSafety, RefusedPeerIsLoggedAndJournaled) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to connect from another uid (setuid in a child)";
  constexpr uid_t kNobody = 65534;
  Start(/*disloc_ms=*/0);
  StartEngine();
  // Let the other uid reach the socket: the engine's uid check is what must refuse it.
  ASSERT_EQ(chmod(dir_.path().c_str(), 0755), 0);
  ASSERT_EQ(chmod(dir_.File("admin.sock").c_str(), 0666), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 || setuid(kNobody) != 0) _exit(2);
    std::string reply;
    const absl::Status s = control::AdminRequest(dir_.File("admin.sock"), R"({"cmd":"kill"})", &reply, 10000);
    _exit(s.ok() && reply.find("permission denied") != std::string::npos ? 0 : 3);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the refused peer did not get the permission error";
  EXPECT_FALSE(Status().value("kill_switch", true)) << "a refused peer's kill ran";
  ASSERT_TRUE(WaitFor(
      [&] {
        return testing::ReadFileOrDie(dir_.File("engine.log")).find("ADMIN connection from uid 65534") != std::string::npos;
      },
      10s))
      << testing::ReadFileOrDie(dir_.File("engine.log"));
  EXPECT_EQ(Status()["admin"].value("refused_peers", 0), 1);
  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
  int refused = 0;
  for (const ControlCommand& c : ControlRecords()) {
    if (c.op != ControlOp::kRefused) continue;
    ++refused;
    EXPECT_EQ(c.peer_uid, kNobody);
    EXPECT_EQ(c.refused_op, ControlOp::kNone) << "the peer itself was refused, before any command";
  }
  EXPECT_EQ(refused, 1);
}

// The summary's counts add up, its money values are decimal strings, its venue snapshot is
// taken before shutdown, and the status line names the instrument it shows.
TEST_F(OperatorSafety, SummaryCountsAddUpAndMoneyIsText) {
  Start(/*disloc_ms=*/150);
  engine_args_ = {"--summary", dir_.File("summary.json"), "--status-line"};
  StartEngine();
  ASSERT_TRUE(WaitFor([&] { return EngineCount("orders_sent") >= 6; }, 40s)) << Status().dump();
  ASSERT_TRUE(WaitFor([&] { return engine_->Output().find("BTC/USDT: binance_a ") != std::string::npos; }, 10s))
      << engine_->Output();
  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
  const json s = json::parse(testing::ReadFileOrDie(dir_.File("summary.json")));
  const json& o = s["orders"];
  EXPECT_GE(o["sent"].get<int>(), 6);
  EXPECT_EQ(o["sent"].get<int>(), o["filled"].get<int>() + o["partly_filled"].get<int>() + o["unfilled"].get<int>() +
                                      o["rejected"].get<int>() + o["open"].get<int>())
      << s.dump();
  EXPECT_LE(o["filled"].get<int>() + o["partly_filled"].get<int>(), o["sent"].get<int>());
  const json& opp = s["opportunities"];
  EXPECT_LE(opp["taken"].get<int>(), opp["episodes"].get<int>()) << s.dump();
  EXPECT_LE(opp["capped"].get<int>(), opp["episodes"].get<int>()) << s.dump();
  EXPECT_GE(opp["groups_sent"].get<int>(), opp["taken"].get<int>());
  EXPECT_TRUE(s["pnl_quote"].is_string()) << s.dump();
  EXPECT_TRUE(s["fees_quote"].is_string()) << s.dump();
  EXPECT_TRUE(s["status"]["pnl_quote"].is_string());
  for (const auto& v : s["status"]["venues"]) EXPECT_TRUE(v.value("connected", false)) << v.dump();
}

// Command-line errors: usage errors exit 2 and say what is wrong in a line a person can read.
TEST(OperatorSafetyCli, UsageErrorsExitTwoAndNameTheProblem) {
  std::string out;
  EXPECT_EQ(RunCommand(BinPath("homeostat"), {"--version"}, &out), 0) << out;
  EXPECT_NE(out.find("homeostat 0."), std::string::npos) << out;
  for (const char* sub : {"rewind", "recover"}) {
    EXPECT_EQ(RunCommand(BinPath("homeostat"), {sub}, &out), 2) << out;
    EXPECT_NE(out.find(std::string("unknown subcommand '") + sub + "'"), std::string::npos) << out;
  }
  EXPECT_EQ(RunCommand(BinPath("homeostat"), {"journal", "dump", "x"}, &out), 2) << out;
  EXPECT_NE(out.find("unknown subcommand 'dump'"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(BinPath("homeostat"), {}, &out), 2) << out;
  EXPECT_EQ(RunCommand(BinPath("homeostat"), {"run", "--bogus"}, &out), 2) << out;
  EXPECT_EQ(RunCommand(BinPath("homeostat"), {"ctl", "explode"}, &out), 2) << out;
  EXPECT_EQ(RunCommand(BinPath("homeostat"), {"ctl"}, &out), 2) << out;
  EXPECT_EQ(RunCommand(BinPath("homeostat"), {"run", "--seconds", "-1"}, &out), 2) << out;
  EXPECT_NE(out.find("negative"), std::string::npos) << out;
  EXPECT_LT(out.size(), 400u) << "a readable bound, not a 309-digit one: " << out;
  EXPECT_EQ(RunCommand(BinPath("homeostat"), {"run", "--seconds", "abc"}, &out), 2) << out;
  EXPECT_EQ(RunCommand(BinPath("homeostat"), {"feed-check", "--venue", "okx"}, &out), 2) << out;
}

// Permissions end to end through the config: our own uid is only a viewer (the operators are
// another uid). Every read-only command answers; kill, halt, reduce, resume and reset are each
// refused naming the viewer role, change nothing, and are journaled as refusals with our uid.
TEST_F(OperatorSafety, AViewerReadsButCannotChangeAnything) {
  const uint32_t me = static_cast<uint32_t>(geteuid());
  const uint32_t other = me == 65534 ? 65533 : 65534;
  Start(0, "operators = [" + std::to_string(other) + "]\nviewers = [" + std::to_string(me) + "]\n");
  StartEngine();
  std::string out;
  for (const char* view : {"status", "positions", "orders", "pnl", "breakers", "limits"})
    EXPECT_EQ(Ctl({view}, &out), 0) << view << ": " << out;
  const std::vector<std::vector<std::string>> mutating = {
      {"kill"}, {"halt"}, {"halt", "--venue", "binance_a"}, {"reduce"}, {"resume"}, {"reset", "divergence"}};
  for (const auto& cmd : mutating) {
    EXPECT_NE(Ctl(cmd, &out), 0) << cmd[0] << ": " << out;
    EXPECT_NE(out.find("viewer"), std::string::npos) << cmd[0] << ": " << out;
  }
  const json st = Status();
  EXPECT_EQ(st.value("state", ""), "ACTIVE") << st.dump();
  EXPECT_FALSE(st.value("kill_switch", true));
  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
  int refused = 0;
  for (const ControlCommand& c : ControlRecords()) {
    EXPECT_NE(c.op, ControlOp::kKill) << "a refused kill never reaches the core as a kill";
    EXPECT_NE(c.op, ControlOp::kHalt);
    EXPECT_NE(c.op, ControlOp::kReset);
    if (c.op == ControlOp::kRefused && c.peer_uid == me) ++refused;
  }
  EXPECT_EQ(refused, static_cast<int>(mutating.size())) << "each refusal journaled with our uid";
}

}  // namespace
}  // namespace hs
