// xend's own guest records: /var/lib/xend/domains/<uuid>/config.sxp and the output
// of `xm list -l NAME` are S-expressions — (domain (name test1) (memory 512)
// (device (vbd (uname tap:aio:/…) (dev xvda:disk) (mode w))) …). They are read
// here into the same guest model as an xm config: the S-expression is parsed
// (iteratively, so no input can exhaust the stack), its settings are written as
// the xm config they mean, and that goes through the xm parser, with every
// message pointing back at the S-expression's own lines. Pure.
import { InputError } from '../errors.js';
import { parseXenConfig } from './parse.js';
import type { XenGuest } from './types.js';

export interface SxpPos {
  line: number;
  column: number;
}

/** An atom, or a list with the position of its opening parenthesis. */
export type Sxp = { atom: string; pos: SxpPos } | { list: Sxp[]; pos: SxpPos };

const MAX_DEPTH = 64;
const ADVICE = 'xend records look like (domain (name NAME) (memory 512) (device (vbd …)) …): the output of xm list -l NAME, or /var/lib/xend/domains/UUID/config.sxp.';

/** Parses one S-expression (and nothing after it but blanks); errors name file:line:column. */
export function parseSxp(text: string, file: string): Sxp {
  const stack: { list: Sxp[]; pos: SxpPos }[] = [];
  let top: Sxp | undefined;
  let line = 1;
  let col = 1;
  let i = 0;
  const fail = (msg: string, p: SxpPos = { line, column: col }): never => {
    throw new InputError([{ file, line: p.line, column: p.column, message: msg }], ADVICE);
  };
  const add = (x: Sxp) => {
    if (stack.length) stack[stack.length - 1].list.push(x);
    else if (top) fail('more than one S-expression: a record is one (domain …)', x.pos);
    else top = x;
  };
  while (i < text.length) {
    const c = text[i];
    const here = { line, column: col };
    if (c === '\n') {
      line++;
      col = 1;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      col++;
      continue;
    }
    if (c === '(') {
      if (stack.length >= MAX_DEPTH) fail(`nested more than ${MAX_DEPTH} deep`);
      stack.push({ list: [], pos: here });
      i++;
      col++;
      continue;
    }
    if (c === ')') {
      const done = stack.pop();
      if (!done) fail('a ) with no ( before it');
      add({ list: done!.list, pos: done!.pos });
      i++;
      col++;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        if (text[j] === '\n') fail('a quoted string runs past the end of its line', here);
        value += text[j];
        j++;
      }
      if (j >= text.length) fail('a quoted string is not closed', here);
      add({ atom: value, pos: here });
      col += j + 1 - i;
      i = j + 1;
      continue;
    }
    if (c.charCodeAt(0) < 0x20) fail(`control character 0x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
    let j = i;
    while (j < text.length && !/[\s()'"]/.test(text[j])) {
      if (text.charCodeAt(j) < 0x20) fail(`control character 0x${text.charCodeAt(j).toString(16).padStart(2, '0')}`, { line, column: col + j - i });
      j++;
    }
    add({ atom: text.slice(i, j), pos: here });
    col += j - i;
    i = j;
  }
  if (stack.length) fail('this ( is never closed', stack[stack.length - 1].pos);
  if (!top) fail('empty: no S-expression', { line: 1, column: 1 });
  return top!;
}

const isList = (x: Sxp): x is { list: Sxp[]; pos: SxpPos } => 'list' in x;
const head = (x: Sxp) => (isList(x) && x.list[0] && !isList(x.list[0]) ? x.list[0].atom : undefined);
/** The (key value) pairs and (key (…)) sublists of a list, by key. */
const children = (x: Sxp, key: string) => (isList(x) ? x.list.filter((c) => head(c) === key) : []);
const value = (x: Sxp | undefined): { v: string; pos: SxpPos } | undefined => {
  if (!x || !isList(x) || x.list.length < 2 || isList(x.list[1])) return undefined;
  return { v: (x.list[1] as { atom: string }).atom, pos: x.list[1].pos };
};

/** Reads a xend record into a guest; `file` names it in messages. */
export function parseSxpConfig(text: string, file: string): XenGuest {
  const root = parseSxp(text, file);
  if (head(root) !== 'domain') throw new InputError([{ file, line: root.pos.line, column: root.pos.column, message: 'a xend record starts with (domain …)' }], ADVICE);
  // The xm config it means, one setting a line; origin[n] is the S-expression line of line n+1.
  const out: string[] = [];
  const origin: number[] = [];
  const q = (s: string) => JSON.stringify(s);
  const emit = (text: string, pos: SxpPos) => {
    out.push(text);
    origin.push(pos.line);
  };
  const scalar = (key: string, as = key, quote = true) => {
    const v = value(children(root, key)[0]);
    if (v) emit(`${as} = ${quote ? q(v.v) : v.v}`, v.pos);
  };
  scalar('name');
  scalar('uuid');
  for (const k of ['memory', 'maxmem', 'vcpus', 'shadow_memory']) scalar(k, k, false);
  scalar('cpus');
  for (const k of ['on_poweroff', 'on_reboot', 'on_crash', 'bootloader', 'bootloader_args']) scalar(k);
  const image = children(root, 'image')[0];
  if (image && isList(image)) {
    const kind = image.list[1];
    if (kind && isList(kind)) {
      if (head(kind) === 'hvm') emit('builder = "hvm"', kind.pos);
      for (const [k, as] of [['kernel', 'kernel'], ['ramdisk', 'ramdisk'], ['args', 'extra'], ['root', 'root']] as const) {
        const v = value(children(kind, k)[0]);
        if (v && !(head(kind) === 'hvm' && k === 'kernel')) emit(`${as} = ${q(v.v)}`, v.pos);
      }
    }
  }
  const devices = (kind: string) => children(root, 'device').map((d) => (isList(d) ? d.list.find((c) => head(c) === kind) : undefined)).filter((x): x is Sxp => !!x);
  const list = (key: string, items: { spec: string; pos: SxpPos }[]) => {
    if (!items.length) return;
    emit(`${key} = [`, items[0].pos);
    for (const it of items) emit(`  ${q(it.spec)},`, it.pos);
    emit(']', items[items.length - 1].pos);
  };
  // Block devices in the record's order, whatever their kind (vbd, tap, tap2).
  const blockDevs = children(root, 'device').map((d) => (isList(d) ? d.list.find((c) => ['vbd', 'tap', 'tap2'].includes(head(c) ?? '')) : undefined)).filter((x): x is Sxp => !!x);
  list('disk', blockDevs.map((d) => {
    const uname = value(children(d, 'uname')[0])?.v ?? '';
    const dev = value(children(d, 'dev')[0])?.v ?? '';
    const mode = value(children(d, 'mode')[0])?.v ?? 'w';
    // dev is "xvda:disk" or "hdc:cdrom" in xend's records; xm writes "xvda" and "hdc:cdrom".
    return { spec: `${uname},${dev.replace(/:disk$/, '')},${mode}`, pos: d.pos };
  }));
  list('vif', devices('vif').map((d) => {
    const parts = ['mac', 'bridge', 'script', 'model', 'ip', 'vifname', 'type'].flatMap((k) => {
      const v = value(children(d, k)[0]);
      return v ? [`${k}=${v.v}`] : [];
    });
    return { spec: parts.join(','), pos: d.pos };
  }));
  list('vfb', devices('vfb').map((d) => {
    const parts = ['type', 'vnclisten', 'vncdisplay', 'vncunused', 'vncpasswd', 'keymap', 'display', 'xauthority'].flatMap((k) => {
      const v = value(children(d, k)[0]);
      return v ? [`${k}=${v.v}`] : [];
    });
    return { spec: parts.join(','), pos: d.pos };
  }));
  const synthetic = `${file} (read as an xm config)`;
  const at = (l: number) => origin[l - 1] ?? l;
  const remap = (msg: string) => msg.replace(new RegExp(`${escapeRe(synthetic)}:(\\d+):\\d+`, 'g'), (_, l: string) => `${file}:${at(Number(l))}`);
  try {
    const guest = parseXenConfig(`${out.join('\n')}\n`, synthetic);
    guest.file = file;
    guest.warnings = guest.warnings.map((w) => ({ ...w, message: remap(w.message) }));
    // Every position in the model points at the S-expression's line.
    const seen = new Set<object>();
    const walk = (o: unknown): void => {
      if (!o || typeof o !== 'object' || seen.has(o)) return;
      seen.add(o);
      for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
        if (k === 'pos' && v && typeof v === 'object' && 'line' in v && !seen.has(v)) {
          seen.add(v);
          Object.assign(v, { line: at((v as SxpPos).line), column: 1 });
        } else walk(v);
      }
    };
    walk(guest);
    return guest;
  } catch (e) {
    if (e instanceof InputError) throw new InputError(e.problems.map((p) => ({ ...p, file, line: at(p.line), column: 1 })), e.advice);
    throw e;
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
