#include "core/control/admin_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hs::control {

namespace {
std::string JsonEscape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else {
      o += c;
    }
  }
  return o;
}
constexpr size_t kMaxLine = 4096;
}  // namespace

AdminServer::AdminServer(std::string path, Handler handler) : path_(std::move(path)), handler_(std::move(handler)) {}

AdminServer::~AdminServer() { Close(); }

absl::Status AdminServer::Open() {
  sockaddr_un addr{};
  if (path_.size() >= sizeof addr.sun_path) return absl::InvalidArgumentError("admin socket path too long: " + path_);
  listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return absl::UnavailableError(std::string("admin socket: ") + strerror(errno));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  // A socket file left by a crashed run is replaced; a live engine on it is not.
  struct stat st;
  if (lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return absl::AlreadyExistsError("admin socket path exists and is not a socket: " + path_);
    const int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool live = connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(probe);
    if (live) return absl::AlreadyExistsError("another process is serving the admin socket " + path_);
    unlink(path_.c_str());
  }
  const mode_t old = umask(0177);  // created as 0600: owner only
  const int rc = bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  umask(old);
  if (rc != 0) return absl::UnavailableError("admin socket: cannot bind " + path_ + ": " + strerror(errno));
  chmod(path_.c_str(), 0600);
  if (listen(listen_fd_, 16) != 0) return absl::UnavailableError(std::string("admin socket: listen: ") + strerror(errno));
  return absl::OkStatus();
}

void AdminServer::Close() {
  for (auto& c : clients_) close(c.fd);
  clients_.clear();
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    listen_fd_ = -1;
    unlink(path_.c_str());
  }
}

void AdminServer::Accept() {
  for (;;) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != geteuid()) {
      ++refused_;
      const char* msg = "{\"ok\":false,\"error\":\"permission denied: peer uid differs from the engine's\"}\n";
      [[maybe_unused]] ssize_t n = write(fd, msg, std::strlen(msg));
      close(fd);
      continue;
    }
    clients_.push_back(Client{fd, {}, {}});
  }
}

bool AdminServer::ServeClient(Client& c) {
  char buf[4096];
  for (;;) {
    const ssize_t n = read(c.fd, buf, sizeof buf);
    if (n > 0) {
      c.in.append(buf, static_cast<size_t>(n));
      if (c.in.size() > 4 * kMaxLine && c.in.find('\n') == std::string::npos) {
        ++errors_;
        c.out += "{\"ok\":false,\"error\":\"command line longer than 4096 bytes\"}\n";
        c.in.clear();
        break;
      }
      continue;
    }
    if (n == 0) {
      if (c.in.empty()) return false;
      c.in += '\n';  // serve a final unterminated line, then close
      break;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return false;
  }
  size_t nl;
  while ((nl = c.in.find('\n')) != std::string::npos) {
    std::string line = c.in.substr(0, nl);
    c.in.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    AdminCommand cmd;
    std::string err;
    if (!ParseAdminCommand(line, &cmd, &err)) {
      ++errors_;
      c.out += "{\"ok\":false,\"error\":\"" + JsonEscape(err) + "\"}\n";
      continue;
    }
    ++commands_;
    c.out += handler_(cmd) + "\n";
  }
  while (!c.out.empty()) {
    const ssize_t w = write(c.fd, c.out.data(), c.out.size());
    if (w > 0) {
      c.out.erase(0, static_cast<size_t>(w));
      continue;
    }
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // Slow reader: finish later, briefly blocking is not worth it on the control thread.
      pollfd p{c.fd, POLLOUT, 0};
      if (::poll(&p, 1, 100) > 0) continue;
    }
    return false;
  }
  return true;
}

int AdminServer::Poll(int timeout_ms) {
  if (listen_fd_ < 0) return 0;
  std::vector<pollfd> fds;
  fds.push_back({listen_fd_, POLLIN, 0});
  for (auto& c : clients_) fds.push_back({c.fd, POLLIN, 0});
  const int rc = ::poll(fds.data(), fds.size(), timeout_ms);
  if (rc <= 0) return 0;
  const uint64_t before = commands_ + errors_;
  for (size_t i = clients_.size(); i > 0; --i) {
    const pollfd& p = fds[i];
    if (p.revents == 0) continue;
    Client& c = clients_[i - 1];
    if (!ServeClient(c)) {
      close(c.fd);
      clients_.erase(clients_.begin() + static_cast<long>(i - 1));
    }
  }
  if (fds[0].revents & POLLIN) Accept();
  return static_cast<int>(commands_ + errors_ - before);
}

absl::Status AdminRequest(const std::string& path, const std::string& line, std::string* reply, int timeout_ms) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return absl::InvalidArgumentError("socket path too long: " + path);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError(std::string("socket: ") + strerror(errno));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    close(fd);
    return absl::UnavailableError("cannot connect to admin socket " + path + ": " + strerror(e) +
                                  " (is the engine running?)");
  }
  std::string msg = line + "\n";
  size_t off = 0;
  while (off < msg.size()) {
    const ssize_t w = write(fd, msg.data() + off, msg.size() - off);
    if (w <= 0) {
      close(fd);
      return absl::UnavailableError("write to admin socket failed");
    }
    off += static_cast<size_t>(w);
  }
  reply->clear();
  char buf[65536];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) {
      close(fd);
      return absl::DeadlineExceededError("no reply from the engine within " + std::to_string(timeout_ms) + " ms");
    }
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    reply->append(buf, static_cast<size_t>(n));
    const size_t nl = reply->find('\n');
    if (nl != std::string::npos) {
      reply->resize(nl);
      break;
    }
  }
  close(fd);
  if (reply->empty()) return absl::UnavailableError("the engine closed the admin connection without a reply");
  return absl::OkStatus();
}

}  // namespace hs::control
