#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need, builds once, tests, and ends
# with one plain line "N passed, M failed" summed over the test projects.
set -euo pipefail
cd "$(dirname "$0")/.."

# Independent peers for Debian's interpreter: pyzmq (the legacy ZeroMQ door) and aiosmtpd (a real SMTP server);
# Debian's Chromium for the dashboard's browser tests (Playwright drives it; it never downloads a browser);
# PostgreSQL, Redis and HAProxy for the scale-out tests, which start their own servers on free loopback ports.
missing=()
/usr/bin/python3 -c 'import zmq' 2>/dev/null || missing+=(python3-zmq)
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing+=(python3-aiosmtpd)
[ -x /usr/bin/chromium ] || missing+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/sbin/haproxy ] || missing+=(haproxy)
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]}..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

configuration="${CONFIGURATION:-Release}"
dotnet build MessageQueue.sln -c "$configuration" -warnaserror -nologo -clp:ErrorsOnly
# The container image's build step, outside Docker: the same script its build stage runs. The Container tests start
# this output with the image's environment.
build/publish.sh artifacts/publish

log=$(mktemp)
status=0
dotnet test tests/MessageQueue.Tests -c "$configuration" --no-build --nologo --blame-hang-timeout 5m "$@" 2>&1 | tee "$log" || status=$?

# dotnet test prints "Passed!  - Failed: F, Passed: P, ..." per assembly; CI reads one plain closing line.
awk '/(Passed|Failed)! +- +Failed:/ {
        for (i = 1; i <= NF; i++) {
            if ($i == "Failed:") failed += $(i + 1)
            if ($i == "Passed:") passed += $(i + 1)
        }
    }
    END { printf "%d passed, %d failed\n", passed, failed }' "$log"
rm -f "$log"
exit "$status"
