// Reads the xm / xl config syntax (a subset of Python) into located settings.
// Lenient: it accepts the union of what xm (Python), libvirt and xl accept —
// comments inside lists, trailing commas, `;` separators, CRLF, """…""" strings,
// backslash escapes, hex integers, `+=`. Every syntax error is collected with its
// line and column; parsing resumes at the next line that starts a setting.
import type { Pos } from './types.js';

export type Value =
  | { kind: 'int'; value: number; pos: Pos }
  | { kind: 'string'; value: string; pos: Pos; escapes: boolean }
  | { kind: 'list'; items: Value[]; pos: Pos };

export interface Setting {
  name: string;
  /** `+=` appends to an earlier list setting (newer xl). */
  append: boolean;
  value: Value;
  pos: Pos;
}

export interface LexProblem {
  pos: Pos;
  message: string;
  /** The setting being read when the problem was found, when known. */
  setting?: string;
}

export interface LexResult {
  settings: Setting[];
  problems: LexProblem[];
  /** True when the text used something only xl accepts (comment in a list, escapes, hex, +=). */
  xlOnly: boolean;
}

class SyntaxProblem extends Error {
  setting?: string;
  constructor(readonly pos: Pos, message: string) {
    super(message);
  }
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const SETTING_LINE = /^[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*\+?=/;
const MAX_LIST_DEPTH = 8;

/** Lexes a whole config text. */
export function lexConfig(text: string): LexResult {
  return new Lexer(text.replace(/\r\n?/g, '\n')).run();
}

class Lexer {
  private i = 0;
  private line = 1;
  private col = 1;
  private xlOnly = false;
  /** Only blanks since the start of the current line (a list element there may be the next setting). */
  private atLineStart = true;
  private depth = 0;
  constructor(private readonly s: string) {}

  run(): LexResult {
    const settings: Setting[] = [];
    const problems: LexProblem[] = [];
    while (true) {
      this.skipBlankAndComments(true);
      if (this.eof()) break;
      try {
        settings.push(this.setting());
      } catch (e) {
        if (!(e instanceof SyntaxProblem)) throw e;
        problems.push({ pos: e.pos, message: e.message, ...(e.setting ? { setting: e.setting } : {}) });
        this.resync();
      }
    }
    return { settings, problems, xlOnly: this.xlOnly };
  }

  private eof(): boolean {
    return this.i >= this.s.length;
  }
  private peek(k = 0): string {
    return this.s[this.i + k] ?? '';
  }
  private pos(): Pos {
    return { line: this.line, column: this.col };
  }
  private advance(): string {
    const c = this.s[this.i++];
    if (c === '\n') {
      this.line++;
      this.col = 1;
      this.atLineStart = true;
    } else {
      this.col++;
      if (c !== ' ' && c !== '\t') this.atLineStart = false;
    }
    return c;
  }

  /** Does a setting (`name =`) start here, at the start of a line? Looks at a bounded window, so long lines stay linear. */
  private settingStartsHere(): boolean {
    return this.atLineStart && SETTING_LINE.test(this.s.slice(this.i, Math.min(this.lineEnd(), this.i + 256)));
  }

  /** Skips spaces, tabs and comments; newlines and `;` too when `newlines`. */
  private skipBlankAndComments(newlines: boolean): void {
    while (!this.eof()) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || (newlines && (c === '\n' || c === ';'))) this.advance();
      else if (c === '\\' && this.peek(1) === '\n') {
        // Python line continuation.
        this.advance();
        this.advance();
      } else if (c === '#') while (!this.eof() && this.peek() !== '\n') this.advance();
      else break;
    }
  }

  /** After an error: skip to the next line that starts a new setting. */
  private resync(): void {
    const lineStart = this.s.lastIndexOf('\n', this.i - 1) + 1;
    if (/^[ \t]*$/.test(this.s.slice(lineStart, this.i)) && SETTING_LINE.test(this.s.slice(lineStart, this.lineEnd()))) return;
    while (!this.eof()) {
      while (!this.eof() && this.peek() !== '\n') this.advance();
      if (this.eof()) return;
      this.advance();
      const rest = this.s.slice(this.i, this.s.indexOf('\n', this.i) === -1 ? undefined : this.s.indexOf('\n', this.i));
      if (SETTING_LINE.test(rest)) return;
    }
  }

