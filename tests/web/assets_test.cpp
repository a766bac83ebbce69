#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <string_view>

#include "todo/web/assets.hpp"

using todo::web::find_asset;

namespace {
bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}
}  // namespace

TEST_CASE("the root path serves index.html with the module script tag", "[web]") {
  const auto* index = find_asset("/");
  REQUIRE(index != nullptr);
  CHECK(index->path == "/");
  CHECK(index->content_type == "text/html; charset=utf-8");
  CHECK(index->body.substr(0, 15) == "<!doctype html>");
  CHECK(contains(index->body, R"(<script type="module" src="/static/app.js"></script>)"));
  // The same bytes are also reachable under /static/.
  const auto* same = find_asset("/static/index.html");
  REQUIRE(same != nullptr);
  CHECK(same->body == index->body);
  CHECK(same->etag == index->etag);
}

TEST_CASE("every file the page loads is embedded with its content type", "[web]") {
  const auto* script = find_asset("/static/app.js");
  REQUIRE(script != nullptr);
  CHECK(script->content_type == "text/javascript; charset=utf-8");
  CHECK(contains(script->body, "import "));
  for (const char* module : {"/static/api.js", "/static/tasks.js", "/static/forms.js", "/static/rules.js",
                             "/static/errors.js", "/static/dates.js"}) {
    INFO(module);
    const auto* asset = find_asset(module);
    REQUIRE(asset != nullptr);
    CHECK(asset->content_type == "text/javascript; charset=utf-8");
  }
  const auto* style = find_asset("/static/app.css");
  REQUIRE(style != nullptr);
  CHECK(style->content_type == "text/css; charset=utf-8");
  const auto* icon = find_asset("/static/favicon.svg");
  REQUIRE(icon != nullptr);
  CHECK(icon->content_type == "image/svg+xml");
}

TEST_CASE("the page references only embedded assets", "[web]") {
  const std::string_view html = find_asset("/")->body;
  std::size_t pos = 0;
  int references = 0;
  while ((pos = html.find("\"/static/", pos)) != std::string_view::npos) {
    const auto end = html.find('"', pos + 1);
    REQUIRE(end != std::string_view::npos);
    const std::string path(html.substr(pos + 1, end - pos - 1));
    INFO(path);
    CHECK(find_asset(path) != nullptr);
    ++references;
    pos = end;
  }
  CHECK(references >= 3);
}

TEST_CASE("index.html has no inline script, event handler or style attribute (CSP)", "[web]") {
  const std::string html(find_asset("/")->body);
  CHECK_FALSE(std::regex_search(html, std::regex(R"(<script(?![^>]*\bsrc=)[^>]*>)")));
  CHECK_FALSE(std::regex_search(html, std::regex(R"(\son[a-z]+\s*=)", std::regex::icase)));
  CHECK_FALSE(std::regex_search(html, std::regex(R"(\sstyle\s*=)", std::regex::icase)));
  CHECK_FALSE(std::regex_search(html, std::regex(R"(<style[\s>])", std::regex::icase)));
}

TEST_CASE("unknown paths and near misses are not assets", "[web]") {
  CHECK(find_asset("") == nullptr);
  CHECK(find_asset("/index.html") == nullptr);
  CHECK(find_asset("/static/") == nullptr);
  CHECK(find_asset("/static/missing.js") == nullptr);
  CHECK(find_asset("/static/app.js/") == nullptr);
  CHECK(find_asset("/static/APP.JS") == nullptr);
  CHECK(find_asset("/static/../static/app.js") == nullptr);
  CHECK(find_asset("/api/tasks") == nullptr);
}

TEST_CASE("etags are strong, quoted and differ between different files", "[web]") {
  const auto* index = find_asset("/");
  const auto* script = find_asset("/static/app.js");
  REQUIRE(index != nullptr);
  REQUIRE(script != nullptr);
  for (const auto* asset : {index, script}) {
    REQUIRE(asset->etag.size() > 2);
    CHECK(asset->etag.front() == '"');
    CHECK(asset->etag.back() == '"');
    CHECK(asset->etag.substr(0, 2) != "W/");
  }
  CHECK(index->etag != script->etag);
}

TEST_CASE("embedded bodies keep their exact size", "[web]") {
  const auto* script = find_asset("/static/app.js");
  REQUIRE(script != nullptr);
  // The last byte is the file's final newline, not a terminator the table adds.
  REQUIRE_FALSE(script->body.empty());
  CHECK(script->body.back() == '\n');
  CHECK(script->body.find('\0') == std::string_view::npos);
}

TEST_CASE("the content security policy forbids inline script and foreign origins", "[web]") {
  const std::string_view csp = todo::web::content_security_policy();
  CHECK(contains(csp, "default-src 'self'"));
  CHECK(contains(csp, "script-src 'self'"));
  CHECK(contains(csp, "frame-ancestors 'none'"));
  CHECK_FALSE(contains(csp, "unsafe-inline"));
  CHECK_FALSE(contains(csp, "unsafe-eval"));
  CHECK_FALSE(contains(csp, "*"));
}

TEST_CASE("/docs' page loads only embedded Swagger UI files, without inline script, and ships its license",
          "[web][docs]") {
  const auto* docs = find_asset("/static/docs.html");
  REQUIRE(docs != nullptr);
  const std::string html(docs->body);
  CHECK_FALSE(std::regex_search(html, std::regex(R"(<script(?![^>]*\bsrc=)[^>]*>)")));
  CHECK_FALSE(std::regex_search(html, std::regex(R"(\son[a-z]+\s*=)", std::regex::icase)));
  CHECK_FALSE(contains(html, "http://"));
  CHECK_FALSE(contains(html, "https://"));
  for (const char* path : {"/static/swagger-ui-bundle.js", "/static/swagger-ui.css", "/static/docs.js"}) {
    INFO(path);
    CHECK(contains(html, path));
    CHECK(find_asset(path) != nullptr);
  }
  for (const char* path : {"/static/swagger-ui-LICENSE.txt", "/static/swagger-ui-NOTICE.txt",
                           "/static/swagger-ui-bundle.js.LICENSE.txt"}) {
    INFO(path);
    const auto* file = find_asset(path);
    REQUIRE(file != nullptr);
    CHECK(file->content_type == "text/plain; charset=utf-8");
  }
  CHECK(contains(find_asset("/static/swagger-ui-LICENSE.txt")->body, "Apache License"));
  // The initializer asks no outside validator and reads this server's document.
  const std::string init(find_asset("/static/docs.js")->body);
  CHECK(contains(init, "validatorUrl: null"));
  CHECK(contains(init, "url: \"/openapi.json\""));
  CHECK(contains(std::string(todo::web::docs_content_security_policy()), "script-src 'self';"));
}
