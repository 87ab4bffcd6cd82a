// The one domain writer, for convert and for --sandbox vm: the domain rendered
// once, checked against libvirt's schema, and written atomically as NAME.xml —
// with the guest's kernel and initrd under the boot folder when it boots directly.
import type { Warning } from '../errors.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWrite } from '../tree/files.js';
import type { XenGuest } from '../xen/types.js';
import { renderDomainXml, type DomainOptions } from './domain-xml.js';
import { validateXml } from './virsh.js';

/** Where the kernel and initrd of a guest booted directly go: BOOTDIR/NAME. */
export function directBootDir(bootDir: string, name: string): string {
  return `${bootDir}/${name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

export interface DomainWrite {
  xml: string;
  warnings: Warning[];
  /** The file written (absent in a dry run). */
  file?: string;
}

/**
 * Renders and validates the domain; writes it into `outputDir` unless that is
 * undefined (a dry run). `direct`: the guest boots its kernel directly, from
 * `bootDir`/NAME/vmlinuz and initrd.img, with this command line.
 */
export async function writeDomain(guest: XenGuest, options: Omit<DomainOptions, 'directBoot'>, outputDir: string | undefined, direct?: { bootDir: string; cmdline: string }): Promise<DomainWrite> {
  const dir = direct ? directBootDir(direct.bootDir, guest.name) : undefined;
  const rendered = renderDomainXml(guest, { ...options, ...(direct ? { directBoot: { kernel: `${dir}/vmlinuz`, initrd: `${dir}/initrd.img`, cmdline: direct.cmdline } } : {}) });
  await validateXml(rendered.xml, 'domain');
  if (outputDir === undefined) return { xml: rendered.xml, warnings: rendered.warnings };
  mkdirSync(outputDir, { recursive: true });
  const file = join(outputDir, `${guest.name}.xml`);
  await atomicWrite(file, rendered.xml, 0o644);
  return { xml: rendered.xml, warnings: rendered.warnings, file };
}
