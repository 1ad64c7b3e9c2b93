// The admin socket under load: kill round trips through a real AdminServer polled on its own
// thread (Poll(50), as the engine's control loop does), whose handler trips a KillSwitch.
//
//   BM_AdminKill/Baseline_NoClients   nothing else connected
//   BM_AdminKill/CapFull              max_clients - 1 idle clients: the kill takes the last slot
//   BM_AdminKill/CapFullRefusingBurst the same, and after each kill connects another thread opens
//                                     kBurst more connections, which the server refuses meanwhile
//
// Each iteration is one kill as `homeostat ctl kill` sends it, with the system calls of
// AdminRequest (connect, send the line, poll and read the reply, close); the time is that of the
// kill alone (manual time), the burst's own connects run on the burst thread. bench/summarize.py
// prints each case's median over the baseline's from the same run.
#include <benchmark/benchmark.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/control/admin_server.h"
#include "core/runtime/kill_switch.h"

namespace hs::control {
namespace {

constexpr int kMaxClients = 16;
constexpr int kBurst = 32;
constexpr char kReply[] = "{\"ok\":true,\"halted\":true}";  // to every command
constexpr char kKillLine[] = "{\"cmd\":\"kill\"}\n";

// A connected blocking socket, or -1.
int Connect(const std::string& path, bool nonblocking = false) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends `line` and reads up to the first newline (5 s at most). The reply, or "" on failure.
std::string SendAndRead(int fd, std::string_view line) {
  // A refused connection is closed at once and the send may fail; its error line is still read.
  [[maybe_unused]] const ssize_t w = send(fd, line.data(), line.size(), MSG_NOSIGNAL);
  std::string reply;
  char buf[512];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return "";
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return "";
    reply.append(buf, static_cast<size_t>(n));
    const size_t nl = reply.find('\n');
    if (nl != std::string::npos) {
      reply.resize(nl);
      return reply;
    }
  }
}

// A server on its own polling thread with `idle` clients connected (and accepted) before any kill.
class ServedSocket {
 public:
  explicit ServedSocket(int idle) : path_("/tmp/hs-admin-bench-" + std::to_string(getpid()) + ".sock") {
    AdminServer::Options opts;
    opts.max_clients = kMaxClients;
    opts.idle_timeout_ms = 3'600'000;  // the idle clients must outlive the run
    server_ = std::make_unique<AdminServer>(path_, std::move(opts), [this](const AdminCommand& c) {
      if (c.verb == AdminVerb::kKill) kill_.Trip();
      return std::string(kReply);
    });
    ok_ = server_->Open().ok();
    if (!ok_) return;
    thread_ = std::thread([this] {
      while (!stop_.load(std::memory_order_relaxed)) server_->Poll(50);
    });
    for (int i = 0; i < idle && ok_; ++i) {
      const int fd = Connect(path_);
      // One status each, so every idle client is accepted (not left in the backlog) before the
      // first kill; after it they stay silent.
      ok_ = fd >= 0 && SendAndRead(fd, "{\"cmd\":\"status\"}\n") == kReply;
      idle_.push_back(fd);
    }
  }
  ~ServedSocket() {
    for (int fd : idle_) close(fd);
    Stop();
  }
  // Stops the polling thread; the server's counters may be read after.
  void Stop() {
    if (!thread_.joinable()) return;
    stop_.store(true, std::memory_order_relaxed);
    thread_.join();
  }
  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }
  const AdminServer& server() const { return *server_; }

 private:
  std::string path_;
  runtime::KillSwitch kill_;
  std::unique_ptr<AdminServer> server_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<int> idle_;
  bool ok_ = false;
};

