#!/usr/bin/env bash
# Runs the web client's tests: the pure-module unit tests and the browser
# tests (Debian's chromium driven by playwright-core against the real
# todo-server on a private PostgreSQL cluster). Installs chromium, Node/npm
# and PostgreSQL when missing, then `npm ci` and `node --test`.
# Environment: TODO_SERVER (the todo-server binary; default build/dev/app/),
# TODO_ARTIFACTS (failure screenshots; default build/web-artifacts),
# UPDATE_SCREENSHOT=1 (refresh docs/screenshot.png), TEST_DATABASE_URL (use
# that database instead of a private cluster), TODO_WEB_STATIC (serve the
# page from this folder instead of the binary, while editing it).
# WEB_LOG_LEVEL (the server's LOG_LEVEL; default warn) and WEB_SERVER_LOG (a
# file that receives the server's log lines) help read a failure.
# Extra arguments go to `node --test` (e.g. --test-name-pattern=delete).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/scripts/lib/deps"

packages=(chromium)
# Node may come from elsewhere (e.g. NodeSource, whose nodejs ships npm and
# conflicts with Debian's npm package): only install what is not on PATH.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
[[ -n "${TEST_DATABASE_URL:-}" ]] || packages+=(postgresql-15)
todo_ensure_packages "${packages[@]}"

cd "$here"
# Reinstall only when the lock file changed since the last install.
stamp=node_modules/.installed-from-package-lock.json
if ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
exec node --test --test-reporter=spec "$@" client.test.mjs browser.test.mjs
