// Runs virt-xml-validate on XML text (the real libvirt schema check).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function validateXml(xml: string, schema: 'domain' | 'network'): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-validate-'));
  const file = join(dir, `${schema}.xml`);
  writeFileSync(file, xml);
  try {
    const output = execFileSync('virt-xml-validate', [file, schema], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, output };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` || err.message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
