#!/bin/sh
# Start a guest on its Xen host again and check that it runs:
#   xen-start.sh TOOL NAME SOURCE
# SOURCE is its config file (xl/xm create) or xend's config.sxp (xm start NAME).
PATH=$PATH:/usr/sbin:/sbin
tool=$1; name=$2; source=$3
running() { $tool list 2>/dev/null | awk -v n="$1" 'NR > 1 && $1 == n && $2 ~ /^[0-9]+$/ { f = 1 } END { exit !f }'; }
if running "$name"; then echo already-running; exit 0; fi
case "$source" in
  */config.sxp) $tool start "$name" ;;
  *) $tool create "$source" ;;
esac >/tmp/xen2kvm-start.$$ 2>&1 </dev/null
rc=$?
out=$(cat /tmp/xen2kvm-start.$$); rm -f /tmp/xen2kvm-start.$$
if [ $rc -ne 0 ] || ! running "$name"; then
  echo "could not start $name on Xen again ($tool exit $rc): $out" >&2
  exit 1
fi
echo started
