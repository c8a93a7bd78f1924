// SPDX-License-Identifier: MIT
// plyd: runs ply services as a well-behaved daemon (twistd for ply).
//   plyd [global options] PLUGIN [plugin options]
//   plyd [global options] --config app.ini
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
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

#include <ply/deferred.hpp>
#include <ply/log.hpp>
#include <ply/plugin.hpp>
#include <ply/reactor.hpp>
#include <ply/run_options.hpp>
#include <ply/trace.hpp>

#include "builtin_plugins.hpp"
#include "config.hpp"
#include "control.hpp"
#include "daemon.hpp"
#include "huge_pages.hpp"
#include "systemd.hpp"

namespace {

const char* const version = ply::version();

struct options {
  std::string config;
  bool daemon = false;
  bool nodaemon = false;
  std::string pidfile;
  std::string logfile;
  std::string log_level = "info";
  bool syslog = false;
  std::string uid;
  std::string gid;
  size_t reactor_threads = 1;
  size_t max_connections = 10000;
  size_t max_output = ply::default_output_limit;
  size_t threadpool_size = 0;
  std::string rundir = ".";
  std::string ready_file;
  std::vector<std::string> plugin_paths;
  double stop_timeout = 5.0;
  std::string control;
  std::string trace;
  std::string caf_config;
  bool version = false;
};

/// A startup error: one line, exit code 2.
[[noreturn]] void die(const std::string& message) {
  plyd::report_failure(message);
  std::cerr << "plyd: " << message << std::endl;
  std::exit(2);
}

/// Plugin paths named before parsing (the plugins' subcommands must exist first): those of
/// PLY_PLUGIN_PATH, or those of --plugin-path.
std::vector<std::string> early_plugin_paths(int argc, char** argv, bool from_environment) {
  std::vector<std::string> out;
  auto* env = from_environment ? std::getenv("PLY_PLUGIN_PATH") : nullptr;
  if (env != nullptr) {
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
  for (int i = 1; i < argc && !from_environment; ++i) {
    std::string arg = argv[i];
    if (arg == "--plugin-path" && i + 1 < argc)
      out.push_back(argv[++i]);
    else if (arg.rfind("--plugin-path=", 0) == 0)
      out.push_back(arg.substr(14));
  }
  return out;
}

/// The command line in CLI11's order (reversed), with a plugin's `-p PORT` (or `-pPORT`) read as
/// its `--port`, as twistd's plugins take it: every word after the plugin's name, when the plugin
/// has a `--port` and no `-p` of its own.
std::vector<std::string> with_short_port(int argc, char** argv, const CLI::App& app) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const CLI::App* plugin = nullptr;
  for (auto& a : args) {
    if (plugin == nullptr) {
      auto subs = app.get_subcommands([&a](const CLI::App* sub) { return sub->get_name() == a; });
      auto* sub = subs.empty() ? nullptr : subs.front();
      if (sub != nullptr && sub->get_option_no_throw("--port") != nullptr
          && sub->get_option_no_throw("-p") == nullptr)
        plugin = sub;
      continue;
    }
    if (a == "--")
      break;  // what follows is not options
    if (a == "-p")
      a = "--port";
    else if (a.size() > 2 && a.rfind("-p", 0) == 0)
      a = "--port=" + a.substr(a[2] == '=' ? 3 : 2);
  }
  std::reverse(args.begin(), args.end());
  return args;
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
  bool to_stderr = sinks.empty();
  if (to_stderr)
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  auto logger = std::make_shared<spdlog::logger>("ply", sinks.begin(), sinks.end());
  // On the journal (plyd under systemd) a line has its priority and no date of its own.
  if (to_stderr)
    logger->set_formatter(ply::log::stderr_formatter());
  else
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  logger->set_level(spdlog::level::from_str(opts.log_level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

/// Builds one service of a config: its plugin, given the options of its section. Every option the
/// plugin takes on the command line works (flags, several values); an error names FILE:LINE.
ply::service_ptr build_service(const ply::plugin_registry& reg, const std::string& path,
                               const plyd::service_config& section) {
  auto* p = reg.find(section.plugin);
  if (p == nullptr)
    throw std::runtime_error(path + ": [" + section.name + "]: unknown plugin '" + section.plugin
                             + "' (plyd --help lists them)");
  auto where = [&](size_t line) { return path + ":" + std::to_string(line) + ": "; };
  // Each line alone first, so that a bad one is reported with its line.
  std::vector<std::string> words;
  for (auto& o : section.options) {
    CLI::App one{p->description, section.plugin};
    auto keep = p->declare(one);  // owns what the options write into
    auto* opt = one.get_option_no_throw("--" + o.key);
    if (opt == nullptr)
      throw std::runtime_error(where(o.line) + "plugin '" + section.plugin + "' has no option '"
                               + o.key + "' (plyd " + section.plugin + " --help lists them)");
    std::vector<std::string> own;
    try {
      own = plyd::option_words(o, *opt);
      auto reversed = own;
      std::reverse(reversed.begin(), reversed.end());  // CLI11 parses a reversed vector
      one.parse(reversed);
    } catch (const CLI::RequiredError&) {
      // Another line gives what is required.
    } catch (const std::exception& e) {
      throw std::runtime_error(where(o.line) + e.what());
    }
    words.insert(words.end(), own.begin(), own.end());
  }
  CLI::App cmd{p->description, section.plugin};
  auto builder = p->declare(cmd);
  std::reverse(words.begin(), words.end());
  try {
    cmd.parse(words);
  } catch (const CLI::ParseError& e) {
    throw std::runtime_error(path + ": [" + section.name + "]: " + e.what());
  }
  return builder(section.name);
}

} // namespace

int main(int argc, char** argv) {
  plyd::run_with_huge_pages(argv);
  ply::plugin_registry reg;
  ply::actors::register_builtin_plugins(reg);
  try {
    for (auto& path : early_plugin_paths(argc, argv, false))
      reg.load_directory(path);
  } catch (const std::exception& e) {
    die(e.what());
  }
  // PLY_PLUGIN_PATH may name directories that are not there on this machine: said, not fatal.
  for (auto& path : early_plugin_paths(argc, argv, true)) {
    try {
      reg.load_directory(path);
    } catch (const std::exception& e) {
      std::cerr << "plyd: PLY_PLUGIN_PATH: " << e.what() << " (skipped)\n";
    }
  }

  options opts;
  CLI::App app{"plyd runs ply services as a daemon: one plugin with its options, or an application "
               "config with several services.",
               "plyd"};
  app.add_flag("--version", opts.version, "Print the version and exit");
  app.add_option("--config", opts.config, "An application config (INI: one [section] per service)");
  auto* daemon_flag = app.add_flag("--daemon", opts.daemon,
                                   "Detach from the terminal and run in the background");
  app.add_flag("-n,--nodaemon", opts.nodaemon,
               "Stay in the foreground, as plyd does unless --daemon is given (twistd's -n)")
    ->excludes(daemon_flag);
  app.add_option("--pidfile", opts.pidfile, "Write the process id here (refused if it is running)");
  app.add_option("-l,--logfile", opts.logfile,
                 "Log to this file, rotated by size ('-': standard output; with --daemon the "
                 "default is plyd.log in --rundir)");
  app.add_option("--log-level", opts.log_level, "trace, debug, info, warn, error, critical or off")
    ->capture_default_str()
    ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.add_flag("--syslog", opts.syslog, "Log to syslog (facility daemon)");
  app.add_option("-u,--uid", opts.uid, "Switch to this user after binding (name or number)");
  app.add_option("-g,--gid", opts.gid, "Switch to this group after binding (name or number)");
  app.add_option("--reactor-threads", opts.reactor_threads, "Number of reactor threads")
    ->capture_default_str()
    ->check(CLI::Range(1, 64));
  app.add_option("--max-connections", opts.max_connections,
                 "Connections open at once; more are accepted and closed at once (0: as many as "
                 "the open-file limit allows)")
    ->capture_default_str();
  app.add_option("--max-output", opts.max_output,
                 "Bytes that may wait for a client that does not read before it is cut off (0: no "
                 "limit; at most 4 GiB)")
    ->capture_default_str();
  app.add_option("--threadpool-size", opts.threadpool_size,
                 "Threads for blocking work (defer_to_thread, call_in_thread); 0: one per CPU")
    ->capture_default_str()
    ->check(CLI::Range(0, 1024));
  app.add_option("-d,--rundir", opts.rundir, "Run directory: state files, working directory of a daemon")
    ->capture_default_str();
  app.add_option("--ready-file", opts.ready_file,
                 "Once every service is up, write their bound endpoints here as JSON");
  app.add_option("--plugin-path", opts.plugin_paths,
                 "Also load plugins from the *.so files in this directory (and $PLY_PLUGIN_PATH)")
    ->allow_extra_args(false);  // one directory each time: the plugin's name follows it
  app.add_option("--stop-timeout", opts.stop_timeout, "Seconds a graceful stop may take")
    ->capture_default_str();
  app.add_option("--control", opts.control,
                 "Serve a control endpoint here ('stats' answers JSON: connections, services, ...)");
  app.add_option("--trace", opts.trace,
                 "Record what every actor did to FILE (JSON lines; ply-trace reads it); also "
                 "PLY_TRACE=FILE");
  app.add_option("--caf-config", opts.caf_config,
                 "CAF options from an INI file (for example [scheduler] max-threads=2)")
    ->check(CLI::ExistingFile);
  app.require_subcommand(0, 1);
  std::map<std::string, ply::service_builder> builders;
  for (auto& p : reg.all()) {
    auto* sub = app.add_subcommand(p.name, p.description);
    // plyd's own options may also follow the plugin: "plyd finger ... --uid nobody".
    sub->fallthrough();
    builders[p.name] = p.declare(*sub);
  }
  app.footer("Run 'plyd PLUGIN --help' for a plugin's options. A plugin's --port may be given as "
             "-p, and a bare port number means tcp:PORT (as with twistd).");
  auto args = with_short_port(argc, argv, app);
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError&) {
    auto extras = app.remaining();  // in the order given
    for (auto* sub : app.get_subcommands())
      for (auto& w : sub->remaining())
        extras.push_back(w);
    std::string words;
    for (auto& w : extras)
      words += (words.empty() ? "" : " ") + w;
    // No plugin was recognised and a word that is no option stands first: a plugin that is not
    // there. Say where plugins were looked for.
    auto first = std::find_if(extras.begin(), extras.end(),
                              [](const std::string& w) { return !w.empty() && w[0] != '-'; });
    if (app.get_subcommands().empty() && first != extras.end()) {
      std::string where = "built in";
      for (bool env : {true, false})
        for (auto& dir : early_plugin_paths(argc, argv, env))
          where += ", " + dir;
      die("no plugin named '" + *first + "' (looked in: " + where
          + "; plyd --help lists the plugins)");
    }
    die("unknown option: " + words + " (plyd --help lists the plugins, plyd PLUGIN --help "
        "their options)");
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
      for (auto& s : sections)
        application->add(build_service(reg, opts.config, s));
    }
    root = application.get();
    if (!opts.control.empty())
      root->add(plyd::make_control_service(opts.control, control));
    if (!opts.pidfile.empty())
      plyd::pidfile::check(opts.pidfile);
  } catch (const std::exception& e) {
    die(e.what());
  }

  // A daemon has no terminal: its log goes to a file, by default plyd.log in the run directory
  // (as twistd's twistd.log).
  if (opts.daemon && opts.logfile == "-")
    die("--daemon has no standard output to log to: give --logfile FILE (or leave it out)");
  if (opts.daemon && opts.logfile.empty() && !opts.syslog)
    opts.logfile = (std::filesystem::absolute(opts.rundir) / "plyd.log").lexically_normal().string();

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

  auto stop_timeout = std::chrono::milliseconds(static_cast<long>(opts.stop_timeout * 1000));
  ply::run_options run;
  run.trace_file = ply::trace::path_from(opts.trace);
  run.trace_node = app_name + ":" + std::to_string(::getpid());
  run.reactor.threads = opts.reactor_threads;
  run.reactor.max_connections = opts.max_connections;
  run.reactor.output_limit = opts.max_output;
  run.threadpool_size = opts.threadpool_size;
  run.reactor.stop_timeout = stop_timeout;
  run.configure.push_back([root](caf::actor_system_config& cfg) { root->configure(cfg); });
  run.caf_config = opts.caf_config;
  std::unique_ptr<ply::looping_call> watchdog;
  run.setup = [&](ply::reactor& r) {
    // Before anything can say it is ready: a SIGHUP from then on reopens the log.
    r.on_signal(SIGHUP, [opts] {
      try {
        setup_logging(opts);
        spdlog::info("SIGHUP: log files reopened");
      } catch (const std::exception& e) {
        // The old sinks stay: a log that cannot be reopened is no reason to stop serving.
        spdlog::warn("SIGHUP: cannot reopen the log ({}); logging on where it was", e.what());
      }
    });
    try {
      root->launch(r, stop_timeout);
      // Bound to its ports: now run as the configured user.
      // The log file is reopened on SIGHUP (logrotate): it must stay the new user's to open.
      std::vector<std::string> owned;
      if (!opts.logfile.empty() && opts.logfile != "-")
        owned.push_back(opts.logfile);
      plyd::drop_privileges(opts.uid, opts.gid, owned);
      if (!opts.uid.empty() || !opts.gid.empty())
        spdlog::info("running as uid {} gid {}", ::getuid(), ::getgid());
      control->application = app_name;
      for (auto& s : root->children())
        control->services[s->name()] = s->endpoints();
    } catch (const std::exception& e) {
      spdlog::default_logger()->flush();
      die(e.what());
    }
    // Ready once the reactor runs: signals are handled and every service is up.
    r.call_when_running([&opts, &control, &app_name, &r, &watchdog] {
      try {
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
        // Threads run by now: a graceful stop with exit code 2, not exit() under their feet.
        plyd::report_failure(e.what());
        spdlog::critical("{}", e.what());
        r.stop(2);
        return;
      }
      spdlog::info("plyd {} running '{}' (pid {})", version, app_name, ::getpid());
      plyd::report_ready();
      std::string status;
      for (auto& service : control->services.items())
        for (auto& where : service.value())
          status += (status.empty() ? "serving " : ", ") + service.key() + " on "
                    + where.get<std::string>();
      plyd::systemd::ready(status.empty() ? "running" : status);
      watchdog = plyd::systemd::keep_watchdog(r);
    });
    r.add_stop_hook([&watchdog] {
      plyd::systemd::stopping();
      watchdog.reset();
      return ply::succeed();
    });
  };
  // The services hold actors (their factories): they go while the actor system is still there,
  // since an actor's last reference runs its cleanup, which uses the system.
  run.teardown = [&application, &watchdog] {
    watchdog.reset();
    application.reset();
  };
  int rc = ply::run(std::move(run));
  spdlog::info("plyd stopped");
  spdlog::default_logger()->flush();
  return rc;
}
