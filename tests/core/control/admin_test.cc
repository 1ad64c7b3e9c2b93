#include <fcntl.h>
#include <gtest/gtest.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "core/control/admin_parse.h"
#include "core/control/admin_server.h"
#include "tests/support/test_support.h"

namespace hs::control {
namespace {

TEST(AdminParse, ValidCommands) {
  AdminCommand c;
  std::string err;
  ASSERT_TRUE(ParseAdminCommand(R"({"cmd":"status"})", &c, &err)) << err;
  EXPECT_EQ(c.verb, AdminVerb::kStatus);
  ASSERT_TRUE(ParseAdminCommand(R"( {"cmd" : "kill"} )", &c, &err)) << err;
  EXPECT_EQ(c.verb, AdminVerb::kKill);
  ASSERT_TRUE(ParseAdminCommand(R"({"venue":"okx","cmd":"halt"})", &c, &err)) << err;
  EXPECT_EQ(c.verb, AdminVerb::kHalt);
  EXPECT_EQ(c.venue, "okx");
}

TEST(AdminParse, MalformedLinesSayWhatIsWrong) {
  struct Case {
    std::string line, expect;
  };
  const Case cases[] = {
      {"", "empty"},
      {"status", "not JSON"},
      {"{\"cmd\":\"status\"", "not JSON"},
      {"[\"status\"]", "expected a JSON object"},
      {"{\"cmd\":5}", "\"cmd\" must be a string"},
      {"{\"cmd\":\"launch\"}", "unknown command \"launch\""},
      {"{}", "missing \"cmd\""},
      {"{\"cmd\":\"kill\",\"force\":true}", "unknown field \"force\""},
      {"{\"cmd\":\"status\"} trailing", "not JSON"},
      {std::string("\x00\xff\x01", 3), "not JSON"},
      {std::string(5000, 'x'), "longer than 4096"},
  };
  for (const Case& k : cases) {
    AdminCommand c;
    std::string err;
    EXPECT_FALSE(ParseAdminCommand(k.line, &c, &err)) << k.line;
    EXPECT_NE(err.find(k.expect), std::string::npos) << "line: " << k.line.substr(0, 40) << " error: " << err;
  }
}

TEST(AdminParse, VenueOnlyWhereTaken) {
  for (const char* verb : {"halt", "reduce", "resume"}) {
    AdminCommand c;
    std::string err;
    const std::string line = std::string("{\"cmd\":\"") + verb + "\",\"venue\":\"okx\"}";
    ASSERT_TRUE(ParseAdminCommand(line, &c, &err)) << line << ": " << err;
    EXPECT_EQ(c.venue, "okx");
    ASSERT_TRUE(ParseAdminCommand(std::string("{\"cmd\":\"") + verb + "\"}", &c, &err)) << err;
    EXPECT_EQ(c.venue, "") << "a venue from an earlier parse must not stick";
  }
}

TEST(AdminParse, DuplicateFieldsAreRejected) {
  AdminCommand c;
  std::string err;
  // The old parser let the last "cmd" win: this line ran kill.
  EXPECT_FALSE(ParseAdminCommand(R"({"cmd":"status","cmd":"kill"})", &c, &err));
  EXPECT_EQ(err, "duplicate field \"cmd\"");
  EXPECT_FALSE(ParseAdminCommand(R"({"cmd":"halt","venue":"okx","venue":"binance"})", &c, &err));
  EXPECT_EQ(err, "duplicate field \"venue\"");
}

TEST(AdminParse, EmptyVenueIsRejected) {
  AdminCommand c;
  std::string err;
  // The old parser took "" as "every venue".
  EXPECT_FALSE(ParseAdminCommand(R"({"cmd":"halt","venue":""})", &c, &err));
  EXPECT_NE(err.find("\"venue\" must not be empty"), std::string::npos) << err;
}

TEST(AdminParse, KillTakesNoVenue) {
  AdminCommand c;
  std::string err;
  // The old parser accepted it and the engine killed every venue.
  EXPECT_FALSE(ParseAdminCommand(R"({"cmd":"kill","venue":"okx"})", &c, &err));
  EXPECT_EQ(err, R"(kill is always global and takes no "venue"; to stop one venue send {"cmd":"halt","venue":"okx"})");
  EXPECT_FALSE(ParseAdminCommand(R"({"venue":"binance_a","cmd":"kill"})", &c, &err));
  EXPECT_NE(err.find(R"({"cmd":"halt","venue":"binance_a"})"), std::string::npos) << err;
  // A name that would break the suggested JSON is not echoed.
  EXPECT_FALSE(ParseAdminCommand(R"({"cmd":"kill","venue":"a\"b"})", &c, &err));
  EXPECT_NE(err.find(R"({"cmd":"halt","venue":"okx"})"), std::string::npos) << err;
}

TEST(AdminParse, StatusAndHelpTakeNoVenue) {
  AdminCommand c;
  std::string err;
  EXPECT_FALSE(ParseAdminCommand(R"({"cmd":"status","venue":"okx"})", &c, &err));
  EXPECT_EQ(err, "\"status\" takes no \"venue\" (only halt, reduce and resume do)");
  EXPECT_FALSE(ParseAdminCommand(R"({"cmd":"help","venue":"okx"})", &c, &err));
  EXPECT_EQ(err, "\"help\" takes no \"venue\" (only halt, reduce and resume do)");
}

// ---- The server, polled by the test itself: one thread, so the counters can be read at any
// step, and every wait is for a condition with a deadline.

constexpr char kOk[] = "{\"ok\":true}";

// The test's end of one admin connection, non-blocking: Pump() moves its bytes both ways.
class Peer {
 public:
  explicit Peer(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Peer() { Disconnect(); }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  bool connected() const { return connected_; }
  bool eof() const { return eof_; }
  // Bytes received and not yet taken as lines.
  const std::string& received() const { return in_; }

  void Send(std::string_view bytes) { out_.append(bytes); }
  void Disconnect() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  // Writes what it can, reads what there is.
  void Step() {
    if (fd_ < 0) return;
    while (!out_.empty()) {
      const ssize_t w = send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w <= 0) break;
      out_.erase(0, static_cast<size_t>(w));
    }
    char buf[65536];
    for (;;) {
      const ssize_t n = read(fd_, buf, sizeof buf);
      if (n > 0) {
        in_.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) eof_ = true;
      break;
    }
  }
  bool HasLine() const { return in_.find('\n') != std::string::npos; }
  // The first received line (without its newline); call after HasLine().
  std::string TakeLine() {
    const size_t nl = in_.find('\n');
    std::string line = in_.substr(0, nl);
    in_.erase(0, nl + 1);
    return line;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string out_;
  std::string in_;
};

// Polls the server and steps the peers until `done` holds or 10 s pass.
bool PumpUntil(AdminServer& server, const std::vector<Peer*>& peers, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    for (Peer* p : peers) p->Step();
    if (done()) return true;
    server.Poll(2);
  }
  return done();
}

// Sends one line on `peer` and returns the next reply line ("<no reply>" after 10 s).
std::string RoundTrip(AdminServer& server, Peer& peer, std::string_view line) {
  peer.Send(line);
  if (!PumpUntil(server, {&peer}, [&] { return peer.HasLine(); })) return "<no reply>";
  return peer.TakeLine();
}

std::string ErrorReply(std::string_view error) { return "{\"ok\":false,\"error\":\"" + std::string(error) + "\"}"; }

struct ServerFixture {
  explicit ServerFixture(AdminServer::Options opts = {}) {
    server = std::make_unique<AdminServer>(dir.File("admin.sock"), std::move(opts), [this](const AdminCommand& c) {
      seen.push_back(c);
      return std::string(kOk);
    });
  }
  std::string path() const { return dir.File("admin.sock"); }
  testing::TempDir dir;
  std::vector<AdminCommand> seen;
  std::unique_ptr<AdminServer> server;
};

TEST(AdminServer, ConnectionCapRefusesOneMoreWithOneLineAndServesAfterOneLeaves) {
  AdminServer::Options opts;
  opts.max_clients = 2;
  ServerFixture f(opts);
  AdminServer& server = *f.server;
  ASSERT_TRUE(server.Open().ok());
  auto a = std::make_unique<Peer>(f.path());
  Peer b(f.path());
  ASSERT_TRUE(a->connected() && b.connected());
  ASSERT_TRUE(PumpUntil(server, {a.get(), &b}, [&] { return server.clients() == 2; }));

  Peer c(f.path());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(PumpUntil(server, {&c}, [&] { return c.eof(); })) << "the third client was not closed";
  EXPECT_EQ(c.received(), ErrorReply("too many admin clients (max 2); try again later") + "\n");
  EXPECT_EQ(server.refused_full(), 1u);
  EXPECT_EQ(server.clients(), 2u);

  // One idle client leaves: the next one is served.
  a.reset();
  ASSERT_TRUE(PumpUntil(server, {&b}, [&] { return server.clients() == 1; }));
  Peer d(f.path());
  EXPECT_EQ(RoundTrip(server, d, "{\"cmd\":\"status\"}\n"), kOk);
  EXPECT_EQ(RoundTrip(server, b, "{\"cmd\":\"status\"}\n"), kOk);
  EXPECT_EQ(server.refused_full(), 1u);
}

TEST(AdminServer, IdleClientIsToldAndClosedActiveOneIsNot) {
  int64_t now_ms = 1'000'000;
  AdminServer::Options opts;
  opts.idle_timeout_ms = 1000;
  opts.now_ms = [&] { return now_ms; };
  ServerFixture f(opts);
  AdminServer& server = *f.server;
  ASSERT_TRUE(server.Open().ok());
  Peer idle(f.path());
  Peer active(f.path());
  ASSERT_TRUE(PumpUntil(server, {&idle, &active}, [&] { return server.clients() == 2; }));

  now_ms += 600;
  EXPECT_EQ(RoundTrip(server, active, "{\"cmd\":\"status\"}\n"), kOk);
  // A partial line is not a command: it does not keep a connection alive.
  idle.Send("{\"cmd\":");
  now_ms += 600;  // idle: 1200 ms without a line; active: 600 ms
  ASSERT_TRUE(PumpUntil(server, {&idle, &active}, [&] { return idle.eof(); })) << "the idle client was not closed";
  EXPECT_EQ(idle.received(), ErrorReply("idle admin connection closed: no command line for 1000 ms") + "\n");
  EXPECT_EQ(server.idle_closed(), 1u);
  EXPECT_FALSE(active.eof());
  EXPECT_EQ(RoundTrip(server, active, "{\"cmd\":\"status\"}\n"), kOk);
  EXPECT_EQ(server.clients(), 1u);
}

TEST(AdminServer, IdleTimeoutOnTheMonotonicClock) {
  AdminServer::Options opts;
  opts.idle_timeout_ms = 20;
  ServerFixture f(opts);
  AdminServer& server = *f.server;
  ASSERT_TRUE(server.Open().ok());
  Peer idle(f.path());
  ASSERT_TRUE(PumpUntil(server, {&idle}, [&] { return idle.eof(); })) << "the idle client was not closed";
  EXPECT_EQ(idle.received(), ErrorReply("idle admin connection closed: no command line for 20 ms") + "\n");
  EXPECT_EQ(server.idle_closed(), 1u);
  EXPECT_EQ(server.clients(), 0u);
}

TEST(AdminServer, EmptyLineGetsOneReply) {
  ServerFixture f;
  ASSERT_TRUE(f.server->Open().ok());
  Peer p(f.path());
  p.Send("\n{\"cmd\":\"status\"}\n");
  ASSERT_TRUE(PumpUntil(*f.server, {&p}, [&] { return p.HasLine(); }));
  EXPECT_EQ(p.TakeLine(), ErrorReply("empty command line"));
  ASSERT_TRUE(PumpUntil(*f.server, {&p}, [&] { return p.HasLine(); }));
  EXPECT_EQ(p.TakeLine(), kOk);
  EXPECT_EQ(f.server->errors(), 1u);
  EXPECT_EQ(f.server->commands(), 1u);
}

TEST(AdminServer, CarriageReturnOnlyLineGetsOneReply) {
  ServerFixture f;
  ASSERT_TRUE(f.server->Open().ok());
  Peer p(f.path());
  p.Send("\r\n{\"cmd\":\"status\"}\r\n");
  ASSERT_TRUE(PumpUntil(*f.server, {&p}, [&] { return p.HasLine(); }));
  EXPECT_EQ(p.TakeLine(), ErrorReply("empty command line"));
  ASSERT_TRUE(PumpUntil(*f.server, {&p}, [&] { return p.HasLine(); }));
  EXPECT_EQ(p.TakeLine(), kOk);
}

TEST(AdminServer, MegabyteLineGetsExactlyOneReplyAndTheNextLineIsServed) {
  ServerFixture f;
  AdminServer& server = *f.server;
  ASSERT_TRUE(server.Open().ok());
  Peer p(f.path());
  p.Send(std::string(1 << 20, 'x') + "\n{\"cmd\":\"kill\"}\n");
  ASSERT_TRUE(PumpUntil(server, {&p}, [&] { return p.received().find(kOk) != std::string::npos; }));
  // Replies come in order: the error, then kill's reply, and nothing between them.
  EXPECT_EQ(p.received(), ErrorReply("command line longer than 4096 bytes") + "\n" + kOk + "\n");
  EXPECT_EQ(f.seen[0].verb, AdminVerb::kKill);
  EXPECT_EQ(server.errors(), 1u);
  EXPECT_EQ(server.commands(), 1u);
}

TEST(AdminServer, OverLongLineAcrossSmallWritesGetsOneReply) {
  AdminServer::Options opts;
  opts.max_line_bytes = 64;
  ServerFixture f(opts);
  AdminServer& server = *f.server;
  ASSERT_TRUE(server.Open().ok());
  Peer p(f.path());
  // Fed in pieces with polls between them, so the line spans many reads.
  for (int i = 0; i < 50; ++i) {
    p.Send(std::string(10, 'y'));
    p.Step();
    server.Poll(0);
  }
  EXPECT_EQ(RoundTrip(server, p, "\n"), ErrorReply("command line longer than 64 bytes"));
  EXPECT_EQ(RoundTrip(server, p, "{\"cmd\":\"status\"}\n"), kOk);
  EXPECT_EQ(server.errors(), 1u);
}

TEST(AdminServer, LineOfExactlyMaxBytesIsServedOneMoreIsRefused) {
  ServerFixture f;
  AdminServer& server = *f.server;
  ASSERT_TRUE(server.Open().ok());
  const std::string cmd = "{\"cmd\":\"status\"}";
  const std::string max_line = cmd + std::string(kMaxAdminLineBytes - cmd.size(), ' ');
  ASSERT_EQ(max_line.size(), 4096u);
  Peer p(f.path());
  EXPECT_EQ(RoundTrip(server, p, max_line + "\n"), kOk);
  EXPECT_EQ(RoundTrip(server, p, max_line + "\r\n"), kOk) << "the \\r before the newline is not part of the line";
  EXPECT_EQ(RoundTrip(server, p, max_line + " \n"), ErrorReply("command line longer than 4096 bytes"));
  EXPECT_EQ(RoundTrip(server, p, max_line + " \r\n"), ErrorReply("command line longer than 4096 bytes"));
  EXPECT_EQ(RoundTrip(server, p, cmd + "\n"), kOk);
  EXPECT_EQ(server.commands(), 3u);
  EXPECT_EQ(server.errors(), 2u);
}

TEST(AdminServer, DuplicateCmdDoesNotRunKill) {
  ServerFixture f;
  ASSERT_TRUE(f.server->Open().ok());
  Peer p(f.path());
  EXPECT_EQ(RoundTrip(*f.server, p, "{\"cmd\":\"status\",\"cmd\":\"kill\"}\n"),
            ErrorReply(R"(duplicate field \"cmd\")"));
  EXPECT_TRUE(f.seen.empty());
}

TEST(AdminServer, CommandCarriesPeerUidAndPid) {
  ServerFixture f;
  ASSERT_TRUE(f.server->Open().ok());
  Peer p(f.path());
  EXPECT_EQ(RoundTrip(*f.server, p, "{\"cmd\":\"halt\",\"venue\":\"okx\"}\n"), kOk);
  ASSERT_EQ(f.seen.size(), 1u);
  EXPECT_EQ(f.seen[0].venue, "okx");
  EXPECT_EQ(f.seen[0].peer_uid, static_cast<uint32_t>(getuid()));
  EXPECT_EQ(f.seen[0].peer_pid, static_cast<int32_t>(getpid()));
}

TEST(AdminServer, RefusedPeerIsReportedWithItsUidAndPid) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to connect from another uid (setuid in a child)";
  constexpr uid_t kNobody = 65534;
  std::vector<AdminPeer> refused;
  AdminServer::Options opts;
  opts.on_refused_peer = [&](const AdminPeer& p) { refused.push_back(p); };
  ServerFixture f(opts);
  AdminServer& server = *f.server;
  ASSERT_TRUE(server.Open().ok());
  // Let the other uid reach the socket; the uid check is what must refuse it.
  ASSERT_EQ(chmod(f.dir.path().c_str(), 0755), 0);
  ASSERT_EQ(chmod(f.path().c_str(), 0666), 0);
  int pipe_fds[2];
  ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // No gtest here: report through the pipe and the exit code.
    close(pipe_fds[0]);
    if (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 || setuid(kNobody) != 0) _exit(2);
    std::string reply;
    const absl::Status s = AdminRequest(f.path(), "{\"cmd\":\"kill\"}", &reply, 10000);
    if (!s.ok()) reply = "request failed: " + std::string(s.message());
    [[maybe_unused]] const ssize_t n = write(pipe_fds[1], reply.data(), reply.size());
    _exit(s.ok() ? 0 : 3);
  }
  close(pipe_fds[1]);
  ASSERT_TRUE(PumpUntil(server, {}, [&] { return !refused.empty(); })) << "on_refused_peer was not called";
  int status = 0;
  ASSERT_TRUE(PumpUntil(server, {}, [&] { return waitpid(child, &status, WNOHANG) == child; }));
  std::string reply;
  char buf[512];
  for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) > 0;) reply.append(buf, static_cast<size_t>(n));
  close(pipe_fds[0]);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << reply;
  EXPECT_EQ(reply, ErrorReply("permission denied: peer uid differs from the engine's"));
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].uid, kNobody);
  EXPECT_EQ(refused[0].pid, child);
  EXPECT_EQ(server.refused_peers(), 1u);
  EXPECT_TRUE(f.seen.empty()) << "a refused peer's command must not run";
}

