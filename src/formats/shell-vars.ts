// Shell-style variable files (/etc/default/grub, initramfs.conf, sysconfig):
// `KEY=value`, `KEY="value"`, `KEY='value'`, optionally `export KEY=…`. Pure;
// the last assignment wins, as when the shell sources the file. Line endings
// (CRLF) and every other line are kept as they are.

export interface ShellVar {
  /** 0-based line of the (last) assignment. */
  line: number;
  value: string;
  quote: '"' | "'" | '';
}

const ASSIGN = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)=(.*?)(\r?)$/;

function unquote(raw: string): { value: string; quote: ShellVar['quote'] } | undefined {
  const s = raw.replace(/\s+#.*$/, '').trim();
  if (s.startsWith('"') && s.endsWith('"') && s.length >= 2) return { value: s.slice(1, -1).replace(/\\(["\\$`])/g, '$1'), quote: '"' };
  if (s.startsWith("'") && s.endsWith("'") && s.length >= 2) return { value: s.slice(1, -1), quote: "'" };
  if (/^[^\s"'`$;&|<>()]*$/.test(s)) return { value: s, quote: '' };
  return undefined;
}

/** The value of KEY (its last plain assignment), or undefined when the file does not set it. */
export function readVar(text: string, key: string): ShellVar | undefined {
  let found: ShellVar | undefined;
  text.split('\n').forEach((l, i) => {
    const m = ASSIGN.exec(l);
    if (!m || m[2] !== key) return;
    const v = unquote(m[3]);
    if (v) found = { line: i, ...v };
  });
  return found;
}

function quoted(value: string, quote: ShellVar['quote']): string {
  if (quote === "'" && !value.includes("'")) return `'${value}'`;
  if (quote === '' && /^[A-Za-z0-9_.,:=/+-]*$/.test(value) && value !== '') return value;
  return `"${value.replace(/(["\\$`])/g, '\\$1')}"`;
}

/** Sets KEY=value: its last assignment rewritten (same quoting where it can be), or a line appended. */
export function setVar(text: string, key: string, value: string): string {
  const cur = readVar(text, key);
  const lines = text.split('\n');
  if (cur) {
    if (cur.value === value) return text;
    const m = ASSIGN.exec(lines[cur.line])!;
    lines[cur.line] = `${m[1]}${key}=${quoted(value, cur.quote)}${m[4]}`;
    return lines.join('\n');
  }
  const cr = /\r\n/.test(text) ? '\r' : '';
  const line = `${key}=${quoted(value, '"')}${cr}`;
  if (text === '') return `${line}\n`;
  if (text.endsWith('\n')) return `${text}${line}\n`;
  return `${text}\n${line}\n`;
}
