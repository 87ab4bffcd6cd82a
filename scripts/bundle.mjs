#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli.js and what it imports, npm packages
// included) into one file, dist/bundle/cli.mjs, with a source map that leads back
// to src/*.ts. bin/xen2kvm runs it when it is at least as new as dist/src/cli.js:
// one file to read instead of ~300 modules to resolve — `xen2kvm --help` in about
// a third of the time (npm run bench -- startup prints the figures).
import { build } from 'esbuild';
import { cpSync, readFileSync, rmSync } from 'node:fs';
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
  // CommonJS packages in the bundle (yargs and its own) may call require() for Node's modules and
  // read __dirname: yargs finds its message translations at __dirname/../locales, copied below.
  banner: {
    js: "import { createRequire as __x2kRequire } from 'node:module'; import { fileURLToPath as __x2kPath } from 'node:url';"
      + " const require = __x2kRequire(import.meta.url); const __dirname = __x2kPath(new URL('./yargs/', import.meta.url));",
  },
  plugins: [{
    // cli.ts loads yargs's CommonJS build through createRequire (its help wraps words there, not in the ESM
    // build), which a bundler cannot follow: in the bundle it is a plain require(), so yargs is bundled too
    // instead of being resolved and read from node_modules at every start (~40 ms).
    name: 'yargs-in-bundle',
    setup(b) {
      b.onLoad({ filter: /dist[\\/]src[\\/]cli\.js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        const call = "createRequire(import.meta.url)('yargs')";
        if (!text.includes(call)) throw new Error(`bundle: ${args.path} no longer loads yargs as ${call}; update scripts/bundle.mjs`);
        return { contents: text.replace(call, "require('yargs')"), loader: 'js' };
      });
    },
  }],
});
cpSync(join(root, 'node_modules/yargs/locales'), join(root, 'dist/bundle/locales'), { recursive: true });
