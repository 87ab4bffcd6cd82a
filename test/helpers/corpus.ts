// libvirt's own Xen config corpus, kept in test/fixtures/libvirt-xenconfig (LGPL-2.1+; see its SOURCE.txt and COPYING.LESSER).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
/** In the repository, so a clone stands alone; XEN2KVM_CORPUS points elsewhere. */
export const corpusDir = process.env.XEN2KVM_CORPUS ?? resolve(repoRoot, 'test', 'fixtures', 'libvirt-xenconfig');

export interface CorpusPair {
  dialect: 'xm' | 'xl';
  name: string;
  cfgPath: string;
  cfg: string;
  xml?: string;
}

export function corpusPairs(): CorpusPair[] {
  if (!existsSync(corpusDir)) throw new Error(`the libvirt config corpus is missing at ${corpusDir}`);
  const out: CorpusPair[] = [];
  for (const dialect of ['xm', 'xl'] as const) {
    const dir = join(corpusDir, dialect);
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.cfg')).sort()) {
      const base = f.slice(0, -4);
      const xmlPath = join(dir, `${base}.xml`);
      out.push({
        dialect, name: base, cfgPath: join(dir, f), cfg: readFileSync(join(dir, f), 'utf8'),
        ...(existsSync(xmlPath) ? { xml: readFileSync(xmlPath, 'utf8') } : {}),
      });
    }
  }
  return out;
}
