/**
 * The embedded model as it was before its internals were exported: the same ONNX file with the extra outputs
 * (hidden_states.*, attentions.*, the lens weights) removed from the graph's output list, nothing else changed. The
 * inside suite decodes with both to show that the internals-capable graph decodes as fast. A minimal protobuf
 * rewrite (ModelProto.graph = field 7, GraphProto.output = field 12, ValueInfoProto.name = field 1).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Field {
  field: number;
  start: number;
  end: number;
  dataStart: number;
  dataEnd: number;
}

function varint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = buf[pos++];
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) return [value, pos];
  }
}

function encodeVarint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [key, afterKey] = varint(buf, pos);
    const wire = key % 8;
    let dataStart = afterKey;
    let dataEnd: number;
    if (wire === 0) dataEnd = varint(buf, afterKey)[1];
    else if (wire === 1) dataEnd = afterKey + 8;
    else if (wire === 5) dataEnd = afterKey + 4;
    else if (wire === 2) {
      const [length, after] = varint(buf, afterKey);
      dataStart = after;
      dataEnd = after + length;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    out.push({ field: Math.floor(key / 8), start, end: dataEnd, dataStart, dataEnd });
    pos = dataEnd;
  }
  return out;
}

function nameOf(valueInfo: Uint8Array): string {
  const f = fields(valueInfo).find((x) => x.field === 1);
  return f ? new TextDecoder().decode(valueInfo.subarray(f.dataStart, f.dataEnd)) : '';
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The model with only the graph outputs `keep` accepts. */
function keepOutputs(model: Uint8Array, keep: (name: string) => boolean): Uint8Array {
  return concat(
    fields(model).map((f) => {
      if (f.field !== 7) return model.subarray(f.start, f.end);
      const graph = model.subarray(f.dataStart, f.dataEnd);
      const kept = concat(fields(graph).filter((g) => g.field !== 12 || keep(nameOf(graph.subarray(g.dataStart, g.dataEnd)))).map((g) => graph.subarray(g.start, g.end)));
      return concat([Uint8Array.from([...encodeVarint(7 * 8 + 2), ...encodeVarint(kept.length)]), kept]);
    }),
  );
}

export const DECODING_ONLY_MODEL = 'nexttoken-base-decoding-only';

/** Writes `${dist}/models/nexttoken-base-decoding-only/` next to the embedded model (once per build). */
export function writeDecodingOnlyModel(dist: string): void {
  const from = join(dist, 'models/nexttoken-base');
  const to = join(dist, 'models', DECODING_ONLY_MODEL);
  if (existsSync(join(to, 'onnx/model.onnx'))) return;
  mkdirSync(join(to, 'onnx'), { recursive: true });
  for (const file of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) cpSync(join(from, file), join(to, file));
  const model = new Uint8Array(readFileSync(join(from, 'onnx/model.onnx')));
  writeFileSync(join(to, 'onnx/model.onnx'), keepOutputs(model, (name) => name === 'logits' || name.startsWith('present')));
}
