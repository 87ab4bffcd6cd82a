// libvirt through virsh: is libvirtd reachable, validate XML, define domains and
// networks. All through the command gate.
import { existsSync, writeFileSync } from 'node:fs';
import { withFile } from 'tmp-promise';
import { CommandError, EnvironmentError, UserError } from '../errors.js';
import { haveCommand, run } from '../run.js';

let chosenUri: string | undefined;

/** The libvirt connection: `--connect URI`, else $XEN2KVM_LIBVIRT_URI, else $LIBVIRT_DEFAULT_URI (as virsh), else qemu:///system. */
export function libvirtUri(): string {
  return chosenUri ?? process.env.XEN2KVM_LIBVIRT_URI ?? process.env.LIBVIRT_DEFAULT_URI ?? 'qemu:///system';
}

/** `--connect URI` (`-c`), as virsh takes it. */
export function setLibvirtUri(uri: string | undefined): void {
  if (uri) chosenUri = uri;
}

/** True when virsh exists and libvirtd answers. */
export async function libvirtReachable(uri = libvirtUri()): Promise<boolean> {
  if (!(await haveCommand('virsh'))) return false;
  const r = await run('virsh', ['-c', uri, 'uri'], { allowFailure: true, timeoutMs: 15000 }).catch(() => undefined);
  return !!r && r.exitCode === 0;
}

/** Runs fn with the XML in a temp file. */
async function withXmlFile<T>(xml: string, fn: (file: string) => Promise<T>): Promise<T> {
  return withFile(async ({ path }) => {
    writeFileSync(path, xml);
    return fn(path);
  }, { prefix: 'xen2kvm-', postfix: '.xml' });
}

/** Where libvirt installs its RelaxNG schemas (virt-xml-validate's own place for them). */
export const LIBVIRT_SCHEMAS = '/usr/share/libvirt/schemas';

/**
 * Validates against libvirt's schema; false when neither xmllint with the schema nor
 * virt-xml-validate is installed; throws UserError with the validator's output when the XML fails.
 * virt-xml-validate is a shell script that finds the schema and runs `xmllint --relaxng` on a
 * file: with the schema known, xen2kvm runs that xmllint itself, the XML on its standard input
 * (no temp file, no shell: `domxml` spends ~20 ms less).
 */
export async function validateXml(xml: string, schema: 'domain' | 'network'): Promise<boolean> {
  const rng = `${LIBVIRT_SCHEMAS}/${schema}.rng`;
  const fail = (output: string) => new UserError(`the ${schema} XML does not pass libvirt's schema (${rng}):\n${output.trim()}`, 'This is likely a bug in xen2kvm; please report it with the XML.');
  if (existsSync(rng) && (await haveCommand('xmllint'))) {
    const r = await run('xmllint', ['--noout', '--relaxng', rng, '-'], { input: xml, allowFailure: true });
    if (r.exitCode !== 0) throw fail(r.stderr || r.stdout);
    return true;
  }
  if (!(await haveCommand('virtXmlValidate'))) return false;
  await withXmlFile(xml, async (file) => {
    const r = await run('virtXmlValidate', [file, schema], { allowFailure: true });
    if (r.exitCode !== 0) throw fail(r.stderr || r.stdout);
  });
  return true;
}

/** A local libvirt (qemu:///system or qemu:///session), whose KVM is this host's /dev/kvm. */
export function libvirtIsLocal(uri = libvirtUri()): boolean {
  return /^qemu:\/\/\/(system|session)$/.test(uri);
}

/** Why a type='kvm' domain cannot be defined here (no usable /dev/kvm on a local libvirt), or undefined. */
export function kvmMissing(domainType: 'kvm' | 'qemu'): string | undefined {
  if (domainType !== 'kvm' || !libvirtIsLocal() || existsSync('/dev/kvm')) return undefined;
  return 'this host has no /dev/kvm (no hardware virtualization, or a nested or container host), so libvirt cannot define a domain of type kvm here';
}

const KVM_ADVICE = 'Convert with --domain-type qemu (emulation: slow, but it runs), or define the domain on a host with KVM (virsh define DOMAIN.xml there).';

export async function defineDomain(xml: string): Promise<void> {
  const r = await withXmlFile(xml, (file) => run('virsh', ['-c', libvirtUri(), 'define', file], { allowFailure: true }));
  if (r.exitCode === 0) return;
  if (/does not support virt type 'kvm'|no accelerator found|kvm.*not (available|supported)/i.test(r.stderr)) {
    throw new UserError(`libvirt (${libvirtUri()}) cannot define a domain of type kvm on this host: ${r.stderr.trim().split('\n').pop()}`, KVM_ADVICE);
  }
  throw new CommandError(r.command, r.exitCode, r.stderr, r.stdout);
}

/** Refuses --define of a type='kvm' domain on a local libvirt without /dev/kvm, before any guest is touched. */
export function checkDefinable(domainType: 'kvm' | 'qemu'): void {
  const why = kvmMissing(domainType);
  if (why) throw new EnvironmentError(`--define: ${why}`, KVM_ADVICE);
}

export async function autostartDomain(name: string): Promise<void> {
  await run('virsh', ['-c', libvirtUri(), 'autostart', name]);
}

export async function networkExists(name: string): Promise<boolean> {
  const r = await run('virsh', ['-c', libvirtUri(), 'net-info', name], { allowFailure: true });
  return r.exitCode === 0;
}

