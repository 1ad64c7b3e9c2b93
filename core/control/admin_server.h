// hs::control — the admin socket: a Unix socket (mode 0600, peer uid checked) serving
// line-delimited JSON commands. Owned and polled by the control thread; never blocks it for
// long: sockets are non-blocking and each poll handles what is ready.
//
// The server only parses and frames; what a command does is the handler's business (the
// engine wires kill to the kill switch, status to the telemetry it reads).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/control/admin_parse.h"

namespace hs::control {

class AdminServer {
 public:
  // Returns the one-line JSON reply for a command.
  using Handler = std::function<std::string(const AdminCommand&)>;

  AdminServer(std::string path, Handler handler);
  ~AdminServer();

  // Creates the socket (replacing a stale one), mode 0600. Errors name the path.
  absl::Status Open();
  // Waits up to timeout_ms for activity and serves it. Returns the number of commands served.
  int Poll(int timeout_ms);
  void Close();

  uint64_t commands() const { return commands_; }
  uint64_t errors() const { return errors_; }          // malformed lines
  uint64_t refused_peers() const { return refused_; }  // other uid
  const std::string& path() const { return path_; }

 private:
  struct Client {
    int fd = -1;
    std::string in;
    std::string out;
  };
  void Accept();
  bool ServeClient(Client& c);  // false → close it
  std::string path_;
  Handler handler_;
  int listen_fd_ = -1;
  std::vector<Client> clients_;
  uint64_t commands_ = 0;
  uint64_t errors_ = 0;
  uint64_t refused_ = 0;
};

// Client side (homeostat ctl, tests): sends one line, returns the reply line.
absl::Status AdminRequest(const std::string& path, const std::string& line, std::string* reply, int timeout_ms = 5000);

}  // namespace hs::control
