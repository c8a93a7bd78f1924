// SPDX-License-Identifier: MIT
// Twisted's getPage from the command line: fetches a URL (http or https, redirects followed) and
// prints the body; a failure prints why and exits 1.
//   build/bin/get_page http://localhost:8080/ply/hello
#include <iostream>

#include <ply/http.hpp>
#include <ply/ply.hpp>

int main(int argc, char** argv) {
  std::string url;
  std::string ca;
  double timeout = 30;
  ply::command_line cli{"get_page", "Fetches a URL and prints its body."};
  cli.add("--url", url, "The http:// or https:// URL");
  cli.add("--ca", ca, "https: trust the CA certificates in this file, not the system's");
  cli.add("--timeout", timeout, "Seconds the whole fetch may take");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    if (auto u = ply::http::parse_url(url); !u)
      throw std::invalid_argument(ply::describe(u.error()));
    if (!(timeout > 0))
      throw std::invalid_argument("--timeout must be more than 0 seconds");
    ply::http::options opts;
    opts.ca_file = ca;
    opts.timeout = std::chrono::milliseconds{static_cast<int64_t>(timeout * 1000)};
    ply::http::get(r, url, opts)
      .add_callbacks(
        [&r](const ply::http::response& page) {
          std::cout << page.body << std::flush;
          r.stop();
        },
        [&r](ply::failure& f) {
          std::cerr << "get_page: " << f.message() << std::endl;
          r.stop(1);
        });
  });
}