export async function networkXml(name: string): Promise<string | undefined> {
  const r = await run('virsh', ['-c', libvirtUri(), 'net-dumpxml', '--inactive', name], { allowFailure: true });
  return r.exitCode === 0 ? r.stdout : undefined;
}

/** Bridges of every defined network. */
export async function networkBridges(): Promise<string[]> {
  const r = await run('virsh', ['-c', libvirtUri(), 'net-list', '--all', '--name'], { allowFailure: true });
  if (r.exitCode !== 0) return [];
  // The XML reader is loaded only here: `domxml` validates through this module and reads no XML.
  const { readNetworkXml } = await import('./network-xml.js');
  const out: string[] = [];
  for (const name of r.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const xml = await networkXml(name);
    const b = xml && readNetworkXml(xml).bridge;
    if (b) out.push(b);
  }
  return out;
}

/** Defines, autostarts and starts a network (each step only when needed). */
export async function defineNetwork(name: string, xml: string, start: boolean): Promise<string[]> {
  const done: string[] = [];
  await withXmlFile(xml, (file) => run('virsh', ['-c', libvirtUri(), 'net-define', file]));
  done.push(`virsh net-define (${name})`);
  await run('virsh', ['-c', libvirtUri(), 'net-autostart', name]);
  done.push(`virsh net-autostart ${name}`);
  if (start) {
    const info = await run('virsh', ['-c', libvirtUri(), 'net-info', name], { allowFailure: true });
    if (!/^Active:\s+yes/m.test(info.stdout)) {
      await run('virsh', ['-c', libvirtUri(), 'net-start', name]);
      done.push(`virsh net-start ${name}`);
    }
  }
  return done;
}

/** virsh define (a managed domain, not a transient one), after libvirt's schema check; autostart when asked. */
export async function registerDomain(name: string, xml: string, file: string, autostart: boolean): Promise<string[]> {
  if (!(await libvirtReachable())) {
    throw new UserError(
      `libvirtd is not reachable (virsh -c ${libvirtUri()}), so ${name} was not defined; the domain XML is in ${file}`,
      `Start libvirtd, then run:\n  virsh define ${file}${autostart ? `\n  virsh autostart ${name}` : ''}\n  virsh start ${name}`,
    );
  }
  await defineDomain(xml);
  const done = [`virsh define ${file}`];
  if (autostart) {
    await autostartDomain(name);
    done.push(`virsh autostart ${name}`);
  }
  return done;
}

/** The domain's state as libvirt says it (`virsh domstate`), or undefined when no domain has that name. */
export async function domainState(name: string, uri = libvirtUri()): Promise<string | undefined> {
  const r = await run('virsh', ['-c', uri, 'domstate', name], { allowFailure: true });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/** The domain's persistent XML (`virsh dumpxml --inactive`). */
export async function domainXml(name: string, uri = libvirtUri()): Promise<string> {
  return (await run('virsh', ['-c', uri, 'dumpxml', '--inactive', '--security-info', name])).stdout;
}

/**
 * Before --define touches any guest: a domain of the same name is refused unless
 * --overwrite, and then its XML is returned, to be kept for rollback.
 */
export async function checkReplace(names: string[], overwrite: boolean): Promise<Record<string, string>> {
  const previous: Record<string, string> = {};
  if (!(await libvirtReachable())) return previous; // registerDomain says so, with the commands to run
  for (const name of names) {
    const state = await domainState(name);
    if (state === undefined) continue;
    if (!overwrite) {
      throw new UserError(`a libvirt domain named ${name} already exists (${libvirtUri()}, ${state}); --define would replace it`,
        `Pass --overwrite to replace it (its XML is kept, so xen2kvm rollback defines it again), or remove it first: virsh undefine ${name}`);
    }
    previous[name] = await domainXml(name);
  }
  return previous;
}

/**
 * Undoes what a run's --define did: undefines the domain (not while it runs) and
 * defines the one it replaced, if any. Returns what was done, or what to do by hand.
 */
export async function undoDefine(name: string, uri: string, previousXml: string | undefined, keep: boolean): Promise<{ done: string[]; advice: string[] }> {
  const done: string[] = [];
  const advice: string[] = [];
  if (keep) {
    advice.push(`the libvirt domain ${name} is left defined (--keep-domain); virsh -c ${uri} undefine ${name} removes it`);
    return { done, advice };
  }
  if (!(await libvirtReachable(uri))) {
    advice.push(`libvirt (${uri}) is not reachable, so the domain ${name} was left as it is; run virsh -c ${uri} undefine ${name}${previousXml ? ' and define the earlier domain again' : ''}`);
    return { done, advice };
  }
  const state = await domainState(name, uri);
  if (state === undefined) return { done, advice };
  if (state !== 'shut off') {
    advice.push(`the libvirt domain ${name} is ${state}, so it was left defined; stop it (virsh shutdown ${name}), then virsh undefine ${name}`);
    return { done, advice };
  }
  await run('virsh', ['-c', uri, 'undefine', name]);
  done.push(`virsh undefine ${name}`);
  if (previousXml) {
    await withXmlFile(previousXml, (file) => run('virsh', ['-c', uri, 'define', file]));
    done.push(`virsh define (the domain ${name} as it was before --overwrite)`);
  }
  return { done, advice };
}
