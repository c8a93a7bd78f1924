// SPDX-License-Identifier: MIT
// The web actor's pure parts: decoding, dates, MIME types, and static files (no escape, ranges).
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "web/web.hpp"

using namespace ply::actors::web;
namespace fs = std::filesystem;

namespace {

/// A directory with files, a subdirectory, and a symbolic link out of it.
struct site_dir {
  fs::path root = fs::temp_directory_path() / ("ply_web_test_" + std::to_string(::getpid()));
  fs::path outside = fs::temp_directory_path() / ("ply_web_secret_" + std::to_string(::getpid()));

  site_dir() {
    fs::create_directories(root / "sub");
    std::ofstream{root / "a.txt"} << "0123456789";
    std::ofstream{root / "sub" / "page.html"} << "<p>x</p>";
    std::ofstream{outside} << "secret";
    fs::create_symlink(outside, root / "leak");
    fs::create_symlink(root / "a.txt", root / "inside");
  }
  ~site_dir() {
    fs::remove_all(root);
    fs::remove(outside);
  }
};

http_response get(static_dir& dir, std::vector<std::string> segments, std::string path,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
  http_request req;
  req.method = "GET";
  req.path = path;
  req.target = path;
  req.postpath = std::move(segments);
  req.headers = std::move(headers);
  render_context ctx;
  http_response out;
  dir.render(req, ctx).add_callback([&](http_response r) { out = std::move(r); });
  return out;
}

std::string header(const http_response& r, std::string_view name) {
  for (auto& [k, v] : r.headers)
    if (k == name)
      return v;
  return {};
}

} // namespace

TEST_CASE("percent-decoding refuses malformed escapes", "[web]") {
  std::string out;
  CHECK(url_decode("a%20b%2Fc", out));
  CHECK(out == "a b/c");
  CHECK(url_decode("a+b", out, true));
  CHECK(out == "a b");
  CHECK(url_decode("a+b", out, false));
  CHECK(out == "a+b");
  CHECK_FALSE(url_decode("%", out));
  CHECK_FALSE(url_decode("%2", out));
  CHECK_FALSE(url_decode("%zz", out));
}

TEST_CASE("HTTP dates read back, MIME types by extension", "[web]") {
  CHECK(http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
  CHECK(parse_http_date("yesterday") == -1);
  CHECK(static_dir::mime_type("x/INDEX.HTML") == "text/html; charset=utf-8");
  CHECK(static_dir::mime_type("a.png") == "image/png");
  CHECK(static_dir::mime_type("noext") == "application/octet-stream");
  // The table in /etc/mime.types' format: comments, several extensions, text as UTF-8.
  std::istringstream table{"# a comment\nvideo/webm\t\t\twebm\ntext/x-c  c h # C\nnot-a-type x\n"
                           "video/other webm\n"};
  auto types = static_dir::read_mime_types(table);
  CHECK(types == std::map<std::string, std::string>{{"webm", "video/webm"},
                                                    {"c", "text/x-c; charset=utf-8"},
                                                    {"h", "text/x-c; charset=utf-8"}});
  // Debian's media-types names .webm (the built-in table does not).
  if (std::ifstream{"/etc/mime.types"})
    CHECK(static_dir::mime_type("clip.webm") == "video/webm");
  CHECK(html_escape("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

TEST_CASE("static files never leave their root", "[web]") {
  site_dir d;
  static_dir dir{d.root.string()};
  CHECK(get(dir, {"a.txt"}, "/a.txt").body == "0123456789");
  CHECK(get(dir, {"inside"}, "/inside").status == 200);  // a link that stays inside
  CHECK(get(dir, {"leak"}, "/leak").status == 404);      // a link that leads out
  CHECK(get(dir, {".."}, "/..").status == 404);
  CHECK(get(dir, {"sub", "..", "..", "etc", "passwd"}, "/sub/../../etc/passwd").status == 404);
  CHECK(get(dir, {"sub/../a.txt"}, "/sub%2F..%2Fa.txt").status == 404);  // an encoded slash
  CHECK(get(dir, {"missing"}, "/missing").status == 404);
}

TEST_CASE("directories redirect, list, and ranges cut files", "[web]") {
  site_dir d;
  static_dir dir{d.root.string()};
  auto redirect = get(dir, {"sub"}, "/sub");
  CHECK(redirect.status == 301);
  CHECK(header(redirect, "Location") == "/sub/");
  auto listing = get(dir, {"sub", ""}, "/sub/");
  CHECK(listing.status == 200);
  CHECK(listing.body.find("<a href=\"page.html\">page.html</a>") != std::string::npos);
  auto part = get(dir, {"a.txt"}, "/a.txt", {{"Range", "bytes=2-4"}});
  CHECK(part.status == 206);
  CHECK(part.body == "234");
  CHECK(header(part, "Content-Range") == "bytes 2-4/10");
  auto tail = get(dir, {"a.txt"}, "/a.txt", {{"Range", "bytes=-3"}});
  CHECK(tail.body == "789");
  CHECK(get(dir, {"a.txt"}, "/a.txt", {{"Range", "bytes=10-"}}).status == 416);
  CHECK(get(dir, {"a.txt"}, "/a.txt", {{"Range", "bytes=0-1,3-4"}}).status == 200);
  // Large files are streamed by the connection from the file itself.
  std::ofstream{d.root / "big.bin"} << std::string(static_dir::inline_limit + 100, 'x');
  auto big = get(dir, {"big.bin"}, "/big.bin", {{"Range", "bytes=10-"}});
  CHECK(big.file == fs::canonical(d.root / "big.bin").string());
  CHECK(big.offset == 10);
  CHECK(big.length == static_dir::inline_limit + 100 - 10);
  auto modified = header(get(dir, {"a.txt"}, "/a.txt"), "Last-Modified");
  CHECK(get(dir, {"a.txt"}, "/a.txt", {{"If-Modified-Since", modified}}).status == 304);
  CHECK(get(dir, {"a.txt"}, "/a.txt", {{"If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"}})
          .status == 200);
}
