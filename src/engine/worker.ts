/// <reference lib="webworker" />
/**
 * The engine worker: everything heavy (tokenizers, models, sampling) runs here. It answers each request
 * (protocol.ts) with one response or one error; one table says, per request, which handler answers it,
 * on which lane it waits, and which part of the app its errors belong to.
 */
import type { CompareRow, EngineEvent, ErrorScope, FromWorker, RequestOf, RequestType, ToWorker } from './protocol';
import { messageOf, responseTransferables } from './protocol';
import { EngineFailure, type Handler, type HandlerContext } from './handlers';
import { TokenizerService } from './tokenizerService';
import { TokenizerPool } from './tokenizerPool';
import { embeddedModelUrl, fetchModelTokenizer, modelFileUrl } from './modelFiles';
import { handleChatRequest, handlePricingCatalogueRequest } from './chat/workerHandler';
import { handleAnalyseRequest } from './analyse/workerHandler';
import { handleInsideRequest } from './inside/workerHandler';
import { InferenceService } from './inferenceService';
import { InferenceSession } from 'onnxruntime-web/webgpu';
import { installInternalsHook } from './inside/sessionHook';
import { countText } from './textCounts';
import { LabDocument, StaleEditError } from './labDocument';
import { noteSecurityRefusal } from './loadFaults';

declare const self: DedicatedWorkerGlobalScope;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

// A refusal by the page's Content-Security-Policy is logged (Chromium does not report a worker's refusals to the page;
// the e2e suite fails on any) and kept, so that a load it broke says so instead of blaming the network.
self.addEventListener('securitypolicyviolation', (event) => {
  const e = event as SecurityPolicyViolationEvent;
  const refusal = `${e.blockedURI || 'inline code'} (${e.effectiveDirective})`;
  noteSecurityRefusal(refusal);
  console.error(`The Content Security Policy refused ${refusal}.`);
});

const labDocument = new LabDocument();
const tokenizers = new TokenizerService(
  (tokenizerId, phase) => post({ kind: 'event', event: { type: 'tokenizer-load', tokenizerId, phase } }),
  fetchModelTokenizer,
  TokenizerPool.forThisMachine(),
);
// every model graph gets the Inside panel's internals as outputs before its session is made (sessionHook.ts);
// Transformers.js makes its sessions through this same class
installInternalsHook(InferenceSession);
const inference = new InferenceService();

const tokenize: Handler<'tokenize'> = async (req, ctx) => {
  const started = performance.now();
  let lab;
  try {
    lab = labDocument.apply(req.requestId, req.change);
  } catch (err) {
    if (err instanceof StaleEditError) throw new EngineFailure(err.message, 'stale-edit');
    throw err;
  }
  const identity = { requestId: req.requestId, baseRequestId: 'baseRequestId' in req.change ? req.change.baseRequestId : undefined };
  const { tokens, tokenCount, reencoded, parts } = await tokenizers.tokenize(req.tokenizerId, lab.text, req.specialTokens, lab.edit, { parallel: req.parallel, signal: ctx.signal, identity });
  return {
    type: 'tokenized',
    tokenizerId: req.tokenizerId,
    specialTokens: req.specialTokens,
    textLength: lab.text.length,
    ...lab.counts,
    ms: performance.now() - started,
    reencoded,
    parts,
    tokenCount,
    tokens,
  };
};

const compare: Handler<'compare'> = async (req) => {
  const rows: CompareRow[] = [];
  for (const tokenizerId of req.tokenizerIds) {
    try {
      const tokenizer = await tokenizers.get(tokenizerId);
      const started = performance.now();
      const enc = tokenizer.encode(req.text, { specialTokens: req.specialTokens });
      const ms = performance.now() - started;
      const starts: number[] = [];
      for (let i = 0; i < enc.ids.length; i++) {
        const s = enc.offsets[2 * i];
        if (s >= req.previewChars) break;
        if (starts.length === 0 || starts[starts.length - 1] !== s) starts.push(s);
      }
      rows.push({ tokenizerId, count: enc.ids.length, ms, previewStarts: Uint32Array.from(starts) });
    } catch (err) {
      rows.push({ tokenizerId, count: 0, ms: 0, previewStarts: new Uint32Array(0), error: messageOf(err) });
    }
  }
  return { type: 'compared', rows, characters: countText(req.text).characters };
};

