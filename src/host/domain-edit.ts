// Changes to a domain XML that is already written (host-prep's hugepages), through
// the XML parser. Pure.
import { UserError } from '../errors.js';
import { kid, kids, parseXml } from '../formats/xml.js';

/**
 * The domain backed by hugepages: <memoryBacking><hugepages/></memoryBacking> after
 * <currentMemory> (or <memory>), where libvirt's schema wants it; unchanged when it is there.
 */
export function withHugepages(xml: string, file: string): string {
  let doc;
  try {
    doc = parseXml(xml);
  } catch (e) {
    throw new UserError(`${file} is not well-formed XML: ${(e as Error).message}`, 'Write the domain again with xen2kvm convert (or domxml), then run host-prep again.');
  }
  if (doc.root.tagName !== 'domain') throw new UserError(`${file} is not a libvirt domain (it starts with <${doc.root.tagName}>)`);
  const backing = kid(doc.root, 'memoryBacking');
  if (backing && kids(backing, 'hugepages').length) return xml;
  const target = backing ?? doc.root.ownerDocument.createElement('memoryBacking');
  target.appendChild(doc.root.ownerDocument.createElement('hugepages'));
  if (!backing) {
    const after = kid(doc.root, 'currentMemory') ?? kid(doc.root, 'memory');
    doc.root.insertBefore(target, after ? after.nextSibling : null);
  }
  return doc.toString();
}
