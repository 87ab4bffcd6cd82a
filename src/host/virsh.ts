// libvirt through virsh: is libvirtd reachable, validate XML, define domains and
// networks. All through the command gate.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { haveCommand, run } from '../run.js';

export const LIBVIRT_URI = process.env.XEN2KVM_LIBVIRT_URI ?? 'qemu:///system';

/** True when virsh exists and libvirtd answers. */
export async function libvirtReachable(): Promise<boolean> {
  if (!(await haveCommand('virsh'))) return false;
  const r = await run('virsh', ['-c', LIBVIRT_URI, 'uri'], { allowFailure: true, timeoutMs: 15000 }).catch(() => undefined);
  return !!r && r.exitCode === 0;
}

/** Runs fn with the XML in a temp file. */
async function withXmlFile<T>(xml: string, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-xml-'));
  try {
    const file = join(dir, 'def.xml');
    writeFileSync(file, xml);
    return await fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Validates against libvirt's schema with virt-xml-validate, when it is installed; throws UserError with its output otherwise. */
export async function validateXml(xml: string, schema: 'domain' | 'network'): Promise<boolean> {
  if (!(await haveCommand('virtXmlValidate'))) return false;
  await withXmlFile(xml, async (file) => {
    const r = await run('virtXmlValidate', [file, schema], { allowFailure: true });
    if (r.exitCode !== 0) throw new UserError(`the ${schema} XML does not pass virt-xml-validate:\n${(r.stderr || r.stdout).trim()}`, 'This is likely a bug in xen2kvm; please report it with the XML.');
  });
  return true;
}

export async function defineDomain(xml: string): Promise<void> {
  await withXmlFile(xml, (file) => run('virsh', ['-c', LIBVIRT_URI, 'define', file]));
}

export async function autostartDomain(name: string): Promise<void> {
  await run('virsh', ['-c', LIBVIRT_URI, 'autostart', name]);
}

export async function networkExists(name: string): Promise<boolean> {
  const r = await run('virsh', ['-c', LIBVIRT_URI, 'net-info', name], { allowFailure: true });
  return r.exitCode === 0;
}

export async function networkXml(name: string): Promise<string | undefined> {
  const r = await run('virsh', ['-c', LIBVIRT_URI, 'net-dumpxml', '--inactive', name], { allowFailure: true });
  return r.exitCode === 0 ? r.stdout : undefined;
}

/** Bridges of every defined network. */
export async function networkBridges(): Promise<string[]> {
  const r = await run('virsh', ['-c', LIBVIRT_URI, 'net-list', '--all', '--name'], { allowFailure: true });
  if (r.exitCode !== 0) return [];
  const out: string[] = [];
  for (const name of r.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const xml = await networkXml(name);
    const b = xml && /<bridge\b[^>]*\bname=['"]([^'"]+)['"]/.exec(xml)?.[1];
    if (b) out.push(b);
  }
  return out;
}

/** Defines, autostarts and starts a network (each step only when needed). */
export async function defineNetwork(name: string, xml: string, start: boolean): Promise<string[]> {
  const done: string[] = [];
  await withXmlFile(xml, (file) => run('virsh', ['-c', LIBVIRT_URI, 'net-define', file]));
  done.push(`virsh net-define (${name})`);
  await run('virsh', ['-c', LIBVIRT_URI, 'net-autostart', name]);
  done.push(`virsh net-autostart ${name}`);
  if (start) {
    const info = await run('virsh', ['-c', LIBVIRT_URI, 'net-info', name], { allowFailure: true });
    if (!/^Active:\s+yes/m.test(info.stdout)) {
      await run('virsh', ['-c', LIBVIRT_URI, 'net-start', name]);
      done.push(`virsh net-start ${name}`);
    }
  }
  return done;
}
