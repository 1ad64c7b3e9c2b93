#include "core/runtime/agent_runner.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

namespace hs::runtime {

bool PinCurrentThread(int cpu) noexcept {
  if (cpu < 0) return true;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

void NameCurrentThread(const std::string& name) noexcept {
  char buf[16];
  const size_t n = name.size() < 15 ? name.size() : 15;
  name.copy(buf, n);
  buf[n] = '\0';
  pthread_setname_np(pthread_self(), buf);
}

int HardwareCores() noexcept {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

}  // namespace hs::runtime