/**
 * Requests on one lane are handled one at a time, in order. Light work (tokenizing, templates, counts) has its own
 * lane so it never waits behind a model load, a generation or an analysis; re-sampling is pure maths over kept
 * logits and must not wait behind a running generation, so it runs at once.
 */
type Lane = 'light' | 'model' | 'immediate';

type Route<T extends RequestType> = { lane: Lane; scope: ErrorScope; handle: Handler<T> };

const routes: { [T in RequestType]: Route<T> } = {
  tokenize: { lane: 'light', scope: 'tokenizer', handle: tokenize },
  compare: { lane: 'light', scope: 'tokenizer', handle: compare },
  'chat-analyse': {
    lane: 'light',
    scope: 'chat',
    handle: (req) => handleChatRequest(req, (id) => tokenizers.get(id), (id, file) => modelFileUrl(id, file) ?? embeddedModelUrl(id, file)),
  },
  // counting the prompt's tokens while the user types: the model's tokenizer only, never behind a run
  'prompt-fit': { lane: 'light', scope: 'generate', handle: (req) => inference.promptFit(req) },
  'pricing-catalogue': { lane: 'light', scope: 'chat', handle: () => handlePricingCatalogueRequest() },
  'load-model': { lane: 'model', scope: 'model', handle: (req, ctx) => inference.load(req, ctx) },
  // a model list is light work on the network: it must not wait behind a generation
  'connect-server': { lane: 'immediate', scope: 'model', handle: (req, ctx) => inference.connectServer(req, ctx) },
  'use-server': { lane: 'model', scope: 'model', handle: (req, ctx) => inference.useServer(req, ctx) },
  generate: { lane: 'model', scope: 'generate', handle: (req, ctx) => inference.generate(req, ctx) },
  branch: { lane: 'model', scope: 'generate', handle: (req, ctx) => inference.branch(req, ctx) },
  'run-many': { lane: 'model', scope: 'generate', handle: (req, ctx) => inference.runMany(req, ctx) },
  resample: { lane: 'immediate', scope: 'generate', handle: (req) => inference.resample(req) },
  'step-distributions': { lane: 'immediate', scope: 'generate', handle: async (req) => inference.stepDistributions(req) },
  'compile-constraint': { lane: 'model', scope: 'generate', handle: (req, ctx) => inference.compileConstraint(req, ctx) },
  'analyse-text': { lane: 'model', scope: 'analyse', handle: (req, ctx) => handleAnalyseRequest(req, inference.backend, ctx) },
  // one forward pass with the graph's internals: after any generation in flight, on the same session
  inside: { lane: 'model', scope: 'inside', handle: (req) => handleInsideRequest(req, inference.backend) },
};

const lanes: Record<Exclude<Lane, 'immediate'>, Promise<void>> = { light: Promise.resolve(), model: Promise.resolve() };
const running = new Map<number, AbortController>();

async function answer<T extends RequestType>(id: number, request: RequestOf<T>, abort: AbortController): Promise<void> {
  const route = routes[request.type as T] as Route<T>;
  const context: HandlerContext = { signal: abort.signal, emit: (event: EngineEvent) => post({ kind: 'event', id, event }) };
  try {
    if (abort.signal.aborted) throw new EngineFailure('Cancelled.', 'cancelled');
    const response = await route.handle(request, context);
    post({ kind: 'response', id, response }, responseTransferables(response));
  } catch (err) {
    const code = err instanceof EngineFailure ? err.code : abort.signal.aborted ? 'cancelled' : undefined;
    post({ kind: 'error', id, error: { scope: route.scope, message: messageOf(err), code } });
  } finally {
    running.delete(id);
  }
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const message = e.data;
  if (message.kind === 'ping') {
    post({ kind: 'pong' });
    return;
  }
  if (message.kind === 'cancel') {
    running.get(message.id)?.abort();
    return;
  }
  const { id, request } = message;
  const route = routes[request.type];
  if (!route) {
    post({ kind: 'error', id, error: { scope: 'engine', message: `The engine does not know the request "${String(request.type)}". Reload the page.` } });
    return;
  }
  const abort = new AbortController();
  running.set(id, abort);
  if (route.lane === 'immediate') void answer(id, request, abort);
  else lanes[route.lane] = lanes[route.lane].then(() => answer(id, request, abort));
};

// the page knows from this that the worker's script arrived whole and runs (engineClient.ts: START_TIMEOUT_MS)
post({ kind: 'ready' });
