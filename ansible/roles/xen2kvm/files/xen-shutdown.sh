#!/bin/sh
# Shut a guest down cleanly on its Xen host and wait for it, at most TIMEOUT seconds:
#   xen-shutdown.sh TOOL NAME TIMEOUT
# Exit 0 when it is down (prints "was-running" or "was-off"), 3 when it still runs
# after TIMEOUT (the shutdown request is withdrawn from our side; the guest is left
# running and untouched), 2 when the toolstack refuses.
PATH=$PATH:/usr/sbin:/sbin
tool=$1; name=$2; timeout=$3
running() { $tool list 2>/dev/null | awk -v n="$1" 'NR > 1 && $1 == n && $2 ~ /^[0-9]+$/ { f = 1 } END { exit !f }'; }
if ! running "$name"; then echo was-off; exit 0; fi
$tool shutdown -w "$name" >/tmp/xen2kvm-shutdown.$$ 2>&1 </dev/null &
pid=$!
waited=0
while running "$name"; do
  if [ "$waited" -ge "$timeout" ]; then
    kill "$pid" 2>/dev/null
    echo "$name is still running ${timeout} s after '$tool shutdown -w $name'; it was left running on Xen and nothing was copied. Find out why it does not shut down (its console: $tool console $name), or stop it yourself, then run the migration again." >&2
    rm -f /tmp/xen2kvm-shutdown.$$
    exit 3
  fi
  sleep 1
  waited=$((waited + 1))
done
wait "$pid" 2>/dev/null
rm -f /tmp/xen2kvm-shutdown.$$
echo was-running
