#include "core/control/admin_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include <simdjson.h>

#include "core/base/check.h"
#include "core/base/clock.h"

namespace hs::control {

namespace {

// Replies waiting for a slow reader: past this, the client's input is not read until they drain.
constexpr size_t kOutHighWater = 64 * 1024;
// Per client and poll at most kMaxReadsPerPoll reads of kReadChunk bytes, so one busy client
// cannot hold the control thread; poll is level-triggered and reports the rest next time.
constexpr size_t kReadChunk = 4096;
constexpr int kMaxReadsPerPoll = 16;
// Connections accepted (or refused) per poll, for the same reason: a burst of connections waits
// for the next poll rather than the lines of connected clients (a kill) waiting for the burst.
constexpr int kMaxAcceptsPerPoll = 8;
// Listen backlog beyond max_clients: a burst of connections is answered (refused) rather than
// left to fail in connect().
constexpr int kExtraBacklog = 64;

std::string JsonEscape(std::string_view s) {
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

std::string ErrorLine(std::string_view error) { return "{\"ok\":false,\"error\":\"" + JsonEscape(error) + "\"}\n"; }

// One best-effort write to a connection that is closed right after (refusals, idle closes).
void SendAndClose(int fd, std::string_view line) {
  [[maybe_unused]] const ssize_t n = send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  close(fd);
}

}  // namespace

AdminServer::AdminServer(std::string path, Options opts, Handler handler)
    : path_(std::move(path)), opts_(std::move(opts)), handler_(std::move(handler)) {
  HS_CHECK(opts_.max_clients >= 1, "AdminServer: max_clients must be at least 1");
  HS_CHECK(opts_.idle_timeout_ms >= 0, "AdminServer: idle_timeout_ms must not be negative");
  HS_CHECK(opts_.max_line_bytes >= 1 && opts_.max_line_bytes <= kMaxAdminLineBytes,
           "AdminServer: max_line_bytes must be 1..kMaxAdminLineBytes");
  too_long_reply_ = ErrorLine("command line longer than " + std::to_string(opts_.max_line_bytes) + " bytes");
  full_reply_ = ErrorLine("too many admin clients (max " + std::to_string(opts_.max_clients) + "); try again later");
  idle_reply_ = ErrorLine("idle admin connection closed: no command line for " + std::to_string(opts_.idle_timeout_ms) +
                          " ms");
}

AdminServer::AdminServer(std::string path, Handler handler)
    : AdminServer(std::move(path), Options{}, std::move(handler)) {}

AdminServer::~AdminServer() { Close(); }

int64_t AdminServer::NowMs() const {
  if (opts_.now_ms) return opts_.now_ms();
  return MonoNow().value / 1'000'000;
}

absl::Status AdminServer::Open() {
  sockaddr_un addr{};
  if (path_.size() >= sizeof addr.sun_path) return absl::InvalidArgumentError("admin socket path too long: " + path_);
  if (listen_fd_ >= 0) return absl::FailedPreconditionError("admin socket already open: " + path_);
  listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return absl::UnavailableError(std::string("admin socket: ") + strerror(errno));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  auto fail = [this](absl::Status s) {
    close(listen_fd_);
    listen_fd_ = -1;
    return s;
  };
  // A socket file left by a crashed run is replaced; a live engine on it is not.
  struct stat st;
  if (lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return fail(absl::AlreadyExistsError("admin socket path exists and is not a socket: " + path_));
    }
    const int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool live = connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(probe);
    if (live) return fail(absl::AlreadyExistsError("another process is serving the admin socket " + path_));
    unlink(path_.c_str());
  }
  const mode_t old = umask(0177);  // created as 0600: owner only
  const int rc = bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  umask(old);
  if (rc != 0) return fail(absl::UnavailableError("admin socket: cannot bind " + path_ + ": " + strerror(errno)));
  // The group first, then the mode: the file is never group-accessible under the wrong group.
  if (opts_.group_gid >= 0 && chown(path_.c_str(), static_cast<uid_t>(-1), static_cast<gid_t>(opts_.group_gid)) != 0) {
    const int e = errno;
    unlink(path_.c_str());
    return fail(absl::PermissionDeniedError("admin socket: cannot give " + path_ + " to group " +
                                            std::to_string(opts_.group_gid) + ": " + strerror(e)));
  }
  const mode_t mode = opts_.group_gid >= 0 ? 0660 : 0600;
  if (chmod(path_.c_str(), mode) != 0) {
    const int e = errno;
    unlink(path_.c_str());
    return fail(absl::PermissionDeniedError("admin socket: cannot set the mode of " + path_ + ": " + strerror(e)));
  }
  // The file this server owns: Close unlinks the path only while it is still this file.
  struct stat mine;
  if (lstat(path_.c_str(), &mine) == 0) {
    bound_dev_ = mine.st_dev;
    bound_ino_ = mine.st_ino;
  }
  if (listen(listen_fd_, opts_.max_clients + kExtraBacklog) != 0) {
    const int e = errno;
    unlink(path_.c_str());
    return fail(absl::UnavailableError(std::string("admin socket: listen: ") + strerror(e)));
  }
  euid_ = geteuid();
  clients_.reserve(static_cast<size_t>(opts_.max_clients));
  fds_.reserve(static_cast<size_t>(opts_.max_clients) + 1);
  next_idle_check_ms_ = std::numeric_limits<int64_t>::max();
  return absl::OkStatus();
}

void AdminServer::Close() {
  for (auto& c : clients_) close(c.fd);
  clients_.clear();
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    listen_fd_ = -1;
    // Never a socket this server did not create (another engine's, after ours was replaced).
    struct stat st;
    if (bound_ino_ != 0 && lstat(path_.c_str(), &st) == 0 && st.st_dev == bound_dev_ && st.st_ino == bound_ino_)
      unlink(path_.c_str());
    bound_ino_ = 0;
  }
}

