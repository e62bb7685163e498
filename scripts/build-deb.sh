#!/usr/bin/env bash
# Builds the Debian package fanout_<version>_<arch>.deb into build-pkg/ (or $PKG_BUILD_DIR):
# a release build with prefix /usr and no tests, then CPack (Depends from dpkg-shlibdeps).
# Install it with: apt-get install ./build-pkg/fanout_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${PKG_BUILD_DIR:-build-pkg}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_INSTALL_PREFIX=/usr -DFANOUT_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
rm -f "$build_dir"/fanout_*.deb
(cd "$build_dir" && cpack -G DEB >/dev/null)
ls "$build_dir"/fanout_*.deb
