#!/usr/bin/env bash
# `scripts/run` passes its arguments to todo-server (issue 21 item 4):
# --version and --help answer without a database (no cluster is started:
# data/pg is not created) and exit 0; an unknown argument exits 2.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fail() { echo "FAIL: $*" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf -- "$work"' EXIT
had_pg=0; [[ -e "$root/data/pg" ]] && had_pg=1

version="$(env -u DATABASE_URL "$root/scripts/run" --version 2>"$work/err")" || { cat "$work/err"; fail "--version"; }
[[ "$version" =~ ^todo-server\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "--version printed: $version"
env -u DATABASE_URL "$root/scripts/run" --help 2>/dev/null | grep -q "DATABASE_URL" || fail "--help"
status=0
env -u DATABASE_URL "$root/scripts/run" --no-such-flag >/dev/null 2>"$work/err" || status=$?
[[ $status == 2 ]] || fail "an unknown argument exited $status"
grep -q "unknown argument" "$work/err" || fail "no usage for an unknown argument"
if [[ $had_pg == 0 && -e "$root/data/pg" ]]; then fail "a database cluster was started for --version/--help"; fi
echo "scripts/run passes arguments through: $version"
