#!/bin/bash
# Runs on the KVM host: warm (pre-copy) migration of one disk from its Xen host.
#   sync-disk.sh precopy|final XEN_SSH_TARGET SSH_PORT SSH_KEY KNOWN_HOSTS BLOCKS_SH SOURCE SIZE DEST
#                BLOCK MBIT [PASSES REPEAT_AFTER]
# precopy (the guest still runs on Xen): the whole disk is streamed (dd | ssh, sparse) into
#   DEST.xen2kvm-warm, and its block checksums are taken here. When a pass took longer than
#   REPEAT_AFTER seconds and PASSES allows, another pass sends only the blocks that changed
#   meanwhile. Nothing is compared with the Xen host yet: the disk is still being written.
# final (the guest is shut down): the Xen host checksums its disk (blocks.sh sums: one
#   Python process; or one `dd | md5sum` per run of 64 blocks, then per 16, 4 and 1 block
#   only inside the runs that differ), only the blocks that differ are sent and written into the
#   copy, and the whole disk's md5 is compared on both sides; then the copy becomes DEST.
#   The copy's md5 is read while the Xen host sums its disk, keeping where it stood every
#   64 blocks; after the sync only what follows the first block it changed is read again
#   (a python3 here; without one, the whole copy is read after the sync).
#   Any difference, a short or failed transfer, or a disk whose size changed, exits
#   non-zero and leaves DEST absent.
# BLOCKS_SH is blocks.sh on this host (- : its text is in $X2K_BLOCKS_SH); on the Xen host it runs as `sh -c TEXT` (nothing is
# left there). MBIT > 0 limits every transfer to that many Mbit/s (pv -L). Prints one JSON line.
set -uo pipefail
mode=$1 target=$2 port=$3 key=$4 known=$5 blocks=$6 src=$7 size=$8 dest=$9 bs=${10} mbit=${11}
passes=${12:-1} repeat=${13:-0}
RUN=64 LOOK="16 4 1"   # blocks per sum of the first look without a Python on the Xen host, and of the closer looks
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
local_sums() { # the copy's checksums per block (ours.1), per RUN blocks and per block of each closer look (ours.N)
  local more=() span
  for span in $LOOK; do [ "$span" -gt 1 ] && more+=("$work/ours.$span" "$span"); done
  X2K_BLOCKS_NO_WHOLE=1 sh "$blocks" sums "$warm" "$bs" "$RUN" - "$work/ours.$RUN" "$RUN" "${more[@]}" >"$work/ours.1" 2>"$work/ours.err" \
    || fail "checksumming the copy $warm failed: $(tail -n 2 "$work/ours.err" | tr '\n' ' ')"
}
# The copy's md5, read once from the start while the Xen host sums its disk; where the hash
# stood every 64 blocks is kept, and once the file GO holds the ranges the sync wrote (it
# appears whole: moved into place), only what follows the first of them is read again.
# It waits for GO by polling, not on a fifo: a resumer that died early must not leave this
# script blocked, nor one whose script died left waiting. argv: COPY BLOCK GO
PY_RESUME='
import hashlib, os, sys, time
path, bs, go = sys.argv[1], int(sys.argv[2]), sys.argv[3]
parent = os.getppid()
every = 64
f = open(path, "rb")
h = hashlib.md5()
kept = []
k = 0
while True:
    if k % every == 0:
        kept.append(h.copy())
    b = f.read(bs)
    if not b:
        break
    h.update(b)
    k += 1
while not os.path.exists(go):
    if os.getppid() != parent:
        sys.exit("sync-disk.sh is gone")
    time.sleep(0.05)
first = None
for line in open(go):
    p = line.split()
    if len(p) == 2 and int(p[1]) > 0 and (first is None or int(p[0]) < first):
        first = int(p[0])
