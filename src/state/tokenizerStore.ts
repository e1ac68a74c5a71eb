/**
 * Tokenizer lab state: what the user chose (text, tokenizer, mode) and what the
 * engine reported (the tokenization). Counts are derived in selectors.
 */
import { create } from 'zustand';
import type { TextChange, TextEdit, TokenizedPayload } from '../engine/protocol';
import { engine } from './engineClient';
import { readStored, writeStored } from './persistence';
import { readShareLink } from './shareLink';
import { composeChange, diffText, NO_EDIT, spanToEdit, type ChangedSpan } from './textChanges';

export const DEFAULT_TOKENIZER = 'o200k_base';
export const DEFAULT_TEXT = 'Tokenization is fascinating! 🧩 Ünïcödé, 日本語, and    spaces.\nNew line\ttab.';
const STORAGE_KEY = 'nexttoken.tokenizer.v1';
/** localStorage holds ~5 MB of UTF-16; larger texts are kept for the session only. */
export const MAX_PERSISTED_CHARS = 1_500_000;

export interface Tokenization {
  tokenizerId: string;
  specialTokens: boolean;
  /** the exact text these tokens belong to */
  text: string;
  /** code points and words of `text` (counted in the worker) */
  characters: number;
  words: number;
  ms: number;
  payload: TokenizedPayload;
}

export type TokenizerStatus = 'idle' | 'loading-tokenizer' | 'tokenizing' | 'ready' | 'error';

interface TokenizerState {
  text: string;
  tokenizerId: string;
  specialTokens: boolean;
  view: 'chips' | 'ids';
  result: Tokenization | null;
  status: TokenizerStatus;
  error: string | null;
  persisted: boolean;
  /** a request to page the chips to the token at this UTF-16 offset (`seq` makes a repeat request new) */
  chipsAt: { offset: number; seq: number } | null;
  showTokensAt(offset: number): void;
  /** `edit`, when the caller knows it, says how `text` came from the current text (saves comparing them) */
  setText(text: string, edit?: TextEdit): void;
  setTokenizer(id: string): void;
  setSpecialTokens(on: boolean): void;
  setView(view: 'chips' | 'ids'): void;
}

interface Stored {
  text: string;
  tokenizerId: string;
  specialTokens: boolean;
  view: 'chips' | 'ids';
}

const shared = readShareLink();
const stored = readStored<Stored>(STORAGE_KEY);
const initial: Stored = {
  text: shared?.text ?? stored?.text ?? DEFAULT_TEXT,
  tokenizerId: shared?.tokenizerId ?? stored?.tokenizerId ?? DEFAULT_TOKENIZER,
  specialTokens: shared?.specialTokens ?? stored?.specialTokens ?? false,
  view: stored?.view ?? 'chips',
};

export const useTokenizerStore = create<TokenizerState>()((set, get) => ({
  ...initial,
  result: null,
  status: 'idle',
  error: null,
  persisted: true,
  chipsAt: null,
  showTokensAt: (offset) => set((s) => ({ chipsAt: { offset, seq: (s.chipsAt?.seq ?? 0) + 1 }, view: 'chips' })),
  setText: (text, edit) => {
    const prev = get().text;
    if (text === prev) return;
    if (sinceSent && sinceSent.text === prev) {
      const change = edit ?? diffText(prev, text);
      sinceSent = { text, span: change ? composeChange(sinceSent.span, change) : sinceSent.span };
    } else sinceSent = null;
    set({ text });
  },
  setTokenizer: (tokenizerId) => set({ tokenizerId }),
  setSpecialTokens: (specialTokens) => set({ specialTokens }),
  setView: (view) => set({ view }),
}));

