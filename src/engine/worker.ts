/// <reference lib="webworker" />
/**
 * The engine worker: everything heavy (tokenizers, models, sampling) runs here.
 * It answers typed requests (protocol.ts) with typed events.
 */
import type { EngineEvent, EngineRequest, CompareRow } from './protocol';
import { payloadTransferables } from './protocol';
import { TokenizerService } from './tokenizerService';
import { fetchModelTokenizer } from './modelFiles';
import { embeddedModelUrl, modelFileUrl } from './modelFiles';
import { handleChatRequest } from './chat/workerHandler'; // --- chat ---
import { cancelAnalysis, handleAnalyseRequest } from './analyse/workerHandler'; // --- analysis ---
import { InferenceService } from './inferenceService';
import { countText } from './textCounts';
import { LabDocument, StaleEditError } from './labDocument';

declare const self: DedicatedWorkerGlobalScope;

function emit(event: EngineEvent, transfer: Transferable[] = []): void {
  self.postMessage(event, transfer);
}

const labDocument = new LabDocument();
const tokenizers = new TokenizerService(
  (tokenizerId, phase) => emit({ type: 'tokenizer-load', tokenizerId, phase, loadedBytes: 0, totalBytes: 0 }),
  fetchModelTokenizer,
);

const inference = new InferenceService(emit);

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function handle(req: EngineRequest): Promise<void> {
  switch (req.type) {
    case 'tokenize': {
      try {
        const started = performance.now();
        const lab = labDocument.apply(req.requestId, req.change);
        const { payload, reencoded } = await tokenizers.tokenize(req.tokenizerId, lab.text, req.specialTokens, lab.edit);
        emit(
          {
            type: 'tokenized',
            requestId: req.requestId,
            tokenizerId: req.tokenizerId,
            specialTokens: req.specialTokens,
            textLength: lab.text.length,
            ...lab.counts,
            ms: performance.now() - started,
            reencoded,
            payload,
          },
          payloadTransferables(payload),
        );
      } catch (err) {
        const code = err instanceof StaleEditError ? 'stale-edit' : undefined;
        emit({ type: 'error', requestId: req.requestId, scope: 'tokenizer', message: messageOf(err), recoverable: true, code });
      }
      return;
    }
    case 'compare': {
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
      emit(
        { type: 'compared', requestId: req.requestId, rows, characters: countText(req.text).characters },
        rows.map((r) => r.previewStarts.buffer as ArrayBuffer),
      );
      return;
    }
    case 'load-model':
      return inference.load(req);
    case 'generate':
      return inference.generate(req);
    case 'branch':
      return inference.branch(req);
    case 'run-many':
      return inference.runMany(req);
    case 'stop':
      return inference.stop(req.runId);
    case 'resample':
      return inference.resample(req);
    // --- chat ---
    case 'chat-analyse':
      return handleChatRequest(req, (id) => tokenizers.get(id), (id, file) => modelFileUrl(id, file) ?? embeddedModelUrl(id, file), emit);
    // --- end chat ---
    // --- analysis ---
    case 'analyse-text':
      return handleAnalyseRequest(req, inference.model, emit);
    case 'analyse-cancel':
      return cancelAnalysis(req);
    // --- end analysis ---
    default: {
      const unknown: never = req;
      emit({ type: 'error', scope: 'engine', message: `Unknown request ${JSON.stringify(unknown)}`, recoverable: true });
    }
  }
}

// Requests of one kind are handled one at a time, in order, so results never arrive out of order;
// tokenizing and generating have their own lanes so one never waits for the other. Stop and
// re-sample act at once (they must not wait behind a running generation).
type Lane = 'tokenizer' | 'inference' | 'immediate';
function laneOf(req: EngineRequest): Lane {
  switch (req.type) {
    case 'tokenize':
    case 'compare':
      return 'tokenizer';
    case 'stop':
    case 'resample':
    case 'analyse-cancel': // --- analysis ---
      return 'immediate';
    default:
      return 'inference';
  }
}
const lanes: Record<Exclude<Lane, 'immediate'>, Promise<void>> = { tokenizer: Promise.resolve(), inference: Promise.resolve() };
const report = (err: unknown) => emit({ type: 'error', scope: 'engine', message: messageOf(err), recoverable: true });

self.onmessage = (e: MessageEvent<EngineRequest>) => {
  const req = e.data;
  const lane = laneOf(req);
  if (lane === 'immediate') {
    Promise.resolve(handle(req)).catch(report);
    return;
  }
  lanes[lane] = lanes[lane].then(() => handle(req)).catch(report);
};
