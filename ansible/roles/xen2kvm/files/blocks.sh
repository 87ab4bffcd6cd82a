#!/bin/sh
# Block checksums and block transfer for warm (pre-copy) migration. POSIX sh: it runs on
# a Xen host (an old dom0 may have only busybox or coreutils, and Python 2.4+ only if
# RHEL 5's xend brought it) and on the KVM host, against the same disk on both sides.
#
#   blocks.sh sums DISK BLOCK [RUN [SIZE [RUNFILE]]]
#       the checksums of DISK: a header "blocks BLOCK N", one md5 (hex) per N blocks, then
#       "size BYTES" and "whole ALG HEX" (the whole disk's checksum, read in the same pass
#       with a Python, beside it without). With a Python N is 1, and with RUNFILE the same
#       sums per RUN blocks are written there too (the KVM host keeps both). Without a
#       Python N is RUN (default 16): one `dd | md5sum` per RUN blocks, not one per block,
#       and SIZE (the disk's bytes) must be given: dd is held to it.
#   blocks.sh sums-of DISK BLOCK  stdin: lines "START COUNT" (in blocks); stdout: "INDEX MD5"
#                                 for each of those blocks (the second look at runs that differ)
#   blocks.sh send DISK BLOCK     stdin: lines "START COUNT" (ascending); writes those blocks
#                                 of DISK to stdout, one after the other (the last block of a
#                                 disk may be short: the stream just ends there; the whole
#                                 disk's checksum afterwards is the check)
#   blocks.sh apply DISK BLOCK RANGES   the other end of send: reads the blocks from
#                                 stdin and writes them into DISK where RANGES puts them
#   blocks.sh diff THEIRS OURS    two sums files of the same N → "START COUNT" of the blocks
#                                 whose sums differ (runs joined); exit 3 when sizes differ
#   blocks.sh diff-of THEIRS OURS THEIRS from sums-of, OURS a sums file with N 1 → the same
#
# With a Python (python3, python2 or python; 2.4 will do) one process reads the whole disk.
# Without, the whole disk's checksum (md5sum) reads it beside the dd | md5sum runs.
set -u
mode=${1:-} disk=${2:-} bs=${3:-1048576}
die() { echo "blocks.sh: $*" >&2; exit 1; }
case $mode in diff|diff-of) ;; *)
  case $bs in ''|*[!0-9]*) die "the block size must be a number of bytes, not '$bs'" ;; esac
  [ "$bs" -gt 0 ] || die "the block size must be more than 0" ;;
esac

py=
for p in python3 python2 python; do command -v "$p" >/dev/null 2>&1 && { py=$p; break; }; done
[ -n "${X2K_BLOCKS_NO_PYTHON:-}" ] && py=

# Python 2.4 has neither `with` nor hashlib (2.5), nor bytes literals: keep to what it has.
PY_HASH='
import sys
try:
    import hashlib
    md5 = hashlib.md5
    sha = hashlib.sha256
    alg = "sha256"
except ImportError:
    import md5 as _md5
    md5 = _md5.new
    sha = md5
    alg = "md5"
'
PY_SUMS=$PY_HASH'
f = open(sys.argv[1], "rb")
bs = int(sys.argv[2])
run = int(sys.argv[3])
rf = None
if len(sys.argv) > 4 and run > 1:
    rf = open(sys.argv[4], "w")
    rf.write("blocks %d %d\n" % (bs, run))
out = sys.stdout
out.write("blocks %d 1\n" % bs)
whole = sha()
part = md5()
n = 0
k = 0
while 1:
    b = f.read(bs)
    if not b:
        break
    n = n + len(b)
    k = k + 1
    whole.update(b)
    out.write(md5(b).hexdigest() + "\n")
    if rf:
        part.update(b)
        if k % run == 0:
            rf.write(part.hexdigest() + "\n")
            part = md5()
