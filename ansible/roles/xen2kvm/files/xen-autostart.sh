#!/bin/sh
# A migrated guest must not start on its Xen host again when dom0 boots (xendomains
# starts what /etc/xen/auto links): `xen-autostart.sh off NAME` moves its link to
# /etc/xen/xen2kvm-migrated/auto/, `xen-autostart.sh on NAME` puts it back.
XEN_DIR=${XEN_DIR:-/etc/xen}
mode=$1; name=$2
keep=$XEN_DIR/xen2kvm-migrated/auto
# move_links FROM TO: move FROM's links (or files) named for the guest, or pointing at its config
move_links() {
  for l in "$1"/*; do
    [ -L "$l" ] || [ -f "$l" ] || continue
    t=$(ls -l "$l" | sed -n 's/.* -> //p')
    b=$(basename "$l")
    case "$b:$t" in
      "$name:"*|*":$name"|*"/$name"|*"/$name.cfg"|"$name.cfg:"*) ;;
      *) continue;;
    esac
    mkdir -p "$2" && mv "$l" "$2/$b" && echo "moved $l to $2/$b"
  done
}
case "$mode" in
  off) move_links "$XEN_DIR/auto" "$keep" ;;
  on) move_links "$keep" "$XEN_DIR/auto" ;;
  *) echo "usage: xen-autostart.sh off|on NAME" >&2; exit 2 ;;
esac
exit 0
