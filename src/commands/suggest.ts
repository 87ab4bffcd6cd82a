// "Did you mean --bridge?": the closest known option or command to a mistyped one,
// by edit distance (fastest-levenshtein), close enough to be a typo.
import { closest, distance } from 'fastest-levenshtein';

/** The candidate closest to `word`, if it is within a typo's distance (a third of its length, at least 1, at most 3). */
export function suggestion(word: string, candidates: string[]): string | undefined {
  const pool = candidates.filter((c) => c.length > 1);
  if (!word || pool.length === 0) return undefined;
  const best = closest(word, pool);
  const limit = Math.min(3, Math.max(1, Math.floor(Math.max(word.length, best.length) / 3)));
  return distance(word, best) <= limit ? best : undefined;
}

/** yargs' "Unknown argument(s): a, b" with a suggestion for each unknown option that has one. */
export function explainUnknown(message: string, known: string[]): string {
  const m = /^Unknown arguments?: (.+)$/.exec(message);
  if (!m) return message;
  const hints = m[1].split(', ').map((a) => {
    const s = suggestion(a.replace(/^-+/, ''), known);
    return s ? `--${a.replace(/^-+/, '')}: did you mean --${s}?` : undefined;
  }).filter(Boolean);
  return hints.length ? `${message} (${hints.join('; ')})` : message;
}
