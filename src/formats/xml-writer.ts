// XML written by xen2kvm (libvirt domain and network XML): elements, attributes and
// text, serialized the way libvirt's own files read — two-space indent, no XML
// declaration, empty elements self-closed, text escaped. A few lines instead of
// xmlbuilder2 (about 500 KB of JavaScript with its DOM and YAML reader): `xen2kvm
// domxml` loads this, not a parser; reading XML (formats/xml.ts) still uses
// xmlbuilder2, loaded only where XML is read. test/unit/xml-writer.test.ts checks the
// output equals xmlbuilder2's for the same tree. Pure.

/** Attribute values; undefined leaves the attribute out. */
export type XmlAttrs = Record<string, string | undefined>;

// Characters XML 1.0 cannot carry at all (not even escaped): C0 controls other than tab, LF and CR,
// lone surrogates, U+FFFE and U+FFFF.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function checked(s: string, what: string): string {
  if (NOT_XML.test(s)) throw new Error(`${what} ${JSON.stringify(s)} holds a character XML cannot carry`);
  return s;
}

const escapeText = (s: string) => checked(s, 'text').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string) => checked(s, 'attribute value').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An element being built: `ele()` adds a child and returns it, `txt()` adds text and returns this element. */
export class XmlElement {
  private readonly children: XmlElement[] = [];
  private text = '';
  private readonly attrs: [string, string][] = [];

  constructor(readonly name: string, attrs: XmlAttrs = {}) {
    if (!NAME.test(name)) throw new Error(`${JSON.stringify(name)} is not an XML element name xen2kvm writes`);
    for (const [k, v] of Object.entries(attrs)) {
      if (!NAME.test(k)) throw new Error(`${JSON.stringify(k)} is not an XML attribute name xen2kvm writes`);
      if (v !== undefined && v !== null) this.attrs.push([k, v]);
    }
  }

  ele(name: string, attrs?: XmlAttrs): XmlElement {
    if (this.text) throw new Error(`<${this.name}> has text: xen2kvm writes no mixed content`);
    const child = new XmlElement(name, attrs);
    this.children.push(child);
    return child;
  }

  txt(text: string): XmlElement {
    if (this.children.length) throw new Error(`<${this.name}> has elements: xen2kvm writes no mixed content`);
    this.text += text;
    return this;
  }

  /** The element and its children, indented by depth, each line ending in a newline. */
  serialize(depth = 0): string {
    const pad = '  '.repeat(depth);
    const open = `${pad}<${this.name}${this.attrs.map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('')}`;
    if (this.children.length) return `${open}>\n${this.children.map((c) => c.serialize(depth + 1)).join('')}${pad}</${this.name}>\n`;
    if (this.text) return `${open}>${escapeText(this.text)}</${this.name}>\n`;
    return `${open}/>\n`;
  }
}

/** A document's root element: build it with ele()/txt(), then serialize() it. */
export function xmlRoot(name: string, attrs?: XmlAttrs): XmlElement {
  return new XmlElement(name, attrs);
}
