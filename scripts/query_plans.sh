#!/usr/bin/env bash
# Query plans of every public read, on both backends, over a seeded archive: prints them and
# fails when one reads a large table whole (`dateline query-plans`).
#
#   scripts/query_plans.sh [ARTICLES]      # default 1,000,000 (the issue's scale); CI uses fewer
set -euo pipefail
cd "$(dirname "$0")/.."
articles="${1:-1000000}"
target_dir="${CARGO_TARGET_DIR:-target}"
bin="${DATELINE_BIN:-$target_dir/release/dateline}"
[ -n "${DATELINE_BIN:-}" ] || cargo build --release --quiet
pg_server="${DATELINE_CI_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
work=$(mktemp -d)
pg_db="dateline_plans_$$"
cleanup() {
  psql "$pg_server" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
export DATELINE_LOG=warn

status=0
for backend in sqlite postgres; do
  if [ "$backend" = sqlite ]; then
    export DATABASE_URL="sqlite://$work/plans.db"
  else
    psql "$pg_server" -qc "CREATE DATABASE $pg_db" >/dev/null
    export DATABASE_URL="${pg_server%/*}/$pg_db"
  fi
  echo "== $backend: seeding $articles articles, rendering their stored documents"
  "$bin" seed --articles "$articles" >/dev/null
  # A running site has its stored documents: the plans checked are those of its reads (an empty
  # article_documents is scanned whole, rightly, and would fail the check).
  "$bin" documents rebuild >/dev/null
  if [ "$backend" = postgres ]; then
    psql "$DATABASE_URL" -qc "ANALYZE article_documents" >/dev/null
  fi
  echo "== $backend: query plans"
  "$bin" query-plans || status=1
done
exit $status
