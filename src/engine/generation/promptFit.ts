/**
 * Whether a prompt fits the model's context window, and where its end that fits begins. A prompt longer than the
 * window leaves no room for one new token; the user is offered its last tokens instead (the model reads the end of a
 * text), leaving room for the new tokens asked for.
 */
import type { PromptFit } from './types';

export interface FitTokenizer {
  /** the token count of a text, with or without the model's special tokens */
  count(text: string, addSpecialTokens: boolean): number;
}

/**
 * The most tokens one character of a suffix can take (a byte-level tokenizer gives at most one token per UTF-8 byte,
 * and a UTF-16 code unit is at most 3 bytes): bounds the search for the suffix that fits.
 */
const MAX_TOKENS_PER_CHAR = 3;

export function fitPrompt(tokenizer: FitTokenizer, text: string, addSpecialTokens: boolean, contextWindow: number, maxNewTokens: number): PromptFit {
  const tokens = tokenizer.count(text, addSpecialTokens);
  if (tokens < contextWindow) return { tokens, contextWindow, keep: null };
  const budget = Math.max(1, contextWindow - Math.max(1, maxNewTokens));
  const countOf = (from: number) => tokenizer.count(text.slice(from), addSpecialTokens);
  // the shortest start (the longest suffix) whose tokens fit the budget: token counts grow with the suffix, so a
  // binary search over where it starts; a suffix of budget / MAX_TOKENS_PER_CHAR characters always fits
  let fits = Math.max(0, text.length - Math.floor(budget / MAX_TOKENS_PER_CHAR));
  let tooLong = Math.max(-1, text.length - budget * 16 - 1);
  if (tooLong >= 0 && countOf(tooLong) <= budget) tooLong = -1;
  while (fits - tooLong > 1) {
    const mid = (fits + tooLong) >> 1;
    if (countOf(mid) <= budget) fits = mid;
    else tooLong = mid;
  }
  // start on a whole character: never between the two halves of a surrogate pair
  const code = text.charCodeAt(fits);
  if (code >= 0xdc00 && code <= 0xdfff) fits++;
  return { tokens, contextWindow, keep: { from: fits, tokens: countOf(fits) } };
}
