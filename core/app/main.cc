// homeostat: the engine binary.
//   homeostat run [--config FILE] [--seconds N] [--status-line] [--summary FILE] ...
//   homeostat ctl status|positions|orders|pnl|breakers|limits|help [--json] [--socket PATH] [--config FILE]
//   homeostat ctl kill|resume|halt|reduce [--venue NAME] | reset NAME  [--socket PATH] [--config FILE]
//   homeostat journal verify [--strict] DIR    (a journal directory, or one segment file in it)
//   homeostat replay --journal DIR
//   homeostat backtest --config FILE --events FILE.jsonl --out DIR
//   homeostat backtest --stamp VENUE FILE [--every-ms N] [--start-ns T]
//   homeostat feed-check --venue V --symbol S --file capture.jsonl [--depth N]
//   homeostat --version
// Exit codes: 0 success; 1 a runtime failure (another engine holds the journal or socket, an
// agent failed, the engine refused a command, a damaged journal or one with a torn tail); 2 a
// usage or configuration error (bad arguments, bad config, missing credentials, no engine on the
// socket); 3 `journal verify --strict` on a sound journal whose last session did not close.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/app/backtest_runner.h"
#include "core/app/engine.h"
#include "core/app/feed_check.h"
#include "core/app/journal_replay.h"
#include "core/config/config.h"
#include "core/control/admin_render.h"
#include "core/control/admin_server.h"
#include "core/journal/journal_dir.h"
#include "core/journal/journal_verify.h"
#include "risk/breakers.h"

#ifndef HS_VERSION
#define HS_VERSION "unknown"
#endif

