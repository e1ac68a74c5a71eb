/**
 * A lab's state as text that fits in a URL fragment: JSON, deflate-compressed (CompressionStream) and base64url
 * encoded. The fragment is never sent to a server.
 */

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error('it contains characters a link of this app never has');
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function through(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

/** "z" + compressed where the browser compresses, "j" + plain JSON otherwise. */
export async function encodeState(value: unknown): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(value));
  if (typeof CompressionStream === 'function') return `z${toBase64Url(await through(json, new CompressionStream('deflate-raw')))}`;
  return `j${toBase64Url(json)}`;
}

/** Throws an Error whose message says what is wrong with the text. */
export async function decodeState(text: string): Promise<unknown> {
  const kind = text[0];
  if (kind !== 'z' && kind !== 'j') throw new Error('it does not start the way this app writes links');
  let bytes = fromBase64Url(text.slice(1));
  if (kind === 'z') {
    try {
      bytes = await through(bytes, new DecompressionStream('deflate-raw'));
    } catch {
      throw new Error('its compressed data is damaged (was it cut short when copied?)');
    }
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new Error('its data is not valid JSON');
  }
}
