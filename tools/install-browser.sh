#!/usr/bin/env bash
# Make sure the browser tests have a Chrome or Chromium. Usage: bash tools/install-browser.sh [PYTHON]
#
# Looks for one exactly as the tests do (tests/browsers.py, run with PYTHON, by default the
# project's .venv/bin/python): $GPNN_BROWSER, $CHROME_BIN, chromium or Google Chrome on the PATH,
# Playwright's own Chromium, /usr/bin/chromium. Only when none is found does it install Debian's
# chromium package, and never by asking for a password: as root with apt-get, otherwise only
# through `sudo -n`. When it cannot install, it says what to install and exits 0, so that the test
# run goes on and the browser tests fail with the same advice.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${1:-}
if [ -z "$python" ]; then
    if [ -x .venv/bin/python ]; then python=.venv/bin/python; else python=python3; fi
fi

advice() {
    cat >&2 <<'EOF'
Install one of these, or point GPNN_BROWSER at a Chrome or Chromium you already have:
  - Debian: sudo apt-get install chromium   (what tools/install-browser.sh does)
    On Ubuntu that installs a snap, which Playwright may fail to launch: prefer Google Chrome
    (google-chrome-stable) or Playwright's Chromium there.
  - any system, with Playwright: python -m playwright install chromium
    (in this project's virtualenv: .venv/bin/python -m playwright install chromium)
  - an existing browser: export GPNN_BROWSER=/path/to/chrome, for example on macOS
    export GPNN_BROWSER="/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"
EOF
}

# The same search in shell, for when no Python can run tests/browsers.py.
find_in_shell() {
    local var value name
    for var in GPNN_BROWSER CHROME_BIN; do
        value=${!var:-}
        if [ -n "$value" ]; then
            if [ -e "$value" ] || command -v "$value" > /dev/null; then
                echo "$value"
                return 0
            fi
            echo "$var is set to '$value', which does not exist." >&2
            advice
            return 2
        fi
    done
    for name in chromium chromium-browser google-chrome google-chrome-stable chrome; do
        if command -v "$name"; then
            return 0
        fi
    done
    for value in "${PLAYWRIGHT_BROWSERS_PATH:-${XDG_CACHE_HOME:-$HOME/.cache}/ms-playwright}"/chromium-*/chrome-linux*/chrome /usr/bin/chromium; do
        if [ -x "$value" ]; then
            echo "$value"
            return 0
        fi
    done
    return 3
}

# Prints the browser's path (status 0), or why there is none on stderr (status 2 or 3).
locate() {
    local status=0
    "$python" tests/browsers.py || status=$?
    if [ "$status" -ne 0 ] && [ "$status" -ne 2 ] && [ "$status" -ne 3 ]; then
        find_in_shell  # no Python that can run tests/browsers.py here
    else
        return "$status"
    fi
}

message=$(mktemp)
trap 'rm -f "$message"' EXIT
status=0
found=$(locate 2> "$message") || status=$?
case $status in
    0)
        echo "Browser for the tests: $found"
        exit 0
        ;;
    2)
        # A variable names a browser that does not exist: installing another would not help.
        cat "$message" >&2
        echo "(the browser tests will fail until that is fixed)" >&2
        exit 0
        ;;
esac

if ! command -v apt-get > /dev/null; then
    echo "No Chrome or Chromium found, and this is not a Debian system with apt-get." >&2
    advice
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo > /dev/null && sudo -n true 2> /dev/null; then
    as_root=(sudo -n)
else
    echo "No Chrome or Chromium found; installing one needs root, and sudo cannot run here without a password." >&2
    advice
    exit 0
fi

echo "No Chrome or Chromium found: installing Debian's chromium package."
if ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    && ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null \
    && found=$(locate 2> "$message"); then
    echo "Browser for the tests: $found"
else
    echo "Installing chromium with apt-get failed, or did not give a browser the tests can find." >&2
    advice
fi
exit 0
