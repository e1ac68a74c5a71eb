/**
 * Which of a causal LM's ONNX outputs the Inside panel reads, and which views a graph can give.
 *
 * Every graph the engine loads gets its internals added as outputs (sessionHook.ts, found by structure).
 * tools/model/export.py already lists, besides `logits` and `present.*`, the tensors the graph computes anyway: the hidden
 * state after each decoder layer (`hidden_states.{i}`), each layer's attention softmax (`attentions.{i}`), and the
 * final norm's weight and tied output head (`m.norm.weight`, `m.embed_tokens.weight`, initializers). onnxruntime
 * copies out only the outputs a run asks for, so decoding asks for `logits` and `present.*` alone
 * (`fetchOnlyDecodingOutputs`) and runs exactly as fast as before; the Inside panel asks for the rest.
 */
import type { GraphInternals } from './findInternals';
import type { InsideView } from './types';

const HIDDEN_STATE = /^hidden_states\.(\d+)$/;
export const ATTENTION = /^attentions\.(\d+)$/;
const NORM_WEIGHT = 'm.norm.weight';
const HEAD_WEIGHT = 'm.embed_tokens.weight';

/** Outputs that decoding and scoring read (what Transformers.js expects back from a plain run). */
function isDecodingOutput(name: string): boolean {
  return name === 'logits' || name.startsWith('present');
}

function layerOutputs(outputNames: readonly string[], pattern: RegExp, layers: number): string[] | null {
  const byLayer = new Map<number, string>();
  for (const name of outputNames) {
    const m = pattern.exec(name);
    if (m) byLayer.set(Number(m[1]), name);
  }
  const names = Array.from({ length: layers }, (_, i) => byLayer.get(i));
  return names.every((n): n is string => n !== undefined) ? names : null;
}

/**
 * What a graph whose outputs carry export.py's names can show, and a sentence for each view it cannot: the internals
 * of a session the surgery did not see (sessionHook.ts), e.g. one made in Node.
 */
export function namedInternals(outputNames: readonly string[], layers: number): GraphInternals {
  const hidden = layerOutputs(outputNames, HIDDEN_STATE, layers);
  const attention = layerOutputs(outputNames, ATTENTION, layers);
  const lensWeights = outputNames.includes(NORM_WEIGHT) && outputNames.includes(HEAD_WEIGHT);
  const unavailable: Partial<Record<InsideView, string>> = {};
  if (!hidden) {
    const why =
      'this model’s ONNX graph does not list the hidden state after each layer among its outputs, and the app could not find it in the graph';
    unavailable.lens = `No logit lens: ${why}.`;
    unavailable.residual = `No residual-stream norms: ${why}.`;
  } else if (!lensWeights) {
    unavailable.lens =
      'No logit lens: the graph gives the hidden states but not its final norm and output head as outputs, so they cannot be applied to them here.';
  }
  if (!attention)
    unavailable.attention =
      'No attention weights: this model’s graph does not give its attention probabilities as outputs (fused attention kernels never form them as a tensor).';
  const lens = hidden && lensWeights ? { norm: NORM_WEIGHT, head: HEAD_WEIGHT, headLayout: 'vocab-hidden' as const } : null;
  return { layers, hidden, attention, lens, unavailable };
}

/** The part of an onnxruntime session this module uses. */
export interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>, fetches?: readonly string[]): Promise<Record<string, { data: unknown; dims: readonly number[]; type?: string }>>;
}

/**
 * Make a plain `session.run(feeds)` (what Transformers.js calls) fetch only `logits` and `present.*`: onnxruntime
 * copies every requested output back, and the internals (the output head alone is 8 MB) would slow decoding down.
 * A call that names its fetches (the Inside pass) gets what it names.
 */
export function fetchOnlyDecodingOutputs(session: OrtSession): void {
  const decoding = session.outputNames.filter(isDecodingOutput);
  if (decoding.length === session.outputNames.length) return;
  const run = session.run.bind(session);
  session.run = (feeds, fetches) => run(feeds, fetches ?? decoding);
}