void AdminServer::Accept(int64_t now_ms) {
  for (int i = 0; i < kMaxAcceptsPerPoll; ++i) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      ++refused_;
      SendAndClose(fd, ErrorLine("permission denied: the peer's credentials cannot be read"));
      continue;
    }
    AdminPeer peer{cred.uid, cred.gid, cred.pid};
    if (!RoleOf(cred.uid, &peer.role)) {
      ++refused_;
      SendAndClose(fd, ErrorLine("permission denied: uid " + std::to_string(cred.uid) +
                                 " is not an operator or viewer of this engine ([admin] operators, viewers)"));
      if (opts_.on_refused_peer) opts_.on_refused_peer(peer);
      continue;
    }
    // A client that has hung up since the last poll still holds its slot: free those first, so
    // a ctl that closes and reconnects at once is not refused. One poll(0) over at most
    // max_clients fds, at most kMaxAcceptsPerPoll times per Poll.
    if (clients_.size() >= static_cast<size_t>(opts_.max_clients)) SweepClients(now_ms);
    if (clients_.size() >= static_cast<size_t>(opts_.max_clients)) {
      ++refused_full_;
      SendAndClose(fd, full_reply_);
      continue;
    }
    Client& c = clients_.emplace_back();
    c.fd = fd;
    c.peer = peer;
    c.last_line_ms = now_ms;
    if (opts_.idle_timeout_ms > 0) next_idle_check_ms_ = std::min(next_idle_check_ms_, now_ms + opts_.idle_timeout_ms);
    // A request usually follows its connect at once: serve it now rather than after another poll.
    if (!ReadClient(c, now_ms) || !FlushClient(c) || (c.closing && c.out.empty())) {
      close(c.fd);
      clients_.pop_back();
    }
  }
}