namespace {

std::atomic<hs::app::Engine*> g_engine{nullptr};  // only for the signal handler

void OnSignal(int) {
  if (hs::app::Engine* e = g_engine.load()) e->RequestStop();
}

absl::StatusOr<hs::config::Config> LoadConfigOrDemo(const std::string& path) {
  if (path.empty()) return hs::config::ParseConfig(hs::config::EmbeddedDemoConfig(), "<embedded demo config>");
  return hs::config::LoadConfig(path);
}

int Run(const std::string& config_path, hs::app::RunOptions opts, bool no_liquidation_limits) {
  // A file-size limit must fail the journal's write (EFBIG: the journal breaker halts trading and
  // latches), not kill the process mid-group with SIGXFSZ.
  signal(SIGXFSZ, SIG_IGN);
  auto cfg = LoadConfigOrDemo(config_path);
  if (cfg.ok() && no_liquidation_limits) {
    // The text itself says it (journaled, so a replay runs without the limits too).
    const std::string origin = cfg->origin;
    cfg = hs::config::ParseConfig(hs::config::WithoutLiquidationLimits(cfg->source_text), origin);
  }
  if (!cfg.ok()) {
    std::fprintf(stderr, "homeostat: config error: %s\n", std::string(cfg.status().message()).c_str());
    return 2;
  }
  hs::app::Engine engine(std::move(*cfg), std::move(opts));
  if (auto s = engine.Init(); !s.ok()) {
    std::fprintf(stderr, "homeostat: cannot start: %s\n", std::string(s.message()).c_str());
    // Another engine holding the journal or socket (AlreadyExists) is not a usage error: the
    // arguments are fine, the paths are taken.
    return absl::IsAlreadyExists(s) ? 1 : 2;
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
  return engine.failed() ? 1 : 0;
}


struct CtlArgs {
  std::string verb;
  const CLI::Option* venue_opt = nullptr;
  std::string venue;
  std::string name;  // reset: the breaker
  bool json = false;
  std::string socket;
  std::string config_path;
};

bool IsViewVerb(const std::string& verb) {
  return verb == "positions" || verb == "orders" || verb == "pnl" || verb == "breakers" || verb == "limits";
}

std::string BreakerNames() {
  std::string o;
  for (int b = 0; b < hs::risk::kBreakers; ++b)
    o += (o.empty() ? "" : ", ") + std::string(hs::risk::BreakerName(static_cast<hs::risk::BreakerId>(b)));
  return o;
}

// `homeostat ctl VERB`: one request line, the reply printed. The views (positions, orders, pnl,
// breakers, limits) print a table, or with --json their JSON: the list itself for positions,
// orders and breakers, the reply object for pnl and limits. Exit 0 when the engine said ok, 1
// when it refused, 2 on a usage error or no engine.
int Ctl(const CtlArgs& a) {
  const std::string& verb = a.verb;
  // Usage errors first: they never reach the engine.
  if (a.venue_opt->count() > 0 && a.venue.empty()) {
    std::fprintf(stderr, "homeostat ctl: --venue needs a venue name (empty means nothing; leave --venue out for global)\n");
    return 2;
  }
  if (verb == "kill" && !a.venue.empty()) {
    std::fprintf(stderr,
                 "homeostat ctl: kill is always global and cannot take --venue; to stop one venue use "
                 "`homeostat ctl halt --venue %s`\n",
                 a.venue.c_str());
    return 2;
  }
  if (verb != "halt" && verb != "reduce" && verb != "resume" && !a.venue.empty()) {
    std::fprintf(stderr, "homeostat ctl: %s does not take --venue (only halt, reduce and resume do)\n", verb.c_str());
    return 2;
  }
  if (verb == "reset") {
    hs::risk::BreakerId id{};
    if (a.name.empty()) {
      std::fprintf(stderr, "homeostat ctl: reset needs a breaker: homeostat ctl reset NAME (%s)\n", BreakerNames().c_str());
      return 2;
    }
    if (!hs::risk::ParseBreakerName(a.name.c_str(), &id)) {
      std::fprintf(stderr, "homeostat ctl: unknown breaker '%s' (%s)\n", a.name.c_str(), BreakerNames().c_str());
      return 2;
    }
  } else if (!a.name.empty()) {
    std::fprintf(stderr, "homeostat ctl: %s takes no name (only `reset NAME` does)\n", verb.c_str());
    return 2;
  }
  std::string socket = a.socket;
  if (socket.empty()) {
    auto cfg = LoadConfigOrDemo(a.config_path);
    if (!cfg.ok()) {
      std::fprintf(stderr, "homeostat ctl: config error: %s\n", std::string(cfg.status().message()).c_str());
      return 2;
    }
    socket = cfg->admin_socket;
  }
  const bool table = IsViewVerb(verb) && !a.json;
  std::string line = "{\"cmd\":" + hs::control::JsonQuote(verb);
  if (!a.venue.empty()) line += ",\"venue\":" + hs::control::JsonQuote(a.venue);
  if (!a.name.empty()) line += ",\"name\":" + hs::control::JsonQuote(a.name);
  if (table) line += ",\"format\":\"table\"";
  line += "}";
  std::string reply;
  if (auto s = hs::control::AdminRequest(socket, line, &reply); !s.ok()) {
    std::fprintf(stderr, "homeostat ctl: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  const bool ok = reply.rfind("{\"ok\":true", 0) == 0;
  std::string shown;
  if (ok && table && hs::control::ReplyMember(reply, "table", &shown)) {
    std::fputs(shown.c_str(), stdout);
    return 0;
  }
  if (ok && (verb == "positions" || verb == "orders" || verb == "breakers") &&
      hs::control::ReplyMember(reply, verb, &shown)) {
    std::printf("%s\n", shown.c_str());
    return 0;
  }
  std::printf("%s\n", reply.c_str());
  return ok ? 0 : 1;
}

int Verify(const std::string& path, bool strict) {
  std::string out;
  const int rc = hs::journal::RunJournalVerifyDir(path, strict, &out);
  std::fputs(out.c_str(), rc == 2 ? stderr : stdout);
  return rc;
}

// Seconds for --seconds: a plain non-negative number, with an error a person can read.
std::string CheckSeconds(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end == nullptr || *end != '\0' || !std::isfinite(v))
    return "\"" + text + "\" is not a number of seconds";
  if (v < 0) return text + " is negative; give 0 (run until stopped) or more";
  if (v > 31'536'000) return text + " is more than a year (31536000); leave it out to run until stopped";
  return "";
}

// CLI11 names neither an unknown subcommand nor its parent ("A subcommand is required"), so the
// words where a subcommand belongs are checked first against what exists.
bool CheckSubcommand(const std::string& where, const char* word, const std::vector<std::string>& known) {
  if (word == nullptr || word[0] == '-') return true;
  for (const auto& k : known)
    if (k == word) return true;
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  std::fprintf(stderr, "%s: unknown subcommand '%s' (expected one of: %s; see --help)\n", where.c_str(), word,
               list.c_str());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"homeostat: low-latency cross-venue arbitrage and rebalancing engine"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("homeostat ") + HS_VERSION);
  if (!CheckSubcommand("homeostat", argc > 1 ? argv[1] : nullptr, {"run", "ctl", "journal", "replay", "feed-check", "backtest"}))
    return 2;
  if (argc > 1 && std::strcmp(argv[1], "journal") == 0 &&
      !CheckSubcommand("homeostat journal", argc > 2 ? argv[2] : nullptr, {"verify"}))
    return 2;

  auto* run = app.add_subcommand("run", "run the engine");
  std::string config_path;
  hs::app::RunOptions opts;
  run->add_option("--config", config_path, "TOML config (default: the embedded demo config, configs/demo.toml)");
  run->add_option("--seconds", opts.seconds, "stop after this many seconds (default: until SIGINT/SIGTERM)")
      ->check(CLI::Validator(CheckSeconds, "SECONDS>=0", "seconds"));
  run->add_flag("--status-line", opts.status_line, "print a live status line every second");
  run->add_option("--summary", opts.summary_path, "write a JSON summary here on exit");
  run->add_option("--journal", opts.journal_path, "journal directory (overrides [journal].path)");
  run->add_option("--socket", opts.socket_path, "admin socket (overrides [admin].socket)");
  run->add_option("--log", opts.log_path, "log file (overrides [log].path)");
  run->add_option("--ca-file", opts.ca_file, "extra trusted CA certificate (PEM) for TLS venues");
  bool no_liq = false;
  run->add_flag("--no-liquidation-limits", no_liq,
                "run with [risk.liquidation] off: no distance check, no REDUCING, no deleveraging (demos, tests)");

  auto* ctl = app.add_subcommand("ctl", "talk to a running engine over its admin socket");
  CtlArgs ctl_args;
  ctl->add_option("command", ctl_args.verb,
                  "status | positions | orders | pnl | breakers | limits | help (read-only); kill | resume | halt | "
                  "reduce | reset NAME (operators only)")
      ->required()
      ->check(CLI::IsMember({"status", "kill", "resume", "halt", "reduce", "help", "positions", "orders", "pnl",
                             "breakers", "limits", "reset"}));
  ctl->add_option("name", ctl_args.name, "reset: the breaker to reset (stale, integrity, divergence, ...)");
  ctl_args.venue_opt =
      ctl->add_option("--venue", ctl_args.venue, "limit halt/reduce/resume to one venue (kill is always global)");
  ctl->add_flag("--json", ctl_args.json, "positions/orders/pnl/breakers/limits: print JSON instead of a table");
  ctl->add_option("--socket", ctl_args.socket, "admin socket path (default: the config's [admin].socket)");
  ctl->add_option("--config", ctl_args.config_path, "config whose [admin].socket to use (default: the demo config)");

  auto* journal = app.add_subcommand("journal", "journal tools");
  journal->require_subcommand(1);
  auto* verify = journal->add_subcommand(
      "verify", "check a journal directory: every segment header, record CRC, sequence number, commit mark and the "
                "hash chain, and whether the last session closed; exit 0 sound, 1 damaged or a torn tail, 2 "
                "unreadable, 3 with --strict when sound but not closed");
  std::string journal_dir;
  bool strict = false;
  verify->add_option("DIR", journal_dir, "journal directory (or one segment file in it)")->required();
  verify->add_flag("--strict", strict,
                   "exit 3 when the journal is sound but its last session did not close (no session_end)");

  auto* replay = app.add_subcommand(
      "replay",
      "run the decision core over a journal's inputs, every session with its own journaled config, and compare every "
      "record it writes with the journal's; last line 'replay: N records, identical' (exit 0) or 'replay: diverged at "
      "seq S' (exit 1)");
  std::string replay_dir;
  replay->add_option("--journal", replay_dir, "journal directory")->required();

  auto* bt = app.add_subcommand(
      "backtest",
      "run the decision core over an event file against a simulated market (no sockets, no threads); or, with "
      "--stamp, turn a raw capture into timed events");
  hs::app::BacktestArgs bta;
  std::vector<std::string> stamp;
  hs::app::StampArgs sta;
  bt->add_option("--config", bta.config, "TOML config (venues, instruments, [allocation], [sim.accounts])");
  bt->add_option("--events", bta.events, "event file: one JSON object per line (book, balance, raw)");
  bt->add_option("--out", bta.out, "output directory: intents.jsonl, fills.jsonl, summary.json");
  bt->add_option("--stamp", stamp, "VENUE FILE: a capture (one raw message per line) to raw events on stdout")
      ->expected(2);
  bt->add_option("--every-ms", sta.every_ms, "--stamp: milliseconds between events (default 100)")
      ->check(CLI::Range(int64_t{0}, int64_t{86'400'000}));
  bt->add_option("--start-ns", sta.start_ns, "--stamp: time of the first event, ns (default 0)")
      ->check(CLI::Range(int64_t{0}, int64_t{4'000'000'000'000'000'000}));

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Every usage error exits 2 (CLI11's own codes run 101-120), with its message.
    app.exit(e);
    return 2;
  }
  if (*fc) return hs::app::RunFeedCheck(fca);
  if (*bt) {
    if (!stamp.empty()) {
      sta.venue = stamp[0];
      sta.file = stamp[1];
      return hs::app::RunStamp(sta);
    }
    if (bta.config.empty() || bta.events.empty() || bta.out.empty()) {
      std::fprintf(stderr, "homeostat backtest: --config, --events and --out are required (or --stamp VENUE FILE)\n");
      return 2;
    }
    return hs::app::RunBacktest(bta);
  }
  if (*replay) {
    std::string out;
    const int rc = hs::app::RunReplay(replay_dir, &out);
    std::fputs(out.c_str(), rc == 2 ? stderr : stdout);
    return rc;
  }
  if (*run) return Run(config_path, opts, no_liq);
  if (*ctl) return Ctl(ctl_args);
  if (*verify) return Verify(journal_dir, strict);
  return 2;
}
