// XML read and changed through a parser (xmlbuilder2's DOM), never with regular
// expressions: the few DOM calls xen2kvm needs, on libvirt's domain and network XML. Pure.
import { create } from 'xmlbuilder2';

/** The part of a DOM element xen2kvm uses. */
export interface El {
  tagName: string;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  textContent: string | null;
  childNodes: ArrayLike<{ nodeType: number }>;
  ownerDocument: { createElement(name: string): El };
  appendChild(child: El): El;
  insertBefore(child: El, ref: El | null): El;
  nextSibling: El | null;
}

export const kids = (el: El | undefined, name?: string): El[] =>
  el ? Array.from(el.childNodes).filter((n) => n.nodeType === 1).map((n) => n as unknown as El).filter((e) => !name || e.tagName === name) : [];
export const kid = (el: El | undefined, name: string): El | undefined => kids(el, name)[0];
export const text = (el: El | undefined) => el?.textContent?.trim() || undefined;
export const attr = (el: El | undefined, name: string) => el?.getAttribute(name) ?? undefined;

/** A parsed document: its root element, and the text it serializes to after changes. */
export interface XmlDoc {
  root: El;
  /** Serialized as xen2kvm writes XML: two-space indent, no XML declaration, a final newline. */
  toString(): string;
}

/** Parses XML text; throws on XML that is not well-formed. */
export function parseXml(xml: string): XmlDoc {
  const doc = create(xml);
  return {
    root: doc.root().node as unknown as El,
    toString: () => `${doc.end({ prettyPrint: true, headless: true, indent: '  ' })}\n`,
  };
}
