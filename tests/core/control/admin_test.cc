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
#include "risk/breakers.h"
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

TEST(AdminParse, ViewVerbsParseWithEitherFormat) {
  const std::pair<const char*, AdminVerb> verbs[] = {{"positions", AdminVerb::kPositions}, {"orders", AdminVerb::kOrders},
                                                     {"pnl", AdminVerb::kPnl},             {"breakers", AdminVerb::kBreakers},
                                                     {"limits", AdminVerb::kLimits},       {"help", AdminVerb::kHelp}};
  for (const auto& [name, verb] : verbs) {
    AdminCommand c;
    std::string err;
    const std::string base = std::string("{\"cmd\":\"") + name + "\"";
    ASSERT_TRUE(ParseAdminCommand(base + "}", &c, &err)) << name << ": " << err;
    EXPECT_EQ(c.verb, verb);
    EXPECT_EQ(c.format, AdminFormat::kJson) << "JSON unless asked";
    ASSERT_TRUE(ParseAdminCommand(base + ",\"format\":\"table\"}", &c, &err)) << name << ": " << err;
    EXPECT_EQ(c.format, AdminFormat::kTable);
    ASSERT_TRUE(ParseAdminCommand(base + ",\"format\":\"json\"}", &c, &err)) << name << ": " << err;
    EXPECT_EQ(c.format, AdminFormat::kJson);
    EXPECT_TRUE(IsReadOnly(c.verb)) << name;
  }
}

TEST(AdminParse, StatusIsJsonOnly) {
  AdminCommand c;
  std::string err;
  ASSERT_TRUE(ParseAdminCommand(R"({"cmd":"status","format":"json"})", &c, &err)) << err;
  EXPECT_FALSE(ParseAdminCommand(R"({"cmd":"status","format":"table"})", &c, &err));
  EXPECT_EQ(err.rfind("status is JSON only", 0), 0u) << err;
}

TEST(AdminParse, FormatMustBeJsonOrTable) {
  for (const char* f : {"xml", "", "TABLE", "table "}) {
    AdminCommand c;
    std::string err;
    const std::string line = std::string(R"({"cmd":"breakers","format":")") + f + "\"}";
    EXPECT_FALSE(ParseAdminCommand(line, &c, &err)) << line;
    EXPECT_EQ(err, "\"format\" must be \"json\" or \"table\"") << line;
  }
}

TEST(AdminParse, FormatOnlyOnReadOnlyCommands) {
  for (const char* verb : {"kill", "halt", "reduce", "resume"}) {
    AdminCommand c;
    std::string err;
    const std::string line = std::string("{\"cmd\":\"") + verb + "\",\"format\":\"json\"}";
    EXPECT_FALSE(ParseAdminCommand(line, &c, &err)) << line;
    EXPECT_EQ(err.rfind(std::string("\"") + verb + "\" takes no \"format\" (only the read-only commands do", 0), 0u)
        << err;
  }
  AdminCommand c;
  std::string err;
  EXPECT_FALSE(ParseAdminCommand(R"({"cmd":"reset","name":"stale","format":"table"})", &c, &err));
  EXPECT_EQ(err.rfind("\"reset\" takes no \"format\"", 0), 0u) << err;
}

TEST(AdminParse, FieldsOfTheWrongTypeAreRejected) {
  struct Case {
    const char* line;
    const char* expect;
  };
  const Case cases[] = {
      {R"({"cmd":"breakers","format":1})", "\"format\" must be a string"},
      {R"({"cmd":"breakers","format":null})", "\"format\" must be a string"},
      {R"({"cmd":"reset","name":3})", "\"name\" must be a string"},
      {R"({"cmd":"reset","name":["stale"]})", "\"name\" must be a string"},
      {R"({"cmd":"halt","venue":{"v":"okx"}})", "\"venue\" must be a string"},
      {R"({"cmd":true})", "\"cmd\" must be a string"},
  };
  for (const Case& k : cases) {
    AdminCommand c;
    std::string err;
    EXPECT_FALSE(ParseAdminCommand(k.line, &c, &err)) << k.line;
    EXPECT_EQ(err, k.expect) << k.line;
  }
}

