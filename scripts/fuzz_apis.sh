#!/usr/bin/env bash
# Fuzz both services through their OpenAPI specs with schemathesis: each service runs as a real
# uvicorn process on a free loopback port, with keys set (an admin key for the fuzzer, the
# service credential between the two APIs), a fixed seed and a bounded number of cases per
# operation. Fails on any server error, and on any answer whose status, content type or body the
# spec does not document (every error answer is the one error shape).
#
#   scripts/fuzz_apis.sh            # FUZZ_EXAMPLES=100 cases per operation, FUZZ_SEED=20261201
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
EXAMPLES=${FUZZ_EXAMPLES:-100}
SEED=${FUZZ_SEED:-20261201}

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { "$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
question_port=$(free_port)
interview_port=$(free_port)

export DATA_DIR="$work/data" LOG_LEVEL=WARNING LOG_FORMAT=text
export API_KEYS="fuzz-admin-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export SERVICE_API_KEY="fuzz-service-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export QUESTION_API_URL="http://127.0.0.1:$question_port"
unset OPENAI_API_KEY TWELVELABS_API_KEY INTERHUMAN_API_KEY INTERHUMAN_KEY_ID DATABASE_URL STORAGE_URL

"$BIN/python" -m uvicorn question_api.main:app --host 127.0.0.1 --port "$question_port" \
    --no-access-log >"$work/question-api.log" 2>&1 &
pids+=($!)
"$BIN/python" -m uvicorn interview_api.main:app --host 127.0.0.1 --port "$interview_port" \
    --no-access-log >"$work/interview-api.log" 2>&1 &
pids+=($!)

# scripts/schemathesis_hooks.py: serialisers for the media types schemathesis lacks
export PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=schemathesis_hooks

status=0
for port in "$question_port" "$interview_port"; do
    base="http://127.0.0.1:$port"
    echo "== schemathesis: $base/openapi.json ($EXAMPLES cases per operation, seed $SEED)"
    "$BIN/schemathesis" run "$base/openapi.json" \
        --wait-for-schema 60 \
        --header "X-API-Key: $API_KEYS" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
        --max-examples "$EXAMPLES" \
        --seed "$SEED" \
        --generation-database none \
        --request-timeout 30 \
        --workers 1 \
        --no-color || status=1
done
if [ "$status" != 0 ]; then
    echo "== server logs"
    cat "$work/question-api.log" "$work/interview-api.log"
fi
exit "$status"
