// `npm run bench`: every benchmark, figures printed (not timed tests).
import { benchAttach } from './attach.js';
import { benchConvert } from './convert.js';
import { benchBatch } from './batch.js';
import { benchStartup } from './startup.js';

const which = process.argv[2] ?? 'all';
if (which === 'all' || which === 'startup') {
  for (const line of benchStartup()) process.stdout.write(`${line}\n`);
}
if (which === 'all' || which === 'attach') {
  for (const line of await benchAttach()) process.stdout.write(`${line}\n`);
}
if (which === 'all' || which === 'convert') {
  for (const line of await benchConvert()) process.stdout.write(`${line}\n`);
}
if (which === 'all' || which === 'batch') {
  for (const line of await benchBatch()) process.stdout.write(`${line}\n`);
}
