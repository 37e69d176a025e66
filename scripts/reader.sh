#!/usr/bin/env bash
# The reference reader site (examples/reader) in a real browser: installs Debian's Chromium if
# missing and the npm packages (npm ci), type-checks and builds the reader, starts a release
# Dateline on SQLite with the seed story imported and the reader in front of it, then runs the
# browser tests (playwright-core, axe-core, Lighthouse) and prints the screenshot folder and the
# figures (Lighthouse scores, axe, render time p50/p99 over 1,000 renders, bytes).
#   DATELINE_BIN=path/to/dateline scripts/reader.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

if ! command -v chromium >/dev/null; then
  echo "== installing Debian's Chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
chrome=$(command -v chromium)
"$chrome" --version 2>/dev/null || true

echo "== npm ci, generate the client from openapi/openapi.json, tsc (type-check and build)"
(
  cd examples/reader
  npm ci --no-audit --no-fund --loglevel=error
  rm -rf dist
  npm run --silent build
)

bin="${DATELINE_BIN:-${CARGO_TARGET_DIR:-target}/release/dateline}"
[ -x "$bin" ] || cargo build --release --quiet
work=$(mktemp -d)
api_port="${READER_API_PORT:-18095}"
reader_port="${READER_PORT:-18096}"
artifacts="${READER_ARTIFACTS:-${TMPDIR:-/tmp}/dateline-reader-$(date -u +%Y%m%dT%H%M%SZ)}"
api_pid=""
reader_pid=""
stop() {
  for pid in $reader_pid $api_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop EXIT

echo "== a release Dateline on SQLite with the seed story imported (127.0.0.1:$api_port)"
(
  export DATABASE_URL="sqlite://$work/reader.db" DATELINE_MEDIA_DIR="$work/media" \
    DATELINE_BIND="127.0.0.1:$api_port" DATELINE_LOG=warn \
    DATELINE_JWT_SECRET="reader-example-secret-of-at-least-32-bytes" \
    DATELINE_TRUSTED_PROXIES=127.0.0.1
  "$bin" import tests/fixtures/seed-article.json >/dev/null
  DATELINE_PASSWORD="reader admin passphrase" \
    "$bin" user create --email admin@reader.example --name "Reader Admin" --role admin >/dev/null
  DATELINE_PASSWORD="reader editor passphrase" \
    "$bin" user create --email editor@reader.example --name "Sam Reporter" --role editor >/dev/null
  exec "$bin" serve >"$work/server.log" 2>&1
) &
api_pid=$!

# The reader revalidates the site settings and section tree at most this often (seconds); short
# here, so that the settings the tests write show soon.
export READER_SITE_TTL_SECS="${READER_SITE_TTL_SECS:-3}"
echo "== the reader (127.0.0.1:$reader_port)"
(
  cd examples/reader
  DATELINE_API="http://127.0.0.1:$api_port" READER_BIND="127.0.0.1:$reader_port" exec node dist/src/server.js >"$work/reader.log" 2>&1
) &
reader_pid=$!

python3 - "$api_port" "$reader_port" <<'PY'
import sys, time, urllib.request
for port in sys.argv[1:]:
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        sys.exit(f"nothing answers on port {port}")
PY

echo "== browser tests: Chromium via playwright-core, axe-core, Lighthouse; then 1,000 renders"
status=0
(
  cd examples/reader
  DATELINE_API="http://127.0.0.1:$api_port" READER_URL="http://127.0.0.1:$reader_port" \
    CHROME_PATH="$chrome" READER_ARTIFACTS="$artifacts" \
    READER_FIXTURE="$repo/tests/fixtures/seed-article.json" READER_PHOTO="$repo/tests/fixtures/photo.jpg" \
    READER_ADMIN_EMAIL=admin@reader.example READER_ADMIN_PASSWORD="reader admin passphrase" \
    READER_EDITOR_EMAIL=editor@reader.example READER_EDITOR_PASSWORD="reader editor passphrase" \
    node dist/tests/run.js
) || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- reader log"; tail -n 40 "$work/reader.log" || true
  echo "--- server log"; tail -n 40 "$work/server.log" || true
  exit "$status"
fi
echo "reader screenshots and Lighthouse report: $artifacts"
