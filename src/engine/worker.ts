/// <reference lib="webworker" />
/**
 * The engine worker: everything heavy (tokenizers, models, sampling) runs here.
 * It answers typed requests (protocol.ts) with typed events.
 */
import type { EngineEvent, EngineRequest, CompareRow } from './protocol';
import { payloadTransferables } from './protocol';
import { TokenizerService } from './tokenizerService';
import { fetchModelTokenizer } from './modelFiles';

declare const self: DedicatedWorkerGlobalScope;

function emit(event: EngineEvent, transfer: Transferable[] = []): void {
  self.postMessage(event, transfer);
}

const tokenizers = new TokenizerService(
  (tokenizerId, phase) => emit({ type: 'tokenizer-load', tokenizerId, phase, loadedBytes: 0, totalBytes: 0 }),
  fetchModelTokenizer,
);

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function handle(req: EngineRequest): Promise<void> {
  switch (req.type) {
    case 'tokenize': {
      try {
        const started = performance.now();
        const { payload, reencoded } = await tokenizers.tokenize(req.tokenizerId, req.text, req.specialTokens);
        emit(
          {
            type: 'tokenized',
            requestId: req.requestId,
            tokenizerId: req.tokenizerId,
            specialTokens: req.specialTokens,
            textLength: req.text.length,
            ms: performance.now() - started,
            reencoded,
            payload,
          },
          payloadTransferables(payload),
        );
      } catch (err) {
        emit({ type: 'error', requestId: req.requestId, scope: 'tokenizer', message: messageOf(err), recoverable: true });
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
        { type: 'compared', requestId: req.requestId, rows },
        rows.map((r) => r.previewStarts.buffer as ArrayBuffer),
      );
      return;
    }
    default: {
      const unknown: never = req;
      emit({ type: 'error', scope: 'engine', message: `Unknown request ${JSON.stringify(unknown)}`, recoverable: true });
    }
  }
}

// Requests are handled one at a time, in order, so results never arrive out of order.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (e: MessageEvent<EngineRequest>) => {
  const req = e.data;
  queue = queue.then(() => handle(req)).catch((err) => {
    emit({ type: 'error', scope: 'engine', message: messageOf(err), recoverable: true });
  });
};
