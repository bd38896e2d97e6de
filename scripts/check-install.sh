#!/usr/bin/env bash
# CI: a production install works. In a temporary copy of the clean tree (git archive HEAD) with the dist/ that
# the dev install built (as the Dockerfile's build stage hands it to its runtime stage): `npm ci --omit=dev`, then
# `node bin/govshare.js start` on a fresh PGlite data directory must answer /healthz; it is then stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/cli/bin.js ] || { echo "check-install: no dist/ (run npm ci or npm run build first)" >&2; exit 1; }

tmp="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

git archive --format=tar HEAD | tar -x -C "$tmp"
cp -R dist "$tmp/dist"
(cd "$tmp" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
if [ -e "$tmp/node_modules/typescript" ]; then echo "check-install: --omit=dev installed typescript" >&2; exit 1; fi

log="$tmp/start.log"
(cd "$tmp" && exec node bin/govshare.js start --data-dir "$tmp/data" --port 0 --persons 200) >"$log" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 120); do
  url="$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$log" | head -n1)"
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "check-install: govshare start exited:" >&2; cat "$log" >&2; exit 1; }
  sleep 1
done
[ -n "$url" ] || { echo "check-install: govshare start did not listen within 120 s:" >&2; cat "$log" >&2; exit 1; }
health="$(curl -fsS "$url/healthz")"
echo "check-install: production install answers $url/healthz: $health"
kill -TERM "$pid"
wait "$pid" || { echo "check-install: govshare start did not stop cleanly:" >&2; cat "$log" >&2; exit 1; }
pid=""
echo "check-install: ok"
