/**
 * Short texts travel in the URL fragment (never sent to a server) so a
 * tokenization can be shared as a link.
 */
const MAX_SHARED_CHARS = 2000;

export interface SharedTokenizerState {
  text: string;
  tokenizerId: string;
  specialTokens: boolean;
}

function toBase64Url(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): string {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** Returns null when the text is too long to be carried in a link. */
export function makeShareLink(state: SharedTokenizerState, base = location.href): string | null {
  if (state.text.length > MAX_SHARED_CHARS) return null;
  const url = new URL(base);
  const params = new URLSearchParams({ tok: state.tokenizerId, t: toBase64Url(state.text) });
  if (state.specialTokens) params.set('special', '1');
  url.hash = params.toString();
  return url.href;
}

export function readShareLink(hash = typeof location === 'undefined' ? '' : location.hash): SharedTokenizerState | null {
  if (!hash || hash.length < 2) return null;
  try {
    const params = new URLSearchParams(hash.slice(1));
    const t = params.get('t');
    const tok = params.get('tok');
    if (t === null || !tok) return null;
    return { text: fromBase64Url(t), tokenizerId: tok, specialTokens: params.get('special') === '1' };
  } catch {
    return null;
  }
}

/** The address without a shared text: a link is applied once; afterwards the address shows the app's own state. */
export function clearShareLink(): void {
  if (typeof location === 'undefined' || !location.hash) return;
  const params = new URLSearchParams(location.hash.slice(1));
  if (!params.has('t') && !params.has('tok')) return;
  for (const key of ['t', 'tok', 'special']) params.delete(key);
  const hash = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${hash ? `#${hash}` : ''}`);
}
