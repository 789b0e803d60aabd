#!/usr/bin/env bash
# The Dockerfile's build and run steps without a Docker engine: the builder's install steps into
# a throwaway virtualenv (from a copy holding only what the image copies), then, away from the
# source tree, the migrate command, the interview API and the image's HEALTHCHECK command.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/image-check.XXXXXX)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# builder stage: COPY pyproject.toml README.md, the four packages; the same two pip steps
mkdir -p "$work/src" "$work/run"
cp pyproject.toml README.md "$work/src/"
cp -r shared question_api interview_api analysis "$work/src/"
python3 -m venv "$work/venv"
export PATH="$work/venv/bin:$PATH" PIP_DISABLE_PIP_VERSION_CHECK=1
(cd "$work/src" \
  && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > "$work/requirements.txt" \
  && pip install --quiet -r "$work/requirements.txt" \
  && pip install --quiet --no-deps .)
rm -rf "$work/src"  # the runtime stage has only the virtualenv

# runtime stage: DATA_DIR=/data, PORT, the default command and the health check
cd "$work/run"
export DATA_DIR="$work/run/data" PORT
PORT=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
interview-backend migrate
AUTO_MIGRATE=false uvicorn interview_api.main:app --host 127.0.0.1 --port "$PORT" --no-access-log \
  > "$work/server.log" 2>&1 &
server=$!
healthcheck="import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8002'), timeout=4)"
for _ in $(seq 1 60); do
  if python -c "$healthcheck" 2>/dev/null; then
    echo "image steps: installed, migrated, serving, healthy"
    exit 0
  fi
  kill -0 "$server" 2>/dev/null || break
  sleep 1
done
echo "the interview API did not become healthy:" >&2
tail -20 "$work/server.log" >&2
exit 1
