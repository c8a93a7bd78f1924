// SPDX-License-Identifier: MIT
#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace ply::test {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string temp_path(const char* what) {
  static int counter = 0;
  return "/tmp/ply-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-"
         + what;
}

} // namespace

std::string bin(const std::string& name) {
  return std::string{PLY_BIN_DIR} + "/" + name;
}

process::process(std::vector<std::string> argv)
  : err_path_(temp_path("stderr")), out_path_(temp_path("stdout")) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(a.data());
  args.push_back(nullptr);
  if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0)
    throw std::runtime_error("cannot start " + argv[0]);
  posix_spawn_file_actions_destroy(&actions);
}

process::~process() {
  if (alive()) {
    signal(SIGTERM);
    if (wait(std::chrono::seconds(5)) == -1) {
      signal(SIGKILL);
      wait(std::chrono::seconds(5));
    }
  }
  ::unlink(err_path_.c_str());
  ::unlink(out_path_.c_str());
}

uint16_t process::port(size_t n, std::chrono::milliseconds timeout) {
  static const std::regex listening{R"(listening on [^ \n]*:(\d+))"};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto text = log();
    size_t i = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), listening);
         it != std::sregex_iterator(); ++it, ++i)
      if (i == n)
        return static_cast<uint16_t>(std::stoi((*it)[1]));
    if (!alive())
      return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

void process::signal(int sig) {
  if (pid_ > 0 && status_ == -1)
    ::kill(pid_, sig);
}

bool process::alive() {
  if (status_ != -1)
    return false;
  int st = 0;
  auto r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return false;
  }
  return true;
}

int process::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (alive()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status_;
}

std::string process::log() const {
  return read_file(err_path_);
}

std::string process::output() const {
  return read_file(out_path_);
}

long process::rss_kib() const {
  std::ifstream status{"/proc/" + std::to_string(pid_) + "/status"};
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::atol(line.c_str() + 6);
  return 0;
}

namespace {

/// `command` as one single-quoted shell word.
std::string quoted(const std::string& command) {
  std::string out = "'";
  for (char c : command)
    out += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
  return out + "'";
}

} // namespace

std::string shell(const std::string& command, int timeout_seconds) {
  auto full = "timeout " + std::to_string(timeout_seconds) + " bash -c " + quoted(command);
  std::string out;
  if (auto* p = ::popen(full.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
      out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

int shell_status(const std::string& command, int timeout_seconds) {
  auto full = "timeout " + std::to_string(timeout_seconds) + " bash -c " + quoted(command)
              + " >/dev/null 2>&1";
  auto st = std::system(full.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

bool wait_for_log(process& p, const std::string& text, size_t times,
                  std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto log = p.log();
    size_t n = 0;
    for (auto pos = log.find(text); pos != std::string::npos; pos = log.find(text, pos + 1))
      ++n;
    if (n >= times)
      return true;
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string nc(uint16_t port, const std::string& input) {
  return shell("printf \"" + input + "\" | nc -N -w 3 127.0.0.1 " + std::to_string(port));
}

} // namespace ply::test
