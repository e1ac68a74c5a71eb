/**
 * The embedded model as a standard exporter gives it (Optimum, torch.onnx): the same graph and weights, but only
 * `logits` and `present.*` as outputs, and the internal tensors under the exporter's own names
 * (`/m/layers.3/Add_1_output_0`, not `hidden_states.3`). tools/model/export.py names and lists them (expose_internals);
 * this undoes exactly that, on the wire, so tests can load "a Hub model without internals" that has known answers.
 * Test support only: written independently of the app's graph reader (src/engine/inside/onnxGraph.ts).
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** export.py's names → the names torch.onnx gave those tensors before it renamed them */
function exporterName(name: string): string {
  const hidden = /^hidden_states\.(\d+)$/.exec(name);
  if (hidden) return `/m/layers.${hidden[1]}/Add_1_output_0`;
  const attention = /^attentions\.(\d+)$/.exec(name);
  if (attention) return `/m/layers.${attention[1]}/self_attn/Softmax_output_0`;
  return name;
}

function readVarint(buf: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = buf[at++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, at];
    scale *= 128;
  }
}

function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
  out.push(n);
  return out;
}

/** Rewrites a message field by field: `edit(field, body)` returns the new body of a length-delimited field, or null to drop it. */
function rewrite(buf: Uint8Array, edit: (field: number, body: Uint8Array) => Uint8Array | null): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at < buf.length) {
    const start = at;
    const [key, next] = readVarint(buf, at);
    at = next;
    const wire = key & 7;
    if (wire === 2) {
      const [length, bodyAt] = readVarint(buf, at);
      at = bodyAt + length;
      const body = buf.subarray(bodyAt, at);
      const edited = edit(Math.floor(key / 8), body);
      if (edited === body) parts.push(buf.subarray(start, at));
      else if (edited) parts.push(Uint8Array.from([...varint(key), ...varint(edited.length)]), edited);
    } else {
      at = wire === 0 ? readVarint(buf, at)[1] : at + (wire === 5 ? 4 : 8);
      parts.push(buf.subarray(start, at));
    }
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

function renameNode(node: Uint8Array): Uint8Array {
  return rewrite(node, (field, body) => (field === 1 || field === 2 ? bytes(exporterName(text(body))) : body)); // NodeProto.input, output
}

function isStandardOutput(valueInfo: Uint8Array): boolean {
  let name = '';
  rewrite(valueInfo, (field, body) => {
    if (field === 1) name = text(body);
    return body;
  });
  return name === 'logits' || name.startsWith('present');
}

/** model.onnx bytes without the internals outputs and with the exporter's tensor names. */
export function standardExport(model: Uint8Array): Uint8Array {
  return rewrite(model, (field, graph) =>
    field !== 7
      ? graph
      : rewrite(graph, (g, body) => {
          if (g === 1) return renameNode(body); // GraphProto.node
          if (g === 12) return isStandardOutput(body) ? body : null; // GraphProto.output
          return body;
        }),
  );
}

/** Copies a model folder to `to`, its onnx/model.onnx as a standard export. Returns `to`. */
export function writeStandardExport(from: string, to: string): string {
  mkdirSync(join(to, 'onnx'), { recursive: true });
  for (const name of readdirSync(from)) if (name.endsWith('.json')) writeFileSync(join(to, name), readFileSync(join(from, name)));
  writeFileSync(join(to, 'onnx/model.onnx'), standardExport(new Uint8Array(readFileSync(join(from, 'onnx/model.onnx')))));
  return to;
}
