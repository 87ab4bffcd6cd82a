// `node dist/sample/cli.js DIR`: builds the sample guests the tests use into DIR.
import { buildHostVg, buildRhel5Guest } from './build.js';

const dir = process.argv[2] ?? 'test/images';
const started = Date.now();
const a = await buildRhel5Guest(dir, { name: 'rhel5' });
const b = await buildRhel5Guest(dir, { name: 'flat5', layout: 'flat', macs: ['00:16:3e:2b:00:01'] });
const c = await buildHostVg(dir);
process.stdout.write(`built ${a.config}, ${b.config} and ${c} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
