// The README's runnable examples, read: a fenced block whose info string is
// `console runnable [sample=NAME] [vary=LITERAL,LITERAL…]` holds commands (`$ …`),
// each followed by the output the README shows for it. Pure.
//
// Comparing an output with the README's: line by line, trailing blanks ignored;
// `…` inside a line stands for any text, a line that is only `…` for any number of
// lines; each `vary` literal (a run id, a date, a home directory in a path) for any
// text, since it differs from run to run. Everything else must be as shown.

export interface Example {
  /** 1-based line of the block's opening fence. */
  line: number;
  /** The sample guest the block's commands are about (`/etc/xen/NAME` names its config). */
  sample?: string;
  vary: string[];
  steps: { command: string; output: string[] }[];
}

export function runnableExamples(readme: string): Example[] {
  const lines = readme.split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```console runnable\b(.*)$/.exec(lines[i]);
    if (!open) continue;
    const params = new Map(open[1].trim().split(/\s+/).filter(Boolean).map((p) => p.split('=', 2) as [string, string]));
    const ex: Example = { line: i + 1, vary: params.get('vary')?.split(',').filter(Boolean) ?? [], steps: [] };
    if (params.get('sample')) ex.sample = params.get('sample');
    for (i++; i < lines.length && lines[i] !== '```'; i++) {
      if (lines[i].startsWith('$ ')) ex.steps.push({ command: lines[i].slice(2), output: [] });
      else if (ex.steps.length) ex.steps[ex.steps.length - 1].output.push(lines[i]);
      else throw new Error(`README.md line ${i + 1}: a runnable block starts with its command ($ …)`);
    }
    out.push(ex);
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function lineMatcher(expected: string, vary: string[]): RegExp {
  let src = escape(expected.trimEnd());
  for (const v of [...vary, '…']) src = src.split(escape(v)).join('.*?');
  return new RegExp(`^${src}$`);
}

/** Does `actual` read as the README's `expected` output? On a mismatch: the first README line that does not match. */
export function compareOutput(expected: string[], actual: string[], vary: string[]): { ok: true } | { ok: false; at: string } {
  const want = [...expected];
  const got = actual.map((l) => l.trimEnd());
  while (want.length && want[want.length - 1].trim() === '') want.pop();
  while (got.length && got[got.length - 1] === '') got.pop();
  const matchers = want.map((l) => (l.trim() === '…' ? undefined : lineMatcher(l, vary)));
  let deepest = 0;
  const go = (i: number, j: number): boolean => {
    deepest = Math.max(deepest, i);
    if (i === want.length) return j === got.length;
    const m = matchers[i];
    if (!m) {
      for (let k = j; k <= got.length; k++) if (go(i + 1, k)) return true;
      return false;
    }
    return j < got.length && m.test(got[j]) && go(i + 1, j + 1);
  };
  return go(0, 0) ? { ok: true } : { ok: false, at: want[Math.min(deepest, want.length - 1)] ?? '(end of output)' };
}
