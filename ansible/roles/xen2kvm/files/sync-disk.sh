#!/bin/bash
# Runs on the KVM host: warm (pre-copy) migration of one disk from its Xen host.
#   sync-disk.sh precopy|final XEN_SSH_TARGET SSH_PORT SSH_KEY KNOWN_HOSTS BLOCKS_SH SOURCE SIZE DEST
#                BLOCK MBIT [PASSES REPEAT_AFTER]
# precopy (the guest still runs on Xen): the whole disk is streamed (dd | ssh, sparse) into
#   DEST.xen2kvm-warm, and its block checksums are taken here. When a pass took longer than
#   REPEAT_AFTER seconds and PASSES allows, another pass sends only the blocks that changed
#   meanwhile. Nothing is compared with the Xen host yet: the disk is still being written.
# final (the guest is shut down): the Xen host checksums its disk (blocks.sh sums: one
#   Python process; or one `dd | md5sum` per run of 16 blocks, then per 4 and per block
#   only where runs differ), only the blocks that differ are sent and written into the
#   copy, and the whole disk's checksum is compared on both sides; then the copy becomes DEST.
#   Any difference, a short or failed transfer, or a disk whose size changed, exits
#   non-zero and leaves DEST absent.
# BLOCKS_SH is blocks.sh on this host (- : its text is in $X2K_BLOCKS_SH); on the Xen host it runs as `sh -c TEXT` (nothing is
# left there). MBIT > 0 limits every transfer to that many Mbit/s (pv -L). Prints one JSON line.
set -uo pipefail
mode=$1 target=$2 port=$3 key=$4 known=$5 blocks=$6 src=$7 size=$8 dest=$9 bs=${10} mbit=${11}
passes=${12:-1} repeat=${13:-0}
RUN=16 SUB=4   # blocks per run of the first look without a Python on the Xen host, and of the second
opts=(-p "$port" -o BatchMode=yes -o ConnectTimeout=20 -o ServerAliveInterval=15)
[ -n "$key" ] && opts+=(-i "$key")
[ -n "$known" ] && opts+=(-o "UserKnownHostsFile=$known")
q() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }
warm=$dest.xen2kvm-warm
work=$warm.d
fail() { echo "$1" >&2; exit "${2:-1}"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
if [ "$mode" = precopy ]; then rm -rf "$warm" "$work"; fi
mkdir -p "$work" || exit 1
if [ "$blocks" = - ]; then   # its text in $X2K_BLOCKS_SH (Ansible's script module brings one file only)
  [ -n "${X2K_BLOCKS_SH:-}" ] || fail "blocks.sh: neither a path nor X2K_BLOCKS_SH given"
  printf '%s\n' "$X2K_BLOCKS_SH" >"$work/blocks.sh"; blocks=$work/blocks.sh
fi
[ -r "$blocks" ] || fail "blocks.sh is not at $blocks on the KVM host"
case $mbit in ''|*[!0-9]*) fail "the bandwidth limit must be a whole number of Mbit/s, not '$mbit'" ;; esac
if [ "$mbit" -gt 0 ]; then
  command -v pv >/dev/null || fail "a bandwidth limit ($mbit Mbit/s) needs pv on the KVM host (Debian package pv)"
  limit() { pv -q -L "$((mbit * 125000))"; }
else
  limit() { cat; }
