/** Helpers for showing tokens honestly: raw bytes as hex when they are not complete UTF-8, invisible characters escaped. */

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

function hex(bytes: Uint8Array): string {
  return `<${Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')}>`;
}

/**
 * Valid UTF-8 → its text (partial: false). Otherwise the valid parts as text and each run of
 * bytes that is not a complete character as hex, e.g. `<F0 9F>` (partial: true). Never U+FFFD
 * unless the bytes really encode U+FFFD.
 */
export function bytesToDisplay(bytes: Uint8Array): { text: string; partial: boolean } {
  try {
    return { text: strictDecoder.decode(bytes), partial: false };
  } catch {
    // fall through: decode piecewise
  }
  let text = '';
  let bad: number[] = [];
  const flushBad = (): void => {
    if (bad.length) text += hex(Uint8Array.from(bad));
    bad = [];
  };
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len > 0 && i + len <= bytes.length) {
      try {
        const ch = strictDecoder.decode(bytes.subarray(i, i + len));
        flushBad();
        text += ch;
        i += len;
        continue;
      } catch {
        // not a complete character
      }
    }
    bad.push(b);
    i++;
  }
  flushBad();
  return { text, partial: true };
}

const NAMED: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', '\0': '\\0', '\\': '\\\\' };

/** Makes control characters, zero-width and other invisible characters visible: \n, \t, \r, \0, \x1B, \u200B… */
export function escapeTokenText(s: string): string {
  let out = '';
  for (const ch of s) {
    const named = NAMED[ch];
    if (named !== undefined) {
      out += named;
      continue;
    }
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) out += `\\x${cp.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (/[\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]/u.test(ch) || cp === 0x034f || (cp >= 0x115f && cp <= 0x1160) || cp === 0x3164 || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef))
      out += cp > 0xffff ? `\\u{${cp.toString(16).toUpperCase()}}` : `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}
