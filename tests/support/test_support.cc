#include "tests/support/test_support.h"
#include "tests/support/paths.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace hs::testing {

TempDir::TempDir() {
  char tmpl[] = "/tmp/hs-test-XXXXXX";
  char* p = mkdtemp(tmpl);
  if (p == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = p;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string UnitConfigToml(const std::string& assets, const std::string& body) {
  return "assets = [" + assets + "]\n" + R"([engine]
name = "t"
[admin]
socket = "/tmp/unused.sock"
[journal]
path = "/tmp/unused.hsj"
[log]
path = "/tmp/unused.log"
[strategy]
min_edge = "0.0005"
max_leg_notional = "1000"
[risk]
max_order_notional = "1000"
)" + body;
}

const char kBtcUsdtInstrumentToml[] = R"([[instruments]]
name = "BTC/USDT"
base = "BTC"
quote = "USDT"
tick = "0.01"
lot = "0.00001"
min_notional = "5"
)";

const char kEthUsdtInstrumentToml[] = R"([[instruments]]
name = "ETH/USDT"
base = "ETH"
quote = "USDT"
tick = "0.01"
lot = "0.0001"
min_notional = "5"
)";

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void WriteFileOrDie(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot write " + path);
  f << text;
}

std::string VenueFixture(const std::string& rel) { return ReadFileOrDie(std::string(HS_VENUE_SAMPLES_DIR) + "/" + rel); }

std::string Padded(const std::string& s) { return s + std::string(64, '\0'); }

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

Process::Process(const std::string& exe, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env, const std::string& out_path)
    : out_path_(out_path) {
  std::vector<std::string> argv_s{exe};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv(*e);
    const size_t eq = kv.find('=');
    if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> env_s;
  for (const auto& [k, v] : merged) env_s.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
  const int rc = posix_spawn(&pid_, exe.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("posix_spawn " + exe + ": " + strerror(rc));
}

Process::~Process() {
  if (!reaped_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

bool Process::Running() {
  if (reaped_) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

int Process::Wait(std::chrono::milliseconds timeout) {
  if (!WaitFor([&] { return !Running(); }, timeout)) return -1;
  return exit_code_;
}

int Process::Stop(int sig, std::chrono::milliseconds timeout) {
  if (Running()) kill(pid_, sig);
  return Wait(timeout);
}

std::string Process::Output() const {
  try {
    return ReadFileOrDie(out_path_);
  } catch (...) {
    return "";
  }
}

int RunCommand(const std::string& exe, const std::vector<std::string>& args, std::string* output,
               const std::map<std::string, std::string>& env, std::chrono::milliseconds timeout) {
  char tmpl[] = "/tmp/hs-cmd-XXXXXX";
  const int fd = mkstemp(tmpl);
  close(fd);
  int code;
  {
    Process p(exe, args, env, tmpl);
    code = p.Wait(timeout);
    if (code < 0) code = p.Stop(SIGKILL, std::chrono::seconds(5));
    if (output) *output = p.Output();
  }
  unlink(tmpl);
  return code;
}

std::string MutateText(const std::string& text, std::string_view alphabet, std::mt19937_64& rng) {
  std::string t = text;
  const int edits = 1 + static_cast<int>(rng() % 3);
  for (int e = 0; e < edits; ++e) {
    if (t.empty()) {
      t.push_back(alphabet[rng() % alphabet.size()]);
      continue;
    }
    const size_t at = rng() % t.size();
    switch (rng() % 3) {
      case 0:
        t[at] = alphabet[rng() % alphabet.size()];
        break;
      case 1:
        t.erase(at, 1);
        break;
      default:
        t.insert(at, 1, alphabet[rng() % alphabet.size()]);
        break;
    }
  }
  return t;
}

}  // namespace hs::testing
