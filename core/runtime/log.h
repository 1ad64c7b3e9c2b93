// hs::runtime — logging without locks or allocation on the producing thread.
//
// Each thread that logs gets its own LogChannel (an SPSC ring of fixed-size records) from the
// Logger at startup; the control thread drains all channels and writes the file. A producer
// formats into a stack record with snprintf and pushes; when its ring is full the record is
// dropped and counted (logging must never stall trading). Hot paths do not log at all; cold
// and error paths log through RateLimited so a storm of bad messages cannot flood the file.
// Secrets must never be passed to a log call.
#pragma once

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/runtime/spsc_ring.h"

namespace hs::runtime {

enum class LogLevel : uint8_t { kDebug = 0, kInfo, kWarn, kError };

struct LogRecord {
  int64_t wall_ns = 0;
  LogLevel level = LogLevel::kInfo;
  uint8_t channel = 0;
  uint16_t len = 0;
  char text[244];
};
static_assert(sizeof(LogRecord) == 256);

class LogChannel {
 public:
  explicit LogChannel(std::string name, uint8_t index);
  void Log(LogLevel level, const char* fmt, ...) noexcept __attribute__((format(printf, 3, 4)));
  void VLog(LogLevel level, const char* fmt, va_list ap) noexcept;
  uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  const std::string& name() const { return name_; }

 private:
  friend class Logger;
  std::string name_;
  uint8_t index_;
  SpscRing<LogRecord> ring_;
  SpscRing<LogRecord>::Producer producer_;
  SpscRing<LogRecord>::Consumer consumer_;
  std::atomic<uint64_t> dropped_{0};
};

// Allows `burst` messages, then one per `interval_ns`; counts what it suppresses.
class RateLimited {
 public:
  explicit RateLimited(int64_t interval_ns = 1'000'000'000, int burst = 5) : interval_(interval_ns), burst_(burst) {}
  bool Allow() noexcept;
  uint64_t suppressed() const noexcept { return suppressed_; }

 private:
  int64_t interval_;
  int burst_;
  int used_ = 0;
  int64_t window_start_ = 0;
  uint64_t suppressed_ = 0;
};

class Logger {
 public:
  // path empty = stderr only. echo_stderr also copies warnings and errors to stderr.
  Logger(const std::string& path, bool echo_stderr);
  ~Logger();

  // Startup only: one channel per producing thread.
  LogChannel* MakeChannel(const std::string& name);
  // Cold path on the control/main thread: writes immediately.
  void Direct(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
  // Control thread: moves records from every channel to the file. Returns records written.
  int Drain();
  bool ok() const { return file_ != nullptr; }

 private:
  void Write(const LogRecord& r, const std::string& channel);
  std::FILE* file_ = nullptr;
  bool own_file_ = false;
  bool echo_stderr_ = false;
  std::mutex mu_;  // cold: Direct() vs Drain() on different threads
  std::vector<std::unique_ptr<LogChannel>> channels_;
};

}  // namespace hs::runtime