tail = "size %d\nwhole %s %s\n" % (n, alg, whole.hexdigest())
out.write(tail)
if rf:
    if k % run:
        rf.write(part.hexdigest() + "\n")
    rf.write(tail)
    rf.close()
'
PY_SUMS_OF=$PY_HASH'
f = open(sys.argv[1], "rb")
bs = int(sys.argv[2])
out = sys.stdout
for line in sys.stdin:
    p = line.split()
    if len(p) != 2:
        continue
    i = int(p[0])
    f.seek(i * bs)
    for j in range(i, i + int(p[1])):
        b = f.read(bs)
        if not b:
            break
        out.write("%d %s\n" % (j, md5(b).hexdigest()))
'
PY_SEND='
import sys
f = open(sys.argv[1], "rb")
bs = int(sys.argv[2])
try:
    out = sys.stdout.buffer
except AttributeError:
    out = sys.stdout
for line in sys.stdin:
    p = line.split()
    if len(p) != 2:
        continue
    f.seek(int(p[0]) * bs)
    left = int(p[1]) * bs
    while left > 0:
        b = f.read(min(left, 4194304))
        if not b:
            break
        out.write(b)
        left = left - len(b)
out.flush()
'
PY_APPLY='
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
bs = int(sys.argv[2])
try:
    inp = sys.stdin.buffer
except AttributeError:
    inp = sys.stdin
for line in open(sys.argv[3]):
    p = line.split()
    if len(p) != 2:
        continue
    os.lseek(fd, int(p[0]) * bs, 0)
    left = int(p[1]) * bs
    while left > 0:
        b = inp.read(min(left, 4194304))
        if not b:
            break
        left = left - len(b)
        while b:
            w = os.write(fd, b)
            b = b[w:]
os.fsync(fd)
os.close(fd)
'

sums_sh() { # RUN SIZE: one dd | md5sum per RUN blocks; the whole disk's md5sum beside it
  run=$1 size=$2
  case $run in ''|*[!0-9]*|0) die "the run must be a number of blocks, not '$run'" ;; esac
  case $size in ''|*[!0-9]*) die "without a Python the disk's size in bytes must be given, not '$size'" ;; esac
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/x2k-blocks.XXXXXX") || die "cannot make a temporary directory"
  trap 'rm -rf "$tmp"' EXIT
  trap 'exit 130' INT TERM
  md5sum <"$disk" >"$tmp/whole" 2>"$tmp/whole.err" &
  wpid=$!
  echo "blocks $bs $run"
  i=0
  while [ $((i * bs)) -lt "$size" ]; do
    left=$((size - i * bs)); [ "$left" -gt $((run * bs)) ] && left=$((run * bs))
    sum=$(dd if="$disk" bs="$bs" skip="$i" count="$run" 2>"$tmp/dd.err" | md5sum) || die "md5sum failed on $disk"
    # what dd read, as every dd says it ("FULL+PARTIAL records in"): the disk is as long as said
    want="$((left / bs))+$(( left % bs > 0 ))"
    got=$(sed -n 's/^\([0-9]*+[0-9]*\) records in.*/\1/p' "$tmp/dd.err")
    [ "$got" = "$want" ] || { cat "$tmp/dd.err" >&2; die "$disk at block $i: dd read $got records, not $want (is the disk $size bytes?)"; }
    echo "${sum%% *}"
    i=$((i + run))
  done
  wait "$wpid" || { cat "$tmp/whole.err" >&2; die "the checksum of $disk failed"; }
  echo "size $size"
  echo "whole md5 $(awk '{ print $1 }' "$tmp/whole")"
}

