#!/usr/bin/env bash
# Packaging and deployment checks (run by scripts/test.sh; needs root for the install):
#  1. builds the .deb (scripts/build-deb.sh), installs it with apt-get, checks the files, the
#     `fanout` user, permissions, `fanoutd --version`, `fanoutctl --help`, the man pages, and
#     that fanoutd starts as `fanout` from the shipped /etc/fanout configuration;
#  2. traces fanoutd (strace) through a start, a job against fleetsim, a reload and a stop, and
#     fails on any syscall outside the unit's SystemCallFilter; `systemd-analyze verify` on
#     every unit, and `systemd-analyze security --offline=true` with the "Overall exposure
#     level" at most 2.5;
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
  [ -n "${fleet_pid:-}" ] && kill "$fleet_pid" 2>/dev/null || true
  rm -rf "$work"
  if [ "$was_installed" = 0 ] && dpkg-query -W fanout >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq fanout >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

echo "== package: install with apt-get"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "./$deb" >/dev/null
for f in /usr/bin/fanoutd /usr/bin/fanoutctl /usr/bin/fanout-proxy \
  /lib/systemd/system/fanoutd.service /lib/systemd/system/fanout-proxy.service \
  /etc/fanout/fanoutd.conf /etc/fanout/devices.json /etc/fanout/known_hosts \
  /etc/logrotate.d/fanout \
  /usr/share/doc/fanout/README.md /usr/share/doc/fanout/protocol/PROTOCOL.md \
  /usr/share/doc/fanout/docs/configuration.md /usr/share/doc/fanout/ARCHITECTURE.md \
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
if command -v logrotate >/dev/null; then  # the audit file's rotation (docs/audit.md)
  logrotate -d /etc/logrotate.d/fanout >/dev/null 2>&1 && ok "logrotate -d /etc/logrotate.d/fanout" ||
    fail "logrotate rejects /etc/logrotate.d/fanout"
fi
for page in fanoutd fanoutctl fanout-proxy; do
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

echo "== systemd unit: every syscall fanoutd makes is inside its SystemCallFilter"
# Without systemd as PID 1 here the sandbox cannot run for real, so trace fanoutd through a
# start, a job, a reload and a stop, and compare with the filter the unit declares.
group_syscalls() {  # expands a syscall group recursively
  systemd-analyze syscall-filter "$1" | sed -n '/^@/,$p' | tail -n +2 | sed 's/^ *//' |
    grep -vE '^#|^$' | while read -r s; do
      case "$s" in @*) group_syscalls "$s" ;; *) echo "$s" ;; esac
    done
}
unit_filter() {  # the allow list of the unit's SystemCallFilter= lines, in order
  local allowed="" line word
  while read -r line; do
    local deny=0
    case "$line" in "~"*) deny=1; line=${line#\~} ;; esac
    for word in $line; do
      local set
      case "$word" in @*) set=$(group_syscalls "$word") ;; *) set=$word ;; esac
      if [ "$deny" = 1 ]; then
        allowed=$(comm -23 <(echo "$allowed" | sort -u) <(echo "$set" | sort -u))
      else
        allowed=$(printf '%s\n%s\n' "$allowed" "$set" | sort -u)
      fi
    done
  done < <(sed -n 's/^SystemCallFilter=//p' "$1")
  echo "$allowed" | grep -v '^$' | sort -u
}
fleetsim=$(dirname "$deb")/tools/fleetsim/fleetsim
mkdir -p "$work/fleet"
"$fleetsim" --routers 3 --out-dir "$work/fleet" >"$work/fleet.out" &
fleet_pid=$!
timeout 60 bash -c "until grep -q ready '$work/fleet.out'; do sleep 0.1; done"
ctl=(fanoutctl --jobs "ipc://$work/tj" --results "ipc://$work/tr" --timeout-reply 30)
strace -f -qq -o "$work/trace" fanoutd --config /etc/fanout/fanoutd.conf \
  --inventory "$work/fleet/devices.json" --known-hosts "$work/fleet/known_hosts" \
  --jobs "ipc://$work/tj" --results "ipc://$work/tr" --log-level warn &
strace_pid=$!
"${ctl[@]}" ping >/dev/null || fail "traced fanoutd did not answer ping"
"${ctl[@]}" run --brief -r all 'show version' >/dev/null || fail "traced job failed"
traced_pid=$(pgrep -P "$strace_pid" -x fanoutd || true)
if [ -n "$traced_pid" ]; then
  kill -HUP "$traced_pid"
  "${ctl[@]}" routers >/dev/null || fail "no routers reply after SIGHUP"
  kill -TERM "$traced_pid"
fi
wait "$strace_pid" || fail "traced fanoutd exit status $?"
kill "$fleet_pid" 2>/dev/null || true
wait "$fleet_pid" 2>/dev/null || true
# Syscalls made after fanoutd's execve (the trace starts in strace's own child).
used=$(sed -n '/execve("[^"]*fanoutd"/,$p' "$work/trace" | sed -E 's/^[0-9]+ +//' |
  grep -oE '^[a-z_0-9]+\(' | tr -d '(' | sort -u)
outside=$(comm -23 <(echo "$used") <(unit_filter systemd/fanoutd.service))
if [ -z "$used" ]; then
  fail "no syscalls traced"
elif [ -n "$outside" ]; then
  fail "syscalls outside the unit's SystemCallFilter: $(echo $outside)"
else
  ok "$(echo "$used" | wc -l) distinct syscalls, all inside SystemCallFilter"
fi

echo "== systemd units: verify and exposure (at most $max_exposure)"
man_flag=--man=yes
command -v man >/dev/null || man_flag=--man=no
for unit in systemd/*.service /lib/systemd/system/fanoutd.service \
  /lib/systemd/system/fanout-proxy.service; do
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
