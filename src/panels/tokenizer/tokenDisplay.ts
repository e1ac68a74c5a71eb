/**
 * How a token's bytes are shown: honest about byte pieces (hex, never U+FFFD)
 * and about invisible characters (escaped), while the original text stays copyable.
 */
import type { TokenizedPayload } from '../../engine/protocol';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface TokenView {
  index: number;
  id: number;
  start: number;
  end: number;
  bytes: Uint8Array;
  special: boolean;
  /** the decoded text, or null when the bytes are not valid UTF-8 on their own */
  text: string | null;
  /** the slice of the original text this chip gives back when copied */
  copyText: string;
}

function decodeStrict(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * `decoded`, when given, caches each ID's decoded text (an ID always stands for the same bytes in
 * one tokenizer), so re-rendering a page of 2,000 chips after a keystroke decodes only new IDs.
 */
export function tokenView(payload: TokenizedPayload, text: string, index: number, decoded?: Map<number, string | null>): TokenView {
  const byteStart = index === 0 ? 0 : payload.byteEnds[index - 1];
  const bytes = payload.bytes.subarray(byteStart, payload.byteEnds[index]);
  const id = payload.ids[index];
  let decodedText = decoded?.get(id);
  if (decodedText === undefined) {
    decodedText = decodeStrict(bytes);
    decoded?.set(id, decodedText);
  }
  const start = payload.offsets[2 * index];
  const end = payload.offsets[2 * index + 1];
  // byte pieces of one character share its span: only the first piece gives the character back
  const prevEnd = index === 0 ? 0 : payload.offsets[2 * index - 1];
  const copyText = text.slice(Math.max(start, Math.min(prevEnd, end)), end);
  return { index, id, start, end, bytes, special: payload.special[index] === 1, text: decodedText, copyText };
}

export function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0', '\\': '\\\\' };

/** true for characters that would be invisible or disruptive on screen */
export function isInvisible(ch: string): boolean {
  return /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u.test(ch);
}

/** Escapes a token's text so every character is visible: \n, \t, \u200B, lone surrogates… */
export function escapeTokenText(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const code = s.charCodeAt(i);
    if (NAMED[ch]) out += NAMED[ch];
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out += ch + s[i + 1];
      i++;
    } else if (isInvisible(ch)) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** What a chip shows as its label. */
export function chipLabel(t: TokenView): { label: string; kind: 'text' | 'bytes' | 'special' } {
  if (t.text === null) return { label: `<${hexBytes(t.bytes)}>`, kind: 'bytes' };
  if (t.special) return { label: t.text, kind: 'special' };
  return { label: t.text, kind: 'text' };
}

/** A short accessible name: position, escaped text and ID. */
export function tokenAccessibleName(t: TokenView): string {
  const what = t.text === null ? `bytes ${hexBytes(t.bytes)}` : `"${escapeTokenText(t.text)}"`;
  return `Token ${t.index + 1}: ${what}${t.special ? ' (special)' : ''}, ID ${t.id}`;
}
