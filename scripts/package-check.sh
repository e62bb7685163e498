#!/usr/bin/env bash
# Packaging and deployment checks (run by scripts/test.sh; needs root for the install):
#  1. builds the .deb (scripts/build-deb.sh), installs it with apt-get, checks the files, the
#     `fanout` user, permissions, `fanoutd --version`, `fanoutctl --help`, the man pages, and
#     that fanoutd starts as `fanout` from the shipped /etc/fanout configuration;
#  2. `systemd-analyze verify` on every unit, and `systemd-analyze security --offline=true`
#     with the "Overall exposure level" at most 2.5;
#  3. `docker-compose config -q` on docker-compose.yml.
# The package is purged at the end unless it was installed before.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "package-check: SKIPPED: installing the .deb needs root (CI runs as root)"
  exit 0
fi
max_exposure=2.5
failures=0
fail() { echo "package-check: FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "package-check: ok: $*"; }

echo "== package: build the .deb"
deb=$(bash scripts/build-deb.sh | tail -n 1)
echo "$deb"
dpkg-deb --field "$deb" Package Version Depends

was_installed=0
dpkg-query -W -f='${Status}' fanout 2>/dev/null | grep -q "install ok installed" && was_installed=1
work=$(mktemp -d /tmp/fanout-package-check.XXXXXX)
chmod 0755 "$work"
cleanup() {
  [ -n "${daemon_pid:-}" ] && kill "$daemon_pid" 2>/dev/null || true
  rm -rf "$work"
  if [ "$was_installed" = 0 ] && dpkg-query -W fanout >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq fanout >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

echo "== package: install with apt-get"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "./$deb" >/dev/null
for f in /usr/bin/fanoutd /usr/bin/fanoutctl /lib/systemd/system/fanoutd.service \
  /etc/fanout/fanoutd.conf /etc/fanout/devices.json /etc/fanout/known_hosts \
  /usr/share/doc/fanout/README.md /usr/share/doc/fanout/PROTOCOL.md \
  /usr/share/doc/fanout/examples/fanoutd.conf /usr/share/man/man8/fanoutd.8 \
  /usr/share/man/man1/fanoutctl.1; do
  [ -e "$f" ] || fail "$f is not installed"
done
[ "$(fanoutd --version)" = "$(dpkg-deb --field "$deb" Version)" ] &&
  ok "fanoutd --version: $(fanoutd --version)" || fail "fanoutd --version: $(fanoutd --version)"
fanoutctl --help >/dev/null && ok "fanoutctl --help" || fail "fanoutctl --help"
id fanout >/dev/null && ok "user: $(id fanout)" || fail "no fanout user"
perms=$(stat -c '%a %U:%G' /etc/fanout/devices.json)
[ "$perms" = "640 root:fanout" ] && ok "/etc/fanout/devices.json $perms" || fail "devices.json is $perms"
grep -q "Depends:.*libzmq5" <(dpkg-deb --field "$deb") && ok "Depends from shlibdeps" ||
  fail "Depends lacks the shared libraries"
for page in fanoutd fanoutctl; do
  man -w "$page" >/dev/null 2>&1 && ok "man $page" || fail "no man page for $page"
done

echo "== package: fanoutd starts as fanout from /etc/fanout/fanoutd.conf"
chown fanout:fanout "$work"  # its ipc:// sockets go there
setpriv --reuid=fanout --regid=fanout --clear-groups fanoutd --config /etc/fanout/fanoutd.conf \
  --jobs "ipc://$work/jobs" --results "ipc://$work/results" 2>"$work/log" &
daemon_pid=$!
if timeout 30 bash -c "until grep -q ' ready: ' '$work/log'; do sleep 0.1; done"; then
  ok "$(grep ' ready: ' "$work/log" | cut -d' ' -f3-)"
  fanoutctl --jobs "ipc://$work/jobs" --results "ipc://$work/results" routers >/dev/null &&
    ok "fanoutctl routers against it" || fail "fanoutctl routers"
  kill -TERM "$daemon_pid"
  wait "$daemon_pid" && ok "fanoutd exits 0 on SIGTERM" || fail "fanoutd exit status $?"
else
  cat "$work/log" >&2
  fail "fanoutd did not start from the shipped configuration"
fi
daemon_pid=

echo "== systemd units: verify and exposure (at most $max_exposure)"
man_flag=--man=yes
command -v man >/dev/null || man_flag=--man=no
for unit in systemd/*.service /lib/systemd/system/fanoutd.service; do
  if out=$(systemd-analyze verify "$man_flag" "$unit" 2>&1) && [ -z "$out" ]; then
    ok "systemd-analyze verify $unit"
  else
    fail "systemd-analyze verify $unit: $out"
  fi
  score=$(systemd-analyze security --offline=true "$unit" 2>&1 |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  if [ -n "$score" ] && awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }'; then
    ok "exposure of $unit: $score"
  else
    fail "exposure of $unit: '${score:-unparsed}' (max $max_exposure)"
  fi
done

echo "== docker-compose config"
if command -v docker-compose >/dev/null; then
  docker-compose -f docker-compose.yml config -q && ok "docker-compose config -q" ||
    fail "docker-compose config -q"
else
  fail "docker-compose is not installed (scripts/install-deps.sh installs it)"
fi

if [ "$failures" -ne 0 ]; then
  echo "package-check: $failures check(s) failed" >&2
  exit 1
fi
echo "package-check: all checks passed"
