/**
 * Loads XGrammar (@mlc-ai/web-xgrammar) once, lazily: a dynamic import, so the ~1 MB runtime (its WASM embedded as
 * base64) is its own chunk, fetched only when a constraint is first used.
 *
 * The package is a UMD bundle: importing it sets `globalThis.xgrammar`. On an invalid schema, grammar or regex the
 * WASM aborts with a bare "Aborted()"; the real message goes to the module's `err`, which is `console.error` as it
 * was at the module's first initialisation. So console.error is wrapped while the module initialises, and the
 * wrapper forwards to a swappable sink: `captureFatal` collects the messages of one call.
 */
import type * as XGrammar from '@mlc-ai/web-xgrammar';

export type XGrammarModule = Pick<typeof XGrammar, 'GrammarCompiler' | 'GrammarMatcher' | 'TokenizerInfo' | 'Grammar'>;
export type { CompiledGrammar, GrammarCompiler, GrammarMatcher, TokenizerInfo } from '@mlc-ai/web-xgrammar';

type ErrorSink = (...args: unknown[]) => void;

let sink: ErrorSink | null = null;
let loading: Promise<XGrammarModule> | null = null;

export function loadXGrammar(): Promise<XGrammarModule> {
  loading ??= initialise().catch((err) => {
    loading = null;
    throw err;
  });
  return loading;
}

async function initialise(): Promise<XGrammarModule> {
  const original = console.error;
  const forward: ErrorSink = (...args) => (sink ?? original).apply(console, args);
  console.error = forward;
  // The bundle's environment check needs `location` (a worker has one; Node does not): lend one while it starts.
  const g = globalThis as { location?: unknown; xgrammar?: XGrammarModule };
  const lentLocation = g.location === undefined;
  if (lentLocation) g.location = { href: import.meta.url };
  try {
    const imported: unknown = await import('@mlc-ai/web-xgrammar/lib/index.js');
    // Run as ESM (Node) the UMD wrapper sets globalThis.xgrammar; a bundler that reads it as CommonJS (Vite's
    // build) hands its exports to the import instead, as the module or its default export
    const xg = g.xgrammar ?? moduleIn(imported);
    if (!xg?.GrammarCompiler) throw new Error('The grammar engine (XGrammar) did not load.');
    // the first call instantiates the WASM module, which captures `forward` as its error printer
    (await xg.Grammar.builtinJSONGrammar()).dispose();
    return xg;
  } finally {
    if (lentLocation) delete g.location;
    if (console.error === forward) console.error = original;
  }
}

function moduleIn(imported: unknown): XGrammarModule | undefined {
  for (let m = imported, depth = 0; m && typeof m === 'object' && depth < 3; m = (m as { default?: unknown }).default, depth++) {
    if ((m as Partial<XGrammarModule>).GrammarCompiler) return m as XGrammarModule;
  }
  return undefined;
}

/** Runs `call` (an XGrammar call that may abort) and returns what it resolved to, or throws `onFatal`'s error made
 * from the "[FATAL] …" message XGrammar printed. */
export async function captureFatal<T>(call: () => Promise<T> | T, onFatal: (fatal: string | undefined, error: unknown) => Error): Promise<T> {
  const printed: string[] = [];
  const previous = sink;
  sink = (...args) => printed.push(args.map(String).join(' '));
  try {
    return await call();
  } catch (error) {
    throw onFatal(printed.find((line) => line.includes('[FATAL]')), error);
  } finally {
    sink = previous;
  }
}
