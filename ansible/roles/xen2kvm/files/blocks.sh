#!/bin/sh
# Block checksums and block transfer for warm (pre-copy) migration. POSIX sh: it runs on
# a Xen host (an old dom0 may have only busybox or coreutils, and Python 2.4+ only if
# RHEL 5's xend brought it) and on the KVM host, against the same disk on both sides.
#
#   blocks.sh sums DISK BLOCK [RUN [SIZE [OUT N]...]]
#       the checksums of DISK: a header "blocks BLOCK N", one md5 (hex) per N blocks, then
#       "size BYTES" and "whole md5 HEX", the whole disk's checksum (md5 on every path, so
#       the KVM host can start its own before it knows the Xen host's). With a Python: N is 1,
#       the whole disk's checksum is taken in the same pass, and each
#       OUT N pair writes the same sums per N blocks to OUT too (the KVM host keeps several);
#       X2K_BLOCKS_NO_WHOLE=1 leaves the whole disk's checksum out ("whole none -").
#       Without one: N is RUN (default 16), one `dd | md5sum` per RUN blocks — not one per
#       block — SIZE (the disk's bytes) must be given and dd is held to it; the whole disk's
#       md5sum reads it beside them (not through dd: a second, independent read).
#   blocks.sh sums-of DISK BLOCK [SPAN]   stdin: lines "START COUNT" (in blocks, START a
#       multiple of SPAN); stdout: "INDEX MD5", one per SPAN blocks from START (default 1):
#       the closer look at runs that differ
#   blocks.sh send DISK BLOCK     stdin: lines "START COUNT" (ascending); writes those blocks
#       of DISK to stdout, one after the other (the last block of a disk may be short: the
#       stream just ends there; the whole disk's checksum afterwards is the check)
#   blocks.sh apply DISK BLOCK RANGES   the other end of send: reads the blocks from stdin
#       and writes them into DISK where RANGES puts them
#   blocks.sh diff THEIRS OURS    two sums files of the same N → "START COUNT" of the blocks
#       whose sums differ (runs joined, in blocks); exit 3 when the sizes differ
#   blocks.sh diff-of THEIRS OURS THEIRS from sums-of with SPAN, OURS a sums file with that N
set -u
mode=${1:-} disk=${2:-} bs=${3:-1048576}
die() { echo "blocks.sh: $*" >&2; exit 1; }
case $mode in diff|diff-of) ;; *)
  case $bs in ''|*[!0-9]*) die "the block size must be a number of bytes, not '$bs'" ;; esac
  [ "$bs" -gt 0 ] || die "the block size must be more than 0" ;;
esac
number() { case $2 in ''|*[!0-9]*|0) die "$1 must be a number more than 0, not '$2'" ;; esac; }

py=
for p in python3 python2 python; do command -v "$p" >/dev/null 2>&1 && { py=$p; break; }; done
[ -n "${X2K_BLOCKS_NO_PYTHON:-}" ] && py=

# Python 2.4 has neither `with` nor hashlib (2.5), nor bytes literals: keep to what it has.
PY_HASH='
import sys
try:
    import hashlib
    md5 = hashlib.md5
except ImportError:
    import md5 as _md5
    md5 = _md5.new
'
# sums: argv DISK BS OUT1 N1 OUT2 N2 ...
PY_SUMS=$PY_HASH'
f = open(sys.argv[1], "rb")
bs = int(sys.argv[2])
outs = []
a = 3
while a + 1 < len(sys.argv):
    o = open(sys.argv[a], "w")
    n = int(sys.argv[a + 1])
    o.write("blocks %d %d\n" % (bs, n))
    outs.append([o, n, md5()])
    a = a + 2
out = sys.stdout
out.write("blocks %d 1\n" % bs)
import os
whole = None
if not os.environ.get("X2K_BLOCKS_NO_WHOLE"):
    whole = md5()
size = 0
k = 0
while 1:
    b = f.read(bs)
    if not b:
        break
    size = size + len(b)
    k = k + 1
    if whole:
        whole.update(b)
    out.write(md5(b).hexdigest() + "\n")
    for e in outs:
        e[2].update(b)
        if k % e[1] == 0:
            e[0].write(e[2].hexdigest() + "\n")
            e[2] = md5()
if whole:
    tail = "size %d\nwhole md5 %s\n" % (size, whole.hexdigest())
else:
    tail = "size %d\nwhole none -\n" % size
out.write(tail)
for e in outs:
    if k % e[1]:
        e[0].write(e[2].hexdigest() + "\n")
    e[0].write(tail)
    e[0].close()
'
# sums-of: argv DISK BS SPAN, stdin ranges
PY_SUMS_OF=$PY_HASH'
f = open(sys.argv[1], "rb")
bs = int(sys.argv[2])
span = int(sys.argv[3])
out = sys.stdout
for line in sys.stdin:
    p = line.split()
    if len(p) != 2:
        continue
    i = int(p[0])
    end = i + int(p[1])
    f.seek(i * bs)
    while i < end:
        b = f.read(span * bs)
        if not b:
            break
        out.write("%d %s\n" % (i, md5(b).hexdigest()))
        i = i + span
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

