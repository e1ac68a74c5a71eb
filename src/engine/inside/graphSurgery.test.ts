/**
 * Graph surgery on the embedded model's ONNX file in Node (onnxruntime-node): a standard export of it (no internals
 * among the outputs, the exporter's tensor names; tests/reference/standardExport.ts) gets its hidden states, attention
 * and lens weights found by structure and added as outputs, and onnxruntime then gives exactly the values the
 * embedded model's own internals outputs give.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { standardExport } from '../../../tests/reference/standardExport';
import { findInternals, type GraphInternals } from './findInternals';
import { readOnnxGraph, withGraphOutputs } from './onnxGraph';

const modelFile = resolve(__dirname, '../../../public/models/nexttoken-base/onnx/model.onnx');
const LAYERS = 5;
const KV_HEADS = 2;
const HEAD_DIM = 32;

function feeds(ids: number[]): Record<string, ort.Tensor> {
  const int64 = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
  const out: Record<string, ort.Tensor> = {
    input_ids: int64(ids),
    attention_mask: int64(ids.map(() => 1)),
    position_ids: int64(ids.map((_, i) => i)),
  };
  for (let l = 0; l < LAYERS; l++)
    for (const kv of ['key', 'value']) out[`past_key_values.${l}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, KV_HEADS, 0, HEAD_DIM]);
  return out;
}

describe('adding the internals of a standard export as graph outputs', () => {
  const embedded = new Uint8Array(readFileSync(modelFile));
  const standard = standardExport(embedded);
  let found: GraphInternals;
  beforeAll(() => {
    found = findInternals(readOnnxGraph(standard));
  });

  it('a standard export lists only logits and present.* and none of the embedded names', () => {
    const outputs = readOnnxGraph(standard).outputs;
    expect(outputs).toHaveLength(1 + 2 * LAYERS);
    expect(outputs.every((o) => o === 'logits' || o.startsWith('present.'))).toBe(true);
    expect(readOnnxGraph(standard).nodes.some((n) => n.outputs.some((o) => o.startsWith('hidden_states')))).toBe(false);
  });

  it('finds the residual stream after each layer, each attention softmax and the lens weights by structure', () => {
    expect(found.unavailable).toEqual({});
    expect(found.layers).toBe(LAYERS);
    expect(found.hidden).toEqual(Array.from({ length: LAYERS }, (_, i) => `/m/layers.${i}/Add_1_output_0`));
    expect(found.attention).toEqual(Array.from({ length: LAYERS }, (_, i) => `/m/layers.${i}/self_attn/Softmax_output_0`));
    expect(found.lens).toEqual({ norm: 'm.norm.weight', head: 'm.embed_tokens.weight', headLayout: 'vocab-hidden' });
    // the embedded model's own graph: the same tensors, under export.py's names
    const own = findInternals(readOnnxGraph(embedded));
    expect(own.hidden).toEqual(Array.from({ length: LAYERS }, (_, i) => `hidden_states.${i}`));
    expect(own.attention).toEqual(Array.from({ length: LAYERS }, (_, i) => `attentions.${i}`));
  });

  it('onnxruntime runs the graph with the added outputs and gives the same values as the embedded model’s', async () => {
    const names = [...found.hidden!, ...found.attention!, found.lens!.norm, found.lens!.head];
    const patched = withGraphOutputs(standard, names);
    const [withOutputs, reference] = await Promise.all([ort.InferenceSession.create(patched), ort.InferenceSession.create(embedded)]);
    expect(withOutputs.outputNames).toEqual(expect.arrayContaining(names));
    const ids = [1, 300, 301, 302, 303, 304, 305];
    const got = await withOutputs.run(feeds(ids), names);
    const want = await reference.run(feeds(ids), [
      ...Array.from({ length: LAYERS }, (_, i) => `hidden_states.${i}`),
      ...Array.from({ length: LAYERS }, (_, i) => `attentions.${i}`),
      'm.norm.weight',
      'm.embed_tokens.weight',
    ]);
    Object.values(want).forEach((w, i) => {
      const g = got[names[i]];
      expect(g.dims).toEqual(w.dims);
      expect(Array.from(g.data as Float32Array)).toEqual(Array.from(w.data as Float32Array));
    });
    // decoding fetches only logits: the same logits as the graph without the added outputs
    const plain = await ort.InferenceSession.create(standard);
    const [a, b] = await Promise.all([withOutputs.run(feeds(ids), ['logits']), plain.run(feeds(ids), ['logits'])]);
    expect(Array.from(a.logits.data as Float32Array)).toEqual(Array.from(b.logits.data as Float32Array));
  });

  it('says why when attention is fused or the head is quantized', () => {
    const graph = readOnnxGraph(standard);
    const fused = { ...graph, nodes: graph.nodes.map((n) => (n.opType === 'Softmax' ? { ...n, opType: 'GroupQueryAttention' } : n)) };
    expect(findInternals(fused).unavailable.attention).toMatch(/fused kernel \(GroupQueryAttention\)/);
    expect(findInternals(fused).hidden).not.toBeNull();
    const quantized = { ...graph, nodes: graph.nodes.map((n) => (n.opType === 'Gemm' ? { ...n, opType: 'MatMulNBits' } : n)) };
    expect(findInternals(quantized).unavailable.lens).toMatch(/output head is a MatMulNBits/);
    // the residual stream is still found before the head it cannot apply
    expect(findInternals(quantized).hidden).toEqual(found.hidden);
    expect(findInternals(quantized).unavailable.residual).toBeUndefined();
    expect(findInternals(quantized).attention).not.toBeNull();
  });
});