TEST(AdminParse, ResetTakesEveryBreakerName) {
  for (int b = 0; b < risk::kBreakers; ++b) {
    const std::string name = risk::BreakerName(static_cast<risk::BreakerId>(b));
    AdminCommand c;
    std::string err;
    ASSERT_TRUE(ParseAdminCommand("{\"cmd\":\"reset\",\"name\":\"" + name + "\"}", &c, &err)) << name << ": " << err;
    EXPECT_EQ(c.verb, AdminVerb::kReset);
    EXPECT_EQ(c.name, name);
    EXPECT_EQ(c.breaker, b);
    EXPECT_FALSE(IsReadOnly(c.verb));
  }
}

TEST(AdminParse, ResetWithoutANameListsTheBreakers) {
  AdminCommand c;
  std::string err;
  EXPECT_FALSE(ParseAdminCommand(R"({"cmd":"reset"})", &c, &err));
  EXPECT_EQ(err,
            "reset needs \"name\": the breaker to reset (stale, integrity, divergence, vol_spike, drawdown, daily_loss, "
            "reject_rate, unknown_orders, leg_imbalance, journal, clock)");
}

TEST(AdminParse, ResetOfAnUnknownBreakerListsTheBreakers) {
  struct Case {
    std::string line, named;
  };
  const Case cases[] = {
      {R"({"cmd":"reset","name":"divergance"})", "\"divergance\""},
      {R"({"cmd":"reset","name":"STALE"})", "\"STALE\""},
      // An embedded NUL must not make "stale" match its prefix; the name is not echoed.
      {R"({"cmd":"reset","name":"stale\u0000x"})", "\"?\""},
      {R"({"cmd":"reset","name":"a\"b"})", "\"?\""},
  };
  for (const Case& k : cases) {
    AdminCommand c;
    std::string err;
    EXPECT_FALSE(ParseAdminCommand(k.line, &c, &err)) << k.line;
    EXPECT_EQ(err, "unknown breaker " + k.named + " (breakers: stale, integrity, divergence, vol_spike, drawdown, "
                   "daily_loss, reject_rate, unknown_orders, leg_imbalance, journal, clock)")
        << k.line;
  }
}

TEST(AdminParse, ResetWithAnEmptyNameListsTheBreakers) {
  AdminCommand c;
  std::string err;
  EXPECT_FALSE(ParseAdminCommand(R"({"cmd":"reset","name":""})", &c, &err));
  EXPECT_EQ(err,
            "\"name\" must not be empty: the breaker to reset (stale, integrity, divergence, vol_spike, drawdown, "
            "daily_loss, reject_rate, unknown_orders, leg_imbalance, journal, clock)");
}

TEST(AdminParse, NameOnlyOnReset) {
  for (const char* verb : {"status", "kill", "halt", "breakers", "help"}) {
    AdminCommand c;
    std::string err;
    const std::string line = std::string("{\"cmd\":\"") + verb + "\",\"name\":\"stale\"}";
    EXPECT_FALSE(ParseAdminCommand(line, &c, &err)) << line;
    EXPECT_EQ(err, std::string("\"") + verb + "\" takes no \"name\" (only reset does)");
  }
}

TEST(AdminParse, VenueNotTakenByViewsOrReset) {
  for (const char* verb : {"positions", "orders", "pnl", "breakers", "limits"}) {
    AdminCommand c;
    std::string err;
    const std::string line = std::string("{\"cmd\":\"") + verb + "\",\"venue\":\"okx\"}";
    EXPECT_FALSE(ParseAdminCommand(line, &c, &err)) << line;
    EXPECT_EQ(err, std::string("\"") + verb + "\" takes no \"venue\" (only halt, reduce and resume do)");
  }
  AdminCommand c;
  std::string err;
  EXPECT_FALSE(ParseAdminCommand(R"({"cmd":"reset","name":"stale","venue":"okx"})", &c, &err));
  EXPECT_EQ(err, "\"reset\" takes no \"venue\" (only halt, reduce and resume do)");
}

TEST(AdminParse, DuplicateNameOrFormatIsRejected) {
  AdminCommand c;
  std::string err;
  EXPECT_FALSE(ParseAdminCommand(R"({"cmd":"reset","name":"stale","name":"clock"})", &c, &err));
  EXPECT_EQ(err, "duplicate field \"name\"");
  EXPECT_FALSE(ParseAdminCommand(R"({"cmd":"pnl","format":"json","format":"table"})", &c, &err));
  EXPECT_EQ(err, "duplicate field \"format\"");
}

