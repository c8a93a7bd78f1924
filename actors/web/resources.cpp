// SPDX-License-Identifier: MIT
// Resources, static files and the small HTTP helpers: pure code apart from the file system.
#include "web/web.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <istream>
#include <map>
#include <sstream>

#include <caf/event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include <ply/actor_deferred.hpp>

namespace ply::actors::web {

namespace {

http_response not_found() {
  return http_response{404, "text/html; charset=utf-8",
                       "<!doctype html><title>404 Not Found</title><h1>Not Found</h1>\n"};
}

/// The real path of `p`, or empty if it does not exist.
std::string real_path(const std::string& p) {
  char buf[PATH_MAX];
  if (::realpath(p.c_str(), buf) == nullptr)
    return {};
  return buf;
}

/// Parses a single "bytes=" range against a file of `size` bytes: false if unsatisfiable; sets
/// `whole` when the header asks for several ranges or is unreadable (then the file is sent whole).
bool parse_range(std::string_view spec, uint64_t size, uint64_t& first, uint64_t& last,
                 bool& whole) {
  whole = false;
  if (spec.substr(0, 6) != "bytes=" || spec.find(',') != std::string_view::npos) {
    whole = true;
    return true;
  }
  spec.remove_prefix(6);
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) {
    whole = true;
    return true;
  }
  auto a = spec.substr(0, dash);
  auto b = spec.substr(dash + 1);
  auto num = [](std::string_view s, uint64_t& out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc{} && end == s.data() + s.size();
  };
  uint64_t x = 0, y = 0;
  if (a.empty()) {  // the last y bytes
    if (!num(b, y)) {
      whole = true;
      return true;
    }
    if (y == 0 || size == 0)
      return false;
    first = y >= size ? 0 : size - y;
    last = size - 1;
    return true;
  }
  if (!num(a, x) || (!b.empty() && !num(b, y))) {
    whole = true;
    return true;
  }
  if (x >= size)
    return false;
  if (!b.empty() && y < x) {
    whole = true;
    return true;
  }
  first = x;
  last = b.empty() || y >= size ? size - 1 : y;
  return true;
}

} // namespace

// -- resource -------------------------------------------------------------------------------------

resource::~resource() = default;

bool resource::is_leaf() const {
  return false;
}

resource_ptr resource::get_child(std::string_view, const http_request&) {
  return nullptr;
}

deferred<http_response> resource::render(http_request& req, render_context& ctx) {
  if (req.method == "GET" || req.method == "HEAD")
    return render_get(req, ctx);
  http_response r{405, "text/plain; charset=utf-8", "Method Not Allowed\n"};
  r.set("Allow", "GET, HEAD");
  return succeed(std::move(r));
}

deferred<http_response> resource::render_get(http_request&, render_context&) {
  return succeed(not_found());
}

void resource::put_child(std::string name, resource_ptr child) {
  children_[std::move(name)] = std::move(child);
}

bool resource::has_child(std::string_view name) const {
  return children_.find(name) != children_.end();
}

resource_ptr resource::child(std::string_view name, const http_request& req) {
  if (auto i = children_.find(name); i != children_.end())
    return i->second;
  return get_child(name, req);
}

static_text::static_text(std::string content_type, std::string body)
  : content_type_(std::move(content_type)), body_(std::move(body)) {
}

deferred<http_response> static_text::render_get(http_request&, render_context&) {
  return succeed(http_response{200, content_type_, body_});
}

actor_resource::actor_resource(caf::actor target, caf::message msg, std::string content_type)
  : target_(std::move(target)), msg_(std::move(msg)), content_type_(std::move(content_type)) {
}

deferred<http_response> actor_resource::render_get(http_request&, render_context& ctx) {
  auto type = content_type_;
  return ply::request<std::string>(ctx.self, target_, std::chrono::seconds(10), msg_)
    .add_callback([type](std::string body) { return http_response{200, type, std::move(body)}; });
}

// -- static files ---------------------------------------------------------------------------------

