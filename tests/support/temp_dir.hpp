// SPDX-License-Identifier: MIT
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace ply::test {

/// A fresh directory under /tmp (socket files, certificates), removed with what it holds when
/// the test ends, however it ends.
class temp_dir {
public:
  temp_dir() {
    char tmpl[] = "/tmp/ply-test-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  /// `name` inside the directory.
  std::string operator/(const std::string& name) const {
    return path_ + "/" + name;
  }

  const std::string& path() const {
    return path_;
  }

private:
  std::string path_;
};

} // namespace ply::test
