#!/bin/bash
# Runs on the KVM host: run a command holding one of N slots, so that at most N
# conversions run at once on this host whatever the wave size (xen2kvm_jobs).
#   slot.sh N COMMAND [ARG...]
n=$1; shift
dir=/run/lock/xen2kvm-slots
mkdir -p "$dir"
while :; do
  for i in $(seq 1 "$n"); do
    exec {fd}>"$dir/$i"
    if flock -n "$fd"; then "$@"; exit $?; fi
    exec {fd}>&-
  done
  sleep 1
done