TEST(AdminServer, ServesLinesCountsErrorsAndIsOwnerOnly) {
  testing::TempDir dir;
  const std::string path = dir.File("admin.sock");
  std::atomic<int> kills{0};
  AdminServer server(path, [&](const AdminCommand& c) {
    if (c.verb == AdminVerb::kKill) ++kills;
    return std::string("{\"ok\":true}");
  });
  ASSERT_TRUE(server.Open().ok());
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::atomic<bool> stop{false};
  std::thread t([&] {
    while (!stop) server.Poll(10);
  });
  std::string reply;
  ASSERT_TRUE(AdminRequest(path, R"({"cmd":"kill"})", &reply).ok());
  EXPECT_EQ(reply, "{\"ok\":true}");
  ASSERT_TRUE(AdminRequest(path, "not json", &reply).ok());
  EXPECT_NE(reply.find("\"ok\":false"), std::string::npos);
  ASSERT_TRUE(AdminRequest(path, std::string("\x01\x02\xff", 3), &reply).ok());
  EXPECT_NE(reply.find("not JSON"), std::string::npos);
  stop = true;
  t.join();
  EXPECT_EQ(kills.load(), 1);
  EXPECT_EQ(server.commands(), 1u);
  EXPECT_EQ(server.errors(), 2u);
}

