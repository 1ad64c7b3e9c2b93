// homeostat: the engine binary.
//   homeostat run [--config FILE] [--seconds N] [--status-line] [--summary FILE] ...
//   homeostat ctl status|kill|resume|halt|reduce [--venue NAME] [--socket PATH] [--config FILE]
//   homeostat journal verify FILE
//   homeostat feed-check --venue V --symbol S --file capture.jsonl [--depth N]
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <string>

#include "core/app/engine.h"
#include "core/app/feed_check.h"
#include "core/config/config.h"
#include "core/control/admin_server.h"
#include "core/journal/journal_reader.h"

namespace {

std::atomic<hs::app::Engine*> g_engine{nullptr};  // only for the signal handler

void OnSignal(int) {
  if (hs::app::Engine* e = g_engine.load()) e->RequestStop();
}

absl::StatusOr<hs::config::Config> LoadConfigOrDemo(const std::string& path) {
  if (path.empty()) return hs::config::ParseConfig(hs::config::EmbeddedDemoConfig(), "<embedded demo config>");
  return hs::config::LoadConfig(path);
}

int Run(const std::string& config_path, hs::app::RunOptions opts) {
  auto cfg = LoadConfigOrDemo(config_path);
  if (!cfg.ok()) {
    std::fprintf(stderr, "homeostat: config error: %s\n", std::string(cfg.status().message()).c_str());
    return 2;
  }
  hs::app::Engine engine(std::move(*cfg), std::move(opts));
  if (auto s = engine.Init(); !s.ok()) {
    std::fprintf(stderr, "homeostat: cannot start: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  g_engine.store(&engine);
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  engine.Start();
  engine.Run();
  g_engine.store(nullptr);
  return 0;
}

int Ctl(const std::string& verb, const std::string& venue, std::string socket, const std::string& config_path) {
  if (socket.empty()) {
    auto cfg = LoadConfigOrDemo(config_path);
    if (!cfg.ok()) {
      std::fprintf(stderr, "homeostat ctl: config error: %s\n", std::string(cfg.status().message()).c_str());
      return 2;
    }
    socket = cfg->admin_socket;
  }
  std::string line = "{\"cmd\":\"" + verb + "\"";
  if (!venue.empty()) line += ",\"venue\":\"" + venue + "\"";
  line += "}";
  std::string reply;
  if (auto s = hs::control::AdminRequest(socket, line, &reply); !s.ok()) {
    std::fprintf(stderr, "homeostat ctl: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  std::printf("%s\n", reply.c_str());
  return reply.rfind("{\"ok\":true", 0) == 0 ? 0 : 1;
}

int Verify(const std::string& path) {
  auto r = hs::journal::VerifyJournal(path);
  if (!r.ok()) {
    std::fprintf(stderr, "homeostat journal verify: %s\n", std::string(r.status().message()).c_str());
    return 2;
  }
  std::printf("%s: %llu records", path.c_str(), static_cast<unsigned long long>(r->records));
  const char* names[] = {"", "session_start", "venue_msg", "control", "intent", "risk_reject", "session_end"};
  for (int t = 1; t <= 6; ++t)
    if (r->counts[t]) std::printf(", %s %llu", names[t], static_cast<unsigned long long>(r->counts[t]));
  std::printf("\n");
  if (!r->ok) {
    std::printf("BAD: %s\n", r->error.c_str());
    return 1;
  }
  std::printf("OK: every CRC and sequence number checks\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"homeostat: low-latency cross-venue arbitrage and rebalancing engine"};
  app.require_subcommand(1);

  auto* run = app.add_subcommand("run", "run the engine");
  std::string config_path;
  hs::app::RunOptions opts;
  run->add_option("--config", config_path, "TOML config (default: the embedded demo config, configs/demo.toml)");
  run->add_option("--seconds", opts.seconds, "stop after this many seconds (default: until SIGINT/SIGTERM)")
      ->check(CLI::NonNegativeNumber);
  run->add_flag("--status-line", opts.status_line, "print a live status line every second");
  run->add_option("--summary", opts.summary_path, "write a JSON summary here on exit");
  run->add_option("--journal", opts.journal_path, "journal file (overrides [journal].path)");
  run->add_option("--socket", opts.socket_path, "admin socket (overrides [admin].socket)");
  run->add_option("--log", opts.log_path, "log file (overrides [log].path)");
  run->add_option("--ca-file", opts.ca_file, "extra trusted CA certificate (PEM) for TLS venues");

  auto* ctl = app.add_subcommand("ctl", "talk to a running engine over its admin socket");
  std::string verb;
  std::string venue;
  std::string socket;
  std::string ctl_config;
  ctl->add_option("command", verb, "status | kill | resume | halt | reduce | help")
      ->required()
      ->check(CLI::IsMember({"status", "kill", "resume", "halt", "reduce", "help"}));
  ctl->add_option("--venue", venue, "limit halt/reduce/resume to one venue");
  ctl->add_option("--socket", socket, "admin socket path (default: the config's [admin].socket)");
  ctl->add_option("--config", ctl_config, "config whose [admin].socket to use (default: the demo config)");

  auto* journal = app.add_subcommand("journal", "journal tools");
  journal->require_subcommand(1);
  auto* verify = journal->add_subcommand("verify", "check every record's CRC and sequence number");
  std::string journal_file;
  verify->add_option("file", journal_file, "journal file")->required();

  auto* fc = app.add_subcommand("feed-check",
                                "replay a recorded capture (one raw message per line) through a venue's real parser and "
                                "book; prints one JSON line per message and a summary; exit 0 clean, 1 on any gap, "
                                "checksum mismatch, crossed book or parse error");
  hs::app::FeedCheckArgs fca;
  fc->add_option("--venue", fca.venue, "binance | okx | bybit | kraken | coinbase")->required();
  fc->add_option("--symbol", fca.symbol, "venue symbol as it appears in the messages (BTCUSDT, BTC-USDT, BTC/USD)")
      ->required();
  fc->add_option("--file", fca.file, "capture file: one raw message per line, exactly as received")->required();
  fc->add_option("--depth", fca.depth, "levels per side to print (default 1: best bid and ask)")->check(CLI::Range(1, 1000));
  fc->add_option("--book-depth", fca.book_depth, "levels per side the book keeps (default: the venue's)")
      ->check(CLI::Range(1, 5000));
  fc->add_option("--price-precision", fca.price_precision, "Kraken: price decimals for the checksum")
      ->check(CLI::Range(0, 9));
  fc->add_option("--qty-precision", fca.qty_precision, "Kraken: quantity decimals for the checksum")
      ->check(CLI::Range(0, 8));

  CLI11_PARSE(app, argc, argv);
  if (*fc) return hs::app::RunFeedCheck(fca);
  if (*run) return Run(config_path, opts);
  if (*ctl) return Ctl(verb, venue, socket, ctl_config);
  if (*verify) return Verify(journal_file);
  return 2;
}
