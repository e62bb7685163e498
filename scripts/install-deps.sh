#!/usr/bin/env bash
# Installs everything fanout needs to build, test, demo and benchmark, from Debian 12 packages.
# Run as root (or with sudo). Safe to run again.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config clang-format clang-tidy
  ccache  # lets the package build reuse the test build's objects (scripts/test.sh)
  libzmq3-dev cppzmq-dev libmsgpack-cxx-dev libboost-dev libssh-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libcli11-dev libsystemd-dev libsodium-dev
  libpugixml-dev  # NETCONF XML: daemon/netconf and fleetsim
  libsimdjson-dev  # the fast path of JSON → msgpack (daemon/structured); nlohmann-json stays the reference
  libcpp-httplib-dev  # --metrics-listen: the HTTP server of /metrics, /healthz, /readyz (daemon/api)
  # packaging: the .deb (dpkg-shlibdeps, file), man pages from --help, the compose file check
  dpkg-dev file help2man man-db docker-compose strace systemd
  # tests: GoogleTest, real OpenSSH, a real NETCONF server (netconfd, yuma123; coreutils'
  # stdbuf), the Python wire-format client
  googletest libgtest-dev libgmock-dev openssh-server openssh-client netconfd
  netcat-openbsd  # `nc %h %p`, the ProxyCommand of the ssh_config tests
  python3 python3-zmq python3-msgpack
  prometheus  # the real scrape of --metrics-listen (tests/integration/test_prometheus_scrape.cpp)
  python3-junos-eznc  # PyEZ: the NETCONF client of tests/integration/python/test_pyez.py and bench/seed_pyez.py
  # the fuzz target: clang with libFuzzer
  clang libclang-rt-14-dev
  # benchmarks: the peers fanoutd is measured against
  pdsh clustershell python3-paramiko python3-anyio procps
  # bench charts (bench/plot_results.py)
  python3-matplotlib
)

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then exec sudo "$0" "$@"; fi
  echo "install-deps.sh: run as root (apt-get needs it)" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
