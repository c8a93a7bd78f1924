#include "ply/command_line.hpp"

namespace ply {

command_line::command_line(std::string name, std::string description)
  : app_(std::move(description), std::move(name)) {
  app_.add_option("--log-level", log_level,
                  "Log level: trace, debug, info, warn, error, critical or off")
    ->capture_default_str();
  app_.add_option("--reactor-threads", reactor_threads, "Number of reactor threads")
    ->capture_default_str()
    ->check(CLI::Range(1, 64));
  app_.add_option("--max-connections", max_connections,
                  "Connections open at once; more are accepted and closed at once (0: as many as "
                  "the open-file limit allows)")
    ->capture_default_str();
  app_.add_option("--max-output", max_output,
                  "Bytes that may wait for a client that does not read before it is cut off (0: "
                  "no limit; at most 4 GiB)")
    ->capture_default_str();
  app_.add_option("--trace", trace_file,
                  "Record what every actor did to FILE (JSON lines; ply-trace reads it); also "
                  "PLY_TRACE=FILE");
  app_.add_option("--caf-config", caf_config,
                  "CAF options from an INI file (for example [scheduler] max-threads=2)")
    ->check(CLI::ExistingFile);
}

} // namespace ply
