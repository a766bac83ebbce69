# cmake -DSOURCE_DIR=<static folder> -DOUTPUT=<asset_table.cpp> -P embed_assets.cmake
# Writes every file under SOURCE_DIR as a byte array plus a table of
# todo::web::Asset entries sorted by request path (find_asset binary-searches
# it). index.html is served at "/", every file at "/static/<relative path>".
# The ETag is computed here, so serving never hashes.
file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/*)
if(NOT files)
  message(FATAL_ERROR "embed_assets: no files under ${SOURCE_DIR}")
endif()

function(content_type_of name out)
  string(REGEX MATCH "\\.[A-Za-z0-9]+$" ext "${name}")
  string(TOLOWER "${ext}" ext)
  if(ext STREQUAL ".html")
    set(type "text/html; charset=utf-8")
  elseif(ext STREQUAL ".js" OR ext STREQUAL ".mjs")
    set(type "text/javascript; charset=utf-8")
  elseif(ext STREQUAL ".css")
    set(type "text/css; charset=utf-8")
  elseif(ext STREQUAL ".svg")
    set(type "image/svg+xml")
  elseif(ext STREQUAL ".png")
    set(type "image/png")
  elseif(ext STREQUAL ".json" OR ext STREQUAL ".webmanifest")
    set(type "application/json")
  elseif(ext STREQUAL ".txt")
    set(type "text/plain; charset=utf-8")
  else()
    message(FATAL_ERROR "embed_assets: no content type known for ${name}; add it to embed_assets.cmake")
  endif()
  set(${out} "${type}" PARENT_SCOPE)
endfunction()

# Request path -> file, so the entries can be sorted by path.
set(paths "")
foreach(name IN LISTS files)
  if(NOT name MATCHES "^[A-Za-z0-9._/-]+$")
    # Keeps the path a plain C++ string literal and the sort order byte-wise.
    message(FATAL_ERROR "embed_assets: file name '${name}' has characters outside [A-Za-z0-9._/-]")
  endif()
  list(APPEND paths "/static/${name}")
  set(file_of_/static/${name} "${name}")
  if(name STREQUAL "index.html")
    list(APPEND paths "/")
    set(file_of_/ "${name}")
  endif()
endforeach()
if(NOT DEFINED file_of_/)
  message(FATAL_ERROR "embed_assets: ${SOURCE_DIR}/index.html is missing")
endif()
list(SORT paths COMPARE STRING)

set(arrays "")
set(entries "")
set(index 0)
set(array_of_files "")
foreach(name IN LISTS files)
  file(READ ${SOURCE_DIR}/${name} hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  file(SHA256 ${SOURCE_DIR}/${name} digest)
  string(SUBSTRING "${digest}" 0 32 digest)
  string(APPEND arrays "// ${name}\nconstexpr char kFile${index}[] = {${bytes}'\\0'};\n")
  set(array_${name} "kFile${index}")
  set(size_${name} "${size}")
  set(etag_${name} "${digest}")
  math(EXPR index "${index} + 1")
endforeach()

foreach(path IN LISTS paths)
  set(name "${file_of_${path}}")
  content_type_of("${name}" type)
  string(APPEND entries
    "    {\"${path}\", \"${type}\", {${array_${name}}, ${size_${name}}}, \"\\\"${etag_${name}}\\\"\"},\n")
endforeach()
list(LENGTH paths count)

file(WRITE ${OUTPUT}.tmp
  "// Generated from adapters/web/static by embed_assets.cmake; do not edit.\n"
  "#include \"asset_table.hpp\"\n\n"
  "namespace todo::web::detail {\n"
  "namespace {\n${arrays}}  // namespace\n\n"
  "const Asset kAssets[] = {\n${entries}};\n"
  "const std::size_t kAssetCount = ${count};\n\n"
  "}  // namespace todo::web::detail\n")
# Only touch the output when it changed, so an unrelated re-run does not
# recompile the table.
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
