/**
 * The few parts of an ONNX ModelProto the Inside panel needs, read straight from the protobuf wire format: the graph's
 * nodes (op, inputs, outputs, the attributes that are numbers), its inputs and outputs, and where each initializer's
 * data lies. Weights are never copied while reading (an initializer is an offset into the file), so a 500 MB graph
 * is scanned in milliseconds; a generic protobuf library (onnx-proto on protobufjs) would decode every weight.
 *
 * `withGraphOutputs` adds outputs without re-encoding anything: protobuf merges a message field that appears twice,
 * and appends to its repeated fields, so a second `graph` field holding only `output` entries, written after the
 * file's bytes, lists more outputs of the same graph. Spec: onnx/onnx.proto (field numbers below).
 */

export interface OnnxNode {
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  /** attributes that are an int or a float (e.g. Gemm's transB, a norm's epsilon) */
  numbers: Record<string, number>;
}

export interface OnnxInitializer {
  name: string;
  dims: number[];
  /** TensorProto.DataType: 1 float32, 10 float16, 16 bfloat16, 3 int8, 2 uint8 … */
  dataType: number;
  /** where raw_data lies in the file, or null (float_data, external data) */
  raw: { offset: number; length: number } | null;
}

export interface OnnxGraph {
  nodes: OnnxNode[];
  inputs: string[];
  outputs: string[];
  initializers: Map<string, OnnxInitializer>;
}

export const DATA_TYPE = { float32: 1, float16: 10 } as const;

const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

/** One protobuf message's fields, in order: `value` is a number (varint, fixed) or the [start, end) of a bytes field. */
function* fields(buf: Uint8Array, start: number, end: number): Generator<{ field: number; wire: number; value: number; start: number; end: number }> {
  let at = start;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (at >= end) throw new Error('the ONNX file ends inside a number (it is cut short or not an ONNX model)');
      const b = buf[at++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
  };
  while (at < end) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === WIRE.varint) yield { field, wire, value: varint(), start: 0, end: 0 };
    else if (wire === WIRE.bytes) {
      const length = varint();
      const s = at;
      at += length;
      if (at > end) throw new Error('the ONNX file ends inside a field (it is cut short or not an ONNX model)');
      yield { field, wire, value: length, start: s, end: at };
    } else if (wire === WIRE.fixed32) {
      const view = new DataView(buf.buffer, buf.byteOffset + at, 4);
      at += 4;
      yield { field, wire, value: view.getFloat32(0, true), start: 0, end: 0 };
    } else if (wire === WIRE.fixed64) {
      at += 8;
      yield { field, wire, value: 0, start: 0, end: 0 };
    } else throw new Error(`the ONNX file holds an unknown protobuf wire type (${wire}): it is not an ONNX model`);
  }
}

const decoder = new TextDecoder();
const text = (buf: Uint8Array, s: number, e: number) => decoder.decode(buf.subarray(s, e));

function readNode(buf: Uint8Array, start: number, end: number): OnnxNode {
  const node: OnnxNode = { opType: '', domain: '', inputs: [], outputs: [], numbers: {} };
  for (const f of fields(buf, start, end)) {
    if (f.field === 1) node.inputs.push(text(buf, f.start, f.end));
    else if (f.field === 2) node.outputs.push(text(buf, f.start, f.end));
    else if (f.field === 4) node.opType = text(buf, f.start, f.end);
    else if (f.field === 7) node.domain = text(buf, f.start, f.end);
    else if (f.field === 5) {
      // AttributeProto: 1 name, 2 f, 3 i
      let name = '';
      let value: number | null = null;
      for (const a of fields(buf, f.start, f.end)) {
        if (a.field === 1) name = text(buf, a.start, a.end);
        else if ((a.field === 2 && a.wire === WIRE.fixed32) || (a.field === 3 && a.wire === WIRE.varint)) value = a.value;
      }
      if (value !== null) node.numbers[name] = value;
    }
  }
  return node;
}

function readInitializer(buf: Uint8Array, start: number, end: number): OnnxInitializer {
  const init: OnnxInitializer = { name: '', dims: [], dataType: 0, raw: null };
  for (const f of fields(buf, start, end)) {
    if (f.field === 1 && f.wire === WIRE.varint) init.dims.push(f.value);
    else if (f.field === 1) for (const d of fields(buf, f.start, f.end)) init.dims.push(d.value); // packed
    else if (f.field === 2) init.dataType = f.value;
    else if (f.field === 8) init.name = text(buf, f.start, f.end);
    else if (f.field === 9) init.raw = { offset: f.start, length: f.end - f.start };
  }
  return init;
}

/** The name of a ValueInfoProto (field 1). */
function valueName(buf: Uint8Array, start: number, end: number): string {
  for (const f of fields(buf, start, end)) if (f.field === 1) return text(buf, f.start, f.end);
  return '';
}

/** Reads the graph of an ONNX model file (every `graph` field, merged, as protobuf does). */
export function readOnnxGraph(buf: Uint8Array): OnnxGraph {
  const graph: OnnxGraph = { nodes: [], inputs: [], outputs: [], initializers: new Map() };
  let found = false;
  for (const m of fields(buf, 0, buf.length)) {
    if (m.field !== 7 || m.wire !== WIRE.bytes) continue; // ModelProto.graph
    found = true;
    for (const g of fields(buf, m.start, m.end)) {
      if (g.wire !== WIRE.bytes) continue;
      if (g.field === 1) graph.nodes.push(readNode(buf, g.start, g.end));
      else if (g.field === 5) {
        const init = readInitializer(buf, g.start, g.end);
        graph.initializers.set(init.name, init);
      } else if (g.field === 11) graph.inputs.push(valueName(buf, g.start, g.end));
      else if (g.field === 12) graph.outputs.push(valueName(buf, g.start, g.end));
    }
  }
  if (!found) throw new Error('the file holds no ONNX graph');
  return graph;
}

function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function lengthDelimited(field: number, body: number[]): number[] {
  return [...varintBytes(field * 8 + WIRE.bytes), ...varintBytes(body.length), ...body];
}

/** The model file with `names` (tensors the graph computes, or initializers) added to its graph's outputs. */
export function withGraphOutputs(buf: Uint8Array, names: readonly string[]): Uint8Array {
  if (names.length === 0) return buf;
  const encoder = new TextEncoder();
  const outputs = names.flatMap((name) => lengthDelimited(12, lengthDelimited(1, [...encoder.encode(name)]))); // GraphProto.output: ValueInfoProto.name
  const tail = lengthDelimited(7, outputs); // ModelProto.graph, merged into the first
  const out = new Uint8Array(buf.length + tail.length);
  out.set(buf);
  out.set(tail, buf.length);
  return out;
}
