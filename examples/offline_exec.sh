#!/usr/bin/env bash
# The whole pycodex exec flow, offline: a scripted model server on 127.0.0.1 (the one the tests use) plays the
# model. It plans, creates a file with a command, checks it with another, and answers. Its own CODEX_HOME (a temp
# folder) keeps your ~/.codex out of it. Run from the repo root after installing (see README):
#   bash examples/offline_exec.sh [more exec options, e.g. --json]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
py="${PYTHON:-$repo/.venv/bin/python}"
pycodex="${PYCODEX:-$repo/.venv/bin/pycodex}"
work=$(mktemp -d)
trap 'kill "${server_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

cat > "$work/script.json" <<'JSON'
[
  {"items": [
    {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "**Plan** write a greeting, then check it."}]},
    {"type": "function_call", "id": "fc_1", "call_id": "plan_1", "name": "update_plan",
     "arguments": "{\"plan\": [{\"step\": \"write hello.txt\", \"status\": \"in_progress\"}, {\"step\": \"check it\", \"status\": \"pending\"}]}"},
    {"type": "function_call", "id": "fc_2", "call_id": "exec_1", "name": "exec_command",
     "arguments": "{\"cmd\": \"echo 'hello from pycodex' > hello.txt && cat hello.txt\", \"login\": false}"}
  ]},
  {"items": [
    {"type": "function_call", "id": "fc_3", "call_id": "plan_2", "name": "update_plan",
     "arguments": "{\"plan\": [{\"step\": \"write hello.txt\", \"status\": \"completed\"}, {\"step\": \"check it\", \"status\": \"completed\"}]}"},
    {"type": "function_call", "id": "fc_4", "call_id": "exec_2", "name": "exec_command",
     "arguments": "{\"cmd\": \"grep -c pycodex hello.txt\", \"login\": false}"}
  ]},
  {"items": [
    {"type": "message", "id": "msg_1", "role": "assistant",
     "content": [{"type": "output_text", "text": "Created `hello.txt` with a greeting and checked that it is there."}]}
  ]}
]
JSON

"$py" "$repo/tests/support/model_server.py" "$work/script.json" > "$work/url" &
server_pid=$!
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(head -n1 "$work/url")

mkdir "$work/repo" && git -C "$work/repo" init -q
cd "$work/repo"
export SCRIPTED_API_KEY=offline CODEX_HOME="$work/codex-home"
mkdir "$CODEX_HOME"
"$pycodex" exec --full-auto \
  -c "model_providers.scripted={name=\"scripted\", base_url=\"$url\", env_key=\"SCRIPTED_API_KEY\"}" \
  -c model_provider=scripted -m scripted-model \
  "Write a greeting into hello.txt and check it" "$@"
# On stderr: with --json, stdout carries JSON Lines only.
echo "--- hello.txt: $(cat hello.txt)" >&2
