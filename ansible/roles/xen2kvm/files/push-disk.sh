#!/bin/bash
# Runs on the KVM host (rollback): copy a guest's disk back to its Xen host.
#   push-disk.sh COPY XEN_SSH_TARGET SSH_PORT SSH_KEY KNOWN_HOSTS DEST KIND [MBIT]
# KIND file: written beside DEST as DEST.xen2kvm-part, checksummed there, then renamed
# over DEST (the Xen host's old image stays until the new one is whole and verified).
# KIND block (an LV): written into the device, then checksummed; a mismatch is an
# error that says so (the copy on the KVM host is kept). MBIT > 0 limits the transfer to
# that many Mbit/s (pv -L).
set -uo pipefail
copy=$1 target=$2 port=$3 key=$4 known=$5 dest=$6 kind=$7 mbit=${8:-0}
opts=(-p "$port" -o BatchMode=yes -o ConnectTimeout=20 -o ServerAliveInterval=15)
[ -n "$key" ] && opts+=(-i "$key")
[ -n "$known" ] && opts+=(-o "UserKnownHostsFile=$known")
q() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }
case $mbit in ''|*[!0-9]*) echo "the bandwidth limit must be a whole number of Mbit/s, not '$mbit'" >&2; exit 1 ;; esac
if [ "$mbit" -gt 0 ]; then
  command -v pv >/dev/null || { echo "a bandwidth limit ($mbit Mbit/s) needs pv on the KVM host (Debian package pv)" >&2; exit 1; }
  limit() { pv -q -L "$((mbit * 125000))"; }
else
  limit() { cat; }
fi
start=$(date +%s.%N)
out=$dest
[ "$kind" = file ] && out=$dest.xen2kvm-part
size=$(stat -c %s "$copy")
dd if="$copy" bs=1M 2>/dev/null | limit | ssh "${opts[@]}" "$target" "dd of=$(q "$out") bs=1M 2>/dev/null && { sha256sum $(q "$out") 2>/dev/null || md5sum $(q "$out"); }" >"$copy.pushsum" 2>"$copy.pusherr"
st=("${PIPESTATUS[@]}")
st=("${st[0]}" "${st[2]}")
if [ "${st[1]}" -ne 0 ]; then
  [ "$kind" = file ] && ssh "${opts[@]}" "$target" "rm -f $(q "$out")" </dev/null
  echo "writing $out on the Xen host failed (exit ${st[1]}): $(tail -n 2 "$copy.pusherr" | tr '\n' ' ')" >&2; exit 1
fi
want=$(awk '{ print $1; exit }' "$copy.pushsum")
case ${#want} in
  64) got=$( (openssl dgst -sha256 -r "$copy" 2>/dev/null || sha256sum "$copy") | awk '{ print $1 }') ;;
  *) got=$(md5sum "$copy" | awk '{ print $1 }') ;;
esac
rm -f "$copy.pushsum" "$copy.pusherr"
if [ "$got" != "$want" ]; then
  [ "$kind" = file ] && ssh "${opts[@]}" "$target" "rm -f $(q "$out")" </dev/null
  echo "checksum mismatch writing $dest back to the Xen host (there: $want, here: $got); the copy on the KVM host, $copy, is kept" >&2; exit 4
fi
if [ "$kind" = file ]; then
  ssh "${opts[@]}" "$target" "mv -f $(q "$out") $(q "$dest")" </dev/null || { echo "cannot rename $out to $dest on the Xen host" >&2; exit 1; }
fi
end=$(date +%s.%N)
printf '{"dest":"%s","bytes":%s,"checksum":"%s","seconds":%s}\n' "$dest" "$size" "$got" "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')"
