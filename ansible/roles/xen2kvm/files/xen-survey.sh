#!/bin/sh
# xen2kvm survey of one Xen host (dom0). Read-only. Runs with what an old dom0 has:
# a Bourne shell, sed, awk, ls and the toolstack (xl or xm) — no Python, no Node.
# Prints tab-separated lines for the playbook:
#   toolstack	xl|xm|none	DETAIL
#   guest	NAME	SOURCE	STATE	AUTOSTART
# STATE is running or off; SOURCE is /etc/xen/NAME(.cfg) or xend's
# /var/lib/xend/domains/UUID/config.sxp; AUTOSTART is yes when /etc/xen/auto links it.
XEN_DIR=${XEN_DIR:-/etc/xen}
XEND_DIR=${XEND_DIR:-/var/lib/xend/domains}
PATH=$PATH:/usr/sbin:/sbin:/usr/bin:/bin
tab=$(printf '\t')

# xl answers only when xend is not running, xm only when it is.
tool=none; detail="neither xl nor xm answers: is this a Xen dom0, and is its toolstack running?"
if xl list >/dev/null 2>&1; then tool=xl; detail="xl"
elif xm list >/dev/null 2>&1; then tool=xm; detail="xm (xend)"; fi
echo "toolstack${tab}${tool}${tab}${detail}"

running_list=""
[ "$tool" != none ] && running_list=$($tool list 2>/dev/null | awk 'NR > 1 && $2 ~ /^[0-9]+$/ && $1 != "Domain-0" { print $1 }')
state_of() {
  for r in $running_list; do [ "$r" = "$1" ] && { echo running; return; }; done
  echo off
}
autostart_of() {
  for l in "$XEN_DIR"/auto/*; do
    [ -e "$l" ] || continue
    t=$(ls -l "$l" 2>/dev/null | sed -n 's/.* -> //p')
    case "$t" in "$2"|*/"$(basename "$2")") echo yes; return;; esac
  done
  echo no
}

seen=" "
# Guest configs: files in /etc/xen that set a name and disks (xend-config.sxp,
# xl.conf, scripts and the like are skipped).
for f in "$XEN_DIR"/* "$XEN_DIR"/*/*; do
  [ -f "$f" ] || continue
  case "$f" in
    "$XEN_DIR"/scripts/*|"$XEN_DIR"/auto/*|*.sxp|*/xl.conf|*/xm-config*|*/xend-*|*~|*.rpmsave|*.rpmnew|*.orig|*.bak) continue;;
  esac
  grep -q '^[[:space:]]*disk[[:space:]]*=' "$f" 2>/dev/null || continue
  name=$(sed -n "s/^[[:space:]]*name[[:space:]]*=[[:space:]]*[\"']\([^\"']*\)[\"'].*/\1/p" "$f" | tail -n 1)
  [ -n "$name" ] || continue
  case "$seen" in *" $name "*) continue;; esac
  seen="$seen$name "
  echo "guest${tab}${name}${tab}${f}${tab}$(state_of "$name")${tab}$(autostart_of "$name" "$f")"
done
# Guests only xend knows (created with `xm new`): their records.
for f in "$XEND_DIR"/*/config.sxp; do
  [ -f "$f" ] || continue
  name=$(sed -n 's/^[[:space:]]*(name \([^)]*\)).*/\1/p' "$f" | head -n 1)
  [ -n "$name" ] || continue
  case "$seen" in *" $name "*) continue;; esac
  seen="$seen$name "
  echo "guest${tab}${name}${tab}${f}${tab}$(state_of "$name")${tab}no"
done
exit 0
