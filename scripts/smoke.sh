#!/usr/bin/env bash
# Starts the platform as a new user would (`npm start`, no DATABASE_URL), creates a repo of a Helm index
# served on loopback, reads it back through all three subgraphs, finds the simulated environment, runs
# `npm run demo` against it (submit, review, publish, launch, events until READY), and stops it with
# SIGINT. Fails on any error or unclean exit.
set -euo pipefail
cd "$(dirname "$0")/.."

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
export PLATFORM_DATA_DIR="$(mktemp -d)"
chmod 755 "$PLATFORM_DATA_DIR"   # as root, PostgreSQL runs as another user that must enter it
export EMBEDDED_POSTGRES_PORT="$(free_port)" GATEWAY_PORT="$(free_port)"
# The repo's source: an empty Helm index on loopback, which the platform must be told it may fetch.
index_port="$(free_port)"
export URL_ALLOW_LIST=127.0.0.1/32
log="$PLATFORM_DATA_DIR/start.log"
url="http://127.0.0.1:$GATEWAY_PORT"

# Job control gives npm start its own process group with default signal handling (a plain background
# job would ignore SIGINT), so the kill below is what Ctrl-C does in a terminal: SIGINT to the group.
node -e "require('http').createServer((q, s) => q.url === '/index.yaml' ? s.end('apiVersion: v1\\nentries: {}\\n') : s.writeHead(404).end()).listen($index_port, '127.0.0.1')" &
index_pid=$!

set -m
npm start >"$log" 2>&1 &
pid=$!
set +m
cleanup() { kill -9 -- "-$pid" 2>/dev/null || true; kill "$index_pid" 2>/dev/null || true; rm -rf "$PLATFORM_DATA_DIR"; }
trap cleanup EXIT

for _ in $(seq 1 120); do
  curl -fs "$url/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "npm start exited early"; exit 1; }
  sleep 0.5
done
curl -fs "$url/readyz" >/dev/null || { cat "$log"; echo "gateway not ready"; exit 1; }

token="$(npm run -s token -- --role operator --sub smoke --tenant smoke)"
gql() { curl -fs "$url/graphql" -H 'content-type: application/json' -H "authorization: Bearer $token" -d "$1"; }
created="$(gql '{"query":"mutation { createRepo(input: { name: \"smoke\", type: HELM, url: \"http://127.0.0.1:'"$index_port"'\", visibility: PRIVATE }) { id } }"}')"
id="$(node -e 'const r=JSON.parse(process.argv[1]); if (r.errors) { console.error(JSON.stringify(r.errors)); process.exit(1) } console.log(r.data.createRepo.id)' "$created")"
answer="$(gql "{\"query\":\"{ repo(id: \\\"$id\\\") { name addons { totalCount edges { node { name runtimes { totalCount } } } } } }\"}")"
echo "$answer"
node -e 'const r=JSON.parse(process.argv[1]); if (r.errors || r.data.repo.name !== "smoke" || r.data.repo.addons.totalCount !== 0) process.exit(1)' "$answer"
# The simulated cluster npm start registers: one live SIMULATED environment, the platform's.
envs="$(gql '{"query":"{ environments(filter: { kind: SIMULATED }, first: 10) { totalCount edges { node { name platform } } } }"}')"
echo "$envs"
node -e 'const r=JSON.parse(process.argv[1]); const e=r.data?.environments; if (r.errors || e.totalCount !== 1 || e.edges[0].node.name !== "simulated" || !e.edges[0].node.platform) process.exit(1)' "$envs"
# The newcomer's walk-through, with the GATEWAY_PORT and PLATFORM_DATA_DIR exported above; it exits
# non-zero unless the launch reaches READY.
npm run -s demo || { cat "$log"; echo "npm run demo failed"; exit 1; }

kill -INT -- "-$pid"
# npm itself answers SIGINT with 130, as on Ctrl-C; what matters is that the platform stopped cleanly.
status=0
wait "$pid" || status=$?
[ "$status" = 0 ] || [ "$status" = 130 ] || { cat "$log"; echo "npm start exited with $status"; exit 1; }
for _ in $(seq 1 60); do grep -q 'stopped cleanly' "$log" && break; sleep 0.5; done
grep -q 'stopped cleanly' "$log" || { cat "$log"; echo "the platform did not stop cleanly within 30 s"; exit 1; }
! pgrep -f "$PLATFORM_DATA_DIR/postgres" >/dev/null || { echo "the embedded PostgreSQL is still running"; exit 1; }
echo "smoke passed: npm start answered a federated query, registered its simulated cluster, ran the demo to READY and stopped cleanly"
