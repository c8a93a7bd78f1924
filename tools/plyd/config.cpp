// SPDX-License-Identifier: MIT
#include "config.hpp"

#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace plyd {

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

} // namespace

std::vector<service_config> read_config(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    throw std::runtime_error("cannot read config file " + path);
  std::vector<service_config> out;
  std::string line;
  size_t number = 0;
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(path + ":" + std::to_string(number) + ": " + what);
  };
  while (std::getline(in, line)) {
    ++number;
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';')
      continue;
    if (line.front() == '[') {
      if (line.back() != ']')
        fail("a section header must end with ']'");
      auto name = trim(line.substr(1, line.size() - 2));
      if (name.empty())
        fail("empty section name");
      for (auto& s : out)
        if (s.name == name)
          fail("section [" + name + "] appears twice");
      out.push_back(service_config{name, name, {}});
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos)
      fail("expected 'key = value' or '[section]'");
    if (out.empty())
      fail("an option before the first [section]");
    auto key = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    if (key.empty())
      fail("empty option name");
    if (key == "plugin")
      out.back().plugin = value;
    else
      out.back().options.push_back(config_option{key, value, number});
  }
  if (out.empty())
    throw std::runtime_error(path + ": no [service] sections");
  return out;
}

std::vector<std::string> option_words(const config_option& o, const CLI::Option& opt) {
  auto name = "--" + o.key;
  if (opt.get_items_expected_max() == 0) {
    // A flag: true or false (also yes/no, on/off, 1/0).
    auto v = o.value;
    for (auto& c : v)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (v == "true" || v == "yes" || v == "on" || v == "1" || v.empty())
      return {name};
    if (v == "false" || v == "no" || v == "off" || v == "0")
      return {};
    throw std::runtime_error("'" + o.key + "' is a flag: true or false, not '" + o.value + "'");
  }
  if (opt.get_items_expected_max() == 1)
    return {name, o.value};
  // Several values: separated by spaces.
  std::vector<std::string> words{name};
  std::istringstream in{o.value};
  for (std::string w; in >> w;)
    words.push_back(w);
  return words;
}

} // namespace plyd