TEST(AdminParse, UnknownCommandListsEveryCommand) {
  AdminCommand c;
  std::string err;
  EXPECT_FALSE(ParseAdminCommand(R"({"cmd":"position"})", &c, &err));
  EXPECT_EQ(err,
            "unknown command \"position\" (status, kill, resume, halt, reduce, help, positions, orders, pnl, breakers, "
            "limits, reset)");
}

TEST(AdminParse, NothingFromAnEarlierParseSticks) {
  AdminCommand c;
  std::string err;
  ASSERT_TRUE(ParseAdminCommand(R"({"cmd":"reset","name":"clock"})", &c, &err)) << err;
  ASSERT_TRUE(ParseAdminCommand(R"({"cmd":"breakers","format":"table"})", &c, &err)) << err;
  EXPECT_EQ(c.name, "");
  EXPECT_EQ(c.breaker, 0);
  ASSERT_TRUE(ParseAdminCommand(R"({"cmd":"breakers"})", &c, &err)) << err;
  EXPECT_EQ(c.format, AdminFormat::kJson);
}

TEST(AdminParse, ReadOnlyVerbsAreExactlyTheViews) {
  for (AdminVerb v : {AdminVerb::kStatus, AdminVerb::kHelp, AdminVerb::kPositions, AdminVerb::kOrders, AdminVerb::kPnl,
                      AdminVerb::kBreakers, AdminVerb::kLimits})
    EXPECT_TRUE(IsReadOnly(v)) << AdminVerbName(v);
  for (AdminVerb v : {AdminVerb::kKill, AdminVerb::kResume, AdminVerb::kHalt, AdminVerb::kReduce, AdminVerb::kReset})
    EXPECT_FALSE(IsReadOnly(v)) << AdminVerbName(v);
}

TEST(AdminParse, AnUnstampedCommandIsAViewer) {
  // The server stamps the peer's role; a command nobody stamped must not be able to change anything.
  AdminCommand c;
  std::string err;
  ASSERT_TRUE(ParseAdminCommand(R"({"cmd":"kill"})", &c, &err)) << err;
  EXPECT_EQ(c.role, AdminRole::kViewer);
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
  EXPECT_EQ(reply, ErrorReply("permission denied: uid 65534 is not an operator or viewer of this engine ([admin] "
                              "operators, viewers)"));
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

// ---- Permissions. The test cannot switch uid (unless root), so it lists its own uid where
// each case needs it and some other uid elsewhere.

uint32_t OurUid() { return static_cast<uint32_t>(geteuid()); }
uint32_t NotOurUid() { return OurUid() + 4242; }

TEST(AdminServer, EngineUidIsTheOperatorByDefault) {
  ServerFixture f;
  ASSERT_TRUE(f.server->Open().ok());
  Peer p(f.path());
  EXPECT_EQ(RoundTrip(*f.server, p, "{\"cmd\":\"kill\"}\n"), kOk);
  ASSERT_EQ(f.seen.size(), 1u);
  EXPECT_EQ(f.seen[0].role, AdminRole::kOperator);
}

TEST(AdminServer, ListedViewerIsServedAsAViewer) {
  AdminServer::Options opts;
  opts.operators = {NotOurUid()};
  opts.viewers = {OurUid()};
  ServerFixture f(opts);
  ASSERT_TRUE(f.server->Open().ok());
  Peer p(f.path());
  // The server hands every command on with the role; refusing a viewer's kill is the handler's.
  EXPECT_EQ(RoundTrip(*f.server, p, "{\"cmd\":\"status\"}\n"), kOk);
  EXPECT_EQ(RoundTrip(*f.server, p, "{\"cmd\":\"kill\"}\n"), kOk);
  ASSERT_EQ(f.seen.size(), 2u);
  EXPECT_EQ(f.seen[0].role, AdminRole::kViewer);
  EXPECT_EQ(f.seen[1].role, AdminRole::kViewer);
  EXPECT_EQ(f.seen[1].peer_uid, OurUid());
  EXPECT_EQ(f.server->refused_peers(), 0u);
}

TEST(AdminServer, ListedOperatorIsAnOperatorEvenWhenAlsoAViewer) {
  AdminServer::Options opts;
  opts.operators = {NotOurUid(), OurUid()};
  opts.viewers = {OurUid()};
  ServerFixture f(opts);
  ASSERT_TRUE(f.server->Open().ok());
  Peer p(f.path());
  EXPECT_EQ(RoundTrip(*f.server, p, "{\"cmd\":\"halt\"}\n"), kOk);
  ASSERT_EQ(f.seen.size(), 1u);
  EXPECT_EQ(f.seen[0].role, AdminRole::kOperator);
}

TEST(AdminServer, UidInNeitherListIsRefusedAtAccept) {
  std::vector<AdminPeer> refused;
  AdminServer::Options opts;
  opts.operators = {NotOurUid()};
  opts.viewers = {NotOurUid() + 1};
  opts.on_refused_peer = [&](const AdminPeer& p) { refused.push_back(p); };
  ServerFixture f(opts);
  AdminServer& server = *f.server;
  ASSERT_TRUE(server.Open().ok());
  Peer p(f.path());
  p.Send("{\"cmd\":\"kill\"}\n");
  ASSERT_TRUE(PumpUntil(server, {&p}, [&] { return p.eof(); })) << "the refused peer was not closed";
  EXPECT_EQ(p.received(), ErrorReply("permission denied: uid " + std::to_string(OurUid()) +
                                     " is not an operator or viewer of this engine ([admin] operators, viewers)") +
                              "\n");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].uid, OurUid());
  EXPECT_EQ(refused[0].pid, static_cast<int32_t>(getpid()));
  EXPECT_EQ(server.refused_peers(), 1u);
  EXPECT_EQ(server.clients(), 0u);
  EXPECT_TRUE(f.seen.empty()) << "a refused peer's command must not run";
}

