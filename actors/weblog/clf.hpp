// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ply::actors::weblog {

/// One line of a web server's access log in the Common Log Format:
/// `HOST IDENT USER [TIME] "REQUEST" STATUS BYTES`.
struct hit {
  std::string host;
  std::string ident;
  std::string user;
  std::string time;
  std::string request;
  std::string status;
  std::string bytes;
};

/// Reads one log line (without its newline); nothing when it is not in the Common Log Format.
/// Pure code: any bytes are safe.
std::optional<hit> parse_clf(std::string_view line);

/// The hit as the weblog article sends it: `<hit host=".." ... bytes=".."/>`, every field an
/// attribute, escaped for XML.
std::string to_xml(const hit& h);

} // namespace ply::actors::weblog
