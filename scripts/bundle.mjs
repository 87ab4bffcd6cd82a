#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli.js and what it imports, npm packages
// included) into one file, dist/bundle/cli.mjs, with a source map that leads back
// to src/*.ts. bin/xen2kvm runs it when it is at least as new as dist/src/cli.js:
// one file to read instead of ~300 modules to resolve — `xen2kvm --help` in about
// a third of the time (npm run bench -- startup prints the figures).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Chunk names change with their contents: last build's chunks must not pile up (npm pack ships the folder).
rmSync(join(root, 'dist/bundle'), { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'dist/src/cli.js')],
  outdir: join(root, 'dist/bundle'),
  entryNames: '[name]',
  outExtension: { '.js': '.mjs' },
  // What is imported lazily (execa at the first command run, listr2 for a live batch display) goes into
  // chunks of its own: `xen2kvm --help` never reads them.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  // Whitespace and syntax only: names stay as they are (stack traces read without the map too); V8 parses less.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  // Packages that load CommonJS with require() at run time (yargs, through createRequire) need one.
  banner: { js: "import { createRequire as __x2kRequire } from 'node:module'; const require = __x2kRequire(import.meta.url);" },
});