static_dir::static_dir(std::string root)
  : root_(std::move(root)),
    real_root_(real_path(root_)),
    root_fd_(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {
}

static_dir::~static_dir() {
  if (root_fd_ >= 0)
    ::close(root_fd_);
}

bool static_dir::is_leaf() const {
  return true;
}

std::map<std::string, std::string> static_dir::read_mime_types(std::istream& in) {
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words{line.substr(0, line.find('#'))};
    std::string type;
    if (!(words >> type) || type.find('/') == std::string::npos)
      continue;
    // Text is served as UTF-8, as the built-in table says.
    if (type.rfind("text/", 0) == 0)
      type += "; charset=utf-8";
    std::string ext;
    while (words >> ext)
      out.emplace(std::move(ext), type);  // the first line naming an extension wins
  }
  return out;
}

std::string static_dir::mime_type(std::string_view file_name) {
  // The system's table (Debian's media-types) first, read once; the built-in one where it has
  // nothing to say or is not there.
  static const auto system_types = [] {
    std::ifstream in{"/etc/mime.types"};
    return in ? read_mime_types(in) : std::map<std::string, std::string>{};
  }();
  static const std::pair<std::string_view, std::string_view> types[] = {
    {"html", "text/html; charset=utf-8"}, {"htm", "text/html; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"}, {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"}, {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"}, {"xml", "application/xml"}, {"svg", "image/svg+xml"},
    {"png", "image/png"}, {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"}, {"gif", "image/gif"},
    {"webp", "image/webp"}, {"ico", "image/x-icon"}, {"pdf", "application/pdf"},
    {"wasm", "application/wasm"}, {"zip", "application/zip"}, {"gz", "application/gzip"},
    {"tar", "application/x-tar"}, {"mp4", "video/mp4"}, {"mp3", "audio/mpeg"},
    {"woff", "font/woff"}, {"woff2", "font/woff2"}, {"md", "text/markdown; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
  };
  auto dot = file_name.rfind('.');
  if (dot != std::string_view::npos) {
    auto ext = std::string{file_name.substr(dot + 1)};
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (auto i = system_types.find(ext); i != system_types.end())
      return i->second;
    for (auto& [e, t] : types)
      if (e == ext)
        return std::string{t};
  }
  return "application/octet-stream";
}

int static_dir::open_beneath(const std::string& rel) const {
  auto path = rel.empty() ? std::string{"."} : rel;
  if (root_fd_ >= 0) {
    // One system call resolves the path and refuses any escape from the root: "..", absolute
    // symbolic links, links that climb out (EXDEV).
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    auto fd = static_cast<int>(::syscall(SYS_openat2, root_fd_, path.c_str(), &how, sizeof(how)));
    if (fd >= 0 || (errno != ENOSYS && errno != EXDEV))
      return fd;
  }
  // Kernels without openat2, and absolute symbolic links (which openat2 refuses even when they
  // point inside): resolve, check containment, then open.
  auto real = real_path(root_ + "/" + rel);
  if (real.empty() || real_root_.empty())
    return -1;
  if (real != real_root_ && real.compare(0, real_root_.size() + 1, real_root_ + "/") != 0) {
    errno = EXDEV;
    return -1;
  }
  return ::open(real.c_str(), O_RDONLY | O_CLOEXEC);
}

deferred<http_response> static_dir::render_get(http_request& req, render_context&) {
  std::string rel;
  for (auto& seg : req.postpath) {
    // Decoded segments: "%2e%2e" arrives here as "..", "%2f" as a slash inside a segment.
    if (seg == ".." || seg == "." || seg.find('/') != std::string::npos
        || seg.find('\0') != std::string::npos) {
      spdlog::info("web: refused path {} from {}", req.target, req.peer.to_string());
      return succeed(not_found());
    }
    if (!seg.empty())
      rel += (rel.empty() ? "" : "/") + seg;
  }
  auto fd = open_beneath(rel);
  if (fd < 0) {
    if (errno == EXDEV || errno == ELOOP)
      spdlog::info("web: {} leads outside {} (a symbolic link?): refused", req.target, root_);
    return succeed(not_found());
  }
  struct closer {
    int& fd;
    ~closer() {
      if (fd >= 0)
        ::close(fd);
    }
  } close_fd{fd};
  struct stat st{};
  if (::fstat(fd, &st) != 0)
    return succeed(not_found());
  auto name = rel.substr(rel.rfind('/') == std::string::npos ? 0 : rel.rfind('/') + 1);
  if (S_ISDIR(st.st_mode)) {
    if (req.path.empty() || req.path.back() != '/') {
      auto target_path = req.target.substr(0, req.target.find('?'));
      http_response r{301, "text/plain; charset=utf-8", "Moved Permanently\n"};
      r.set("Location", target_path + "/");
      return succeed(std::move(r));
    }
    auto index = open_beneath(rel.empty() ? "index.html" : rel + "/index.html");
    struct stat ist{};
    if (index >= 0 && ::fstat(index, &ist) == 0 && S_ISREG(ist.st_mode)) {
      ::close(fd);
      fd = index;
      st = ist;
      name = "index.html";
    } else {
      if (index >= 0)
        ::close(index);
      return succeed(listing(fd, req.path));
    }
  }
  if (!S_ISREG(st.st_mode))
    return succeed(not_found());
  auto size = static_cast<uint64_t>(st.st_size);
  http_response r;
  r.set("Content-Type", mime_type(name));
  r.set("Last-Modified", http_date(st.st_mtime));
  r.set("Accept-Ranges", "bytes");
  if (auto ims = parse_http_date(req.header("If-Modified-Since")); ims >= 0 && st.st_mtime <= ims) {
    r.status = 304;
    return succeed(std::move(r));
  }
  uint64_t offset = 0;
  uint64_t length = size;
  if (auto range = req.header("Range"); !range.empty()) {
    uint64_t first = 0, last = 0;
    bool whole = false;
    if (!parse_range(range, size, first, last, whole)) {
      http_response bad{416, "text/plain; charset=utf-8", "Range Not Satisfiable\n"};
      bad.set("Content-Range", "bytes */" + std::to_string(size));
      return succeed(std::move(bad));
    }
    if (!whole) {
      r.status = 206;
      offset = first;
      length = last - first + 1;
      r.set("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/"
                               + std::to_string(size));
    }
  }
  if (length <= inline_limit) {
    // Small: read now, answered as a body.
    r.body.resize(length);
    auto n = length == 0 ? 0 : ::pread(fd, r.body.data(), length, static_cast<off_t>(offset));
    if (n < 0 || static_cast<uint64_t>(n) != length)
      return succeed(not_found());
    return succeed(std::move(r));
  }
  // Large: the connection streams it with flow control, from the file this descriptor names.
  char link[64];
  std::snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  r.file = real_path(link);
  r.offset = offset;
  r.length = length;
  if (r.file.empty())
    return succeed(not_found());
  return succeed(std::move(r));
}

http_response static_dir::listing(int dir_fd, const std::string& path) const {
  std::vector<std::pair<std::string, bool>> entries;
  if (auto* d = ::fdopendir(::dup(dir_fd))) {
    while (auto* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..")
        continue;
      struct stat est{};
      bool dir = ::fstatat(::dirfd(d), name.c_str(), &est, 0) == 0 && S_ISDIR(est.st_mode);
      entries.emplace_back(name, dir);
    }
    ::closedir(d);
  }
  std::sort(entries.begin(), entries.end());
  auto title = html_escape(path);
  std::string body = "<!doctype html><meta charset=\"utf-8\"><title>Index of " + title
                     + "</title><h1>Index of " + title + "</h1><ul>\n";
  for (auto& [name, dir] : entries) {
    std::string href;
    for (unsigned char c : name) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        href += static_cast<char>(c);
      } else {
        char buf[4];
        std::snprintf(buf, sizeof(buf), "%%%02X", c);
        href += buf;
      }
    }
    auto suffix = dir ? "/" : "";
    body += "<li><a href=\"" + href + suffix + "\">" + html_escape(name) + suffix + "</a></li>\n";
  }
  body += "</ul>\n";
  return http_response{200, "text/html; charset=utf-8", std::move(body)};
}

} // namespace ply::actors::web
