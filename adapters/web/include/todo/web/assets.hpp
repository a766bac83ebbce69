#pragma once
// The static web client (index.html, scripts, styles under adapters/web/static)
// compiled into the binary, so the server needs no data files at run time.
// The HTTP adapter serves these at GET/HEAD / and /static/...

#include <string_view>

namespace todo::web {

struct Asset {
  std::string_view path;          // "/" for index.html, else "/static/<file>"
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view body;
  std::string_view etag;          // strong, quoted: "\"<sha256 prefix>\""
};

// The asset served at this request path (no query string), or nullptr.
const Asset* find_asset(std::string_view path) noexcept;

// The Content-Security-Policy header value the page is written for: no
// inline script or style, every fetch to the same origin.
std::string_view content_security_policy() noexcept;

// The policy of /docs (Swagger UI, docs.html): the same, except that
// Swagger UI sets style attributes from script (React's `style` props and
// its syntax highlighter), so inline styles are allowed there, and only
// there. Scripts stay 'self' only; every request still goes to this origin.
std::string_view docs_content_security_policy() noexcept;

}  // namespace todo::web
