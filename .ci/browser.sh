#!/usr/bin/env bash
# The portal's end-to-end tests in Debian's Chromium: installs chromium and chromium-driver when missing, starts
# chromedriver on a free loopback port, runs the browser suite against it, and always stops chromedriver (and the
# browsers it started) afterwards. Extra arguments go to the test binary (e.g. a test name filter).
# Screenshots land in "${CARGO_TARGET_DIR:-target}/screenshots/".
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
chromium --version 2>/dev/null  # (the Debian wrapper script may print a harmless shell warning)
chromedriver --version

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log="$(mktemp -t chromedriver.XXXXXX.log)"
# Its own session, so stopping the process group also ends any Chromium a failed test left behind.
setsid chromedriver --port="$port" --log-path="$log" >/dev/null 2>&1 &
driver_pid=$!
stop_driver() {
  kill -TERM -- "-$driver_pid" 2>/dev/null || true
  wait "$driver_pid" 2>/dev/null || true
}
trap stop_driver EXIT

export ECERT_CHROMEDRIVER_URL="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  if python3 -c "import json, sys, urllib.request; sys.exit(0 if json.load(urllib.request.urlopen('$ECERT_CHROMEDRIVER_URL/status', timeout=1))['value']['ready'] else 1)" 2>/dev/null; then
    break
  fi
  kill -0 "$driver_pid" 2>/dev/null || { echo "chromedriver exited; its log:"; cat "$log"; exit 1; }
  sleep 0.1
done
python3 -c "import urllib.request; urllib.request.urlopen('$ECERT_CHROMEDRIVER_URL/status', timeout=1)" \
  || { echo "chromedriver does not answer on port $port; its log:"; cat "$log"; exit 1; }
echo "chromedriver ready at $ECERT_CHROMEDRIVER_URL"

# The tests mostly wait (for the browser, and for the next TOTP step before a second sign-in): run them side by
# side even on two cores.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-6}"
status=0
cargo test -p ecert-server --features browser-tests --test browser -- "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "browser tests failed; the last lines of the chromedriver log ($log):"
  tail -n 40 "$log"
fi
echo "screenshots: ${CARGO_TARGET_DIR:-$(pwd)/target}/screenshots/"
exit "$status"