if first is not None and first < k:
    h = kept[first // every].copy()
    f.seek(first // every * every * bs)
    while True:
        b = f.read(bs)
        if not b:
            break
        h.update(b)
print(h.hexdigest())
'
resumer=
start_resumer() { # the copy's md5 in the background, when this host has a python3 (X2K_SYNC_PYTHON: another)
  local py=${X2K_SYNC_PYTHON:-python3}
  command -v "$py" >/dev/null || return 0
  rm -f "$work/go"
  "$py" -c "$PY_RESUME" "$warm" "$bs" "$work/go" >"$work/ours.md5" 2>"$work/ours.md5.err" &
  resumer=$!
  trap '[ -n "$resumer" ] && kill "$resumer" 2>/dev/null' EXIT
}
copy_md5() { # got= the copy's md5 as it is now (after the sync wrote its ranges); not in a subshell: it waits
  if [ -n "$resumer" ]; then
    cp "$work/ranges" "$work/go.part" && mv "$work/go.part" "$work/go" || fail "cannot write $work/go"
    wait "$resumer" || fail "checksumming the copy $warm failed: $(tail -n 2 "$work/ours.md5.err" | tr '\n' ' ')"
    resumer=
    got=$(cat "$work/ours.md5")
  else
    got=$(md5sum "$warm" | awk '{ print $1 }')
  fi
}
steps='' step_t=
step() { # NAME: the time since the last step, as a JSON member of "steps"
  steps="$steps${steps:+,}\"$1\":$(secs "$step_t")"; step_t=$(now)
}
sent=0 changed=0
delta() { # send the blocks whose checksums differ between the Xen disk and the copy
  step_t=$(now)
  xen_blocks sums "$src" "$bs" "$RUN" "$size" </dev/null >"$work/theirs" 2>"$work/err" \
    || fail "checksumming $src on the Xen host failed: $(tail -n 2 "$work/err" | tr '\n' ' ')"
  step sums
  local n rc span
  n=$(awk 'NR == 1 && $1 == "blocks" { print $3 }' "$work/theirs")
  # where the Xen host summed runs of n blocks (no Python there): a closer look, on the Xen
  # host, only inside the runs that differ, per LOOK blocks (16, then 4, then 1)
  sh "$blocks" diff "$work/theirs" "$work/ours.$n" >"$work/ranges" 2>"$work/err"; rc=$?
  for span in $LOOK; do
    [ $rc -eq 0 ] && [ -s "$work/ranges" ] && [ "$span" -lt "$n" ] || continue
    mv "$work/ranges" "$work/runs"
    xen_blocks sums-of "$src" "$bs" "$span" <"$work/runs" >"$work/theirs.of" 2>"$work/err" \
      || fail "checksumming blocks of $src on the Xen host failed: $(tail -n 2 "$work/err" | tr '\n' ' ')"
    sh "$blocks" diff-of "$work/theirs.of" "$work/ours.$span" >"$work/ranges" 2>"$work/err"; rc=$?
  done
  [ $rc -eq 3 ] && fail "the size of $src changed since the pre-copy ($(cat "$work/err")): copy it cold (xen2kvm_copy_mode: cold)" 4
  [ $rc -eq 0 ] || fail "comparing the checksums of $src failed: $(cat "$work/err")"
  step look
  local blocks_now
  blocks_now=$(awk '{ n += $2 } END { print n + 0 }' "$work/ranges")
  if [ "$blocks_now" -gt 0 ]; then
    xen_blocks send "$src" "$bs" <"$work/ranges" 2>"$work/err" | limit | sh "$blocks" apply "$warm" "$bs" "$work/ranges" 2>"$work/apply.err"
    local st=("${PIPESTATUS[@]}")
    [ "${st[0]}" -eq 0 ] || fail "reading the changed blocks of $src on the Xen host failed (ssh exit ${st[0]}): $(tail -n 2 "$work/err" | tr '\n' ' ')"
    [ "${st[2]}" -eq 0 ] || fail "writing the changed blocks into $warm failed: $(tail -n 2 "$work/apply.err" | tr '\n' ' ')"
  fi
  step send
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
    [ -f "$warm" ] && [ -f "$work/ours.1" ] || fail "there is no pre-copy of $src at $warm: run the pre-copy first" 1
    start_resumer
    delta
    alg=$(awk '$1 == "whole" { print $2 }' "$work/theirs")
    want=$(awk '$1 == "whole" { print $3 }' "$work/theirs")
    [ "$alg" = md5 ] || fail "the Xen host's checksum of $src is not an md5: $(tail -n 2 "$work/theirs" | tr '\n' ' ')"
    copy_md5
    step verify
    [ "$got" = "$want" ] || fail "checksum mismatch for $src after the final sync: the Xen host read $alg $want, the copy on the KVM host is $got (the disk changed after shutdown, or a transfer was damaged)" 4
    mv -f "$warm" "$dest" || fail "cannot move the copy into place at $dest"
    rm -rf "$work"
    alloc=$(du -B1 "$dest" | awk '{ print $1 }')
    printf '{"source":"%s","dest":"%s","mode":"warm","bytes":%s,"sent":%s,"blocks":%s,"allocated":%s,"algorithm":"%s","checksum":"%s","seconds":%s,"steps":{%s}}\n' \
      "$src" "$dest" "$size" "$sent" "$changed" "$alloc" "$alg" "$got" "$(secs "$start")" "$steps" ;;
  *) fail "usage: sync-disk.sh precopy|final TARGET PORT KEY KNOWN_HOSTS BLOCKS_SH SOURCE SIZE DEST BLOCK MBIT [PASSES REPEAT_AFTER]" 2 ;;
esac
