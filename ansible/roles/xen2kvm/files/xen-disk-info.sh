#!/bin/sh
# Size and kind of each disk path given (read-only): one line per path,
#   PATH	file|block|missing	SIZE_BYTES	ALLOCATED_BYTES
PATH=$PATH:/usr/sbin:/sbin
tab=$(printf '\t')
for p in "$@"; do
  if [ -b "$p" ]; then
    size=$(blockdev --getsize64 "$p" 2>/dev/null || echo 0)
    echo "$p${tab}block${tab}${size}${tab}${size}"
  elif [ -f "$p" ]; then
    size=$(ls -lnL "$p" | awk '{ print $5 }')
    used=$(du -k "$p" | awk '{ print $1 * 1024 }')
    echo "$p${tab}file${tab}${size}${tab}${used}"
  else
    echo "$p${tab}missing${tab}0${tab}0"
  fi
done
