#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests, unless it is already there.
# (A test tool's own browser download does not work on machines without general internet.)
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo > /dev/null; then
        echo "Chromium is missing: run 'apt-get install chromium' as root." >&2
        exit 1
    fi
    as_root=(sudo)
fi
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq chromium > /dev/null
/usr/bin/chromium --version