// On Go(), opens `n` connections to the socket, waits for each to be answered and closed (the
// server refuses them: the cap is full), then closes them and reports done.
class ConnectionBurst {
 public:
  ConnectionBurst(std::string path, int n) : path_(std::move(path)), n_(n), thread_([this] { Run(); }) {}
  ~ConnectionBurst() {
    quit_.store(true);
    go_.fetch_add(1);
    go_.notify_one();
    thread_.join();
  }
  void Go() {
    go_.fetch_add(1, std::memory_order_release);
    go_.notify_one();
  }
  void WaitDone() {
    const uint32_t want = go_.load(std::memory_order_relaxed);
    for (uint32_t d = done_.load(std::memory_order_acquire); d != want; d = done_.load(std::memory_order_acquire)) {
      done_.wait(d);
    }
  }
  uint64_t refusals_seen() const { return refusals_seen_.load(); }

 private:
  void Run() {
    uint32_t seen = 0;
    std::vector<pollfd> fds;
    char buf[256];
    for (;;) {
      go_.wait(seen, std::memory_order_acquire);
      seen = go_.load(std::memory_order_acquire);
      if (quit_.load()) return;
      fds.clear();
      for (int i = 0; i < n_; ++i) {
        const int fd = Connect(path_, /*nonblocking=*/true);
        if (fd >= 0) fds.push_back({fd, POLLIN, 0});
      }
      // Until every connection has its answer and EOF (or 5 s pass).
      size_t open = fds.size();
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (open > 0 && std::chrono::steady_clock::now() < deadline) {
        if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
        for (pollfd& p : fds) {
          if (p.fd < 0 || p.revents == 0) continue;
          const ssize_t n = read(p.fd, buf, sizeof buf);
          if (n > 0) {
            if (std::string_view(buf, static_cast<size_t>(n)).find("too many admin clients") != std::string_view::npos) {
              refusals_seen_.fetch_add(1, std::memory_order_relaxed);
            }
            continue;
          }
          if (n < 0 && errno == EAGAIN) continue;
          close(p.fd);
          p.fd = -1;
          --open;
        }
      }
      for (pollfd& p : fds) {
        if (p.fd >= 0) close(p.fd);
      }
      done_.store(seen, std::memory_order_release);
      done_.notify_one();
    }
  }

  std::string path_;
  int n_;
  std::atomic<uint32_t> go_{0};
  std::atomic<uint32_t> done_{0};
  std::atomic<bool> quit_{false};
  std::atomic<uint64_t> refusals_seen_{0};
  std::thread thread_;
};

void BM_AdminKill(benchmark::State& state, int idle, int burst) {
  ServedSocket served(idle);
  if (!served.ok()) {
    state.SkipWithError("admin server or idle clients failed");
    return;
  }
  std::unique_ptr<ConnectionBurst> bursts;
  if (burst > 0) bursts = std::make_unique<ConnectionBurst>(served.path(), burst);
  uint64_t kills = 0;
  uint64_t retried = 0;  // kill refused as one client too many: the previous kill's close not yet seen
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto t1 = t0;
    std::string reply;
    for (;;) {
      const int fd = Connect(served.path());
      if (fd < 0) break;
      if (bursts) bursts->Go();  // after our connect, so the kill is accepted first
      reply = SendAndRead(fd, kKillLine);
      t1 = std::chrono::steady_clock::now();
      // Closed only once the burst is answered, so none of it can take the slot this frees.
      if (bursts) bursts->WaitDone();
      close(fd);
      if (reply.find("too many admin clients") == std::string::npos) break;
      ++retried;
    }
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    if (reply != kReply) {
      state.SkipWithError(("kill failed: " + reply).c_str());
      break;
    }
    ++kills;
  }
  bursts.reset();
  served.Stop();
  const double n = kills > 0 ? static_cast<double>(kills) : 1.0;
  state.counters["idle_clients"] = idle;
  state.counters["refused_per_kill"] = static_cast<double>(served.server().refused_full()) / n;
  state.counters["retried"] = static_cast<double>(retried);
}

BENCHMARK_CAPTURE(BM_AdminKill, Baseline_NoClients, 0, 0)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_AdminKill, CapFull, kMaxClients - 1, 0)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_AdminKill, CapFullRefusingBurst, kMaxClients - 1, kBurst)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace hs::control

BENCHMARK_MAIN();
