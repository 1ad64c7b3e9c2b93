#include "core/runtime/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hs::runtime {

namespace {

// The pid a holder wrote into the lock file, or "unknown" (a holder that has not written yet,
// or a file another tool created).
std::string HolderPid(int fd) {
  char buf[32] = {};
  const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return "unknown";
  std::string s(buf, static_cast<size_t>(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return "unknown";
  return s;
}

}  // namespace

std::string LockPathFor(const std::string& resource) { return resource + ".lock"; }

absl::StatusOr<InstanceLock> InstanceLock::Acquire(const std::string& path, const std::string& what) {
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return absl::UnavailableError("cannot open lock file " + path + " for the " + what + ": " + std::strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    std::string msg;
    if (e == EWOULDBLOCK) {
      msg = "the " + what + " is in use by another engine (pid " + HolderPid(fd) + " holds " + path +
            "); stop that engine first or give this one other paths";
    } else {
      msg = "cannot lock " + path + " for the " + what + ": " + std::strerror(e);
    }
    close(fd);
    return e == EWOULDBLOCK ? absl::AlreadyExistsError(msg) : absl::UnavailableError(msg);
  }
  // Ours now: record who holds it for the next one that asks.
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int e = errno;
    close(fd);
    return absl::UnavailableError("cannot write pid into lock file " + path + ": " + std::strerror(e));
  }
  return InstanceLock(fd, path);
}

InstanceLock& InstanceLock::operator=(InstanceLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace hs::runtime
