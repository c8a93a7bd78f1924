#include "ply/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace ply::log {

bool setup(std::string_view level) {
  auto lvl = spdlog::level::from_str(std::string{level});
  if (lvl == spdlog::level::off && level != "off")
    return false;
  auto logger = spdlog::stderr_color_mt("ply");
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  logger->set_level(lvl);
  spdlog::set_default_logger(logger);
  return true;
}

} // namespace ply::log
