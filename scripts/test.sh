#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs dependencies, builds, and runs
# every test (unit, integration against the fake fleet, real sshd, and the Python client) with
# ctest. In CI it also runs the suite under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh
(cd build && ctest --output-on-failure -j 2 --timeout 600)
