/**
 * Finds, by the graph's structure alone (names differ between exporters), the tensors of a Llama-style decoder
 * (Llama, Qwen2, SmolLM2, Mistral: pre-norm blocks with a residual stream) that the Inside panel reads:
 *
 * - the output head: the node that makes `logits` (through Reshape/Cast), a MatMul or Gemm on a weight initializer
 *   (`[hidden, vocab]`, or `[vocab, hidden]` transposed: a tied embedding);
 * - the final norm: what feeds the head, an RMSNorm as one op (SimplifiedLayerNormalization) or spelled out
 *   (weight · x · 1/sqrt(mean(x²) + eps)); its weight initializer and its input x, the residual stream after the
 *   last layer;
 * - the residual stream after every layer: walking back from x through the residual Adds. Each block adds twice
 *   (attention, then MLP), and of an Add's two inputs the residual is the one read elsewhere too (by the next norm),
 *   the sublayer's output is read by the Add alone; the walk ends at the embedding;
 * - each layer's attention probabilities, where the graph computes them: one Softmax per layer, in graph order,
 *   feeding the MatMul with the values. A fused kernel (GroupQueryAttention, MultiHeadAttention, Attention) never
 *   forms them as a tensor.
 *
 * Pure: the result says which view it could not find and why, in words for the user.
 */
import type { OnnxGraph, OnnxNode } from './onnxGraph';
import { DATA_TYPE } from './onnxGraph';
import type { InsideView } from './types';

export interface GraphInternals {
  layers: number;
  /** the residual stream after each layer, `layers` names, or null */
  hidden: string[] | null;
  /** each layer's attention softmax (`[batch, heads, new, past + new]`), or null */
  attention: string[] | null;
  /** the final norm's weight and the output head's weight (initializers), or null */
  lens: { norm: string; head: string; headLayout: 'vocab-hidden' | 'hidden-vocab' } | null;
  unavailable: Partial<Record<InsideView, string>>;
}

const FUSED_ATTENTION = ['GroupQueryAttention', 'MultiHeadAttention', 'Attention', 'PackedMultiHeadAttention', 'SparseAttention'];
const PASS_THROUGH = new Set(['Reshape', 'Cast', 'Identity', 'Squeeze', 'Unsqueeze', 'Flatten']);

class Index {
  readonly producer = new Map<string, OnnxNode>();
  readonly consumers = new Map<string, OnnxNode[]>();
  constructor(readonly graph: OnnxGraph) {
    for (const node of graph.nodes) {
      for (const out of node.outputs) this.producer.set(out, node);
      for (const input of node.inputs) {
        const list = this.consumers.get(input);
        if (list) list.push(node);
        else this.consumers.set(input, [node]);
      }
    }
  }
  readers(name: string): number {
    return (this.consumers.get(name)?.length ?? 0) + (this.graph.outputs.includes(name) ? 1 : 0);
  }
  /** the tensor, followed back through ops that only reshape or cast */
  source(name: string): string {
    for (let node = this.producer.get(name); node && PASS_THROUGH.has(node.opType); node = this.producer.get(name)) name = node.inputs[0];
    return name;
  }
  isWeight(name: string): boolean {
    const init = this.graph.initializers.get(name);
    return init !== undefined && (init.dataType === DATA_TYPE.float32 || init.dataType === DATA_TYPE.float16);
  }
}

function findHead(ix: Index): { normed: string; head: string; headLayout: 'vocab-hidden' | 'hidden-vocab' } | string {
  const logits = ix.graph.outputs.find((o) => o === 'logits') ?? ix.graph.outputs[0];
  const node = ix.producer.get(ix.source(logits));
  if (!node) return 'the graph’s logits are not made by a node';
  if (node.opType !== 'MatMul' && node.opType !== 'Gemm')
    return `the output head is a ${node.opType} node (quantized or fused weights), not a MatMul the lens can apply to each layer`;
  let [a, b] = node.inputs;
  let transposed = node.opType === 'Gemm' && node.numbers['transB'] === 1;
  const t = ix.producer.get(b);
  if (t?.opType === 'Transpose' && ix.isWeight(t.inputs[0])) {
    b = t.inputs[0];
    transposed = !transposed;
  }
  if (!ix.isWeight(b)) return 'the output head’s weights are not a float32 or float16 initializer of the graph (quantized, or computed)';
  a = ix.source(a);
  return { normed: a, head: b, headLayout: transposed ? 'vocab-hidden' : 'hidden-vocab' };
}

