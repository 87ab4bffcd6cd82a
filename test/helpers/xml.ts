// Small helpers to read XML in tests (via xmlbuilder2's DOM).
import { create } from 'xmlbuilder2';

export type El = {
  tagName: string;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  textContent: string | null;
  childNodes: ArrayLike<{ nodeType: number }>;
  attributes: ArrayLike<{ name: string; value: string }>;
};

export function parseXml(text: string): El {
  return create(text).root().node as unknown as El;
}

/** Child elements of `el` named `name` (direct children only). */
export function kids(el: El, name?: string): El[] {
  return Array.from(el.childNodes)
    .filter((n) => n.nodeType === 1)
    .map((n) => n as unknown as El)
    .filter((e) => name === undefined || e.tagName === name);
}

/** Elements along a slash path of child names: `devices/disk/source`. */
export function path(el: El, p: string): El[] {
  let cur = [el];
  for (const part of p.split('/')) cur = cur.flatMap((e) => kids(e, part));
  return cur;
}

export function one(el: El, p: string): El | undefined {
  return path(el, p)[0];
}

export function text(el: El, p: string): string | undefined {
  return one(el, p)?.textContent ?? undefined;
}

export function attr(el: El, p: string, name: string): string | undefined {
  return one(el, p)?.getAttribute(name) ?? undefined;
}
