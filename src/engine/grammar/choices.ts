/**
 * "One of a list" constraints, shared by the page's XGrammar compile and the servers' grammar option: the choices of
 * a text, and a grammar whose only sentences are those choices. XGrammar's EBNF and llama.cpp's GBNF write string
 * literals the same way. Dependency-free.
 */

/** One choice per line that is not blank, exactly as written (a trailing '\r' dropped), duplicates once. */
export function choiceLines(text: string): string[] {
  return [...new Set(text.split('\n').map((line) => line.replace(/\r$/, '')).filter((line) => line.trim()))];
}

/** A grammar (EBNF / GBNF) whose only sentences are the choices. */
export function choiceGrammar(choices: readonly string[]): string {
  return `root ::= ${choices.map(grammarString).join(' | ')}`;
}

/** A string literal: quotes, backslashes and control characters escaped (other characters as they are). */
function grammarString(text: string): string {
  let escaped = '';
  for (const c of text) {
    const code = c.codePointAt(0)!;
    if (c === '"' || c === '\\') escaped += `\\${c}`;
    else if (c === '\n') escaped += '\\n';
    else if (c === '\r') escaped += '\\r';
    else if (c === '\t') escaped += '\\t';
    else if (code < 0x20 || code === 0x7f) escaped += `\\x${code.toString(16).padStart(2, '0')}`;
    else escaped += c;
  }
  return `"${escaped}"`;
}
