// Line endings of guest text files (CRLF files exist: edited on Windows, copied over).
/** A line's own end: "\r" when it ends in CR (a CRLF file), else "". */
export function cr(line: string): string {
  return line.endsWith('\r') ? '\r' : '';
}

/** The end new lines of a file get: "\r" when the file is CRLF. */
export function fileCr(text: string): string {
  return /\r\n/.test(text) ? '\r' : '';
}
