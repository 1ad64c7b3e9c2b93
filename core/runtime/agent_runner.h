// hs::runtime — runs one agent on one thread: do work, idle, repeat (Agrona's AgentRunner).
//
// An agent is any object with `int DoWork() noexcept` (returns the amount of work done) and
// `void Park(int64_t max_ns) noexcept` (block until woken or max_ns passed; it must re-check its
// inputs after announcing the park, see Waker). Optional `void OnStart()` / `void OnClose()`
// run on the agent's thread. The runner pins the thread (cpu >= 0), names it, and applies the
// idle strategy. An exception escaping the agent is reported, stops that agent, and calls the
// failure hook (main uses it to trip the kill switch): a broken agent never keeps trading.
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "core/runtime/idle.h"

namespace hs::runtime {

template <typename A>
concept Agent = requires(A a, int64_t ns) {
  { a.DoWork() } -> std::same_as<int>;
  { a.Park(ns) };
};

struct ThreadSpec {
  std::string name;  // at most 15 characters are shown by the OS
  int cpu = -1;      // -1 = unpinned
  IdleStrategy::Params idle;
};

// Pins the calling thread to `cpu` (no-op for -1). Returns false if the OS refused.
bool PinCurrentThread(int cpu) noexcept;
void NameCurrentThread(const std::string& name) noexcept;
int HardwareCores() noexcept;

class AgentRunner {
 public:
  using FailureHook = std::function<void(const std::string& agent, const std::string& what)>;

  AgentRunner() = default;
  ~AgentRunner() { Join(); }
  AgentRunner(const AgentRunner&) = delete;
  AgentRunner& operator=(const AgentRunner&) = delete;

  template <Agent A>
  void Start(A* agent, ThreadSpec spec, FailureHook on_failure = nullptr) {
    running_.store(true, std::memory_order_release);
    thread_ = std::thread([this, agent, spec = std::move(spec), on_failure = std::move(on_failure)] {
      NameCurrentThread(spec.name);
      pinned_ok_ = PinCurrentThread(spec.cpu);
      IdleStrategy idle(spec.idle);
      try {
        if constexpr (requires { agent->OnStart(); }) agent->OnStart();
        while (!stop_.load(std::memory_order_acquire)) {
          const int work = agent->DoWork();
          duty_cycles_.fetch_add(1, std::memory_order_relaxed);
          const int64_t park_ns = idle.Idle(work);
          if (park_ns > 0) agent->Park(park_ns);
        }
        if constexpr (requires { agent->OnClose(); }) agent->OnClose();
      } catch (const std::exception& e) {
        failed_.store(true, std::memory_order_release);
        if (on_failure) on_failure(spec.name, e.what());
      } catch (...) {
        failed_.store(true, std::memory_order_release);
        if (on_failure) on_failure(spec.name, "unknown exception");
      }
      running_.store(false, std::memory_order_release);
    });
  }

  // Asks the loop to finish after its current duty cycle (and park, bounded by max_park_ns).
  void RequestStop() noexcept { stop_.store(true, std::memory_order_release); }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  bool running() const noexcept { return running_.load(std::memory_order_acquire); }
  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  bool pinned_ok() const noexcept { return pinned_ok_; }
  uint64_t duty_cycles() const noexcept { return duty_cycles_.load(std::memory_order_relaxed); }

 private:
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> running_{false};
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> duty_cycles_{0};
  bool pinned_ok_ = true;
};

}  // namespace hs::runtime
