# Sourced by the boot-proof image builders (scripts/images/debian-guest,
# scripts/images/xen-tools-guest). A test instrument, not part of the Xen shape:
# install_report ROOT adds a unit that waits for the boot to finish and then prints
# what the boot proof checks, one line each, on the console:
#   X2K-ROOT <device of />      X2K-LINK <ip -o link line>   X2K-ADDR <ip -o -4 addr line>
#   X2K-SWAP <active swap devices>   X2K-FAILED <failed units>   X2K-DONE
#   (X2K-NETLOG <the network units' last journal lines> when eth0 has no address)
install_report() {
  local R=$1
  mkdir -p "$R/usr/local/sbin" "$R/etc/systemd/system/multi-user.target.wants"
  cat >"$R/usr/local/sbin/x2k-report" <<'SH'
#!/bin/sh
# Waits until systemd has finished starting the system (running or degraded), then reports.
systemctl is-system-running --wait >/dev/null 2>&1
# A DHCP answer may come after the boot has finished (slow emulated guests): up to 60 s more.
n=0
while [ $n -lt 30 ] && ! ip -o -4 addr show scope global | grep -q inet; do sleep 2; n=$((n + 1)); done
echo "X2K-ROOT $(findmnt -n -o SOURCE /)"
ip -o link | sed 's/^/X2K-LINK /'
ip -o -4 addr show scope global | sed 's/^/X2K-ADDR /'
# No address: what the DHCP client said, for the failure message.
ip -o -4 addr show scope global | grep -q inet || journalctl -b --no-pager -o cat -u networking -u 'ifup@*' -u systemd-networkd 2>/dev/null | tail -n 8 | sed 's/^/X2K-NETLOG /'
echo "X2K-SWAP $(tail -n +2 /proc/swaps | awk '{print $1}' | tr '\n' ' ')"
echo "X2K-FAILED $(systemctl --failed --plain --no-legend | awk '{print $1}' | tr '\n' ' ')"
echo "X2K-DONE"
SH
  chmod 755 "$R/usr/local/sbin/x2k-report"
  cat >"$R/etc/systemd/system/x2k-report.service" <<'UNIT'
[Unit]
Description=Report the root device, network, swap and failed units on the console

[Service]
Type=simple
ExecStart=/usr/local/sbin/x2k-report
StandardOutput=tty
TTYPath=/dev/console

[Install]
WantedBy=multi-user.target
UNIT
  ln -sf /etc/systemd/system/x2k-report.service "$R/etc/systemd/system/multi-user.target.wants/x2k-report.service"
}