bool AdminServer::RoleOf(uint32_t uid, AdminRole* role) const {
  auto listed = [uid](const std::vector<uint32_t>& uids) {
    return std::find(uids.begin(), uids.end(), uid) != uids.end();
  };
  if (opts_.operators.empty() ? uid == euid_ : listed(opts_.operators)) {
    *role = AdminRole::kOperator;
    return true;
  }
  if (listed(opts_.viewers)) {
    *role = AdminRole::kViewer;
    return true;
  }
  return false;
}

bool AdminServer::ReadClient(Client& c, int64_t now_ms) {
  char buf[kReadChunk];
  for (int reads = 0; reads < kMaxReadsPerPoll && !c.closing; ++reads) {
    if (c.out.size() - c.out_sent >= kOutHighWater) return true;  // read on once the peer drains its replies
    const ssize_t n = read(c.fd, buf, sizeof buf);
    if (n > 0) {
      ConsumeBytes(c, buf, static_cast<size_t>(n), now_ms);
      continue;
    }
    if (n == 0) {
      // EOF: a final unterminated line is served too; close once the replies are out.
      if (!c.discarding && !c.in.empty()) {
        ServeLine(c, c.in);
        c.last_line_ms = now_ms;
      }
      c.in.clear();
      c.discarding = false;
      c.closing = true;
      return true;
    }
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
  return true;
}

void AdminServer::ConsumeBytes(Client& c, const char* data, size_t n, int64_t now_ms) {
  // A '\r' before the newline is not part of the line, so a line of max_line_bytes may take
  // one byte more while it is still open.
  const size_t open_limit = opts_.max_line_bytes + 1;
  const char* p = data;
  const char* const end = data + n;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const size_t len = static_cast<size_t>((nl != nullptr ? nl : end) - p);
    if (c.discarding) {
      // The rest of an over-long line, already answered: dropped up to its newline.
      if (nl != nullptr) {
        c.discarding = false;
        c.last_line_ms = now_ms;
      }
    } else if (c.in.size() + len > open_limit) {
      ++errors_;
      c.out += too_long_reply_;
      c.in.clear();
      if (nl != nullptr) {
        c.last_line_ms = now_ms;
      } else {
        c.discarding = true;
      }
    } else if (nl != nullptr) {
      if (c.in.empty()) {
        ServeLine(c, std::string_view(p, len));
      } else {
        c.in.append(p, len);
        ServeLine(c, c.in);
        c.in.clear();
      }
      c.last_line_ms = now_ms;
    } else {
      c.in.append(p, len);
    }
    if (nl == nullptr) break;
    p = nl + 1;
  }
}

void AdminServer::ServeLine(Client& c, std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > opts_.max_line_bytes) {
    ++errors_;
    c.out += too_long_reply_;
    return;
  }
  AdminCommand cmd;
  std::string err;
  if (!ParseAdminCommand(line, &cmd, &err)) {
    ++errors_;
    c.out += ErrorLine(err);
    return;
  }
  cmd.peer_uid = c.peer.uid;
  cmd.peer_pid = c.peer.pid;
  cmd.role = c.peer.role;
  ++commands_;
  c.out += handler_(cmd);
  c.out += '\n';
}

bool AdminServer::FlushClient(Client& c) {
  while (c.out_sent < c.out.size()) {
    const ssize_t w = send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w > 0) {
      c.out_sent += static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // Slow reader: the rest goes out when poll says the socket is writable.
      if (c.out_sent >= kOutHighWater) {
        c.out.erase(0, c.out_sent);
        c.out_sent = 0;
      }
      return true;
    }
    return false;
  }
  c.out.clear();
  c.out_sent = 0;
  return true;
}

