// SPDX-License-Identifier: MIT
#include "ply/log.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace ply::log {

namespace {

/// `%*`: the line's syslog priority as journald reads it on a service's standard error ("<6>").
class priority_flag final : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr char digits[] = {'7', '7', '6', '4', '3', '2', '6'};  // trace ... off
    auto level = static_cast<size_t>(msg.level);
    char text[] = {'<', digits[level < sizeof(digits) ? level : 6], '>'};
    dest.append(text, text + sizeof(text));
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<priority_flag>();
  }
};

} // namespace

bool to_journal() {
  // systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it connected to the journal.
  auto* stream = std::getenv("JOURNAL_STREAM");
  struct stat st{};
  if (!stream || ::fstat(2, &st) != 0)
    return false;
  unsigned long long dev = 0, ino = 0;
  return std::sscanf(stream, "%llu:%llu", &dev, &ino) == 2 && dev == st.st_dev && ino == st.st_ino;
}

std::unique_ptr<spdlog::formatter> stderr_formatter() {
  auto f = std::make_unique<spdlog::pattern_formatter>();
  if (to_journal())
    f->add_flag<priority_flag>('*').set_pattern("%*%v");  // journald keeps its own time
  else
    f->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  return f;
}

bool setup(std::string_view level) {
  auto lvl = spdlog::level::from_str(std::string{level});
  if (lvl == spdlog::level::off && level != "off")
    return false;
  auto logger = spdlog::stderr_color_mt("ply");
  logger->set_formatter(stderr_formatter());
  logger->set_level(lvl);
  spdlog::set_default_logger(logger);
  return true;
}

} // namespace ply::log
