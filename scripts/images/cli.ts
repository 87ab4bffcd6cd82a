// The sample-guest builder as a program (shipped in the package, so `xen2kvm demo`
// works from an install):
//   node dist/scripts/images/cli.js DIR             the test guests (rhel5, flat5, a host VG)
//   node dist/scripts/images/cli.js DIR --one NAME  one RHEL 5 guest; prints {config, images, macs} as JSON
import { buildHostVg, buildRhel5Guest } from './build.js';

const dir = process.argv[2] ?? 'test/images';
const one = process.argv.indexOf('--one');
if (one > 0) {
  const g = await buildRhel5Guest(dir, { name: process.argv[one + 1] ?? 'demo' });
  process.stdout.write(`${JSON.stringify({ name: g.name, config: g.config, images: g.images, macs: g.macs })}\n`);
} else {
  const started = Date.now();
  const a = await buildRhel5Guest(dir, { name: 'rhel5' });
  const b = await buildRhel5Guest(dir, { name: 'flat5', layout: 'flat', macs: ['00:16:3e:2b:00:01'] });
  const c = await buildHostVg(dir);
  process.stdout.write(`built ${a.config}, ${b.config} and ${c} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