TEST(AdminServer, RefusesToStealALiveSocket) {
  testing::TempDir dir;
  const std::string path = dir.File("admin.sock");
  AdminServer a(path, [](const AdminCommand&) { return std::string("{}"); });
  ASSERT_TRUE(a.Open().ok());
  AdminServer b(path, [](const AdminCommand&) { return std::string("{}"); });
  const absl::Status s = b.Open();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("another process"), std::string::npos);
  // The refused server goes away: the live socket stays (the old code unlinked it here).
  b.Close();
  struct stat st;
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << "the refused server unlinked the live socket";
  std::string reply;
  std::atomic<bool> done{false};
  std::thread poller([&] {
    while (!done.load()) a.Poll(10);
  });
  EXPECT_TRUE(AdminRequest(path, R"({"cmd":"status"})", &reply).ok());
  done.store(true);
  poller.join();
  EXPECT_EQ(reply, "{}");
}

// A server closes only the socket file it created: one that replaced it (an operator removed
// the file and started another server) is left alone.
TEST(AdminServer, CloseLeavesASocketFileItDidNotCreate) {
  testing::TempDir dir;
  const std::string path = dir.File("admin.sock");
  AdminServer a(path, [](const AdminCommand&) { return std::string("{}"); });
  ASSERT_TRUE(a.Open().ok());
  ASSERT_EQ(unlink(path.c_str()), 0);
  AdminServer b(path, [](const AdminCommand&) { return std::string("{}"); });
  ASSERT_TRUE(b.Open().ok());
  a.Close();
  struct stat st;
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << "a unlinked b's socket";
  b.Close();
  EXPECT_NE(lstat(path.c_str(), &st), 0) << "b removes its own socket";
}

TEST(AdminRequest, ClearErrorWhenNothingListens) {
  std::string reply;
  const absl::Status s = AdminRequest("/tmp/hs-definitely-not-here.sock", "{}", &reply);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("is the engine running"), std::string::npos);
}

}  // namespace
}  // namespace hs::control
