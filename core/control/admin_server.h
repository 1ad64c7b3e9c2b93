// hs::control — the admin socket: a Unix socket (mode 0600, or 0660 for a configured group;
// peer uid checked) serving line-delimited JSON commands. Owned and polled by the control thread; never blocks it:
// sockets are non-blocking, each poll handles what is ready and reads a bounded amount from
// each client, replies that do not fit the socket wait for POLLOUT.
//
// Limits, so no client can make the control thread slow or the kill late:
//   - at most max_clients connections; one more gets one error line and is closed;
//   - a connection without a complete line for idle_timeout_ms gets one error line and is closed;
//   - a line longer than max_line_bytes gets one error reply and the rest of it is discarded.
// Every line gets exactly one reply line, in order (empty lines included).
//
// Permissions: a peer whose uid is an operator may run every command, a viewer only the
// read-only ones (the handler enforces that from AdminCommand::role); any other uid gets one
// error line at accept and is closed, counted and reported (on_refused_peer).
//
// The server only parses and frames; what a command does is the handler's business (the
// engine wires kill to the kill switch, status to the telemetry it reads).
#pragma once

#include <poll.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/control/admin_parse.h"

namespace hs::control {

// A connected peer's credentials (SO_PEERCRED at accept).
struct AdminPeer {
  uint32_t uid = 0;
  uint32_t gid = 0;
  int32_t pid = 0;
  AdminRole role = AdminRole::kViewer;
};

struct AdminServerOptions {
  // Connections served at once (>= 1).
  int max_clients = 16;
  // A connection that sends no complete line for this long is closed; 0 = never.
  int64_t idle_timeout_ms = 30000;
  // The longest line served (bytes before the newline, a trailing '\r' not counted);
  // 1..kMaxAdminLineBytes.
  size_t max_line_bytes = kMaxAdminLineBytes;
  // uids that may run every command; empty = the engine's own euid only.
  std::vector<uint32_t> operators;
  // uids that may run the read-only commands (status, help, positions, orders, pnl, breakers,
  // limits). A uid in both lists is an operator.
  std::vector<uint32_t> viewers;
  // The socket's group: -1 = none (mode 0600); else the socket is chowned to it, mode 0660, so
  // the group's members can connect (their uids still need to be listed above).
  int64_t group_gid = -1;
  // Called on the polling thread for every peer refused because its uid is neither an operator
  // nor a viewer (after the refusal is counted and answered), so it can be logged and journaled.
  std::function<void(const AdminPeer&)> on_refused_peer;
  // Milliseconds on a monotonic clock; empty = CLOCK_MONOTONIC. Tests inject their own.
  std::function<int64_t()> now_ms;
};

class AdminServer {
 public:
  using Options = AdminServerOptions;
  // Returns the one-line JSON reply for a command (called on the polling thread; the command
  // carries the sender's uid and pid).
  using Handler = std::function<std::string(const AdminCommand&)>;

  AdminServer(std::string path, Options opts, Handler handler);
  AdminServer(std::string path, Handler handler);  // default Options
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Creates the socket (replacing a stale one), mode 0600, or 0660 owned by group_gid. Errors
  // name the path.
  absl::Status Open();
  // Waits up to timeout_ms for activity and serves it; closes idle connections. Returns the
  // number of lines answered (commands and errors).
  int Poll(int timeout_ms);
  void Close();

  // Counters, read on the polling thread.
  uint64_t commands() const { return commands_; }          // lines handed to the handler
  uint64_t errors() const { return errors_; }              // lines answered with an error
  uint64_t refused_peers() const { return refused_; }      // uid neither an operator nor a viewer
  uint64_t refused_full() const { return refused_full_; }  // max_clients already connected
  uint64_t idle_closed() const { return idle_closed_; }    // closed after idle_timeout_ms
  size_t clients() const { return clients_.size(); }       // connected now
  const std::string& path() const { return path_; }
  const Options& options() const { return opts_; }

 private:
  struct Client {
    int fd = -1;
    AdminPeer peer;
    std::string in;            // the current line's bytes so far (at most max_line_bytes + 1)
    bool discarding = false;   // inside an over-long line: drop bytes up to its newline
    bool closing = false;      // peer sent EOF: flush the replies, then close
    std::string out;           // replies not yet written
    size_t out_sent = 0;       // bytes of `out` already written
    int64_t last_line_ms = 0;  // when the last complete line arrived (or the connection)
  };
  int64_t NowMs() const;
  void Accept(int64_t now_ms);
  // False → close the connection.
  bool ReadClient(Client& c, int64_t now_ms);
  bool FlushClient(Client& c);
  void ServeLine(Client& c, std::string_view line);
  void ConsumeBytes(Client& c, const char* data, size_t n, int64_t now_ms);
  static short PollEvents(const Client& c);
  // Serves the clients whose fds_ entry reported activity and drops the finished ones.
  void ServeReady(int64_t now_ms);
  // Cap reached: a zero-timeout poll over the clients, so the ones that hung up free their slots.
  void SweepClients(int64_t now_ms);
  void CloseIdle(int64_t now_ms);
  void DropClosed();
  // The role of a peer uid, or false when it may not connect.
  bool RoleOf(uint32_t uid, AdminRole* role) const;

  std::string path_;
  Options opts_;
  Handler handler_;
  int listen_fd_ = -1;
  uint64_t bound_dev_ = 0;  // the socket file this server bound (Close unlinks only that one)
  uint64_t bound_ino_ = 0;
  uint32_t euid_ = 0;
  // Reply lines fixed by the options, built once.
  std::string too_long_reply_;
  std::string full_reply_;
  std::string idle_reply_;
  std::vector<Client> clients_;  // reserved at max_clients
  std::vector<pollfd> fds_;      // reserved at max_clients + 1; refilled by every Poll
  int64_t next_idle_check_ms_ = 0;
  uint64_t commands_ = 0;
  uint64_t errors_ = 0;
  uint64_t refused_ = 0;
  uint64_t refused_full_ = 0;
  uint64_t idle_closed_ = 0;
};

// Client side (homeostat ctl, tests): sends one line, returns the reply line.
absl::Status AdminRequest(const std::string& path, const std::string& line, std::string* reply, int timeout_ms = 5000);

// One member of a JSON reply object: a string's text (unescaped), anything else as compact
// JSON. False when the reply is not a JSON object or has no such member.
bool ReplyMember(std::string_view reply, std::string_view member, std::string* out);

}  // namespace hs::control