// ---- persistence: what the user chose survives a reload
let persistTimer: ReturnType<typeof setTimeout> | undefined;
useTokenizerStore.subscribe((s, prev) => {
  if (s.text === prev.text && s.tokenizerId === prev.tokenizerId && s.specialTokens === prev.specialTokens && s.view === prev.view) return;
  clearTimeout(persistTimer);
  persistTimer = setTimeout(() => {
    const fits = s.text.length <= MAX_PERSISTED_CHARS;
    const ok = writeStored(STORAGE_KEY, {
      text: fits ? s.text : (readStored<Stored>(STORAGE_KEY)?.text ?? ''),
      tokenizerId: s.tokenizerId,
      specialTokens: s.specialTokens,
      view: s.view,
    } satisfies Stored);
    const persisted = fits && ok;
    if (persisted !== useTokenizerStore.getState().persisted) useTokenizerStore.setState({ persisted });
    // writing megabytes to localStorage is a long task: wait for a pause in typing
  }, s.text.length > 100_000 ? 1500 : 250);
});

// ---- what the worker holds: the text of request `sent` (null: nothing known, send the text whole),
// and how the store's text differs from it, so the next request carries only that edit
let sent: { requestId: number; text: string } | null = null;
let sinceSent: { text: string; span: ChangedSpan | null } | null = null;

function changeFor(text: string): TextChange {
  if (!sent) return { text };
  if (sinceSent?.text === text) return { baseRequestId: sent.requestId, edit: sinceSent.span ? spanToEdit(sinceSent.span, text) : NO_EDIT };
  return { baseRequestId: sent.requestId, edit: diffText(sent.text, text) ?? NO_EDIT };
}

// ---- scheduling: at most one request in flight; the latest wish wins
let inFlight: number | null = null;
let dirty = false;

function requestTokenize(): void {
  if (inFlight !== null) {
    dirty = true;
    return;
  }
  dirty = false;
  const { text, tokenizerId, specialTokens } = useTokenizerStore.getState();
  const requestId = engine.newRequestId();
  inFlight = requestId;
  pendingText.set(requestId, text);
  useTokenizerStore.setState((s) => ({ status: s.result?.tokenizerId === tokenizerId ? 'tokenizing' : 'loading-tokenizer' }));
  const change = changeFor(text);
  sent = { requestId, text };
  sinceSent = { text, span: null };
  engine.send({ type: 'tokenize', requestId, tokenizerId, change, specialTokens });
}

const pendingText = new Map<number, string>();

function finish(requestId: number): void {
  pendingText.delete(requestId);
  if (inFlight === requestId) inFlight = null;
  if (dirty) requestTokenize();
}

engine.subscribe((event) => {
  switch (event.type) {
    case 'tokenized': {
      const text = pendingText.get(event.requestId);
      if (text === undefined) return;
      useTokenizerStore.setState({
        result: {
          tokenizerId: event.tokenizerId,
          specialTokens: event.specialTokens,
          text,
          characters: event.characters,
          words: event.words,
          ms: event.ms,
          payload: event.payload,
        },
        status: 'ready',
        error: null,
      });
      finish(event.requestId);
      return;
    }
    case 'tokenizer-load':
      if (event.phase !== 'ready' && event.tokenizerId === useTokenizerStore.getState().tokenizerId) {
        useTokenizerStore.setState({ status: 'loading-tokenizer' });
      }
      return;
    case 'error':
      if (event.requestId !== undefined && pendingText.has(event.requestId)) {
        sent = null; // the worker may not hold this text: the next request carries it whole
        if (event.code === 'stale-edit') {
          dirty = true;
        } else useTokenizerStore.setState({ status: 'error', error: event.message });
        finish(event.requestId);
      } else if (event.scope === 'engine') {
        sent = null; // a restarted worker holds no text
        if (inFlight === null) return;
        // the worker crashed or restarted: the in-flight request will never be answered
        useTokenizerStore.setState({ status: 'error', error: event.message });
        const lost = inFlight;
        dirty = true;
        finish(lost);
      }
      return;
    default:
      return;
  }
});

useTokenizerStore.subscribe((s, prev) => {
  if (s.text !== prev.text || s.tokenizerId !== prev.tokenizerId || s.specialTokens !== prev.specialTokens) requestTokenize();
});

/** Starts the first tokenization (called once the UI is mounted). */
export function startTokenizer(): void {
  requestTokenize();
}
