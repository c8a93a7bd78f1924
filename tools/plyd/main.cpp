// plyd: runs ply services as a well-behaved daemon (twistd for ply).
//   plyd [global options] PLUGIN [plugin options]
//   plyd [global options] --config app.ini
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include <ply/plugin.hpp>
#include <ply/reactor.hpp>
#include <ply/trace.hpp>

#include "builtin_plugins.hpp"
#include "config.hpp"
#include "control.hpp"
#include "daemon.hpp"

namespace {

constexpr const char* version = "0.1.0";

struct options {
  std::string config;
  bool daemon = false;
  std::string pidfile;
  std::string logfile;
  std::string log_level = "info";
  bool syslog = false;
  std::string uid;
  std::string gid;
  size_t reactor_threads = 1;
  size_t max_connections = 10000;
  std::string rundir = ".";
  std::string ready_file;
  std::vector<std::string> plugin_paths;
  double stop_timeout = 5.0;
  std::string control;
  std::string trace;
  bool version = false;
};

/// A startup error: one line, exit code 2.
[[noreturn]] void die(const std::string& message) {
  plyd::report_failure(message);
  std::cerr << "plyd: " << message << std::endl;
  std::exit(2);
}

/// Plugin paths named before parsing (the plugins' subcommands must exist first).
std::vector<std::string> early_plugin_paths(int argc, char** argv) {
  std::vector<std::string> out;
  if (auto* env = std::getenv("PLY_PLUGIN_PATH")) {
    std::string all = env;
    size_t start = 0;
    while (start <= all.size()) {
      auto end = all.find(':', start);
      auto part = all.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!part.empty())
        out.push_back(part);
      if (end == std::string::npos)
        break;
      start = end + 1;
    }
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--plugin-path" && i + 1 < argc)
      out.push_back(argv[++i]);
    else if (arg.rfind("--plugin-path=", 0) == 0)
      out.push_back(arg.substr(14));
  }
  return out;
}