fi
xen_blocks() { # MODE ARGS…: blocks.sh on the Xen host, stdin and stdout passed through
  local args='' a
  for a in "$@"; do args="$args $(q "$a")"; done
  ssh "${opts[@]}" "$target" "sh -c $(q "$(cat "$blocks")") blocks.sh$args"
}
local_sums() { # the copy's checksums per block (stdout file), per run of RUN blocks and of SUB
  X2K_BLOCKS_NO_WHOLE=1 sh "$blocks" sums "$warm" "$bs" "$RUN" - "$work/ours.run" "$RUN" "$work/ours.sub" "$SUB" >"$work/ours" 2>"$work/ours.err" \
    || fail "checksumming the copy $warm failed: $(tail -n 2 "$work/ours.err" | tr '\n' ' ')"
}
sent=0 changed=0
delta() { # send the blocks whose checksums differ between the Xen disk and the copy
  xen_blocks sums "$src" "$bs" "$RUN" "$size" </dev/null >"$work/theirs" 2>"$work/err" \
    || fail "checksumming $src on the Xen host failed: $(tail -n 2 "$work/err" | tr '\n' ' ')"
  local n rc
  n=$(awk 'NR == 1 && $1 == "blocks" { print $3 }' "$work/theirs")
  if [ "$n" = 1 ]; then
    sh "$blocks" diff "$work/theirs" "$work/ours" >"$work/ranges" 2>"$work/err"; rc=$?
  else
    # a closer look, on the Xen host, only where runs differ: per SUB blocks, then per block
    sh "$blocks" diff "$work/theirs" "$work/ours.run" >"$work/runs" 2>"$work/err"; rc=$?
    if [ $rc -eq 0 ] && [ -s "$work/runs" ]; then
      xen_blocks sums-of "$src" "$bs" "$SUB" <"$work/runs" >"$work/theirs.sub" 2>"$work/err" \
        || fail "checksumming blocks of $src on the Xen host failed: $(tail -n 2 "$work/err" | tr '\n' ' ')"
      sh "$blocks" diff-of "$work/theirs.sub" "$work/ours.sub" >"$work/subs" 2>"$work/err"; rc=$?
    else
      : >"$work/subs"
    fi
    if [ $rc -eq 0 ] && [ -s "$work/subs" ]; then
      xen_blocks sums-of "$src" "$bs" 1 <"$work/subs" >"$work/theirs.of" 2>"$work/err" \
        || fail "checksumming blocks of $src on the Xen host failed: $(tail -n 2 "$work/err" | tr '\n' ' ')"
      sh "$blocks" diff-of "$work/theirs.of" "$work/ours" >"$work/ranges" 2>"$work/err"; rc=$?
    elif [ $rc -eq 0 ]; then
      : >"$work/ranges"
    fi
  fi
  [ $rc -eq 3 ] && fail "the size of $src changed since the pre-copy ($(cat "$work/err")): copy it cold (xen2kvm_copy_mode: cold)" 4
  [ $rc -eq 0 ] || fail "comparing the checksums of $src failed: $(cat "$work/err")"
  local blocks_now
  blocks_now=$(awk '{ n += $2 } END { print n + 0 }' "$work/ranges")
  if [ "$blocks_now" -gt 0 ]; then
    xen_blocks send "$src" "$bs" <"$work/ranges" 2>"$work/err" | limit | sh "$blocks" apply "$warm" "$bs" "$work/ranges" 2>"$work/apply.err"
    local st=("${PIPESTATUS[@]}")
    [ "${st[0]}" -eq 0 ] || fail "reading the changed blocks of $src on the Xen host failed (ssh exit ${st[0]}): $(tail -n 2 "$work/err" | tr '\n' ' ')"
    [ "${st[2]}" -eq 0 ] || fail "writing the changed blocks into $warm failed: $(tail -n 2 "$work/apply.err" | tr '\n' ' ')"
  fi
  changed=$((changed + blocks_now))
  sent=$((sent + blocks_now * bs))
}

start=$(now)
case $mode in
  precopy)
    passes_done=1
    pass=$(now)
    ssh "${opts[@]}" "$target" "dd if=$(q "$src") bs=1M 2>/dev/null" </dev/null 2>"$work/err" | limit \
      | dd of="$warm" bs=1M iflag=fullblock conv=sparse 2>"$work/dd"
    st=("${PIPESTATUS[@]}")
    [ "${st[0]}" -eq 0 ] || fail "reading $src on the Xen host failed (ssh exit ${st[0]}): $(tail -n 2 "$work/err" | tr '\n' ' ')"
    [ "${st[2]}" -eq 0 ] || fail "writing $warm on the KVM host failed: $(tail -n 2 "$work/dd" | tr '\n' ' ')"
    got=$(stat -c %s "$warm")
    [ "$got" = "$size" ] || fail "the pre-copy of $src is $got bytes, the disk is $size: the transfer was cut short" 4
    sent=$size
    local_sums
    # another pass while the guest still runs, when the last one was long: the final one is then short
    while [ "$passes_done" -lt "$passes" ] && awk -v s="$(secs "$pass")" -v r="$repeat" 'BEGIN { exit !(s > r) }'; do
      pass=$(now)
      delta
      local_sums
      passes_done=$((passes_done + 1))
    done
    printf '{"source":"%s","mode":"precopy","bytes":%s,"sent":%s,"passes":%s,"seconds":%s}\n' \
      "$src" "$size" "$sent" "$passes_done" "$(secs "$start")" ;;
  final)
    [ -f "$warm" ] && [ -f "$work/ours" ] || fail "there is no pre-copy of $src at $warm: run the pre-copy first" 1
    delta
    alg=$(awk '$1 == "whole" { print $2 }' "$work/theirs")
    want=$(awk '$1 == "whole" { print $3 }' "$work/theirs")
    case $alg in
      sha256) got=$( (openssl dgst -sha256 -r "$warm" 2>/dev/null || sha256sum "$warm") | awk '{ print $1 }') ;;
      md5) got=$(md5sum "$warm" | awk '{ print $1 }') ;;
      *) fail "the Xen host's checksum of $src is not one: $(tail -n 2 "$work/theirs" | tr '\n' ' ')" ;;
    esac
    [ "$got" = "$want" ] || fail "checksum mismatch for $src after the final sync: the Xen host read $alg $want, the copy on the KVM host is $got (the disk changed after shutdown, or a transfer was damaged)" 4
    mv -f "$warm" "$dest" || fail "cannot move the copy into place at $dest"
    rm -rf "$work"
    alloc=$(du -B1 "$dest" | awk '{ print $1 }')
    printf '{"source":"%s","dest":"%s","mode":"warm","bytes":%s,"sent":%s,"blocks":%s,"allocated":%s,"algorithm":"%s","checksum":"%s","seconds":%s}\n' \
      "$src" "$dest" "$size" "$sent" "$changed" "$alloc" "$alg" "$got" "$(secs "$start")" ;;
  *) fail "usage: sync-disk.sh precopy|final TARGET PORT KEY KNOWN_HOSTS BLOCKS_SH SOURCE SIZE DEST BLOCK MBIT [PASSES REPEAT_AFTER]" 2 ;;
esac
