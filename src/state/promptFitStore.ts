/**
 * Whether the Generate lab's prompt fits the model's context window, measured by the engine while the user types
 * (the model's own tokenizer, on the worker's light lane). A prompt that leaves no room for one new token is said to
 * be too long before Generate is pressed, with an offer to keep its last tokens; the text cut off is kept so that
 * the cut can be undone.
 */
import { create } from 'zustand';
import type { PromptFit } from '../engine/protocol';
import { engine } from './engineClient';
import { generateActions, useGenerateStore } from './generateStore';
import { latestWins } from './latestWins';

interface PromptFitState {
  /** the fit of `measured` (null: not measured, a server model, or it fits and was never too long) */
  fit: PromptFit | null;
  /** what `fit` was measured for: it applies only while the prompt, its special tokens and max new tokens are these */
  measured: { text: string; addSpecialTokens: boolean; maxNewTokens: number; modelId: string } | null;
  /** the prompt as it was before "keep its last tokens", until the prompt is edited again */
  cut: { original: string; kept: string; tokens: number } | null;
}

export const usePromptFit = create<PromptFitState>()(() => ({ fit: null, measured: null, cut: null }));

const set = usePromptFit.setState;

interface Shown {
  prompt: string;
  addSpecialTokens: boolean;
  maxNewTokens: number;
  modelId: string | undefined;
}

/** The prompt shown is too long for the window (as last measured for exactly this prompt), or null. */
function tooLong(f: PromptFitState, g: Shown): (PromptFit & { keep: NonNullable<PromptFit['keep']> }) | null {
  const m = f.measured;
  if (!f.fit?.keep || !m || m.text !== g.prompt || m.addSpecialTokens !== g.addSpecialTokens || m.maxNewTokens !== g.maxNewTokens || m.modelId !== g.modelId) return null;
  return f.fit as PromptFit & { keep: NonNullable<PromptFit['keep']> };
}

function shownNow(): Shown {
  const g = useGenerateStore.getState();
  return { prompt: g.prompt, addSpecialTokens: g.addSpecialTokens, maxNewTokens: g.maxNewTokens, modelId: g.model.info?.modelId };
}

/** The prompt shown, when it is too long for the model's window (re-renders as either changes). */
export function useTooLongPrompt() {
  const f = usePromptFit();
  const prompt = useGenerateStore((s) => s.prompt);
  const addSpecialTokens = useGenerateStore((s) => s.addSpecialTokens);
  const maxNewTokens = useGenerateStore((s) => s.maxNewTokens);
  const modelId = useGenerateStore((s) => s.model.info?.modelId);
  return tooLong(f, { prompt, addSpecialTokens, maxNewTokens, modelId });
}

const measure = latestWins(async () => {
  const { prompt, addSpecialTokens, maxNewTokens, model } = useGenerateStore.getState();
  if (!model.info || model.info.server || !prompt) {
    set({ fit: null, measured: null });
    return;
  }
  const r = await engine.request({ type: 'prompt-fit', prompt: { text: prompt, addSpecialTokens }, maxNewTokens });
  set({ fit: r.fit, measured: r.modelId ? { text: prompt, addSpecialTokens, maxNewTokens, modelId: r.modelId } : null });
});

/** Typing is measured after a pause; a long prompt is where the pause matters (its tokens are counted afresh). */
let timer: ReturnType<typeof setTimeout> | undefined;
function measureSoon(delayMs: number) {
  clearTimeout(timer);
  timer = setTimeout(() => measure.request(), delayMs);
}

useGenerateStore.subscribe((s, prev) => {
  if (s.prompt !== prev.prompt) {
    const { cut } = usePromptFit.getState();
    if (cut && s.prompt !== cut.kept) set({ cut: null });
    measureSoon(300);
  } else if (s.addSpecialTokens !== prev.addSpecialTokens || s.maxNewTokens !== prev.maxNewTokens || s.model.info !== prev.model.info) {
    measureSoon(0);
  }
});

export const promptFitActions = {
  /** Keeps the prompt's last tokens that fit (room is left for the new tokens); the whole prompt can be put back. */
  keepEnd() {
    const fit = tooLong(usePromptFit.getState(), shownNow());
    if (!fit) return;
    const original = useGenerateStore.getState().prompt;
    const kept = original.slice(fit.keep.from);
    generateActions.setPrompt(kept);
    set({ cut: { original, kept, tokens: fit.keep.tokens } });
  },
  /** Puts back the prompt as it was before the cut. */
  undoCut() {
    const { cut } = usePromptFit.getState();
    if (!cut) return;
    set({ cut: null });
    generateActions.setPrompt(cut.original);
  },
};
