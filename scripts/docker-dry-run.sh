#!/usr/bin/env bash
# Runs the Dockerfile's steps by hand, for machines without a Docker engine:
# build stage (npm ci, npm run build:runtime), runtime stage (npm ci --omit=dev, copy dist + hooks),
# then starts the result as a non-root user with NODE_ENV=production and runs the HEALTHCHECK command.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/hcc-cds-docker-XXXXXX)"
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
echo "== context (honouring .dockerignore) -> $work/context"
mkdir -p "$work/context" "$work/build" "$work/runtime"
tar -C "$root" --exclude-from="$root/.dockerignore" -cf - . | tar -C "$work/context" -xf -

echo "== build stage"
cp "$work/context/package.json" "$work/context/package-lock.json" "$work/build/"
(cd "$work/build" && npm ci --no-audit --no-fund --loglevel=error)
cp "$work/context/tsconfig.json" "$work/context/tsconfig.build.json" "$work/context/tsconfig.runtime.json" "$work/build/"
cp -r "$work/context/src" "$work/build/src"
(cd "$work/build" && npm run build:runtime --silent)
echo "dist holds: $(ls "$work/build/dist"); development tools in it: $(find "$work/build/dist" -path '*/dev/*' | wc -l)"

echo "== runtime stage"
cp "$work/context/package.json" "$work/context/package-lock.json" "$work/runtime/"
(cd "$work/runtime" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
cp -r "$work/build/dist" "$work/runtime/dist"
cp -r "$work/context/hooks" "$work/runtime/hooks"
mkdir -p "$work/runtime/data"
user=nobody
chown -R "$user" "$work/runtime/data"
chmod -R o+rX "$work"
echo "runtime node_modules: $(du -sh "$work/runtime/node_modules" | cut -f1); dev packages present: $(ls "$work/runtime/node_modules" | grep -cE '^(typescript|jest|nock|@medplum)$' || true)"

# The image's CMD exactly as the Dockerfile writes it (exec form).
mapfile -t cmd < <(node -e 'const line = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter((l) => l.startsWith("CMD ")).pop(); for (const word of JSON.parse(line.slice(4))) console.log(word)' "$root/Dockerfile")
echo "== run as $user (NODE_ENV=production): ${cmd[*]}"
port=39$((RANDOM % 900 + 100))
(cd "$work/runtime" && exec setpriv --reuid="$user" --regid=nogroup --clear-groups env NODE_ENV=production PORT=$port \
  FEEDBACK_DB="$work/runtime/data/feedback.sqlite" CDS_ALLOW_UNAUTHENTICATED=true PATIENT_PSEUDONYM_KEY="$(head -c 32 /dev/urandom | base64)" "${cmd[@]}") > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
echo "== HEALTHCHECK command"
(cd "$work/runtime" && PORT=$port node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))") && echo "healthcheck: healthy"
curl -sf "http://127.0.0.1:$port/cds-services" | head -c 120; echo
echo "process user: $(ps -o user= -p "$pid")"
kill -TERM "$pid"; wait "$pid" || true
grep -q '"msg":"stopped"' "$work/server.log" && echo "stopped cleanly on SIGTERM"
