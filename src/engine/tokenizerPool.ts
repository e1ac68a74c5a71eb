/**
 * Parallel encoding of large texts on the machine's other cores. The engine worker starts helper workers
 * (tokenizerHelper.ts: a file of this origin, as the Content-Security-Policy's worker-src 'self' asks; no blob:),
 * one per core beyond its own, lazily: a helper loads a tokenizer only once a text large enough to be worth splitting
 * is seen, and until it has loaded, texts are encoded in the engine worker alone.
 *
 * A text is cut at its tokenizer's proven split points (TextTokenizer.splitPoints; the proofs are in
 * tokenizers/bpePipeline.ts, at isSplitPoint), so the parts' ids, concatenated, are exactly those of the whole text
 * (tokenizers/splitEncode.test.ts fuzzes it). A cancelled encode stops its helpers at once (they are terminated and
 * started again when next needed).
 */
import type { Encoding } from './tokenizers';
import { EngineFailure } from './handlers';

export type HelperRequest = { type: 'load'; tokenizerId: string } | { type: 'encode'; job: number; tokenizerId: string; text: string; special: boolean };

export type HelperReply =
  | { type: 'loaded'; tokenizerId: string }
  | { type: 'encoded'; job: number; ids: Uint32Array; offsets: Uint32Array }
  | { type: 'failed'; tokenizerId: string; job?: number; message: string };

/** Below this many UTF-16 units a range is encoded in one piece: a round trip to a helper costs more than it saves. */
export const PARALLEL_MIN_CHARS = 128 * 1024;

/** More helpers than this would mostly add memory (each holds its own copy of a tokenizer). */
const MAX_HELPERS = 7;

interface Helper {
  worker: Worker;
  ready: Set<string>;
  loading: Set<string>;
  busy: boolean;
}

interface Job {
  helper: Helper;
  resolve(e: Encoding): void;
  reject(err: Error): void;
}

export class TokenizerPool {
  private readonly helpers: (Helper | null)[];
  private readonly jobs = new Map<number, Job>();
  private nextJob = 1;
  /** set when a helper could not start or crashed: the pool is not used again (texts are encoded in one piece) */
  private broken = false;

  constructor(
    size: number,
    private readonly spawn: () => Worker,
  ) {
    this.helpers = new Array<Helper | null>(size).fill(null);
  }

  /** A pool with one helper per core beyond the engine worker's; null on one core or where workers cannot start workers. */
  static forThisMachine(): TokenizerPool | null {
    const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
    const size = Math.min(MAX_HELPERS, cores - 1);
    if (size < 1 || typeof Worker === 'undefined') return null;
    return new TokenizerPool(size, () => new Worker(new URL('./tokenizerHelper.ts', import.meta.url), { type: 'module', name: 'nexttoken-tokenizer-helper' }));
  }

  /** Starts loading a tokenizer in every helper, in the background. */
  prepare(tokenizerId: string): void {
    if (this.broken) return;
    for (let i = 0; i < this.helpers.length; i++) {
      const h = this.helper(i);
      if (!h || h.ready.has(tokenizerId) || h.loading.has(tokenizerId)) continue;
      h.loading.add(tokenizerId);
      h.worker.postMessage({ type: 'load', tokenizerId } satisfies HelperRequest);
    }
  }

  /** How many helpers could encode a part with this tokenizer now. */
  available(tokenizerId: string): number {
    if (this.broken) return 0;
    return this.helpers.filter((h) => h && !h.busy && h.ready.has(tokenizerId)).length;
  }

  /** Encodes one part on an idle helper that has the tokenizer (call `available` first). */
  encode(tokenizerId: string, text: string, special: boolean, signal?: AbortSignal): Promise<Encoding> {
    const helper = this.helpers.find((h): h is Helper => !!h && !h.busy && h.ready.has(tokenizerId));
    if (!helper) return Promise.reject(new Error('No tokenizer helper is free.'));
    const job = this.nextJob++;
    helper.busy = true;
    return new Promise<Encoding>((resolve, reject) => {
      const onAbort = () => {
        // the helper is busy with a text nobody wants any more: stop it now, a fresh one starts when needed
        this.retire(helper);
        reject(new EngineFailure('Cancelled.', 'cancelled'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        this.jobs.delete(job);
        helper.busy = false;
      };
      this.jobs.set(job, {
        helper,
        resolve: (e) => (done(), resolve(e)),
        reject: (err) => (done(), reject(err)),
      });
      helper.worker.postMessage({ type: 'encode', job, tokenizerId, text, special } satisfies HelperRequest);
    });
  }

  private helper(i: number): Helper | null {
    const have = this.helpers[i];
    if (have) return have;
    let worker: Worker;
    try {
      worker = this.spawn();
    } catch (err) {
      this.disable(`a tokenizer helper could not start (${String(err)})`);
      return null;
    }
    const h: Helper = { worker, ready: new Set(), loading: new Set(), busy: false };
    worker.onmessage = (e: MessageEvent<HelperReply>) => this.onReply(h, e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.disable(`a tokenizer helper failed (${e.message || 'it could not load'})`);
    };
    this.helpers[i] = h;
    return h;
  }

  private onReply(h: Helper, msg: HelperReply): void {
    switch (msg.type) {
      case 'loaded':
        h.loading.delete(msg.tokenizerId);
        h.ready.add(msg.tokenizerId);
        return;
      case 'encoded':
        this.jobs.get(msg.job)?.resolve({ ids: msg.ids, offsets: msg.offsets });
        return;
      case 'failed':
        h.loading.delete(msg.tokenizerId);
        if (msg.job !== undefined) this.jobs.get(msg.job)?.reject(new Error(msg.message));
        return;
    }
  }

  private retire(h: Helper): void {
    h.worker.terminate();
    const i = this.helpers.indexOf(h);
    if (i >= 0) this.helpers[i] = null;
    for (const [id, job] of this.jobs) if (job.helper === h) this.jobs.delete(id);
  }

  private disable(why: string): void {
    if (this.broken) return;
    this.broken = true;
    // not the user's problem: every text is still encoded, on the engine worker alone
    console.warn(`Tokenizing in parallel is off: ${why}.`);
    const jobs = [...this.jobs.values()];
    for (const h of this.helpers) if (h) this.retire(h);
    for (const job of jobs) job.reject(new Error(why));
  }
}