/// Builds the log's sinks: standard error, a size-rotated file (or "-" for standard output), syslog.
void setup_logging(const options& opts) {
  std::vector<spdlog::sink_ptr> sinks;
  if (opts.logfile == "-")
    sinks.push_back(std::make_shared<spdlog::sinks::stdout_color_sink_mt>());
  else if (!opts.logfile.empty())
    sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(opts.logfile,
                                                                           10 * 1024 * 1024, 5));
  if (opts.syslog)
    sinks.push_back(std::make_shared<spdlog::sinks::syslog_sink_mt>("plyd", LOG_PID, LOG_DAEMON,
                                                                   false));
  if (sinks.empty())
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  auto logger = std::make_shared<spdlog::logger>("ply", sinks.begin(), sinks.end());
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  logger->set_level(spdlog::level::from_str(opts.log_level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

/// Builds one service from a plugin and option words (`--key value ...`).
ply::service_ptr build_service(const ply::plugin_registry& reg, const std::string& plugin_name,
                               const std::string& service_name, std::vector<std::string> words) {
  auto* p = reg.find(plugin_name);
  if (p == nullptr)
    throw std::runtime_error("unknown plugin '" + plugin_name + "' (plyd --help lists them)");
  CLI::App cmd{p->description, plugin_name};
  auto builder = p->declare(cmd);
  std::reverse(words.begin(), words.end());  // CLI11 parses a reversed vector
  try {
    cmd.parse(words);
  } catch (const CLI::ParseError& e) {
    throw std::runtime_error("service '" + service_name + "': " + e.what());
  }
  return builder(service_name);
}

} // namespace

int main(int argc, char** argv) {
  ply::plugin_registry reg;
  ply::actors::register_builtin_plugins(reg);
  try {
    for (auto& path : early_plugin_paths(argc, argv))
      reg.load_directory(path);
  } catch (const std::exception& e) {
    die(e.what());
  }

  options opts;
  CLI::App app{"plyd runs ply services as a daemon: one plugin with its options, or an application "
               "config with several services.",
               "plyd"};
  app.add_flag("--version", opts.version, "Print the version and exit");
  app.add_option("--config", opts.config, "An application config (INI: one [section] per service)");
  app.add_flag("--daemon", opts.daemon, "Detach from the terminal and run in the background");
  app.add_option("--pidfile", opts.pidfile, "Write the process id here (refused if it is running)");
  app.add_option("--logfile", opts.logfile, "Log to this file, rotated by size ('-': standard output)");
  app.add_option("--log-level", opts.log_level, "trace, debug, info, warn, error, critical or off")
    ->capture_default_str()
    ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.add_flag("--syslog", opts.syslog, "Log to syslog (facility daemon)");
  app.add_option("--uid", opts.uid, "Switch to this user after binding (name or number)");
  app.add_option("--gid", opts.gid, "Switch to this group after binding (name or number)");
  app.add_option("--reactor-threads", opts.reactor_threads, "Number of reactor threads")
    ->capture_default_str()
    ->check(CLI::Range(1, 64));
  app.add_option("--max-connections", opts.max_connections,
                 "Connections open at once; more are accepted and closed at once (0: as many as "
                 "the open-file limit allows)")
    ->capture_default_str();
  app.add_option("--rundir", opts.rundir, "Run directory: state files, working directory of a daemon")
    ->capture_default_str();
  app.add_option("--ready-file", opts.ready_file,
                 "Once every service is up, write their bound endpoints here as JSON");
  app.add_option("--plugin-path", opts.plugin_paths,
                 "Also load plugins from the *.so files in this directory (and $PLY_PLUGIN_PATH)");
  app.add_option("--stop-timeout", opts.stop_timeout, "Seconds a graceful stop may take")
    ->capture_default_str();
  app.add_option("--control", opts.control,
                 "Serve a control endpoint here ('stats' answers JSON: connections, services, ...)");
  app.add_option("--trace", opts.trace,
                 "Record what every actor did to FILE (JSON lines; ply-trace reads it); also "
                 "PLY_TRACE=FILE");
  app.require_subcommand(0, 1);
  std::map<std::string, ply::service_builder> builders;
  for (auto& p : reg.all()) {
    auto* sub = app.add_subcommand(p.name, p.description);
    // plyd's own options may also follow the plugin: "plyd finger ... --uid nobody".
    sub->fallthrough();
    builders[p.name] = p.declare(*sub);
  }
  app.footer("Run 'plyd PLUGIN --help' for a plugin's options.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError&) {
    // CLI11 keeps the words it could not place in reverse order.
    auto extras = app.remaining();
    for (auto* sub : app.get_subcommands())
      for (auto& w : sub->remaining())
        extras.push_back(w);
    std::string words;
    for (auto& w : extras)
      words += (words.empty() ? "" : " ") + w;
    die("unknown plugin or option: " + words + " (plyd --help lists the plugins)");
  } catch (const CLI::ParseError& e) {
    die(e.what());
  }
  if (opts.version) {
    std::cout << "plyd (ply) " << version << std::endl;
    return 0;
  }

  // The application: one plugin's service, or every section of the config.
  std::string app_name;
  auto control = std::make_shared<plyd::control_info>();
  ply::application* root = nullptr;
  std::unique_ptr<ply::application> application;
  try {
    auto subs = app.get_subcommands();
    if (!opts.config.empty() && !subs.empty())
      throw std::runtime_error("give a plugin or --config, not both");
    if (opts.config.empty() && subs.empty())
      throw std::runtime_error("no plugin given (plyd --help lists them)");
    if (!subs.empty()) {
      app_name = subs.front()->get_name();
      application = std::make_unique<ply::application>(app_name, opts.rundir);
      application->add(builders.at(app_name)(app_name));
    } else {
      auto sections = plyd::read_config(opts.config);
      auto base = opts.config.substr(opts.config.find_last_of('/') + 1);
      app_name = base.substr(0, base.find('.'));
      application = std::make_unique<ply::application>(app_name, opts.rundir);
      for (auto& s : sections) {
        std::vector<std::string> words;
        for (auto& [k, v] : s.options) {
          words.push_back("--" + k);
          words.push_back(v);
        }
        application->add(build_service(reg, s.plugin, s.name, words));
      }
    }
    root = application.get();
    if (!opts.control.empty())
      root->add(plyd::make_control_service(opts.control, control));
    if (!opts.pidfile.empty())
      plyd::pidfile::check(opts.pidfile);
  } catch (const std::exception& e) {
    die(e.what());
  }

  // Detach before any thread starts (CAF and the reactor start threads).
  if (opts.daemon) {
    try {
      plyd::daemonize(opts.rundir);
    } catch (const std::exception& e) {
      die(e.what());
    }
  }
  std::optional<plyd::pidfile> pid;
  try {
    setup_logging(opts);
    if (!opts.pidfile.empty())
      pid.emplace(opts.pidfile);
  } catch (const std::exception& e) {
    die(e.what());
  }

  if (auto path = ply::trace::path_from(opts.trace); !path.empty()) {
    std::string why;
    if (!ply::trace::start(path, app_name + ":" + std::to_string(::getpid()), &why))
      die(why);
  }
  caf::actor_system_config cfg;
  cfg.set("work-stealing.relaxed-sleep-duration", caf::timespan{std::chrono::seconds(1)});
  root->configure(cfg);
  caf::actor_system sys{cfg};
  int rc = 0;
  {
    ply::reactor::options ropts;
    ropts.threads = opts.reactor_threads;
    ropts.max_connections = opts.max_connections;
    ropts.stop_timeout = std::chrono::milliseconds(static_cast<long>(opts.stop_timeout * 1000));
    ply::reactor r{sys, ropts};
    try {
      root->launch(r, ropts.stop_timeout);
      // Bound to its ports: now run as the configured user.
      plyd::drop_privileges(opts.uid, opts.gid);
      if (!opts.uid.empty() || !opts.gid.empty())
        spdlog::info("running as uid {} gid {}", ::getuid(), ::getgid());
      control->application = app_name;
      for (auto& s : root->children())
        control->services[s->name()] = s->endpoints();
      if (!opts.ready_file.empty()) {
        nlohmann::json ready;
        ready["application"] = app_name;
        ready["pid"] = ::getpid();
        ready["services"] = control->services;
        std::ofstream out{opts.ready_file};
        out << ready.dump() << "\n";
        if (!out)
          throw std::runtime_error("cannot write ready file " + opts.ready_file);
      }
    } catch (const std::exception& e) {
      spdlog::default_logger()->flush();
      die(e.what());
    }
    r.on_signal(SIGHUP, [opts] {
      setup_logging(opts);
      spdlog::info("SIGHUP: log files reopened");
    });
    spdlog::info("plyd {} running '{}' (pid {})", version, app_name, ::getpid());
    plyd::report_ready();
    rc = r.run();
  }
  // The services hold actors (their factories): they go while the actor system is still there,
  // since an actor's last reference runs its cleanup, which uses the system.
  application.reset();
  ply::trace::stop();
  spdlog::info("plyd stopped");
  spdlog::default_logger()->flush();
  return rc;
}
