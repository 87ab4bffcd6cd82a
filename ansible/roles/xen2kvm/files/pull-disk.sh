#!/bin/bash
# Runs on the KVM host: copy one disk of a stopped guest from its Xen host.
#   pull-disk.sh XEN_SSH_TARGET SSH_PORT SSH_KEY KNOWN_HOSTS SOURCE SIZE DEST [MBIT]
# The disk is streamed with `dd | ssh` — all a dom0 needs is ssh and dd, whether the
# disk is an image file or an LV — and written sparse (`conv=sparse`: runs of zeros
# become holes). While it streams, the Xen host reads the disk a second time for its
# checksum (sha256sum, md5sum where that is missing); the copy on the KVM host is
# checksummed once written. Any difference (a damaged transfer, or a disk that
# changed while it was read: something still writes to it), a short copy or a failed
# ssh removes the partial copy and exits non-zero. MBIT > 0 limits the transfer to that
# many Mbit/s (pv -L on this side: ssh's window holds the sender to it). Prints one JSON line.
set -uo pipefail
target=$1 port=$2 key=$3 known=$4 src=$5 size=$6 dest=$7 mbit=${8:-0}
opts=(-p "$port" -o BatchMode=yes -o ConnectTimeout=20 -o ServerAliveInterval=15)
[ -n "$key" ] && opts+=(-i "$key")
[ -n "$known" ] && opts+=(-o "UserKnownHostsFile=$known")
q() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }
part=$dest.xen2kvm-part
fail() { rm -f "$part" "$part".*; echo "$1" >&2; exit "${2:-1}"; }
mkdir -p "$(dirname "$dest")" || exit 1
case $mbit in ''|*[!0-9]*) fail "the bandwidth limit must be a whole number of Mbit/s, not '$mbit'" ;; esac
if [ "$mbit" -gt 0 ]; then
  command -v pv >/dev/null || fail "a bandwidth limit ($mbit Mbit/s) needs pv on the KVM host (Debian package pv)"
  limit() { pv -q -L "$((mbit * 125000))"; }
else
  limit() { cat; }
fi
start=$(date +%s.%N)
ssh "${opts[@]}" "$target" "sha256sum $(q "$src") 2>/dev/null || md5sum $(q "$src")" >"$part.srcsum" 2>"$part.srcerr" </dev/null &
sumpid=$!
ssh "${opts[@]}" "$target" "dd if=$(q "$src") bs=1M 2>/dev/null" </dev/null 2>"$part.sshErr" | limit \
  | dd of="$part" bs=1M iflag=fullblock conv=sparse 2>"$part.dd"
st=("${PIPESTATUS[@]}")
st=("${st[0]}" "${st[2]}")
wait "$sumpid"; sumrc=$?
[ "${st[0]}" -eq 0 ] || fail "reading $src on the Xen host failed (ssh exit ${st[0]}): $(tail -n 2 "$part.sshErr" | tr '\n' ' ')"
[ "${st[1]}" -eq 0 ] || fail "writing $part on the KVM host failed: $(tail -n 2 "$part.dd" | tr '\n' ' ')"
[ "$sumrc" -eq 0 ] || fail "the Xen host could not checksum $src: $(tail -n 2 "$part.srcerr" | tr '\n' ' ')"
bytes=$(tail -n 1 "$part.dd" | awk '{ print $1 }')
[ "$bytes" = "$size" ] || fail "the copy of $src is $bytes bytes, the disk is $size: the transfer was cut short" 4
want=$(awk '{ print $1; exit }' "$part.srcsum")
case ${#want} in
  64) alg=sha256; got=$( (openssl dgst -sha256 -r "$part" 2>/dev/null || sha256sum "$part") | awk '{ print $1 }') ;;
  32) alg=md5; got=$(md5sum "$part" | awk '{ print $1 }') ;;
  *) fail "the Xen host's checksum of $src is not one: $(head -c 200 "$part.srcsum")" ;;
esac
[ "$got" = "$want" ] || fail "checksum mismatch for $src: the Xen host read $alg $want, the copy on the KVM host is $got (the disk changed while it was copied — something still writes to it — or the transfer was damaged); the copy was removed" 4
mv -f "$part" "$dest" || fail "cannot move the copy into place at $dest"
rm -f "$part".*
end=$(date +%s.%N)
alloc=$(du -B1 "$dest" | awk '{ print $1 }')
printf '{"source":"%s","dest":"%s","mode":"cold","bytes":%s,"sent":%s,"allocated":%s,"algorithm":"%s","checksum":"%s","seconds":%s}\n' \
  "$src" "$dest" "$bytes" "$bytes" "$alloc" "$alg" "$got" "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')"
