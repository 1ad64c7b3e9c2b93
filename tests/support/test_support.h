// Test-only helpers: temp dirs, fixture files, free loopback ports, child processes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace hs::testing {

// A fresh directory under /tmp, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& text);
// tests/fixtures/venues/<rel>
std::string VenueFixture(const std::string& rel);
// A file's text followed by 64 bytes of padding (what the websocket client provides).
std::string Padded(const std::string& s);
// `text` with one to three random byte edits (replace, delete or insert a byte drawn from
// `alphabet`): near-valid input for differential tests that compare two parse paths.
std::string MutateText(const std::string& text, std::string_view alphabet, std::mt19937_64& rng);

// A whole config for tests that parse one but never start the engine: `assets` (e.g.
// `"BTC", "USDT"`), the engine/admin/journal/log/strategy/risk sections with placeholder paths
// and 1000 USDT limits, then `body` (instruments and venues).
std::string UnitConfigToml(const std::string& assets, const std::string& body);
// [[instruments]] BTC/USDT (tick 0.01, lot 0.00001) and ETH/USDT (tick 0.01, lot 0.0001), both
// with a 5 USDT minimum notional.
extern const char kBtcUsdtInstrumentToml[];
extern const char kEthUsdtInstrumentToml[];

// A loopback TCP port that was free a moment ago.
int FreePort();

// Polls `cond` every 20 ms until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

// A child process with its output captured to files.
class Process {
 public:
  Process(const std::string& exe, const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
          const std::string& out_path);
  ~Process();
  pid_t pid() const { return pid_; }
  bool Running();
  // Sends sig and waits up to timeout; returns the exit code (or 128+signal), -1 on timeout.
  int Stop(int sig, std::chrono::milliseconds timeout);
  int Wait(std::chrono::milliseconds timeout);
  std::string Output() const;

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  bool reaped_ = false;
  std::string out_path_;
};

// Runs a command to completion; returns its exit code and captures output.
int RunCommand(const std::string& exe, const std::vector<std::string>& args, std::string* output,
               const std::map<std::string, std::string>& env = {}, std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace hs::testing
