// SPDX-License-Identifier: MIT
// The intro talk's three requests: three pages fetched at once, combined in one callback when all
// are in; a page that fails is handled by its own errback and counts as empty.
//   build/bin/three_pages --url http://localhost:8080/a --url ... --url ...
#include <iostream>

#include <ply/http.hpp>
#include <ply/ply.hpp>

int main(int argc, char** argv) {
  std::vector<std::string> urls;
  ply::command_line cli{"three_pages", "Fetches pages at once and combines them."};
  cli.add("--url", urls, "A URL to fetch (give three)");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    if (urls.empty())
      throw std::invalid_argument("give the pages with --url URL (three of them)");
    for (auto& url : urls)
      if (auto u = ply::http::parse_url(url); !u)
        throw std::invalid_argument(ply::describe(u.error()));
    std::vector<ply::deferred<std::string>> pages;
    for (auto& url : urls)
      pages.push_back(ply::http::get(r, url)
                        .add_callback([](const ply::http::response& page) { return page.body; })
                        .add_errback([](ply::failure& f) {
                          std::cout << "failed: " << f.message() << std::endl;
                          return std::string{};
                        }));
    ply::gather(std::move(pages)).add_callback([&r](const std::vector<std::string>& bodies) {
      size_t total = 0;
      for (auto& b : bodies)
        total += b.size();
      std::cout << bodies.size() << " pages, " << total << " bytes in all" << std::endl;
      r.stop();
    });
  });
}
