#!/usr/bin/env bash
# The example app, built and exercised as CI does (.ci/run, after the three suites):
#   DATABASE_URL=postgres://... bash examples/next-app/ci.sh
# next build; nexdrive-db setup on the server; next start and one request to each endpoint; then
# next dev once on an embedded folder, where the lazy db must survive a hot reload (touch, request again).
# Each server is stopped by its own process id.
set -euo pipefail
cd "$(dirname "$0")"
: "${DATABASE_URL:?DATABASE_URL of a PostgreSQL server}"
server_pid=
stop() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=; fi; }
trap stop EXIT
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_up() { for _ in $(seq 1 120); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; kill -0 "$server_pid" 2>/dev/null || return 1; sleep 1; done; return 1; }
NIL=00000000-0000-4000-8000-000000000000
SLOTS="instructorId=$NIL&serviceId=$NIL&from=2026-12-10T00:00:00%2B11:00&to=2026-12-11T00:00:00%2B11:00"

# The app gets the package as the registry would give it: the tarball `npm pack` makes (only the files
# package.json lists, its dependencies and peers installed beside the app's, none borrowed from the root's
# node_modules as a file:../.. link would). package.json's file:../.. is for working on the example.
[ -f ../../dist/index.js ] || (cd ../.. && npm run build)
pack_dir=$(mktemp -d)
trap 'stop; rm -rf "$pack_dir"' EXIT
tarball=$(cd ../.. && npm pack --silent --ignore-scripts --pack-destination "$pack_dir" | tail -1)
npm install --no-audit --no-fund --no-save "$pack_dir/$tarball"
[ ! -L node_modules/@nexdrive/db ] # installed from the tarball, not linked to the working tree
npx nexdrive-db setup >/dev/null
./node_modules/.bin/next build

port=$(free_port)
./node_modules/.bin/next start -p "$port" >next-start.log 2>&1 &
server_pid=$!
wait_up "$port" || { cat next-start.log; exit 1; }
slots=$(curl -s "http://127.0.0.1:$port/api/slots?$SLOTS")
echo "GET /api/slots: $slots"
grep -q '"error":"NOT_FOUND"' <<<"$slots" # reached the database: no such instructor
bad=$(curl -s "http://127.0.0.1:$port/api/slots?instructorId=$NIL&serviceId=$NIL&from=2026-12-10&to=2026-12-11")
echo "GET /api/slots (dates): $bad"
grep -q '"error":"VALIDATION_ERROR"' <<<"$bad"
booking=$(curl -s -X POST -H 'content-type: application/json' -H 'x-user-id: user_nobody' -H 'x-user-role: student' \
  -d "{\"instructorId\":\"$NIL\",\"serviceId\":\"$NIL\",\"studentId\":\"$NIL\",\"start\":\"2026-12-10T09:00:00+11:00\",\"bookedVia\":\"website\"}" \
  "http://127.0.0.1:$port/api/bookings")
echo "POST /api/bookings: $booking"
grep -q '"ok":false,"error":"FORBIDDEN"' <<<"$booking" # an unknown user may not book
stop

# next dev on an embedded folder: a hot reload must reuse the open handle, not be refused its own folder.
export PGLITE_DATA_DIR="$PWD/.data/dev-pglite"
rm -rf "$PGLITE_DATA_DIR"
( unset DATABASE_URL; npx nexdrive-db setup >/dev/null )
port=$(free_port)
( unset DATABASE_URL; exec ./node_modules/.bin/next dev -p "$port" ) >next-dev.log 2>&1 &
server_pid=$!
wait_up "$port" || { cat next-dev.log; exit 1; }
first=$(curl -s "http://127.0.0.1:$port/api/slots?$SLOTS")
touch app/api/slots/route.ts
sleep 2
second=$(curl -s "http://127.0.0.1:$port/api/slots?$SLOTS")
echo "next dev: $first, after a hot reload: $second"
grep -q '"error":"NOT_FOUND"' <<<"$first"
grep -q '"error":"NOT_FOUND"' <<<"$second"
stop
echo "example app OK"
