// SPDX-License-Identifier: MIT
// HTTP requests as the web actor reads them: Beast's parser with the site's limits at any
// chunking, then the target's decoding, query arguments, ranges' dates.
#include <utility>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "chunks.hpp"
#include "web/web.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace http = boost::beast::http;
  std::optional<http::request_parser<http::string_body>> p;
  std::string buffer;
  auto fresh = [&] {
    p.emplace();
    p->header_limit(2048);
    p->body_limit(4096);
    p->eager(true);
  };
  fresh();
  ply::fuzz::in_chunks(data, size, [&](std::string_view chunk) {
    buffer.append(chunk);
    while (!buffer.empty()) {
      boost::beast::error_code ec;
      auto n = p->put(boost::asio::buffer(buffer.data(), buffer.size()), ec);
      buffer.erase(0, n);
      if (ec == http::error::need_more)
        return buffer.size() < 8192;
      if (ec)
        return false;
      if (p->is_done()) {
        auto msg = p->release();
        ply::actors::web::http_request req;
        req.target = std::string{msg.target()};
        req.query = req.target.substr(req.target.find('?') == std::string::npos
                                        ? req.target.size()
                                        : req.target.find('?') + 1);
        std::string decoded;
        ply::actors::web::url_decode(req.target, decoded);
        req.arg("seconds");
        ply::actors::web::parse_http_date(std::string{msg[http::field::if_modified_since]});
        fresh();
      } else if (n == 0) {
        return true;
      }
    }
    return true;
  });
  return 0;
}