  private setting(): Setting {
    const pos = this.pos();
    if (!NAME_START.test(this.peek())) {
      throw new SyntaxProblem(pos, `expected a setting name (like memory = 512), found ${describe(this.peek())}`);
    }
    let name = '';
    while (NAME_CHAR.test(this.peek())) name += this.advance();
    this.skipBlankAndComments(false);
    let append = false;
    if (this.peek() === '+' && this.peek(1) === '=') {
      append = true;
      this.xlOnly = true;
      this.advance();
    }
    if (this.peek() !== '=') {
      throw new SyntaxProblem(this.pos(), `expected = after the name ${name}, found ${describe(this.peek())}`);
    }
    this.advance();
    this.skipBlankAndComments(false);
    let value: Value;
    try {
      value = this.value(name);
    } catch (e) {
      if (e instanceof SyntaxProblem) e.setting = name;
      throw e;
    }
    this.skipBlankAndComments(false);
    const c = this.peek();
    if (!this.eof() && c !== '\n' && c !== ';') {
      if (value.kind === 'int' && /[A-Za-z]/.test(c)) {
        throw new SyntaxProblem(this.pos(), `${name} = ${value.value} is followed by ${describe(c)}: numbers take no unit here (memory is in MiB)`);
      }
      throw new SyntaxProblem(
        this.pos(),
        `unexpected ${describe(c)} after the value of ${name}; a setting ends at the end of the line or at ;`,
      );
    }
    return { name, append, value, pos };
  }

  private value(name: string): Value {
    const pos = this.pos();
    const c = this.peek();
    if (c === '[') return this.list(name);
    if (c === '"' || c === "'") return this.string();
    if (/[0-9+-]/.test(c)) return this.number();
    if (this.eof() || c === '\n' || c === ';') {
      throw new SyntaxProblem(pos, `expected a value for ${name} on the same line as ${name} =`);
    }
    let word = '';
    while (!this.eof() && /[^\s,\]#;]/.test(this.peek())) word += this.advance();
    if (/^(True|False|None)$/.test(word)) {
      throw new SyntaxProblem(pos, `${word} is not a value here; write 1 or 0 instead`);
    }
    throw new SyntaxProblem(pos, `expected a value (a number, a "string" or a [list]) for ${name}, found ${word}; to give the word, quote it: "${word}"`);
  }

  private number(): Value {
    const pos = this.pos();
    let text = '';
    if (this.peek() === '+' || this.peek() === '-') text += this.advance();
    if (this.peek() === '0' && /[xX]/.test(this.peek(1))) {
      text += this.advance() + this.advance();
      while (/[0-9a-fA-F]/.test(this.peek())) text += this.advance();
      if (!/[0-9a-fA-F]$/.test(text)) throw new SyntaxProblem(pos, `${text} is not a number`);
      this.xlOnly = true;
    } else {
      while (/[0-9]/.test(this.peek())) text += this.advance();
    }
    if (/[A-Za-z_.]/.test(this.peek())) {
      let rest = '';
      while (/[A-Za-z0-9_.]/.test(this.peek())) rest += this.advance();
      throw new SyntaxProblem(pos, `${text}${rest} is not a whole number; units and fractions are not allowed (quote it if it is text)`);
    }
    if (!/[0-9a-fA-F]/.test(text)) throw new SyntaxProblem(pos, `${text || this.peek()} is not a number`);
    const value = Number(text);
    if (!Number.isSafeInteger(value)) throw new SyntaxProblem(pos, `${text.length > 24 ? `${text.slice(0, 20)}…` : text} is too large a number`);
    return { kind: 'int', value, pos };
  }

  private string(): Value {
    const pos = this.pos();
    const q = this.peek();
    const triple = this.peek(1) === q && this.peek(2) === q;
    const delim = triple ? q.repeat(3) : q;
    for (let k = 0; k < delim.length; k++) this.advance();
    let out = '';
    let escapes = false;
    while (true) {
      if (this.eof() || (!triple && this.peek() === '\n')) {
        throw new SyntaxProblem(pos, `this string is not closed: a ${delim} is missing before the end of the ${triple ? 'file' : 'line'}`);
      }
      if (this.s.startsWith(delim, this.i)) {
        for (let k = 0; k < delim.length; k++) this.advance();
        const ctl = (triple ? /[\x00-\x08\x0b-\x1f\x7f]/ : /[\x00-\x08\x0a-\x1f\x7f]/).exec(out);
        if (ctl) throw new SyntaxProblem(pos, `this string holds the control character 0x${ctl[0].charCodeAt(0).toString(16).padStart(2, '0')}, which no Xen setting takes`);
        return { kind: 'string', value: out, pos, escapes };
      }
      const c = this.advance();
      if (c === '\\' && !this.eof()) {
        escapes = true;
        out += this.escape();
      } else {
        out += c;
      }
    }
  }

  /** One backslash escape, after the backslash (Python / xl rules). */
  private escape(): string {
    const c = this.advance();
    switch (c) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case 'a': return '\x07';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'v': return '\v';
      case '\\': return '\\';
      case "'": return "'";
      case '"': return '"';
      case '\n': return '';
      case 'x': {
        const hex = this.s.slice(this.i, this.i + 2);
        if (/^[0-9a-fA-F]{2}$/.test(hex)) {
          this.advance();
          this.advance();
          return String.fromCharCode(parseInt(hex, 16));
        }
        return '\\x';
      }
      default:
        if (/[0-7]/.test(c)) {
          let oct = c;
          while (oct.length < 3 && /[0-7]/.test(this.peek())) oct += this.advance();
          return String.fromCharCode(parseInt(oct, 8));
        }
        // Python keeps unknown escapes as written.
        return `\\${c}`;
    }
  }

