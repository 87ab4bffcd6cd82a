#!/usr/bin/env node
// Checks the layering of src/: no import cycle between its folders (files at
// src/ itself count one each), no command importing another command or cli.ts
// (commands/table.ts, the registry the CLI loads them through, excepted),
// no source file over 400 lines, and no test of a guest family or distribution
// outside the family modules (src/families/) and the release-file parser
// (guest/release.ts): everything else asks the family. Prints what is wrong;
// exit 1 if anything is.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const src = resolve(process.argv[2] ?? 'src');
const files = [];
const walk = (d) => {
  for (const n of readdirSync(d)) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) files.push(p);
  }
};
walk(src);
/** The layer a file belongs to: its top folder under src/, or the file itself. */
const node = (p) => {
  const rel = relative(src, p);
  return rel.includes('/') ? rel.split('/')[0] + '/' : rel.replace(/\.ts$/, '');
};
const edges = new Map();
const problems = [];
// A family or distribution tested by name: os.family / .distro compared, or a distro literal compared.
const DISTROS = 'rhel|rhel5|rhel6|rhel7|debian|ubuntu|fedora|centos|oracle|scientific|suse|sles|opensuse|arch|archlinux';
const FAMILY_TEST = new RegExp(`(\\bos\\.family|\\.distro)\\s*[!=]==|[!=]==\\s*'(${DISTROS})'|'(${DISTROS})'\\s*[!=]==`);
const familyTests = [];
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const lines = text.split('\n').length;
  if (lines > 400) problems.push(`${relative(src, f)}: ${lines} lines (more than 400)`);
  const rel = relative(src, f);
  if (!rel.startsWith('families/') && rel !== 'guest/release.ts') {
    text.split('\n').forEach((line, i) => {
      if (FAMILY_TEST.test(line.replace(/\/\/.*$/, ''))) familyTests.push(`${rel}:${i + 1}: tests a family or distribution by name (ask the family: src/families/)`);
    });
  }
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
    const target = resolve(dirname(f), m[1]).replace(/\.js$/, '.ts');
    if (!target.startsWith(src)) { problems.push(`${relative(src, f)} imports ${m[1]}, outside src/`); continue; }
    const a = node(f), b = node(target);
    const relF = relative(src, f), relT = relative(src, target);
    // commands/table.ts is the registry cli.ts loads commands through (each command takes its --help line from it).
    if (relF.startsWith('commands/') && relF !== 'commands/table.ts' && (relT.startsWith('commands/') && !/^commands\/(options|shared|table)/.test(relT))) problems.push(`${relF} imports another command, ${relT}`);
    if (relT === 'cli.ts') problems.push(`${relF} imports cli.ts`);
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a).add(b);
  }
}
// Cycles between layers (depth-first search).
const state = new Map();
const stack = [];
const visit = (n) => {
  state.set(n, 1);
  stack.push(n);
  for (const m of edges.get(n) ?? []) {
    if (state.get(m) === 1) problems.push(`import cycle: ${[...stack.slice(stack.indexOf(m)), m].join(' → ')}`);
    else if (!state.has(m)) visit(m);
  }
  stack.pop();
  state.set(n, 2);
};
for (const n of edges.keys()) if (!state.has(n)) visit(n);
problems.push(...familyTests);
console.log(`family tests outside src/families/: ${familyTests.length}`);
for (const p of problems) console.log(p);
console.log(problems.length ? `${problems.length} layering problem(s)` : 'layers: no cycles, no command imports another, no file over 400 lines, no family tested outside src/families/');
process.exitCode = problems.length ? 1 : 0;
