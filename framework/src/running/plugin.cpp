// SPDX-License-Identifier: MIT
#include "ply/plugin.hpp"

#include <dirent.h>
#include <dlfcn.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace ply {

void plugin_registry::add(plugin p) {
  if (find(p.name) != nullptr)
    throw std::invalid_argument("two plugins named '" + p.name + "'");
  plugins_.push_back(std::move(p));
}

const plugin* plugin_registry::find(std::string_view name) const {
  for (auto& p : plugins_)
    if (p.name == name)
      return &p;
  return nullptr;
}

void plugin_registry::load_library(const std::string& path) {
  auto* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr)
    throw std::runtime_error("cannot load plugin library " + path + ": " + ::dlerror());
  // Same major.minor (0.x: a minor version may change the API), as the CMake package requires.
  auto major_minor = [](std::string_view v) { return v.substr(0, v.rfind('.')); };
  auto* built_for = reinterpret_cast<const char*>(::dlsym(handle, "ply_plugin_version"));
  if (built_for == nullptr || major_minor(built_for) != major_minor(version())) {
    auto what = built_for ? "ply " + std::string{built_for} : std::string{"an unversioned ply"};
    ::dlclose(handle);
    throw std::runtime_error("plugin library " + path + " was built against " + what
                             + ", this program runs ply " + version() + ": rebuild the plugin");
  }
  using entry = void (*)(plugin_registry&);
  auto* fn = reinterpret_cast<entry>(::dlsym(handle, "ply_register_plugins"));
  if (fn == nullptr)
    throw std::runtime_error("plugin library " + path + " does not export ply_register_plugins");
  fn(*this);
  spdlog::debug("loaded plugin library {}", path);
  // The library stays loaded for the life of the process: its code runs in services and actors.
}

size_t plugin_registry::load_directory(const std::string& dir) {
  std::vector<std::string> files;
  auto* d = ::opendir(dir.c_str());
  if (d == nullptr)
    throw std::runtime_error("plugin directory '" + dir + "': " + std::strerror(errno));
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0)
      files.push_back(dir + "/" + name);
  }
  ::closedir(d);
  std::sort(files.begin(), files.end());
  for (auto& f : files)
    load_library(f);
  return files.size();
}

} // namespace ply
