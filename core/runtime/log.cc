#include "core/runtime/log.h"

#include <cstring>
#include <ctime>

namespace hs::runtime {

namespace {
const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}
}  // namespace

LogChannel::LogChannel(std::string name, uint8_t index) : name_(std::move(name)), index_(index), ring_(1024) {
  producer_ = ring_.TakeProducer();
  consumer_ = ring_.TakeConsumer();
}

void LogChannel::VLog(LogLevel level, const char* fmt, va_list ap) noexcept {
  LogRecord r;
  r.wall_ns = WallNow().value;
  r.level = level;
  r.channel = index_;
  const int n = std::vsnprintf(r.text, sizeof r.text, fmt, ap);
  r.len = static_cast<uint16_t>(n < 0 ? 0 : (n >= static_cast<int>(sizeof r.text) ? sizeof r.text - 1 : n));
  if (!producer_.TryPush(r)) dropped_.fetch_add(1, std::memory_order_relaxed);
}

void LogChannel::Log(LogLevel level, const char* fmt, ...) noexcept {
  va_list ap;
  va_start(ap, fmt);
  VLog(level, fmt, ap);
  va_end(ap);
}

bool RateLimited::Allow() noexcept {
  const int64_t now = MonoNow().value;
  if (now - window_start_ >= interval_) {
    window_start_ = now;
    used_ = 0;
  }
  if (used_ < burst_) {
    ++used_;
    return true;
  }
  ++suppressed_;
  return false;
}

Logger::Logger(const std::string& path, bool echo_stderr) : echo_stderr_(echo_stderr) {
  if (path.empty()) {
    file_ = stderr;
  } else {
    file_ = std::fopen(path.c_str(), "a");
    own_file_ = file_ != nullptr;
    if (file_ == nullptr) file_ = stderr;
  }
}

Logger::~Logger() {
  Drain();
  if (own_file_) std::fclose(file_);
}

LogChannel* Logger::MakeChannel(const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  channels_.push_back(std::make_unique<LogChannel>(name, static_cast<uint8_t>(channels_.size())));
  return channels_.back().get();
}

void Logger::Write(const LogRecord& r, const std::string& channel) {
  const time_t secs = static_cast<time_t>(r.wall_ns / 1'000'000'000);
  tm t;
  gmtime_r(&secs, &t);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &t);
  std::fprintf(file_, "%s.%06ldZ %-5s [%s] %.*s\n", ts, static_cast<long>((r.wall_ns / 1000) % 1'000'000),
               LevelName(r.level), channel.c_str(), static_cast<int>(r.len), r.text);
  if (echo_stderr_ && file_ != stderr && r.level >= LogLevel::kWarn) {
    std::fprintf(stderr, "%s %-5s [%s] %.*s\n", ts, LevelName(r.level), channel.c_str(), static_cast<int>(r.len),
                 r.text);
  }
}

void Logger::Direct(LogLevel level, const char* fmt, ...) {
  LogRecord r;
  r.wall_ns = WallNow().value;
  r.level = level;
  va_list ap;
  va_start(ap, fmt);
  const int n = std::vsnprintf(r.text, sizeof r.text, fmt, ap);
  va_end(ap);
  r.len = static_cast<uint16_t>(n < 0 ? 0 : (n >= static_cast<int>(sizeof r.text) ? sizeof r.text - 1 : n));
  std::lock_guard<std::mutex> g(mu_);
  Write(r, "main");
  std::fflush(file_);
}

int Logger::Drain() {
  std::lock_guard<std::mutex> g(mu_);
  int n = 0;
  for (auto& ch : channels_) {
    LogRecord r;
    while (ch->consumer_.TryPop(r)) {
      Write(r, ch->name_);
      ++n;
    }
  }
  if (n > 0) std::fflush(file_);
  return n;
}

}  // namespace hs::runtime
