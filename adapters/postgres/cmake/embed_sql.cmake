# Writes a C++ source holding every migration as a string literal, so the
# server binary needs no SQL files at run time.
# Usage: cmake -DOUTPUT=<file.cpp> -DSQL_DIR=<dir> -P embed_sql.cmake
file(GLOB sql_files LIST_DIRECTORIES false "${SQL_DIR}/*.sql")
list(SORT sql_files)

set(entries "")
set(last_version 0)
foreach(path IN LISTS sql_files)
  get_filename_component(name "${path}" NAME_WE)
  if(NOT name MATCHES "^([0-9]+)_[a-z0-9_]+$")
    message(FATAL_ERROR "migration ${path}: name must be NNNN_snake_case.sql")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  if(NOT version GREATER last_version)
    message(FATAL_ERROR "migration ${path}: versions must increase without repeats")
  endif()
  set(last_version ${version})
  file(READ "${path}" sql)
  if(sql MATCHES "\\)todo_sql")
    message(FATAL_ERROR "migration ${path} contains the literal's delimiter )todo_sql")
  endif()
  string(APPEND entries "    {${version}, \"${name}\", R\"todo_sql(${sql})todo_sql\"},\n")
endforeach()
if(entries STREQUAL "")
  message(FATAL_ERROR "no migrations found in ${SQL_DIR}")
endif()

set(content "// Generated from adapters/postgres/sql/*.sql by embed_sql.cmake. Do not edit.
#include \"embedded_migrations.hpp\"

namespace todo::pg::detail {
namespace {
constexpr EmbeddedMigration kMigrations[] = {
${entries}};
}  // namespace

std::span<const EmbeddedMigration> embedded_migrations() noexcept { return kMigrations; }

}  // namespace todo::pg::detail
")
# Rewrite only on change so an unchanged migration set does not recompile.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
  if(old STREQUAL content)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${content}")
