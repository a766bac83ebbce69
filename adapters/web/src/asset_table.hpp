#pragma once
// The table written by cmake/embed_assets.cmake (asset_table.cpp in the build
// folder), sorted by path so find_asset can binary-search it.

#include <cstddef>

#include "todo/web/assets.hpp"

namespace todo::web::detail {

extern const Asset kAssets[];
extern const std::size_t kAssetCount;

}  // namespace todo::web::detail
