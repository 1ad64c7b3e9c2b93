// hs::runtime — one engine per journal and per admin socket (DESIGN §9).
//
// An InstanceLock is an exclusive, non-blocking flock(2) on a lock file beside the resource it
// guards (`<journal>.lock`, `<socket>.lock`), taken before the resource is touched and held for
// the life of the process. The holder writes its pid into the file, so a refused second engine
// can name who holds it. The kernel drops the lock when the holder exits, however it exits, so
// a crashed engine never leaves a lock behind; the file itself stays (unlinking it would let two
// processes each lock a different inode under the same name).
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace hs::runtime {

class InstanceLock {
 public:
  // Locks `path` (created 0600 if missing). `what` names the resource in errors
  // ("journal /run/x/journal.hsj"). Fails without changing anything when another process holds
  // it (AlreadyExists): the error names the lock file and the holder's pid.
  static absl::StatusOr<InstanceLock> Acquire(const std::string& path, const std::string& what);

  InstanceLock(InstanceLock&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  InstanceLock& operator=(InstanceLock&& o) noexcept;
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;
  ~InstanceLock();

  const std::string& path() const { return path_; }
  bool held() const { return fd_ >= 0; }

 private:
  InstanceLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

// The lock file that guards `resource`: "<resource>.lock".
std::string LockPathFor(const std::string& resource);

}  // namespace hs::runtime
