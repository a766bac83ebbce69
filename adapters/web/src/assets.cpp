#include "todo/web/assets.hpp"

#include <algorithm>
#include <span>

#include "asset_table.hpp"

namespace todo::web {

const Asset* find_asset(std::string_view path) noexcept {
  const std::span<const Asset> assets{detail::kAssets, detail::kAssetCount};
  const auto it = std::lower_bound(
      assets.begin(), assets.end(), path,
      [](const Asset& asset, std::string_view wanted) { return asset.path < wanted; });
  if (it == assets.end() || it->path != path) {
    return nullptr;
  }
  return &*it;
}

std::string_view content_security_policy() noexcept {
  return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
         "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
}

std::string_view docs_content_security_policy() noexcept {
  return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
         "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
}

}  // namespace todo::web
