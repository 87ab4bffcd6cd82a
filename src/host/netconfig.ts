// A host bridge for the guests' NICs, in the host's own network configuration
// style: RHEL ifcfg files (the seed's way), Debian /etc/network/interfaces, or —
// for NetworkManager — the nmcli commands to run. Pure.

/** KEY=value lines of an ifcfg file. */
export function parseIfcfg(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const kv = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (kv) m.set(kv[1], kv[2].replace(/^(["'])(.*)\1$/, '$2'));
  }
  return m;
}

const PORT_KEYS = ['DEVICE', 'HWADDR', 'ONBOOT', 'TYPE', 'NM_CONTROLLED', 'USERCTL'];
const BRIDGE_DROP = ['HWADDR', 'TYPE', 'NAME', 'UUID', 'BRIDGE', 'DEVICE'];

/** ifcfg-br0 from the port's ifcfg: its IP settings move to the bridge. */
export function bridgeIfcfg(portText: string, bridge: string): string {
  const port = parseIfcfg(portText);
  const lines = [`DEVICE=${bridge}`, 'TYPE=Bridge'];
  for (const [k, v] of port) if (!BRIDGE_DROP.includes(k)) lines.push(`${k}=${v}`);
  if (!port.has('ONBOOT')) lines.push('ONBOOT=yes');
  lines.push('DELAY=0');
  return `${lines.join('\n')}\n`;
}

/** The port's ifcfg reduced to a bridge port: DEVICE, HWADDR, ONBOOT kept, BRIDGE= added. Idempotent. */
export function portIfcfg(portText: string, bridge: string): string {
  const kept = portText.split('\n').filter((line) => {
    const kv = /^\s*([A-Z0-9_]+)=/.exec(line);
    return !kv || PORT_KEYS.includes(kv[1]);
  }).filter((l) => l.trim() !== '' || false);
  const out = kept.filter((l) => !/^\s*BRIDGE=/.test(l));
  out.push(`BRIDGE=${bridge}`);
  return `${out.join('\n')}\n`;
}

/** Is this ifcfg already a port of the bridge? */
export function isBridgePort(portText: string, bridge: string): boolean {
  return parseIfcfg(portText).get('BRIDGE') === bridge;
}

/**
 * Debian /etc/network/interfaces: the port's stanza becomes `inet manual`, and a
 * bridge stanza takes its address settings with `bridge_ports PORT`.
 */
export function debianBridge(text: string, bridge: string, port: string): string {
  if (new RegExp(`^\\s*iface\\s+${bridge}\\s`, 'm').test(text)) return text;
  const lines = text.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\s*iface\\s+${port}\\s+inet\\s+(\\w+)`).test(l));
  if (start < 0) throw new Error(`/etc/network/interfaces has no "iface ${port} inet …" stanza`);
  let end = start + 1;
  while (end < lines.length && !/^\s*(iface|auto|allow-|mapping|source)\b/.test(lines[end])) end++;
  const method = /inet\s+(\w+)/.exec(lines[start])![1];
  const options = lines.slice(start + 1, end).filter((l) => l.trim() !== '');
  const trailing = lines.slice(start + 1, end).filter((l) => l.trim() === '');
  const bridgeStanza = [`auto ${bridge}`, `iface ${bridge} inet ${method}`, ...options, `    bridge_ports ${port}`, '    bridge_stp off', '    bridge_fd 0'];
  const out = [
    ...lines.slice(0, start).map((l) => (new RegExp(`^\\s*(auto|allow-hotplug)\\s+${port}\\s*$`).test(l) ? l : l)),
    `iface ${port} inet manual`,
    '',
    ...bridgeStanza,
    ...trailing,
    ...lines.slice(end),
  ];
  return out.join('\n');
}

/** The nmcli commands that make the bridge on a NetworkManager host. */
export function nmcliCommands(bridge: string, port: string): string[] {
  return [
    `nmcli connection add type bridge ifname ${bridge} con-name ${bridge} bridge.stp no bridge.forward-delay 0`,
    `nmcli connection add type bridge-slave ifname ${port} con-name ${bridge}-port-${port} master ${bridge}`,
    `# move the IP settings of ${port}'s connection to ${bridge} (nmcli connection modify ${bridge} ipv4.method … ipv4.addresses …), then:`,
    `nmcli connection up ${bridge}`,
  ];
}
