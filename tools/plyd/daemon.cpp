// SPDX-License-Identifier: MIT
#include "daemon.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>

namespace plyd {

namespace {

int ready_fd = -1;

std::string error_text(const char* what) {
  return std::string{what} + ": " + std::strerror(errno);
}

void report(const std::string& line) {
  if (ready_fd < 0)
    return;
  auto text = line + "\n";
  (void)!::write(ready_fd, text.data(), text.size());
  ::close(ready_fd);
  ready_fd = -1;
}

} // namespace

void daemonize(const std::string& dir) {
  int fds[2];
  if (::pipe(fds) != 0)
    throw std::runtime_error(error_text("pipe"));
  auto pid = ::fork();
  if (pid < 0)
    throw std::runtime_error(error_text("fork"));
  if (pid > 0) {
    // The original process: wait for the daemon's word on its startup.
    ::close(fds[1]);
    std::string msg;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof(buf))) > 0)
      msg.append(buf, static_cast<size_t>(n));
    ::waitpid(pid, nullptr, 0);  // the intermediate child exits at once
    if (msg.rfind("ok", 0) == 0)
      std::_Exit(0);
    if (msg.rfind("error ", 0) == 0)
      std::cerr << "plyd: " << msg.substr(6);
    else
      std::cerr << "plyd: the daemon exited during startup\n";
    std::_Exit(2);
  }
  ::close(fds[0]);
  if (::setsid() < 0)
    std::_Exit(2);
  ::signal(SIGHUP, SIG_IGN);
  pid = ::fork();
  if (pid < 0)
    std::_Exit(2);
  if (pid > 0)
    std::_Exit(0);
  ::signal(SIGHUP, SIG_DFL);
  ::umask(027);
  ready_fd = fds[1];
  if (::chdir(dir.c_str()) != 0) {
    report("error cannot change to run directory " + dir + ": " + std::strerror(errno));
    std::_Exit(2);
  }
  int null = ::open("/dev/null", O_RDWR);
  if (null >= 0) {
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    if (null > 2)
      ::close(null);
  }
}

void report_ready() {
  report("ok");
}

void report_failure(const std::string& message) {
  report("error " + message);
}

namespace {

/// Opens `path` and takes its lock without waiting: the descriptor, or -1 when another process
/// holds it (throws when the file cannot be opened). The lock belongs to the file still at `path`:
/// one that its owner removed while we waited for it is let go and the new one opened.
/// With `create` false, a file that does not exist is -2 (nobody holds it).
int lock_pidfile(const std::string& path, bool create = true) {
  for (;;) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0644);
    if (fd < 0 && !create && errno == ENOENT)
      return -2;
    if (fd < 0)
      throw std::runtime_error(error_text(("cannot open pid file " + path).c_str()));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      auto err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK)
        return -1;
      errno = err;
      throw std::runtime_error(error_text(("cannot lock pid file " + path).c_str()));
    }
    struct stat held, named;
    if (::fstat(fd, &held) == 0 && ::stat(path.c_str(), &named) == 0 && held.st_ino == named.st_ino
        && held.st_dev == named.st_dev)
      return fd;
    ::close(fd);
  }
}

[[noreturn]] void refuse(const std::string& path) {
  std::ifstream in{path};
  pid_t pid = 0;
  in >> pid;
  throw std::runtime_error("pid file " + path + " is held by a running process"
                           + (pid > 0 ? " (pid " + std::to_string(pid) + ")" : std::string{})
                           + "; is plyd already running?");
}

} // namespace

void pidfile::check(const std::string& path) {
  int fd = lock_pidfile(path, false);
  if (fd == -1)
    refuse(path);
  if (fd >= 0)
    ::close(fd);
}

pidfile::pidfile(std::string path) : path_(std::move(path)), owner_(::getpid()) {
  fd_ = lock_pidfile(path_);
  if (fd_ < 0)
    refuse(path_);
  auto text = std::to_string(owner_) + "\n";
  if (::ftruncate(fd_, 0) != 0
      || ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    auto why = error_text(("cannot write pid file " + path_).c_str());
    ::close(fd_);
    throw std::runtime_error(why);
  }
}

pidfile::~pidfile() {
  // Only the process that wrote it removes it (not a forked child), and while it holds the lock.
  if (fd_ < 0)
    return;
  if (owner_ == ::getpid())
    ::unlink(path_.c_str());
  ::close(fd_);
}

void drop_privileges(const std::string& user, const std::string& group,
                     const std::vector<std::string>& owned) {
  if (user.empty() && group.empty())
    return;
  uid_t uid = ::getuid();
  gid_t gid = ::getgid();
  if (!user.empty()) {
    if (auto* pw = ::getpwnam(user.c_str())) {
      uid = pw->pw_uid;
      gid = pw->pw_gid;
    } else if (user.find_first_not_of("0123456789") == std::string::npos) {
      uid = static_cast<uid_t>(std::stoul(user));
    } else {
      throw std::runtime_error("unknown user '" + user + "'");
    }
  }
  if (!group.empty()) {
    if (auto* gr = ::getgrnam(group.c_str()))
      gid = gr->gr_gid;
    else if (group.find_first_not_of("0123456789") == std::string::npos)
      gid = static_cast<gid_t>(std::stoul(group));
    else
      throw std::runtime_error("unknown group '" + group + "'");
  }
  for (auto& file : owned) {
    // Through a descriptor opened without following a symbolic link: a link planted where the
    // log goes must not hand its target to that user.
    int fd = ::open(file.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    bool given = fd >= 0 && ::fchown(fd, uid, gid) == 0;
    auto err = errno;
    if (fd >= 0)
      ::close(fd);
    if (!given) {
      errno = err;
      throw std::runtime_error(error_text(("cannot give " + file + " to user "
                                           + std::to_string(uid)).c_str()));
    }
  }
  if (::setgroups(0, nullptr) != 0 && errno != EPERM)
    throw std::runtime_error(error_text("setgroups"));
  if (::setgid(gid) != 0)
    throw std::runtime_error(error_text(("cannot switch to group " + std::to_string(gid)).c_str()));
  if (::setuid(uid) != 0)
    throw std::runtime_error(error_text(("cannot switch to user " + std::to_string(uid)).c_str()));
}

} // namespace plyd
