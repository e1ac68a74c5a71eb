/**
 * Normalizers of tokenizer.json, applied with an alignment back to the input so that
 * token offsets always point into the text the user typed.
 */

interface NormalizedText {
  text: string;
  /** per UTF-16 unit of `text`: [start, end) in the input; null = identity (same length, unit i ↔ unit i) */
  starts: Int32Array | null;
  ends: Int32Array | null;
}

export interface Normalizer {
  normalize(s: string): NormalizedText;
  /** true if normalizing two pieces separately equals normalizing their concatenation whenever the cut is before an ASCII char or after '\n' */
  readonly local: boolean;
  /** for per-unit replacements: maps one code unit to its replacement (used by split-point proofs); null if not per-unit */
  readonly unitMap: ((code: number) => number) | null;
}

export class UnsupportedConfigError extends Error {}

type Step = (t: NormalizedText) => NormalizedText;

function materialize(t: NormalizedText): { starts: Int32Array; ends: Int32Array } {
  if (t.starts && t.ends) return { starts: t.starts, ends: t.ends };
  const n = t.text.length;
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    starts[i] = i;
    ends[i] = i + 1;
  }
  return { starts, ends };
}

/** Splits before each ASCII unit and after each '\n'; segments are normalized independently. */
function unicodeStep(form: 'NFC' | 'NFD' | 'NFKC' | 'NFKD'): Step {
  return (t) => {
    const s = t.text;
    const whole = s.normalize(form);
    if (whole === s) return t;
    const src = materialize(t);
    const outText: string[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    let segStart = 0;
    const flush = (segEnd: number): void => {
      if (segEnd <= segStart) return;
      const seg = s.slice(segStart, segEnd);
      const norm = seg.normalize(form);
      outText.push(norm);
      if (norm === seg) {
        for (let i = segStart; i < segEnd; i++) {
          starts.push(src.starts[i]);
          ends.push(src.ends[i]);
        }
      } else {
        const a = src.starts[segStart];
        const b = src.ends[segEnd - 1];
        for (let i = 0; i < norm.length; i++) {
          starts.push(a);
          ends.push(b);
        }
      }
      segStart = segEnd;
    };
    for (let i = 1; i < s.length; i++) {
      if (s.charCodeAt(i) < 0x80 || s.charCodeAt(i - 1) === 10) flush(i);
    }
    flush(s.length);
    return { text: outText.join(''), starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
  };
}

function replaceStep(pattern: string, content: string): Step {
  if (pattern.length === 0) return (t) => t;
  if (pattern.length === 1 && content.length === 1) {
    return (t) => ({ ...t, text: t.text.replaceAll(pattern, content) });
  }
  return (t) => {
    const s = t.text;
    if (!s.includes(pattern)) return t;
    const src = materialize(t);
    const parts: string[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    let i = 0;
    while (i < s.length) {
      const k = s.indexOf(pattern, i);
      const stop = k < 0 ? s.length : k;
      parts.push(s.slice(i, stop));
      for (let j = i; j < stop; j++) {
        starts.push(src.starts[j]);
        ends.push(src.ends[j]);
      }
      if (k < 0) break;
      parts.push(content);
      const a = src.starts[k];
      const b = src.ends[k + pattern.length - 1];
      for (let j = 0; j < content.length; j++) {
        starts.push(a);
        ends.push(b);
      }
      i = k + pattern.length;
    }
    return { text: parts.join(''), starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
  };
}

function prependStep(prefix: string): Step {
  return (t) => {
    const src = materialize(t);
    const n = t.text.length;
    const starts = new Int32Array(prefix.length + n);
    const ends = new Int32Array(prefix.length + n);
    const at = n > 0 ? src.starts[0] : 0;
    for (let i = 0; i < prefix.length; i++) {
      starts[i] = at;
      ends[i] = at;
    }
    starts.set(src.starts, prefix.length);
    ends.set(src.ends, prefix.length);
    return { text: prefix + t.text, starts, ends };
  };
}

function lowercaseStep(): Step {
  return (t) => {
    const s = t.text;
    const lower = s.toLowerCase();
    if (lower.length === s.length) return { ...t, text: lower };
    const src = materialize(t);
    const parts: string[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    for (let i = 0; i < s.length; ) {
      const cp = s.codePointAt(i) ?? 0;
      const w = cp > 0xffff ? 2 : 1;
      const l = s.slice(i, i + w).toLowerCase();
      parts.push(l);
      for (let j = 0; j < l.length; j++) {
        starts.push(src.starts[i]);
        ends.push(src.ends[i + w - 1]);
      }
      i += w;
    }
    return { text: parts.join(''), starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
  };
}

interface NormalizerConfig {
  type: string;
  normalizers?: NormalizerConfig[];
  pattern?: { String?: string; Regex?: string };
  content?: string;
  prepend?: string;
}

export function createNormalizer(config: unknown): Normalizer {
  const steps: Step[] = [];
  let local = true;
  let unitMaps: [number, number][] = [];
  let perUnit = true;
  const add = (c: NormalizerConfig | null | undefined): void => {
    if (!c) return;
    switch (c.type) {
      case 'Sequence':
        for (const x of c.normalizers ?? []) add(x);
        return;
      case 'NFC':
      case 'NFD':
      case 'NFKC':
      case 'NFKD':
        steps.push(unicodeStep(c.type));
        perUnit = false;
        if (c.type === 'NFKC' || c.type === 'NFKD') local = false; // compatibility forms may turn letters into '/' or spaces
        return;
      case 'Replace': {
        const pattern = c.pattern?.String;
        if (pattern === undefined) throw new UnsupportedConfigError('Replace normalizer with a regex pattern');
        const content = c.content ?? '';
        steps.push(replaceStep(pattern, content));
        if (pattern.length === 1 && content.length === 1) unitMaps.push([pattern.charCodeAt(0), content.charCodeAt(0)]);
        else if (pattern.length > 0) {
          local = false;
          perUnit = false;
        }
        return;
      }
      case 'Prepend':
        steps.push(prependStep(c.prepend ?? ''));
        local = false;
        perUnit = false;
        return;
      case 'Lowercase':
        steps.push(lowercaseStep());
        local = false;
        perUnit = false;
        return;
      default:
        throw new UnsupportedConfigError(`normalizer ${c.type}`);
    }
  };
  add(config as NormalizerConfig | null);
  if (!perUnit) unitMaps = [];
  const maps = unitMaps;
  return {
    local,
    unitMap: perUnit
      ? (code: number) => {
          for (const [from, to] of maps) if (code === from) code = to;
          return code;
        }
      : null,
    normalize(s: string): NormalizedText {
      let t: NormalizedText = { text: s, starts: null, ends: null };
      for (const step of steps) t = step(t);
      return t;
    },
  };
}
