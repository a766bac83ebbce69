#!/usr/bin/env bash
# A checkout moved or copied with its build folder (issue 21 item 6):
# scripts/lib/deps' todo_forget_foreign_build makes the next configure start
# afresh instead of failing with CMake's "does not match the source" error.
# Checked on a two-file CMake project, moved the way a checkout is.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/scripts/lib/deps"
work="$(mktemp -d)"
trap 'rm -rf -- "$work"' EXIT

mkdir -p "$work/a/project"
cat >"$work/a/project/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(relocated NONE)
CMAKE
cmake -S "$work/a/project" -B "$work/a/project/build" >/dev/null
mv "$work/a" "$work/b"

# Without the function, CMake refuses the moved folder...
if cmake -S "$work/b/project" -B "$work/b/project/build" >/dev/null 2>&1; then
  echo "FAIL: expected CMake to refuse a build folder configured elsewhere" >&2; exit 1
fi
# ...with it, the folder is configured again for where it is now.
todo_forget_foreign_build "$work/b/project" "$work/b/project/build" 2>/dev/null
cmake -S "$work/b/project" -B "$work/b/project/build" >/dev/null ||
  { echo "FAIL: configure after todo_forget_foreign_build" >&2; exit 1; }
grep -q "^CMAKE_HOME_DIRECTORY:INTERNAL=$work/b/project\$" "$work/b/project/build/CMakeCache.txt" ||
  { echo "FAIL: the cache does not name the new place" >&2; exit 1; }
# A folder configured here is left alone (no needless reconfigure).
before="$(stat -c %Y "$work/b/project/build/CMakeCache.txt")"
todo_forget_foreign_build "$work/b/project" "$work/b/project/build"
[[ -f "$work/b/project/build/CMakeCache.txt" && "$(stat -c %Y "$work/b/project/build/CMakeCache.txt")" == "$before" ]] ||
  { echo "FAIL: a build folder of this checkout was touched" >&2; exit 1; }
# Every script that configures a preset calls it first.
for script in run test bench cluster; do
  grep -q "todo_forget_foreign_build" "$root/scripts/$script" ||
    { echo "FAIL: scripts/$script configures without todo_forget_foreign_build" >&2; exit 1; }
done
echo "relocated build folder: reconfigured"