/** The RMSNorm that makes `normed`: its input and weight. */
function findNorm(ix: Index, normed: string): { input: string; weight: string } | string {
  const node = ix.producer.get(normed);
  if (node?.opType === 'SimplifiedLayerNormalization' && ix.isWeight(node.inputs[1])) return { input: node.inputs[0], weight: node.inputs[1] };
  if (node?.opType === 'SkipSimplifiedLayerNormalization')
    return node.outputs[3]
      ? { input: node.outputs[3], weight: node.inputs[2] }
      : 'the final norm is fused with the last residual addition (SkipSimplifiedLayerNormalization), so the residual stream is never a tensor of the graph';
  // spelled out: Mul(weight, Mul(x, 1/rms(x))), either operand order
  if (node?.opType === 'Mul') {
    const weight = node.inputs.find((n) => ix.isWeight(n));
    const inner = ix.producer.get(ix.source(node.inputs.find((n) => n !== weight) ?? ''));
    if (weight && inner?.opType === 'Mul') {
      const input = inner.inputs.map((n) => ix.source(n)).find((n) => (ix.consumers.get(n) ?? []).some((c) => c.opType === 'Pow' || (c.opType === 'Mul' && c.inputs[0] === c.inputs[1])));
      if (input) return { input, weight };
    }
  }
  return `what feeds the output head is a ${node?.opType ?? 'graph input'}, not an RMSNorm this app recognises`;
}

/** The residual stream after each layer, from the stream after the last one (the final norm's input). */
function findResidualStream(ix: Index, last: string, layers: number): string[] | string {
  const adds: string[] = [];
  for (let name = last; ; ) {
    const node = ix.producer.get(name);
    if (node?.opType !== 'Add') break;
    const residual = node.inputs.filter((n) => ix.readers(n) >= 2);
    if (residual.length !== 1) break;
    adds.push(name);
    name = residual[0];
  }
  if (adds.length !== 2 * layers)
    return `walking back from the final norm found ${adds.length} residual additions, not two per layer for its ${layers} layers`;
  adds.reverse();
  return Array.from({ length: layers }, (_, i) => adds[2 * i + 1]);
}

function findAttention(ix: Index, layers: number): string[] | string {
  const fused = ix.graph.nodes.find((n) => FUSED_ATTENTION.includes(n.opType));
  if (fused)
    return `this model’s graph computes attention in one fused kernel (${fused.opType}), which never forms the attention weights as a tensor`;
  const softmaxes = ix.graph.nodes.filter(
    (n) => n.opType === 'Softmax' && (ix.consumers.get(n.outputs[0]) ?? []).some((c) => c.opType === 'MatMul' || PASS_THROUGH.has(c.opType)),
  );
  if (softmaxes.length !== layers)
    return `its graph holds ${softmaxes.length} attention softmaxes, not one per layer for its ${layers} layers`;
  return softmaxes.map((n) => n.outputs[0]);
}

/**
 * The tensor a quantized or fused head reads: the nearest tensor before `logits` made by an RMSNorm (breadth first,
 * a few nodes back), so the residual stream is still found when the head itself cannot be applied.
 */
function normBeforeLogits(ix: Index): string | null {
  let frontier = [ix.graph.outputs.find((o) => o === 'logits') ?? ix.graph.outputs[0]];
  for (let depth = 0; depth < 8 && frontier.length > 0; depth++) {
    for (const name of frontier) if (typeof findNorm(ix, name) !== 'string') return name;
    frontier = frontier.flatMap((name) => ix.producer.get(name)?.inputs.filter((i) => !ix.graph.initializers.has(i)) ?? []);
  }
  return null;
}

/** What the Inside panel can read from this graph, and a sentence for each view it cannot. */
export function findInternals(graph: OnnxGraph): GraphInternals {
  const ix = new Index(graph);
  const layers = graph.inputs.filter((n) => /^past_key_values\.\d+\.key$/.test(n)).length;
  const result: GraphInternals = { layers, hidden: null, attention: null, lens: null, unavailable: {} };
  const head = findHead(ix);
  const normed = typeof head === 'string' ? normBeforeLogits(ix) : head.normed;
  const norm = normed === null ? (head as string) : findNorm(ix, normed);
  const stream = typeof norm === 'string' ? norm : findResidualStream(ix, norm.input, layers);
  if (typeof stream === 'string') {
    const why = `the hidden state after each layer could not be found in this model’s graph: ${stream}`;
    result.unavailable.lens = `No logit lens: ${why}.`;
    result.unavailable.residual = `No residual-stream norms: ${why}.`;
  } else {
    result.hidden = stream;
    if (typeof head === 'string') result.unavailable.lens = `No logit lens: ${head}; the residual-stream norms are shown.`;
    else if (typeof norm !== 'string') result.lens = { norm: norm.weight, head: head.head, headLayout: head.headLayout };
  }
  const attention = findAttention(ix, layers);
  if (typeof attention === 'string') result.unavailable.attention = `No attention weights: ${attention}.`;
  else result.attention = attention;
  return result;
}