void AdminServer::CloseIdle(int64_t now_ms) {
  if (opts_.idle_timeout_ms <= 0 || now_ms < next_idle_check_ms_) return;
  int64_t next = std::numeric_limits<int64_t>::max();
  for (Client& c : clients_) {
    const int64_t deadline = c.last_line_ms + opts_.idle_timeout_ms;
    if (now_ms < deadline) {
      next = std::min(next, deadline);
      continue;
    }
    ++idle_closed_;
    c.out += idle_reply_;
    FlushClient(c);  // best effort: it is closed either way
    close(c.fd);
    c.fd = -1;
  }
  next_idle_check_ms_ = next;
  DropClosed();
}

void AdminServer::DropClosed() {
  clients_.erase(std::remove_if(clients_.begin(), clients_.end(), [](const Client& c) { return c.fd < 0; }),
                 clients_.end());
}

short AdminServer::PollEvents(const Client& c) {
  short events = 0;
  if (!c.closing && c.out.size() - c.out_sent < kOutHighWater) events |= POLLIN;
  if (c.out_sent < c.out.size()) events |= POLLOUT;
  return events;
}

void AdminServer::ServeReady(int64_t now_ms) {
  // fds_[1 + i] is clients_[i]'s; neither changes until DropClosed.
  for (size_t i = 0; i < clients_.size(); ++i) {
    const short revents = fds_[i + 1].revents;
    if (revents == 0) continue;
    Client& c = clients_[i];
    bool keep = true;
    if (revents & (POLLIN | POLLHUP | POLLERR)) keep = ReadClient(c, now_ms);
    if (keep) keep = FlushClient(c);
    if (keep && c.closing && c.out.empty()) keep = false;
    if (!keep) {
      close(c.fd);
      c.fd = -1;
    }
  }
  DropClosed();
}

void AdminServer::SweepClients(int64_t now_ms) {
  fds_.clear();
  fds_.push_back({-1, 0, 0});  // the listening socket's place, ignored by poll
  for (const Client& c : clients_) fds_.push_back({c.fd, PollEvents(c), 0});
  if (::poll(fds_.data(), fds_.size(), 0) > 0) ServeReady(now_ms);
}

int AdminServer::Poll(int timeout_ms) {
  if (listen_fd_ < 0) return 0;
  const uint64_t before = commands_ + errors_;
  int64_t now = NowMs();
  if (opts_.idle_timeout_ms > 0 && !clients_.empty()) {
    // Wake for the next idle deadline.
    const int64_t until = std::max<int64_t>(0, next_idle_check_ms_ - now);
    if (timeout_ms < 0 || until < timeout_ms) timeout_ms = static_cast<int>(until);
  }
  fds_.clear();
  fds_.push_back({listen_fd_, POLLIN, 0});
  for (const Client& c : clients_) fds_.push_back({c.fd, PollEvents(c), 0});
  const int rc = ::poll(fds_.data(), fds_.size(), timeout_ms);
  now = NowMs();
  if (rc > 0) {
    // Connected clients first: a kill on an open connection does not wait for new connections.
    const bool listen_ready = (fds_[0].revents & POLLIN) != 0;
    ServeReady(now);
    if (listen_ready) Accept(now);
  }
  CloseIdle(now);
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
  bool write_failed = false;
  while (off < msg.size()) {
    // MSG_NOSIGNAL: a server that refused us (too many clients, other uid) has closed already.
    const ssize_t w = send(fd, msg.data() + off, msg.size() - off, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      write_failed = true;
      break;
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
  // A refusal is still a reply, whether or not our line got through.
  if (reply->empty() && write_failed) return absl::UnavailableError("write to admin socket failed");
  if (reply->empty()) return absl::UnavailableError("the engine closed the admin connection without a reply");
  return absl::OkStatus();
}

bool ReplyMember(std::string_view reply, std::string_view member, std::string* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(reply.data(), reply.size()).get(doc)) return false;
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) return false;
  simdjson::dom::element value;
  if (obj.at_key(member).get(value)) return false;
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    *out = std::string(text);
  } else {
    *out = simdjson::to_string(value);
  }
  return true;
}

}  // namespace hs::control