# Without a Python: one dd | md5sum per RUN blocks, every dd held to what SIZE says it must read.
runs_sh() { # RUN SIZE: the sums, one per line
  run=$1 size=$2 i=0
  err=$(mktemp "${TMPDIR:-/tmp}/x2k-blocks.XXXXXX") || die "cannot make a temporary file"
  trap 'rm -f "$err"' EXIT
  trap 'exit 130' INT TERM
  while [ $((i * bs)) -lt "$size" ]; do
    left=$((size - i * bs)); [ "$left" -gt $((run * bs)) ] && left=$((run * bs))
    sum=$(dd if="$disk" bs="$bs" skip="$i" count="$run" 2>"$err" | md5sum) || die "md5sum failed on $disk"
    # what dd read, as every dd says it ("FULL+PARTIAL records in"): the disk is as long as said
    want="$((left / bs))+$(( left % bs > 0 ))"
    got=$(sed -n 's/^\([0-9]*+[0-9]*\) records in.*/\1/p' "$err")
    [ "$got" = "$want" ] || { cat "$err" >&2; die "$disk at block $i: dd read $got records, not $want (is the disk $size bytes?)"; }
    echo "${sum%% *}"
    i=$((i + run))
  done
}

case $mode in
  sums)
    [ -r "$disk" ] || die "cannot read $disk"
    run=${4:-16}; number "the run" "$run"
    if [ -n "$py" ]; then
      if [ $# -ge 5 ]; then shift 5; else set --; fi
      exec "$py" -c "$PY_SUMS" "$disk" "$bs" "$@"
    fi
    [ -z "${6:-}" ] || die "more sums files need a Python"
    size=${5:-}
    case $size in ''|*[!0-9]*) die "without a Python the disk's size in bytes must be given, not '$size'" ;; esac
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/x2k-blocks.XXXXXX") || die "cannot make a temporary directory"
    trap 'rm -rf "$tmp"' EXIT
    trap 'exit 130' INT TERM
    md5sum <"$disk" >"$tmp/whole" 2>"$tmp/whole.err" &
    wpid=$!
    sums=$(runs_sh "$run" "$size") || exit 1
    wait "$wpid" || { cat "$tmp/whole.err" >&2; die "the checksum of $disk failed"; }
    echo "blocks $bs $run"
    [ -n "$sums" ] && printf '%s\n' "$sums"
    echo "size $size"
    echo "whole md5 $(awk '{ print $1 }' "$tmp/whole")" ;;
  sums-of)
    [ -r "$disk" ] || die "cannot read $disk"
    span=${4:-1}; number "the span" "$span"
    if [ -n "$py" ]; then exec "$py" -c "$PY_SUMS_OF" "$disk" "$bs" "$span"; fi
    while read -r start count; do
      [ -n "$count" ] || continue
      j=$start
      while [ "$j" -lt $((start + count)) ]; do
        sum=$(dd if="$disk" bs="$bs" skip="$j" count="$span" 2>/dev/null | md5sum) || die "cannot read block $j of $disk"
        echo "$j ${sum%% *}"
        j=$((j + span))
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
      function differs(a, b) { # blocks a..b (clipped to the disk) differ
        if (b > nblocks - 1) b = nblocks - 1
        if (start >= 0 && a != last + 1) flush()
        if (start < 0) start = a
        last = b
      }
      FILENAME == theirs {
        if ($1 == "blocks") { trun = $3; next }
        if ($1 == "size") { tsize = $2; next }
        if ($1 == "whole") next
        if (mode == "diff-of") { ti[++tn] = $1; th[tn] = $2 } else t[++tn] = $1
        next
      }
      $1 == "blocks" { bs = $2; orun = $3; next }
      $1 == "size" { osize = $2; next }
      $1 == "whole" { next }
      { o[++on] = $1 }
      END {
        start = -1
        if (osize == "") { print "blocks.sh: " ARGV[2] " has no size line" > "/dev/stderr"; exit 1 }
        nblocks = int((osize + bs - 1) / bs)
        if (mode == "diff-of") {
          for (k = 1; k <= tn; k++) {
            if (ti[k] % orun) { print "blocks.sh: block " ti[k] " does not start a run of " orun > "/dev/stderr"; exit 1 }
            if (th[k] != o[ti[k] / orun + 1]) differs(ti[k], ti[k] + orun - 1)
          }
          flush(); exit 0
        }
        if (tsize == "") { print "blocks.sh: " ARGV[1] " has no size line" > "/dev/stderr"; exit 1 }
        if (trun != orun) { print "blocks.sh: the sums are per " trun " and per " orun " blocks" > "/dev/stderr"; exit 1 }
        if (tsize != osize) { print "blocks.sh: the disk is " tsize " bytes, the copy " osize > "/dev/stderr"; exit 3 }
        for (k = 1; k <= tn; k++) if (t[k] != o[k]) differs((k - 1) * trun, k * trun - 1)
        flush()
      }' "$theirs" "$ours" ;;
  *) die "usage: blocks.sh sums DISK BLOCK [RUN [SIZE [OUT N]...]] | sums-of DISK BLOCK [SPAN] | send DISK BLOCK | apply DISK BLOCK RANGES | diff|diff-of THEIRS OURS" ;;
esac
