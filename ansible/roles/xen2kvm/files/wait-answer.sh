#!/bin/bash
# Runs on the KVM host: start a defined domain and wait until the guest answers —
# a login prompt on its serial console, or, when IP is given, a ping reply.
#   wait-answer.sh NAME TIMEOUT LOG [IP]
# The domain is started paused and the console read before it runs, so no output is
# missed. Prints the seconds it took; exits 5 when the guest did not answer in time
# (the console's last lines are shown) or stopped.
set -uo pipefail
name=$1 timeout=$2 log=$3 ip=${4:-}
v() { virsh -q -c qemu:///system "$@"; }
last_lines() { tail -n 5 "$log" | tr -d '\r' | tr '\n' '|'; }   # of the console, for an error
mkdir -p "$(dirname "$log")"
start=$(date +%s)
v start --paused "$name" >/dev/null || exit 1
tty=$(v ttyconsole "$name")
cat "$tty" >"$log" 2>/dev/null &
reader=$!
trap 'kill $reader 2>/dev/null' EXIT
v resume "$name" >/dev/null || exit 1
while :; do
  if grep -aq 'login:' "$log"; then how="a login prompt on the serial console"; break; fi
  if [ -n "$ip" ] && ping -c 1 -W 1 "$ip" >/dev/null 2>&1; then how="a ping reply from $ip"; break; fi
  state=$(v domstate "$name" 2>/dev/null)
  case "$state" in running|paused|"in shutdown") ;; *)
    echo "the domain $name stopped ($state) before it answered; its console's last lines: $(last_lines)" >&2; exit 5;;
  esac
  if [ $(( $(date +%s) - start )) -ge "$timeout" ]; then
    echo "$name did not answer within ${timeout} s (no login prompt on ttyS0${ip:+, no ping from $ip}); its console's last lines: $(last_lines)" >&2; exit 5
  fi
  sleep 1
done
printf '{"seconds":%s,"how":"%s"}\n' "$(( $(date +%s) - start ))" "$how"
