/**
 * 6. A model on a server: tokens/s through the app's server backend (the Generate lab connected through its Model
 * panel; the engine worker streams the HTTP answer and posts a step per token to the UI thread) against a bare client
 * loop in the same page (fetch and a minimal SSE read of the very request the app sent), on the same server, in the
 * same run, interleaved. The server is e2e/support/openaiServer.ts as vLLM: the embedded model on onnxruntime-node
 * behind /v1/completions, streaming each token with its top-20 log-probabilities; temperature 0, so both clients
 * receive the same tokens. The server sets the pace, so the ratio shows what the app's path costs on top of it; but
 * this server computes on the same CPUs as the browser (in the runner's process), so the CPU the page spends per token
 * (the last row) also slows the server down, which a server on its own machine would not feel.
 */
import type { BrowserContext, CDPSession } from '@playwright/test';
import { startOpenAIServer, type OpenAIServer } from '../../e2e/support/openaiServer';
import { reference } from '../../e2e/support/reference';
import type { Row, Suite } from '../types';
import { englishText, median, newPage, type BenchedPage } from './common';
import { generateInPage, type GenerateSample } from './inference';

/** The app's tokens/s must be at least this share of the bare loop's (issue 15). */
const RATIO_TARGET = 0.95;

interface BareSample {
  tokens: number;
  texts: string[];
  /** fetch → first token read */
  ttftMs: number;
  /** decode tokens/s as tokens arrived on this thread (second token to last, as generateInPage counts steps) */
  decodeTps: number;
  finish: string | null;
}

/**
 * In the page: POSTs `body` to `url` (the headers the app sends), reads the server-sent events by hand (split on
 * blank lines, `data:` lines, `[DONE]`) and notes when each token arrives (completions' `logprobs.tokens`, chat's
 * `logprobs.content`). No checks beyond that: the least a client can do and still count tokens.
 */
function bareStreamInPage([url, body]: readonly [string, Record<string, unknown>]): Promise<BareSample> {
  return (async () => {
    const t0 = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { Accept: 'application/json, text/event-stream, application/x-ndjson', 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok || !response.body) throw new Error(`The server answered ${response.status}.`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const times: number[] = [];
    const texts: string[] = [];
    let finish: string | null = null;
    let buffer = '';
    let done = false;
    while (!done) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buffer += chunk.value;
      for (let end = buffer.indexOf('\n\n'); end >= 0 && !done; end = buffer.indexOf('\n\n')) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trimStart())
          .join('\n');
        if (data === '[DONE]') done = true;
        else if (data) {
          const choice = (JSON.parse(data) as { choices?: { finish_reason?: string | null; logprobs?: { tokens?: string[]; content?: { token: string }[] } | null }[] }).choices?.[0];
          const t = performance.now();
          for (const token of choice?.logprobs?.tokens ?? choice?.logprobs?.content?.map((c) => c.token) ?? []) {
            times.push(t);
            texts.push(token);
          }
          finish = choice?.finish_reason ?? finish;
        }
      }
    }
    await reader.cancel();
    const n = times.length;
    return { tokens: n, texts, ttftMs: n ? times[0] - t0 : NaN, decodeTps: n > 2 ? ((n - 2) * 1000) / (times[n - 1] - times[1]) : 0, finish };
  })();
}

/** The Generate lab, connected to `server` through its Model panel (after the embedded model has loaded, so no load runs meanwhile), greedy. */
async function appOnServer(ctx: BrowserContext, base: string, server: OpenAIServer): Promise<BenchedPage> {
  const page = await newPage(ctx, `${base}/#tab=generate`, { probe: true });
  await page.locator('[data-testid="model-status"][data-status="ready"]').waitFor({ timeout: 120000 });
  await page.getByTestId('backend-kind').selectOption('server');
  await page.getByTestId('server-url').fill(server.url);
  await page.getByTestId('server-connect').click();
  await page.locator('[data-testid="server-status"][data-status="connected"]').waitFor({ timeout: 60000 });
  await page.locator('[data-testid="model-status"][data-status="ready"]').waitFor({ timeout: 60000 });
  const loaded = await page.getByTestId('loaded-model').textContent();
  if (loaded !== server.modelId) throw new Error(`The app did not switch to the server's model (it shows "${loaded}").`);
  await page.evaluate(() => window.__bench.setValue(document.querySelector('[data-testid="temperature"]'), '0'));
  return page;
}

/** A prompt of about `tokens` tokens of the bench's English prose (the server's tokenizer, BOS included). */
async function promptOf(tokens: number): Promise<{ text: string; tokens: number }> {
  const ref = await reference();
  const words = englishText().text.slice(0, 20000).split(/\s+/);
  let text = '';
  for (const w of words) {
    const longer = text ? `${text} ${w}` : w;
    if (ref.encode(longer).length > tokens) break;
    text = longer;
  }
  return { text, tokens: ref.encode(text).length };
}

/** The generation request the app sent since `from` (its URL and body, exactly as the server read it). */
function sentSince(server: OpenAIServer, from: number): { url: string; path: string; body: Record<string, unknown> } {
  const sent = server.requests.slice(from).filter((r) => r.method === 'POST');
  const last = sent[sent.length - 1];
  if (!last || typeof last.body !== 'object' || last.body === null) throw new Error('The app sent no generation request to the server.');
  return { url: `${server.origin}${last.path}`, path: last.path, body: last.body as Record<string, unknown> };
}

/** The generated tokens' texts as the lab shows them. */
const tokenTexts = (page: BenchedPage) => page.evaluate(() => [...document.querySelectorAll('[data-testid="gen-token"]')].map((e) => e.getAttribute('data-token-text') ?? ''));

