/**
 * Tokenizer lab state: what the user chose (text, tokenizer, mode) and what the
 * engine reported (the tokenization). Counts are derived in selectors.
 */
import { create } from 'zustand';
import type { CompareRow, TextChange, TextEdit, TokenizedPayload, TokenizeResponse } from '../engine/protocol';
import { TokenBuffers } from '../engine/tokenSplice';
import { engine, EngineError } from './engineClient';
import { messageOf } from '../engine/protocol';
import { defined, field, persisted } from './persistence';
import { latestWins } from './latestWins';
import { clearShareLink, readShareLink } from './shareLink';
import { TOKENIZER_CATALOG } from './tokenizerCatalog';
import { composeChange, diffText, NO_EDIT, spanToEdit, type ChangedSpan } from './textChanges';

const DEFAULT_TOKENIZER = 'o200k_base';
const DEFAULT_TEXT = 'Tokenization is fascinating! 🧩 Ünïcödé, 日本語, and    spaces.\nNew line\ttab.';
const STORAGE_KEY = 'nexttoken.tokenizer.v1';
/** localStorage holds ~5 MB of UTF-16; larger texts are kept for the session only. */
export const MAX_PERSISTED_CHARS = 1_500_000;

export interface Tokenization {
  /** the tokenize request these tokens answer (the worker's next answer may be a splice of them) */
  requestId: number;
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

type TokenizerStatus = 'idle' | 'loading-tokenizer' | 'tokenizing' | 'ready' | 'error';
type View = 'chips' | 'ids';

/** What the user chose: kept across reloads. */
interface TokenizerChoices {
  text: string;
  tokenizerId: string;
  specialTokens: boolean;
  view: View;
}

/** The same text under every tokenizer at once. */
export interface Comparison {
  rows: CompareRow[];
  /** the text the rows belong to, and its code points */
  text: string;
  characters: number;
  running: boolean;
  error: string | null;
}

/** Characters of the text whose token starts the comparison shows. */
export const COMPARE_PREVIEW_CHARS = 240;

export interface TokenizerState extends TokenizerChoices {
  result: Tokenization | null;
  comparison: Comparison;
  status: TokenizerStatus;
  error: string | null;
  persisted: boolean;
  /** a request to page the chips to the token at this UTF-16 offset (`seq` makes a repeat request new) */
  chipsAt: { offset: number; seq: number } | null;
}

const persistence = persisted<TokenizerChoices>({
  key: STORAGE_KEY,
  version: 2,
  migrate: (stored) =>
    defined({
      text: field.string(stored.text),
      tokenizerId: field.string(stored.tokenizerId),
      specialTokens: field.boolean(stored.specialTokens),
      view: field.oneOf(stored.view, ['chips', 'ids'] as const),
    }),
  delay: (s) => (s.text.length > 100_000 ? 1500 : 250),
});

const DEFAULTS: TokenizerChoices = { text: DEFAULT_TEXT, tokenizerId: DEFAULT_TOKENIZER, specialTokens: false, view: 'chips' };

export const useTokenizerStore = create<TokenizerState>()(() => ({
  ...DEFAULTS,
  ...persistence.initial,
  result: null,
  comparison: { rows: [], text: '', characters: 0, running: false, error: null },
  status: 'idle',
  error: null,
  persisted: true,
  chipsAt: null,
}));

const set = useTokenizerStore.setState;
const get = useTokenizerStore.getState;

// a text too large for localStorage keeps the copy stored before it; the lab says it is not kept
let storedText = persistence.initial.text ?? '';
persistence.connect(
  useTokenizerStore,
  (s) => {
    if (s.text.length <= MAX_PERSISTED_CHARS) storedText = s.text;
    return { text: storedText, tokenizerId: s.tokenizerId, specialTokens: s.specialTokens, view: s.view };
  },
  (ok) => {
    const persisted = ok && get().text.length <= MAX_PERSISTED_CHARS;
    if (persisted !== get().persisted) set({ persisted });
  },
);
/** A shared link (`#tok=…&t=…`) is applied once, at start and whenever the address changes to another one. */
function applyShareLink(): void {
  const shared = readShareLink();
  if (!shared) return;
  set({ text: shared.text, tokenizerId: shared.tokenizerId, specialTokens: shared.specialTokens });
  clearShareLink();
}
applyShareLink();
if (typeof addEventListener === 'function') addEventListener('hashchange', applyShareLink);

useTokenizerStore.subscribe((s, prev) => {
  if (s.text.length > MAX_PERSISTED_CHARS && prev.text.length <= MAX_PERSISTED_CHARS) set({ persisted: false });
});

// ---- what the worker holds: the text named `sent.textId` (null: nothing known, send the text whole),
// and how the store's text differs from it, so the next request carries only that edit
let nextTextId = 1;
let sent: { textId: number; text: string } | null = null;
let sinceSent: { text: string; span: ChangedSpan | null } | null = null;

function changeFor(text: string): TextChange {
  if (!sent) return { text };
  if (sinceSent?.text === text) return { baseRequestId: sent.textId, edit: sinceSent.span ? spanToEdit(sinceSent.span, text) : NO_EDIT };
  return { baseRequestId: sent.textId, edit: diffText(sent.text, text) ?? NO_EDIT };
}

/** the buffers behind the tokens shown, which a splice updates in place (tokenSplice.ts) */
let held: TokenBuffers | null = null;

/** An answer's tokens: sent whole, or as a splice of the tokens shown (null when those are not the splice's base). */
function tokensOf(tokens: TokenizeResponse['tokens']): TokenizedPayload | null {
  if (tokens.kind === 'whole') {
    held = null; // the next splice starts from these tokens; the old buffers can go
    return tokens.payload;
  }
  const shown = get().result;
  if (shown?.requestId !== tokens.splice.baseRequestId) return null;
  if (held?.payload !== shown.payload) held = new TokenBuffers(shown.payload);
  return held.apply(tokens.splice);
}

/**
 * A change this large (a paste, a new text) is re-encoded in parts on several cores, which takes a while on a
 * megabyte: the request is cancelled when the text, tokenizer or mode changes before it is answered (the worker stops
 * its helpers). A keystroke's edit is answered in milliseconds and is never cancelled.
 */
const CANCELLABLE_CHANGE_CHARS = 64 * 1024;
let cancellable: AbortController | null = null;

const tokenizeLatest = latestWins(async () => {
  const { text, tokenizerId, specialTokens } = get();
  const textId = nextTextId++;
  set((s) => ({ status: s.result?.tokenizerId === tokenizerId ? 'tokenizing' : 'loading-tokenizer' }));
  const change = changeFor(text);
  sent = { textId, text };
  sinceSent = { text, span: null };
  const changed = 'text' in change ? change.text.length : change.edit.insert.length + change.edit.deleteCount;
  const abort = changed >= CANCELLABLE_CHANGE_CHARS ? new AbortController() : null;
  cancellable = abort;
  try {
    const r = await engine.request({ type: 'tokenize', requestId: textId, tokenizerId, change, specialTokens }, { signal: abort?.signal });
    const payload = tokensOf(r.tokens);
    if (!payload) {
      // the tokens the splice changes are gone (cannot happen while answers arrive in order): ask for all of them
      sent = null;
      tokenizeLatest.request();
      return;
    }
    set({
      result: { requestId: textId, tokenizerId: r.tokenizerId, specialTokens: r.specialTokens, text, characters: r.characters, words: r.words, ms: r.ms, payload },
      status: 'ready',
      error: null,
    });
  } catch (err) {
    sent = null; // the worker may not hold this text: the next request carries it whole
    if (abort?.signal.aborted) return; // superseded: the newer text is already queued (latestWins)
    if (err instanceof EngineError && err.code === 'stale-edit') tokenizeLatest.request();
    else {
      set({ status: 'error', error: messageOf(err) });
      // a fresh worker: try again with the whole text; not when the worker could not start (it would fail the same
      // way, hiding the message): the next edit tries again
      if (err instanceof EngineError && err.code === 'not-started') tokenizeLatest.reset();
      else if (err instanceof EngineError && err.scope === 'engine') tokenizeLatest.request();
    }
  } finally {
    if (cancellable === abort) cancellable = null;
  }
});

export const tokenizerActions = {
  showTokensAt: (offset: number) => set((s) => ({ chipsAt: { offset, seq: (s.chipsAt?.seq ?? 0) + 1 }, view: 'chips' })),
  /** `edit`, when the caller knows it, says how `text` came from the current text (saves comparing them) */
  setText(text: string, edit?: TextEdit) {
    const prev = get().text;
    if (text === prev) return;
    if (sinceSent && sinceSent.text === prev) {
      const change = edit ?? diffText(prev, text);
      sinceSent = { text, span: change ? composeChange(sinceSent.span, change) : sinceSent.span };
    } else sinceSent = null;
    set({ text });
  },
  setTokenizer: (tokenizerId: string) => set({ tokenizerId }),
  setSpecialTokens: (specialTokens: boolean) => set({ specialTokens }),
  setView: (view: View) => set({ view }),
  /** Compares the text under every tokenizer (the button is disabled while a comparison runs). */
  async compare() {
    const { text, specialTokens } = get();
    const patch = (p: Partial<Comparison>) => set((s) => ({ comparison: { ...s.comparison, ...p } }));
    patch({ running: true, text, error: null });
    try {
      const r = await engine.request({ type: 'compare', text, specialTokens, tokenizerIds: TOKENIZER_CATALOG.map((t) => t.id), previewChars: COMPARE_PREVIEW_CHARS });
      patch({ rows: r.rows, characters: r.characters, running: false });
    } catch (err) {
      patch({ running: false, error: messageOf(err) });
    }
  },
  /** Starts the first tokenization (called once the UI is mounted). */
  start: () => tokenizeLatest.request(),
};


engine.on((event) => {
  if (event.type === 'tokenizer-load' && event.phase !== 'ready' && event.tokenizerId === get().tokenizerId) set({ status: 'loading-tokenizer' });
});
engine.onRestart(() => {
  sent = null; // a restarted worker holds no text
});

useTokenizerStore.subscribe((s, prev) => {
  if (s.text === prev.text && s.tokenizerId === prev.tokenizerId && s.specialTokens === prev.specialTokens) return;
  cancellable?.abort();
  tokenizeLatest.request();
  clearShareLink(); // a link made with "Share link" no longer describes what is shown
});