TEST(AdminServer, EngineUidIsNotAnOperatorWhenOperatorsAreListed) {
  AdminServer::Options opts;
  opts.operators = {NotOurUid()};
  ServerFixture f(opts);
  ASSERT_TRUE(f.server->Open().ok());
  Peer p(f.path());
  ASSERT_TRUE(PumpUntil(*f.server, {&p}, [&] { return p.eof(); }));
  EXPECT_NE(p.received().find("permission denied: uid " + std::to_string(OurUid())), std::string::npos) << p.received();
  EXPECT_EQ(f.server->refused_peers(), 1u);
}

TEST(AdminServer, SocketIsOwnerOnlyWithoutAGroup) {
  ServerFixture f;
  ASSERT_TRUE(f.server->Open().ok());
  struct stat st;
  ASSERT_EQ(stat(f.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_uid, geteuid());
}

TEST(AdminServer, SocketIsGroupReadWritableWithAGroup) {
  const group* g = getgrgid(getegid());
  ASSERT_NE(g, nullptr) << "the test's primary group has no entry";
  AdminServer::Options opts;
  opts.group_gid = g->gr_gid;
  ServerFixture f(opts);
  ASSERT_TRUE(f.server->Open().ok());
  struct stat st;
  ASSERT_EQ(stat(f.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_EQ(st.st_gid, g->gr_gid);
  // Still served.
  Peer p(f.path());
  EXPECT_EQ(RoundTrip(*f.server, p, "{\"cmd\":\"status\"}\n"), kOk);
}

TEST(AdminServer, GroupTheProcessMayNotUseFailsOpenNamingThePath) {
  if (geteuid() == 0) GTEST_SKIP() << "root may give a file to any group";
  // A group this process is not in: chown refuses it, and Open says which socket.
  AdminServer::Options opts;
  opts.group_gid = 4242424;
  ServerFixture f(opts);
  const absl::Status s = f.server->Open();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find(f.path()), std::string::npos) << s;
  struct stat st;
  EXPECT_NE(lstat(f.path().c_str(), &st), 0) << "the half-made socket is left behind";
}

// ---- Bad input never stalls the server: each line gets its error and the next one is served.

TEST(AdminServer, BadLinesEachGetTheirErrorAndTheNextCommandIsServed) {
  ServerFixture f;
  AdminServer& server = *f.server;
  ASSERT_TRUE(server.Open().ok());
  Peer p(f.path());
  const std::pair<std::string, std::string> cases[] = {
      {"", "empty command line"},
      {"garbage", "not JSON"},
      {R"({"cmd":"launch"})", "unknown command \\\"launch\\\""},
      {R"({"cmd":"breakers","format":5})", "\\\"format\\\" must be a string"},
      {R"({"cmd":"reset"})", "reset needs \\\"name\\\""},
      {R"({"cmd":"reset","name":"nosuch"})", "unknown breaker \\\"nosuch\\\""},
      {R"({"cmd":"status","format":"table"})", "status is JSON only"},
  };
  for (const auto& [line, expect] : cases) {
    const std::string reply = RoundTrip(server, p, line + "\n");
    EXPECT_EQ(reply.rfind("{\"ok\":false,\"error\":\"" + expect, 0), 0u) << line << " -> " << reply;
  }
  EXPECT_EQ(RoundTrip(server, p, "{\"cmd\":\"breakers\",\"format\":\"table\"}\n"), kOk);
  EXPECT_EQ(server.errors(), std::size(cases));
  EXPECT_EQ(server.commands(), 1u);
  ASSERT_EQ(f.seen.size(), 1u);
  EXPECT_EQ(f.seen[0].verb, AdminVerb::kBreakers);
  EXPECT_EQ(f.seen[0].format, AdminFormat::kTable);
}

TEST(AdminServer, ManyIdleClientsAreRefusedThenTimedOutAndStatusStillAnswers) {
  int64_t now_ms = 5'000'000;
  AdminServer::Options opts;
  opts.max_clients = 4;
  opts.idle_timeout_ms = 1000;
  opts.now_ms = [&] { return now_ms; };
  ServerFixture f(opts);
  AdminServer& server = *f.server;
  ASSERT_TRUE(server.Open().ok());
  std::vector<std::unique_ptr<Peer>> idle;
  std::vector<Peer*> idle_ptrs;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<Peer>(f.path()));
    idle_ptrs.push_back(idle.back().get());
  }
  ASSERT_TRUE(PumpUntil(server, idle_ptrs, [&] { return server.clients() == 4; }));
  // One more is told at once (not after the idle ones time out) and closed.
  Peer late(f.path());
  ASSERT_TRUE(PumpUntil(server, {&late}, [&] { return late.eof(); })) << "the extra client was left hanging";
  EXPECT_EQ(late.received(), ErrorReply("too many admin clients (max 4); try again later") + "\n");
  // The idle ones time out; then status answers a new client.
  now_ms += 1001;
  ASSERT_TRUE(PumpUntil(server, idle_ptrs, [&] {
    for (Peer* p : idle_ptrs)
      if (!p->eof()) return false;
    return true;
  }));
  EXPECT_EQ(server.idle_closed(), 4u);
  EXPECT_EQ(server.clients(), 0u);
  Peer fresh(f.path());
  EXPECT_EQ(RoundTrip(server, fresh, "{\"cmd\":\"status\"}\n"), kOk);
  EXPECT_EQ(server.refused_full(), 1u);
}

TEST(ReplyMember, StringsUnescapedOtherValuesAsJson) {
  std::string out;
  ASSERT_TRUE(ReplyMember(R"({"ok":true,"table":"a\tb\n\"c\""})", "table", &out));
  EXPECT_EQ(out, "a\tb\n\"c\"");
  ASSERT_TRUE(ReplyMember(R"({"ok":true,"breakers":[{"name":"stale","trips":2}]})", "breakers", &out));
  EXPECT_EQ(out, R"([{"name":"stale","trips":2}])");
  EXPECT_FALSE(ReplyMember(R"({"ok":true})", "table", &out));
  EXPECT_FALSE(ReplyMember("not json", "table", &out));
  EXPECT_FALSE(ReplyMember("[1,2]", "table", &out));
}

TEST(AdminRequest, ClearErrorWhenNothingListens) {
  std::string reply;
  const absl::Status s = AdminRequest("/tmp/hs-definitely-not-here.sock", "{}", &reply);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("is the engine running"), std::string::npos);
}

}  // namespace
}  // namespace hs::control