case $mode in
  sums)
    [ -r "$disk" ] || die "cannot read $disk"
    if [ -n "$py" ]; then exec "$py" -c "$PY_SUMS" "$disk" "$bs" "${4:-16}" ${6:+"$6"}; fi
    [ -z "${6:-}" ] || die "a second sums file needs a Python"
    sums_sh "${4:-16}" "${5:-}" ;;
  sums-of)
    [ -r "$disk" ] || die "cannot read $disk"
    if [ -n "$py" ]; then exec "$py" -c "$PY_SUMS_OF" "$disk" "$bs"; fi
    while read -r start count; do
      [ -n "$count" ] || continue
      j=$start
      while [ "$j" -lt $((start + count)) ]; do
        sum=$(dd if="$disk" bs="$bs" skip="$j" count=1 2>/dev/null | md5sum) || die "cannot read block $j of $disk"
        echo "$j ${sum%% *}"
        j=$((j + 1))
      done
    done ;;
  send)
    [ -r "$disk" ] || die "cannot read $disk"
    if [ -n "$py" ]; then exec "$py" -c "$PY_SEND" "$disk" "$bs"; fi
    while read -r start count; do
      [ -n "$count" ] || continue
      dd if="$disk" bs="$bs" skip="$start" count="$count" 2>/dev/null || die "cannot read block $start + $count of $disk"
    done ;;
  apply)
    ranges=${4:-}
    [ -w "$disk" ] || die "cannot write $disk"
    [ -r "$ranges" ] || die "cannot read the ranges file '$ranges'"
    if [ -n "$py" ]; then exec "$py" -c "$PY_APPLY" "$disk" "$bs" "$ranges"; fi
    exec 4<&0
    while read -r start count; do
      [ -n "$count" ] || continue
      dd of="$disk" bs="$bs" seek="$start" count="$count" iflag=fullblock conv=notrunc 2>/dev/null <&4 \
        || die "cannot write block $start + $count of $disk"
    done <"$ranges" ;;
  diff|diff-of)
    theirs=$disk ours=${3:-}
    [ -r "$theirs" ] && [ -r "$ours" ] || die "$mode needs two sums files"
    awk -v theirs="$theirs" -v mode="$mode" '
      function flush() { if (start >= 0) print start, last - start + 1; start = -1 }
      function differs(k) { if (start >= 0 && k != last + 1) flush(); if (start < 0) start = k; last = k }
      FILENAME == theirs {
        if ($1 == "blocks") { bs = $2; trun = $3; next }
        if ($1 == "size") { tsize = $2; next }
        if ($1 == "whole") next
        if (mode == "diff-of") { ti[++tn] = $1; th[tn] = $2 } else t[++tn] = $1
        next
      }
      $1 == "blocks" { orun = $3; next }
      $1 == "size" { osize = $2; next }
      $1 == "whole" { next }
      { o[++on] = $1 }
      END {
        start = -1
        if (mode == "diff-of") {
          if (orun != 1) { print "blocks.sh: diff-of needs the sums of every block" > "/dev/stderr"; exit 1 }
          for (k = 1; k <= tn; k++) if (th[k] != o[ti[k] + 1]) differs(ti[k] + 0)
          flush(); exit 0
        }
        if (tsize == "" || osize == "") { print "blocks.sh: a sums file has no size line" > "/dev/stderr"; exit 1 }
        if (trun != orun) { print "blocks.sh: the sums are per " trun " and per " orun " blocks" > "/dev/stderr"; exit 1 }
        if (tsize != osize) { print "blocks.sh: the disk is " tsize " bytes, the copy " osize > "/dev/stderr"; exit 3 }
        nblocks = int((tsize + bs - 1) / bs)
        for (k = 1; k <= tn; k++) if (t[k] != o[k]) {
          differs((k - 1) * trun); last = k * trun - 1; if (last > nblocks - 1) last = nblocks - 1
        }
        flush()
      }' "$theirs" "$ours" ;;
  *) die "usage: blocks.sh sums DISK BLOCK [RUN [SIZE [RUNFILE]]] | sums-of|send DISK BLOCK | apply DISK BLOCK RANGES | diff|diff-of THEIRS OURS" ;;
esac