/** The browser's CPU time so far, all its processes together (seconds; NaN where Chromium does not say). */
async function browserCpuSeconds(cdp: CDPSession): Promise<number> {
  try {
    const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { cpuTime: number }[] };
    return processInfo.reduce((sum, p) => sum + p.cpuTime, 0);
  } catch {
    return NaN;
  }
}

export const server: Suite = {
  name: 'server',
  title: "Server backend: tokens/s through the app's server path vs a bare fetch + SSE loop in the same page",
  async run({ browser, base, quick, log }) {
    const steps = quick ? 16 : 128;
    const reps = quick ? 1 : 5;
    const srv = await startOpenAIServer({ flavor: 'vllm' });
    const ctx = await browser.newContext();
    const cdp = await browser.newBrowserCDPSession();
    try {
      const prompt = await promptOf(100);
      const page = await appOnServer(ctx, base, srv);
      /** a run of either path, with the browser CPU it took per token received */
      const measured = async <T extends { tokens: number }>(run: () => Promise<T>): Promise<T & { cpuMsPerToken: number }> => {
        const c0 = await browserCpuSeconds(cdp);
        const out = await run();
        return { ...out, cpuMsPerToken: (((await browserCpuSeconds(cdp)) - c0) * 1000) / out.tokens };
      };
      let request = { url: '', path: '', body: {} as Record<string, unknown> };
      let appTexts: string[] = [];
      const app = (n: number) =>
        measured(async () => {
          const from = srv.requests.length;
          const sample = await page.evaluate(generateInPage, [prompt.text, n] as const);
          request = sentSince(srv, from);
          appTexts = await tokenTexts(page);
          return sample;
        });
      // the bare loop sends the app's last request again, as the server read it: same endpoint, prompt, settings, seed
      const bare = () => measured(() => page.evaluate(bareStreamInPage, [request.url, request.body] as const));

      // warm-up: one run each (JIT, the lab's first renders, connections, the server's first passes)
      await app(Math.min(steps, 16));
      await bare();

      const appRuns: (GenerateSample & { cpuMsPerToken: number })[] = [];
      const bareRuns: (BareSample & { cpuMsPerToken: number })[] = [];
      let sameTokens = true;
      for (let i = 0; i < reps; i++) {
        // the app first on even repetitions, the bare loop first on odd ones (after the app's request of the same
        // length from the repetition before): drift hits both alike
        if (i % 2 === 0) {
          appRuns.push(await app(steps));
          bareRuns.push(await bare());
        } else {
          bareRuns.push(await bare());
          appRuns.push(await app(steps));
        }
        const texts = bareRuns[bareRuns.length - 1].texts;
        sameTokens &&= appTexts.length === texts.length && appTexts.every((t, k) => t === texts[k]);
      }
      if (request.body.temperature !== 0 || request.body.max_tokens !== steps) {
        throw new Error(`The app's request is not greedy with ${steps} tokens: ${JSON.stringify({ temperature: request.body.temperature, max_tokens: request.body.max_tokens })}.`);
      }

      const appTps = median(appRuns.map((r) => r.uiDecodeTps));
      const bareTps = median(bareRuns.map((r) => r.decodeTps));
      const tokens = median(appRuns.map((r) => r.tokens));
      const setup = `vLLM-style test server (the embedded model on onnxruntime-node, in the runner's process), POST ${request.path}, prompt ${prompt.tokens} + ${tokens} new tokens, top-${String(request.body.logprobs)} logprobs, temperature 0`;
      const rows: Row[] = [
        {
          label: "decode through the app's server path, as the UI thread receives it",
          value: appTps,
          unit: 'tok/s',
          better: 'higher',
          samples: appRuns.map((r) => r.uiDecodeTps),
          baseline: { label: 'bare fetch + SSE loop, same page', value: bareTps, samples: bareRuns.map((r) => r.decodeTps) },
          note: `${setup}; same tokens on both paths: ${sameTokens ? 'yes' : 'NO'}; the worker measured ${median(appRuns.map((r) => r.tps)).toFixed(1)} tok/s`,
        },
        {
          label: "server path: app's tokens/s ÷ bare loop's",
          value: appTps / bareTps,
          unit: '×',
          better: 'higher',
          digits: 2,
          target: RATIO_TARGET,
          chartTarget: true,
        },
        {
          label: "time to first token through the app's server path (click → UI)",
          value: median(appRuns.map((r) => r.firstStepAtUiMs)),
          unit: 'ms',
          better: 'lower',
          baseline: { label: 'bare loop (fetch → first token)', value: median(bareRuns.map((r) => r.ttftMs)) },
        },
        {
          label: "browser CPU per token, app's server path (all processes)",
          value: median(appRuns.map((r) => r.cpuMsPerToken)),
          unit: 'ms',
          better: 'lower',
          baseline: { label: 'bare loop', value: median(bareRuns.map((r) => r.cpuMsPerToken)) },
          note: 'the server here shares the CPU with the browser: what the page spends per token slows the server too',
        },
      ];
      for (const r of rows) log(r);
      const errors = page.errors;
      return {
        rows,
        server: { flavor: 'vllm', path: request.path, promptTokens: prompt.tokens, newTokens: steps },
        sameTokens,
        samples: { app: appRuns, bare: bareRuns.map(({ texts: _texts, ...rest }) => rest) },
        errors,
      };
    } finally {
      await cdp.detach().catch(() => undefined);
      await ctx.close();
      await srv.close();
    }
  },
};
