#include "core/runtime/instance_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/test_support.h"

namespace hs::runtime {
namespace {

TEST(InstanceLock, SecondHolderIsRefusedNamingThePathAndThePid) {
  testing::TempDir dir;
  const std::string path = LockPathFor(dir.File("journal.hsj"));
  EXPECT_EQ(path, dir.File("journal.hsj.lock"));
  auto first = InstanceLock::Acquire(path, "journal x");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->held());
  // flock is per open file: a second open in this very process conflicts like another engine.
  auto second = InstanceLock::Acquire(path, "journal x");
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::IsAlreadyExists(second.status())) << second.status();
  const std::string msg(second.status().message());
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("pid " + std::to_string(getpid())), std::string::npos) << msg;
  EXPECT_NE(msg.find("journal x"), std::string::npos) << msg;
  // Released with its holder.
  { InstanceLock gone = std::move(*first); }
  auto third = InstanceLock::Acquire(path, "journal x");
  EXPECT_TRUE(third.ok()) << third.status();
}

TEST(InstanceLock, AHolderThatDiedLeavesNoLockBehind) {
  testing::TempDir dir;
  const std::string path = dir.File("admin.sock.lock");
  int to_parent[2], to_child[2];
  ASSERT_EQ(pipe(to_parent), 0);
  ASSERT_EQ(pipe(to_child), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto lock = InstanceLock::Acquire(path, "admin socket");
    const char ok = lock.ok() ? 'y' : 'n';
    [[maybe_unused]] ssize_t n = write(to_parent[1], &ok, 1);
    char go;
    n = read(to_child[0], &go, 1);  // hold it until told to exit
    _exit(0);
  }
  char ok = 0;
  ASSERT_EQ(read(to_parent[0], &ok, 1), 1);
  ASSERT_EQ(ok, 'y');
  auto refused = InstanceLock::Acquire(path, "admin socket");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(std::string(refused.status().message()).find("pid " + std::to_string(child)), std::string::npos)
      << refused.status();
  // The holder exits without releasing anything: the kernel drops the lock.
  ASSERT_EQ(write(to_child[1], "x", 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  auto after = InstanceLock::Acquire(path, "admin socket");
  EXPECT_TRUE(after.ok()) << after.status();
  for (int fd : {to_parent[0], to_parent[1], to_child[0], to_child[1]}) close(fd);
}

TEST(InstanceLock, UnusablePathIsAClearError) {
  auto r = InstanceLock::Acquire("/nonexistent-dir-hs/journal.hsj.lock", "journal");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("/nonexistent-dir-hs/journal.hsj.lock"), std::string::npos);
}

}  // namespace
}  // namespace hs::runtime
