#!/usr/bin/env bash
# The Debian packages (issue 21): scripts/package builds them from the tree;
# lintian reports no error; both install with dpkg -i; the installed
# todo-server answers --version and --help without a database; the system
# user exists; systemd-analyze verify accepts the installed unit; the -dev
# package's CMake package builds and runs examples/consumer; then both are
# purged again. Needs root (dpkg -i), as the rest of scripts/test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/scripts/lib/deps"
todo_ensure_packages lintian dpkg-dev systemd adduser
fail() { echo "FAIL: $*" >&2; exit 1; }
if dpkg -s todo-server >/dev/null 2>&1 || dpkg -s todo-server-dev >/dev/null 2>&1; then
  fail "todo-server is already installed on this machine; this test installs and purges it (dpkg --purge todo-server todo-server-dev first)"
fi
work="$(mktemp -d)"
cleanup() {
  dpkg --purge todo-server todo-server-dev >/dev/null 2>&1 || true
  rm -rf -- "$work"
}
trap cleanup EXIT

mapfile -t debs < <("$root/scripts/package")
[[ ${#debs[@]} == 2 ]] || fail "scripts/package printed ${#debs[@]} packages, expected 2"
server_deb="${debs[1]}"
dev_deb="${debs[0]}"
[[ "$(basename "$server_deb")" =~ ^todo-server_[0-9]+\.[0-9]+\.[0-9]+_amd64\.deb$ ]] || fail "name: $server_deb"
[[ "$(basename "$dev_deb")" =~ ^todo-server-dev_[0-9]+\.[0-9]+\.[0-9]+_amd64\.deb$ ]] || fail "name: $dev_deb"

# lintian: errors fail (warnings are printed).
lintian --allow-root "$server_deb" "$dev_deb" >"$work/lintian.txt" 2>&1 || true
cat "$work/lintian.txt"
if grep -q '^E: ' "$work/lintian.txt"; then fail "lintian reports errors"; fi
if grep -q 'no-manual-page' "$work/lintian.txt"; then fail "lintian: no manual page"; fi

dpkg -i "$server_deb" "$dev_deb" >"$work/dpkg.txt" 2>&1 || { cat "$work/dpkg.txt"; fail "dpkg -i"; }
version="$(/usr/bin/todo-server --version)"
[[ "$version" =~ ^todo-server\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "--version printed: $version"
env -i /usr/bin/todo-server --help | grep -q "DATABASE_URL" || fail "--help"
getent passwd todo-server >/dev/null || fail "no todo-server system user"
[[ -f /etc/todo-server/todo-server.env.example ]] || fail "no example settings file"
dpkg-query -W -f='${Conffiles}\n' todo-server | grep -q /etc/todo-server/todo-server.env.example ||
  fail "the example settings file is not a conffile"
systemd-analyze verify /lib/systemd/system/todo-server.service >"$work/verify.txt" 2>&1 ||
  { cat "$work/verify.txt"; fail "systemd-analyze verify"; }
grep -q '^User=todo-server$' /lib/systemd/system/todo-server.service || fail "the unit does not run as todo-server"
man -w todo-server >/dev/null 2>&1 || [[ -f /usr/share/man/man1/todo-server.1.gz ]] || fail "no manual page"
zcat /usr/share/man/man1/todo-server.1.gz | grep -q "DATABASE_URL" || fail "the manual page lacks the settings"

# The -dev package is enough to build against the core.
cmake -S "$root/examples/consumer" -B "$work/consumer" -G Ninja -DCMAKE_CXX_COMPILER=g++-12 >/dev/null ||
  fail "configure examples/consumer against the installed todo-server-dev"
cmake --build "$work/consumer" >/dev/null || fail "build examples/consumer"
"$work/consumer/todo_consumer" >/dev/null || fail "run examples/consumer"

dpkg --purge todo-server todo-server-dev >/dev/null
[[ ! -e /usr/bin/todo-server ]] || fail "purge left /usr/bin/todo-server"
echo "packages: $(basename "$server_deb") $(basename "$dev_deb"): lintian without errors, installed, ran, verified, purged"
