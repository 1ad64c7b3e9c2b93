// homeostat-sim: the venue simulator. Serves every configured venue's real wire format on
// loopback (market data, order entry, REST) from a simulated market, until stopped.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <cstdio>
#include <iostream>

#include "core/config/config.h"
#include "core/config/toml_reader.h"
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
  app.add_option("--control", control, "Unix socket for scripted control (pause, set_book, dislocate, raw, fault, accounts)");
  app.add_option("--seconds", seconds, "stop after this many seconds (default: run until SIGINT/SIGTERM)")->check(CLI::NonNegativeNumber);
  app.add_option("--seed", seed, "override [sim].seed");
  app.add_flag("--paused", paused, "start with the random walk paused (books move only by control commands)");
  CLI11_PARSE(app, argc, argv);

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
