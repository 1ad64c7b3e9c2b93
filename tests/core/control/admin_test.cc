#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <thread>

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
  EXPECT_EQ(err, "kill is always global and takes no \"venue\"; to stop one venue send {\"cmd\":\"halt\",\"venue\":\"okx\"}");
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
}

TEST(AdminRequest, ClearErrorWhenNothingListens) {
  std::string reply;
  const absl::Status s = AdminRequest("/tmp/hs-definitely-not-here.sock", "{}", &reply);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("is the engine running"), std::string::npos);
}

}  // namespace
}  // namespace hs::control
