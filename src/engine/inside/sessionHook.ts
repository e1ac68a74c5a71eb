/**
 * Graph surgery before a session is created: every model graph the engine loads is read (onnxGraph.ts) and the
 * internals the Inside panel needs, found by structure (findInternals.ts), are added to its outputs. A Hub model's
 * graph computes its residual stream (and, without a fused attention kernel, its attention softmax) anyway; listing
 * those tensors as outputs adds no node, so a run that fetches only `logits` and `present.*` (what decoding asks
 * for, graphOutputs.ts) does the same work as before. What was found is kept per session for the Inside pass.
 *
 * Installed on onnxruntime's `InferenceSession.create`, the one call through which Transformers.js makes every
 * session (from the model's bytes in the browser; from a file path in Node, where `readPath` reads it).
 */
import type { GraphInternals } from './findInternals';

type Create = (model: unknown, ...rest: unknown[]) => Promise<object>;

const found = new WeakMap<object, GraphInternals>();
const hooked = new WeakSet<object>();

/** What the surgery found in the graph of this session, or undefined (not a decoder, or made before the hook). */
export function sessionInternals(session: object): GraphInternals | undefined {
  return found.get(session);
}

async function addInternals(bytes: Uint8Array): Promise<{ bytes: Uint8Array; internals: GraphInternals | null }> {
  // the graph reader and the structural search load with the first model, in the worker's own chunk
  const [{ readOnnxGraph, withGraphOutputs }, { findInternals }] = await Promise.all([import('./onnxGraph'), import('./findInternals')]);
  let graph;
  try {
    graph = readOnnxGraph(bytes);
  } catch {
    return { bytes, internals: null }; // not ours to judge: onnxruntime reports a damaged file itself
  }
  const internals = findInternals(graph);
  if (internals.layers === 0) return { bytes, internals: null };
  const wanted = [...(internals.hidden ?? []), ...(internals.attention ?? []), ...(internals.lens ? [internals.lens.norm, internals.lens.head] : [])];
  const listed = new Set(graph.outputs);
  return { bytes: withGraphOutputs(bytes, wanted.filter((name) => !listed.has(name))), internals };
}

/** Wraps `sessionClass.create` so that each model graph gets its internals as outputs. Safe to call again. */
export function installInternalsHook(factory: object, readPath?: (path: string) => Promise<Uint8Array>): void {
  if (hooked.has(factory)) return;
  hooked.add(factory);
  // onnxruntime's overloads (a path, a buffer, a buffer and offsets) all pass the model first
  const sessionClass = factory as { create: Create };
  const create = sessionClass.create.bind(sessionClass);
  sessionClass.create = async (model: unknown, ...rest: unknown[]) => {
    const bytes = model instanceof Uint8Array ? model : typeof model === 'string' && readPath ? await readPath(model) : null;
    if (!bytes) return create(model, ...rest);
    const surgery = await addInternals(bytes);
    const session = await create(surgery.bytes === bytes ? model : surgery.bytes, ...rest);
    if (surgery.internals) found.set(session, surgery.internals);
    return session;
  };
}
