// homeostat-sim: the venue simulator. Serves every configured venue's real wire format on
// loopback (market data, order entry, REST) from a simulated market, until stopped.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <vector>

#include "core/config/config.h"
#include "core/config/toml_reader.h"
#include "venues/common/jwt_es256.h"
#include "venues/sim/sim_config.h"
#include "venues/sim/sim_server.h"

int main(int argc, char** argv) {
  CLI::App app{"homeostat-sim: a venue simulator speaking each venue's real wire format on loopback"};
  std::string config_path;
  std::string order_log;
  std::string control;
  double seconds = 0;
  int64_t seed = -1;
  bool paused = false;
  app.add_option("--config", config_path, "config file (default: the embedded demo config)");
  app.add_option("--order-log", order_log, "write every order received as one JSON object per line");
  app.add_option("--control", control,
                 "Unix socket for scripted control (pause, set_book, dislocate, raw, fault, accounts; perpetuals: "
                 "{\"cmd\":\"crash\",\"pct\":30,\"ms\":10000[,\"base\":\"BTC\"]} makes every fair price (of that "
                 "base) fall linearly by pct % over ms, then stay; {\"cmd\":\"margin\"} reads the margin accounts)");
  app.add_option("--seconds", seconds, "stop after this many seconds (default: run until SIGINT/SIGTERM)")->check(CLI::NonNegativeNumber);
  app.add_option("--seed", seed, "override [sim].seed");
  app.add_flag("--paused", paused, "start with the random walk paused (books move only by control commands)");
  std::string gen_key_dir;
  app.add_option("--gen-coinbase-key", gen_key_dir,
                 "write a throwaway P-256 key pair for Coinbase order entry into DIR (coinbase_key.pem, mode 0600, "
                 "and coinbase_pub.pem) and exit");
  std::string fault_venue;
  int64_t drop_every = 0, corrupt_every = 0, cross_every = 0, disconnect_every = 0, stall_every = 0, stall_ms = 2000;
  app.add_option("--fault-venue", fault_venue, "apply the periodic faults below to this venue only (default: every venue)");
  app.add_option("--fault-drop-every-ms", drop_every, "every N ms, drop one market-data message (a sequence gap)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--fault-corrupt-every-ms", corrupt_every, "every N ms, send one message with a wrong checksum")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--fault-cross-every-ms", cross_every, "every N ms, send one message that crosses the book")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--fault-disconnect-every-ms", disconnect_every, "every N ms, disconnect every client of the venue")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--fault-stall-every-ms", stall_every, "every N ms, stall the market-data stream for --fault-stall-ms")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--fault-stall-ms", stall_ms, "length of each stall (default 2000)")->check(CLI::PositiveNumber);
  std::string fault_crash;
  app.add_option("--fault-crash", fault_crash,
                 "PCT:MS:AFTER_MS — AFTER_MS after start, every fair price (spot and perpetual, every venue) falls "
                 "linearly by PCT % (whole, 1..99) over MS milliseconds (0: at once) and stays there; perpetual "
                 "positions whose mark reaches their liquidation price are liquidated (the control command "
                 "\"crash\" does the same at any time, optionally for one base asset)");
  CLI11_PARSE(app, argc, argv);
  hs::sim::CrashFault crash;
  if (!fault_crash.empty()) {
    if (auto st = hs::sim::ParseCrashFault(fault_crash, &crash); !st.ok()) {
      std::fprintf(stderr, "homeostat-sim: --fault-crash: %s\n", std::string(st.message()).c_str());
      return 2;
    }
  }
  if (!gen_key_dir.empty()) {
    std::string priv, pub;
    if (auto st = hs::venues::GenerateP256KeyPair(&priv, &pub); !st.ok()) {
      std::fprintf(stderr, "homeostat-sim: %s\n", std::string(st.message()).c_str());
      return 2;
    }
    const std::string kp = gen_key_dir + "/coinbase_key.pem";
    const std::string pp = gen_key_dir + "/coinbase_pub.pem";
    const int fd = ::open(kp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::FILE* fp = std::fopen(pp.c_str(), "w");
    const bool ok = fd >= 0 && fp != nullptr && ::write(fd, priv.data(), priv.size()) == static_cast<ssize_t>(priv.size()) &&
                    std::fwrite(pub.data(), 1, pub.size(), fp) == pub.size();
    if (fd >= 0) ::close(fd);
    if (fp != nullptr) std::fclose(fp);
    if (!ok) {
      std::fprintf(stderr, "homeostat-sim: cannot write the key pair into '%s'\n", gen_key_dir.c_str());
      return 2;
    }
    std::fprintf(stderr, "homeostat-sim: wrote %s and %s\n", kp.c_str(), pp.c_str());
    return 0;
  }

  std::string text;
  std::string origin = "<embedded demo config>";
  if (config_path.empty()) {
    text = hs::config::EmbeddedDemoConfig();
  } else {
    try {
      text = hs::config::ReadFile(config_path);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "homeostat-sim: %s\n", e.what());
      return 2;
    }
    origin = config_path;
  }
  auto cfg = hs::sim::ParseSimConfig(text, origin);
  if (!cfg.ok()) {
    std::fprintf(stderr, "homeostat-sim: config error: %s\n", std::string(cfg.status().message()).c_str());
    return 2;
  }
  if (seed >= 0) cfg->seed = static_cast<uint64_t>(seed);
  std::FILE* olog = nullptr;
  if (!order_log.empty()) {
    olog = std::fopen(order_log.c_str(), "w");
    if (olog == nullptr) {
      std::fprintf(stderr, "homeostat-sim: cannot open order log '%s'\n", order_log.c_str());
      return 2;
    }
  }
  boost::asio::io_context ioc{1};
  hs::sim::Market market(*cfg);
  market.SetPaused(paused);
  hs::sim::Server server(ioc, *cfg, &market);
  server.SetOrderLog(olog);
  if (auto st = server.Listen(control); !st.ok()) {
    std::fprintf(stderr, "homeostat-sim: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  server.StartClock();
  // Periodic faults: one timer per kind, re-armed forever.
  std::vector<int> fault_targets;
  for (const auto& v : cfg->base.venues)
    if (fault_venue.empty() || v.name == fault_venue) fault_targets.push_back(v.id.value);
  if (!fault_venue.empty() && fault_targets.empty()) {
    std::fprintf(stderr, "homeostat-sim: --fault-venue: no venue named '%s'\n", fault_venue.c_str());
    return 2;
  }
  // A timer that fires `fire` every `ms` until the io_context stops (no self-referencing
  // handler: the object owns the timer and outlives it).
  struct Periodic {
    Periodic(boost::asio::io_context& io, int64_t period, std::function<void()> f) : t(io), ms(period), fire(std::move(f)) {}
    void Arm() {
      t.expires_after(std::chrono::milliseconds(ms));
      t.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        fire();
        Arm();
      });
    }
    boost::asio::steady_timer t;
    int64_t ms;
    std::function<void()> fire;
  };
  std::vector<std::unique_ptr<Periodic>> fault_timers;
  auto every = [&](int64_t ms, std::function<void(hs::sim::Faults&, int)> apply) {
    if (ms <= 0) return;
    fault_timers.push_back(std::make_unique<Periodic>(ioc, ms, [apply, &server, &fault_targets] {
      for (int v : fault_targets) apply(server.faults(v), v);
    }));
    fault_timers.back()->Arm();
  };
  every(drop_every, [](hs::sim::Faults& f, int) { ++f.drop_next; });
  every(corrupt_every, [](hs::sim::Faults& f, int) { ++f.corrupt_checksum_next; });
  every(cross_every, [](hs::sim::Faults& f, int) { ++f.cross_next; });
  every(disconnect_every, [&server](hs::sim::Faults&, int v) {
    for (hs::sim::Peer* p : server.Peers(v)) p->Close();
  });
  auto unstall = std::make_shared<boost::asio::steady_timer>(ioc);
  every(stall_every, [unstall, stall_ms, &server, &fault_targets](hs::sim::Faults& f, int) {
    f.stall = true;
    unstall->expires_after(std::chrono::milliseconds(stall_ms));
    unstall->async_wait([&server, &fault_targets](const boost::system::error_code& ec) {
      if (ec) return;
      for (int v : fault_targets) server.faults(v).stall = false;
    });
  });
  boost::asio::steady_timer crash_timer(ioc);
  if (!fault_crash.empty()) {
    crash_timer.expires_after(std::chrono::milliseconds(crash.after_ms));
    crash_timer.async_wait([&market, crash](const boost::system::error_code& ec) {
      if (ec) return;
      market.Crash(crash.pct, crash.ms, -1, hs::MonoNow());
      std::fprintf(stderr, "homeostat-sim: crash: every price falls %lld %% over %lld ms\n",
                   static_cast<long long>(crash.pct), static_cast<long long>(crash.ms));
    });
  }
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    server.Stop();
    ioc.stop();
  });
  boost::asio::steady_timer deadline(ioc);
  if (seconds > 0) {
    deadline.expires_after(std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
    deadline.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      server.Stop();
      ioc.stop();
    });
  }
  std::fprintf(stderr, "homeostat-sim: serving %zu venues (seed %llu)%s\n", cfg->base.venues.size(),
               static_cast<unsigned long long>(cfg->seed), paused ? ", paused" : "");
  ioc.run();
  std::fprintf(stderr, "homeostat-sim: stopped after %llu orders, %llu dislocations\n",
               static_cast<unsigned long long>(server.orders_received()),
               static_cast<unsigned long long>(market.dislocations()));
  if (olog) std::fclose(olog);
  return 0;
}