  private list(name: string): Value {
    const pos = this.pos();
    // Xen's lists nest two deep (cpuid, vnuma); a cap keeps hostile input from exhausting the stack.
    if (this.depth >= MAX_LIST_DEPTH) throw new SyntaxProblem(pos, `lists nested more than ${MAX_LIST_DEPTH} deep`);
    this.depth++;
    try {
      return this.listBody(name, pos);
    } finally {
      this.depth--;
    }
  }

  private listBody(name: string, pos: Pos): Value {
    this.advance(); // [
    const items: Value[] = [];
    while (true) {
      this.skipInList();
      if (this.peek() === ']') {
        this.advance();
        return { kind: 'list', items, pos };
      }
      if (this.eof()) {
        throw new SyntaxProblem(pos, `the list of ${name} opened here is not closed with ]`);
      }
      if (this.peek() === ',') {
        throw new SyntaxProblem(this.pos(), `expected a list element before this comma`);
      }
      const before = this.pos();
      if (this.settingStartsHere()) {
        throw new SyntaxProblem(pos, `the list of ${name} opened here is not closed with ] before the next setting at line ${before.line}`);
      }
      items.push(this.value(name));
      this.skipInList();
      const c = this.peek();
      if (c === ',') {
        this.advance();
      } else if (c !== ']') {
        if (this.eof()) throw new SyntaxProblem(pos, `the list of ${name} opened here is not closed with ]`);
        if (this.settingStartsHere()) {
          throw new SyntaxProblem(pos, `the list of ${name} opened here is not closed with ] before the next setting at line ${this.line}`);
        }
        throw new SyntaxProblem(this.pos(), `expected , or ] between list elements, found ${describe(c)}`);
      }
    }
  }

  private lineEnd(): number {
    const e = this.s.indexOf('\n', this.i);
    return e === -1 ? this.s.length : e;
  }

  /** Blanks, newlines and comments inside a list (comments are an xl extension). */
  private skipInList(): void {
    while (!this.eof()) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\n') this.advance();
      else if (c === '#') {
        this.xlOnly = true;
        while (!this.eof() && this.peek() !== '\n') this.advance();
      } else break;
    }
  }
}

function describe(c: string): string {
  if (c === '') return 'the end of the file';
  if (c === '\n') return 'the end of the line';
  return JSON.stringify(c);
}
