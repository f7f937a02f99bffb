#!/usr/bin/env bash
# Loads the server's pages in a real browser (Debian's headless chromium) and checks what a
# person would see: the login page carries the Minn. Stat. §13.09 misuse warning (R17) and a
# login form, and pages that need a session send the browser to it. Prints a closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$browser" ]]; then echo "browser check: chromium not installed"; echo "0 passed, 1 failed"; exit 1; fi

bin=.build/debug/alpr
data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
"$bin" serve --data-dir "$data" --host 127.0.0.1 --port "$port" >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.2; done

passed=0; failed=0
check() { # name, page, grep pattern
  local dom
  dom=$(timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
        --user-data-dir="$data/profile" --dump-dom "http://127.0.0.1:$port$2" 2>/dev/null)
  if grep -qiE "$3" <<<"$dom"; then passed=$((passed+1)); echo "ok: $1"
  else failed=$((failed+1)); echo "FAIL: $1 (no match for '$3' on $2)"; fi
}
check "login page warns of misuse (R17, §13.09)" /login "13\.09"
check "login page warning names the penalty" /login "misdemeanor"
check "login page has a password field" /login 'type="password"'
check "the search page without a session leads to the login form" /search 'type="password"'
check "health endpoint answers without login" /health "ok|healthy|status"
echo "browser: $passed passed, $failed failed"
[[ $failed == 0 ]]
