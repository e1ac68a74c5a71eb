/**
 * The benchmark suites. Each returns { rows, ... } where a row is
 *   { label, value, unit, better: 'higher' | 'lower', digits?, samples?, baseline?: { label, value }, note? }
 * and `ratio` (added by run.mjs) says how many times better than its baseline the figure is (>1: ours is better).
 * Figures are medians over `reps` runs; the app path and its baseline run in the same page, interleaved.
 */
import { readFileSync } from 'node:fs';
import { englishProse } from './texts.mjs';

const PROBE = readFileSync(new URL('./pageProbe.js', import.meta.url), 'utf8');
const MB = 1 << 20;
const TOKENIZERS = ['o200k_base', 'cl100k_base', 'r50k_base', 'llama3', 'qwen', 'gemma3', 'deepseek_v3'];

export const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

let english = null;
function englishText() {
  english ??= englishProse(MB);
  return english;
}

async function newPage(ctx, url, { probe = false } = {}) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`HTTP ${r.status()} ${r.url()}`);
  });
  if (probe) await page.addInitScript(PROBE);
  await page.goto(url);
  page.errors = errors;
  return page;
}

async function benchPage(ctx, base) {
  const page = await newPage(ctx, `${base}/bench.html`);
  await page.waitForFunction(() => window.ntBench?.ready === true, null, { timeout: 30000 });
  return page;
}

// ------------------------------------------------------------------ 1. tokenization throughput

const tokenize = {
  name: 'tokenize',
  title: 'Tokenization throughput: app (worker + transfer back) vs the fastest plain library, same page',
  async run({ browser, base, quick, log }) {
    const ctx = await browser.newContext();
    const page = await benchPage(ctx, base);
    const bytes = quick ? 100 * 1024 : MB;
    const reps = quick ? 1 : 5;
    const ids = quick ? ['o200k_base', 'llama3'] : TOKENIZERS;
    const eng = englishText();
    await page.evaluate(([t, n]) => window.ntBench.storeText('english', t.slice(0, n)), [eng.text, bytes]);
    await page.evaluate((n) => window.ntBench.storeText('mixed', window.ntBench.mixedText(n, 4)), Math.round(bytes * 0.8));
    const rows = [];
    const detail = {};
    for (const id of ids) {
      await page.evaluate((i) => window.ntBench.warmTokenizer(i), id);
      for (const textKey of ['english', 'mixed']) {
        const r = await page.evaluate(([i, k, n]) => window.ntBench.tokenizeThroughput(i, k, n), [id, textKey, reps]);
        detail[`${id}/${textKey}`] = r;
        const plainLib = id.endsWith('_base') ? 'gpt-tokenizer' : '@huggingface/tokenizers';
        rows.push({
          label: `${id} ${textKey} ${(r.mb).toFixed(2)} MB`,
          value: median(r.app),
          unit: 'MB/s',
          better: 'higher',
          samples: r.app,
          workerOnly: median(r.appWorker),
          baseline: { label: plainLib, value: median(r.plain), samples: r.plain },
          note: `${r.tokens} tokens${r.tokens !== r.plainTokens ? ` (library: ${r.plainTokens})` : ''}${r.fullReencode ? '' : ' — incremental session did not re-encode everything'}`,
        });
        log(rows[rows.length - 1]);
      }
    }
    await ctx.close();
    return { rows, english: { uniqueBytes: eng.uniqueBytes, paragraphs: eng.paragraphs }, bytes, reps, errors: page.errors };
  },
};

// ------------------------------------------------------------------ 2. paste and edit in the real app

async function appTokenizerPage(ctx, base, tokenizerId) {
  const page = await newPage(ctx, `${base}/#tab=tokenizer`, { probe: true });
  await page.getByTestId('tokenizer-select').selectOption(tokenizerId);
  await page.locator('[data-testid="tokenizer-status"][data-status="ready"]').waitFor({ timeout: 60000 });
  await page.getByTestId('token-count').waitFor();
  return page;
}

/**
 * Sets the textarea in one go (like a paste), or, given `{ typeAt }`, types one character there the
 * way a keystroke does (or deletes it again with `{ deleteAt }`), and times the count and the chips
 * reaching the DOM.
 */
function pasteInPage(input) {
  const B = window.__bench;
  const el = document.querySelector('[data-testid="tokenizer-input"]');
  return (async () => {
    const keystroke = typeof input === 'object';
    let length = keystroke ? 0 : input.length;
    if (keystroke) {
      const at = input.typeAt ?? input.deleteAt;
      // a large text is edited a part at a time: bring the part holding `at` into the field first
      const position = document.querySelector('[data-testid="text-window-position"]');
      if (position && !(Number(el.dataset.windowStart) <= at && at < Number(el.dataset.windowEnd))) {
        B.setValue(position, String(at));
        await B.nextFrame();
      }
      const windowStart = Number(el.dataset.windowStart ?? 0);
      length = Number(el.dataset.textLength) + (input.typeAt !== undefined ? 1 : -1);
      el.focus();
      el.setSelectionRange(at - windowStart, input.typeAt !== undefined ? at - windowStart : at - windowStart + 1);
    }
    await B.nextFrame();
    const t0 = performance.now();
    if (!keystroke) B.setValue(el, input);
    else if (input.typeAt !== undefined) document.execCommand('insertText', false, '§');
    else document.execCommand('delete');
    const afterDispatch = performance.now() - t0;
    const msg = () => B.tok.find((m) => m.t >= t0 && m.textLength === length);
    const count = await B.until(() => {
      const m = msg();
      return m && B.digits(document.querySelector('[data-testid="token-count"]')) === m.n ? m : null;
    });
    const m = count.value;
    const want = Math.min(m.n, 2000);
    const chips = await B.until(() => {
      const all = document.querySelectorAll('[data-testid="token"]');
      return all.length === want && Number(all[all.length - 1].dataset.tokenIndex) === want - 1;
    });
    const painted = await B.nextFrame();
    await new Promise((r) => setTimeout(r, 200)); // let the long-task observer report
    return {
      tokens: m.n,
      dispatchMs: afterDispatch,
      messageMs: m.t - t0,
      workerMs: m.ms,
      reencoded: m.reencoded[1] - m.reencoded[0],
      countMs: count.t - t0,
      chipsMs: chips.t - t0,
      paintedMs: painted - t0,
      longestTaskMs: B.longestTask(t0, performance.now()),
    };
  })();
}

const paste = {
  name: 'paste',
  title: 'Paste and edit in the real app page (tokenizer lab)',
  async run({ browser, base, quick, log }) {
    const eng = englishText().text;
    const reps = quick ? 1 : 3;
    const sizes = quick ? [100 * 1024] : [100 * 1024, MB];
    const ids = quick ? ['o200k_base'] : ['o200k_base', 'llama3', 'gemma3'];
    const rows = [];
    const runs = {};
    for (const id of ids) {
      for (const size of sizes) {
        const samples = [];
        for (let i = 0; i < reps; i++) {
          // a fresh page each time: the paste replaces a short text, as a user's first paste does
          const ctx = await browser.newContext();
          const page = await appTokenizerPage(ctx, base, id);
          samples.push(await page.evaluate(pasteInPage, eng.slice(i, i + size)));
          await ctx.close();
        }
        runs[`${id}/${size}`] = samples;
        const kb = size >= MB ? '1 MB' : `${Math.round(size / 1024)} KB`;
        rows.push({ label: `${id} paste ${kb} → count rendered`, value: median(samples.map((s) => s.countMs)), unit: 'ms', better: 'lower', target: size >= MB ? 1000 : undefined });
        rows.push({ label: `${id} paste ${kb} → all chips rendered`, value: median(samples.map((s) => s.chipsMs)), unit: 'ms', better: 'lower' });
        rows.push({ label: `${id} paste ${kb}: longest main-thread task`, value: median(samples.map((s) => s.longestTaskMs)), unit: 'ms', better: 'lower', target: 100 });
        for (const r of rows.slice(-3)) log(r);
      }
    }
    // one-character edits in the largest text: the incremental path
    const size = sizes[sizes.length - 1];
    const ctx = await browser.newContext();
    const page = await appTokenizerPage(ctx, base, 'o200k_base');
    const text = eng.slice(0, size);
    await page.evaluate(pasteInPage, text);
    const at = text.indexOf(' ', size >> 1);
    const edits = [];
    // keystrokes: type a character in the middle, then delete it again; the first few warm up the
    // JIT (as a user's first keystrokes do) and are not counted
    const warmup = quick ? 0 : 4;
    for (let i = 0; i < warmup + (quick ? 2 : 20); i++) {
      const sample = await page.evaluate(pasteInPage, i % 2 ? { deleteAt: at } : { typeAt: at });
      if (i >= warmup) edits.push(sample);
    }
    await ctx.close();
    runs.edit = edits;
    const kb = size >= MB ? '1 MB' : `${Math.round(size / 1024)} KB`;
    rows.push({ label: `o200k_base keystroke in ${kb} → count rendered`, value: median(edits.map((s) => s.countMs)), unit: 'ms', better: 'lower', target: 16.7, note: `worker ${median(edits.map((s) => s.workerMs)).toFixed(1)} ms, ${median(edits.map((s) => s.reencoded))} tokens re-encoded` });
    rows.push({ label: `o200k_base keystroke in ${kb}: longest task`, value: median(edits.map((s) => s.longestTaskMs)), unit: 'ms', better: 'lower', target: 100 });
    for (const r of rows.slice(-2)) log(r);
    return { rows, runs };
  },
};

// ------------------------------------------------------------------ 3–5. inference, main-thread health, memory

/** Prompt texts that the embedded model's tokenizer turns into `n` tokens (context window permitting). */
async function prompts(bpage, lengths) {
  const eng = englishText().text.slice(0, 20000);
  const out = {};
  for (const n of lengths) out[n] = await bpage.evaluate(([t, k]) => window.ntBench.promptOf(t, k), [eng, n]);
  return out;
}

async function appInferencePage(ctx, base) {
  const page = await newPage(ctx, `${base}/#tab=generate`, { probe: true });
  await page.locator('[data-testid="model-status"][data-status="ready"]').waitFor({ timeout: 120000 });
  await page.evaluate(() => {
    const B = window.__bench;
    B.setValue(document.querySelector('[data-testid="temperature"]'), '0');
  });
  return page;
}

/** Generates in the app page; resolves once the run is done and every generated token is in the DOM. */
function generateInPage([promptText, maxNew]) {
  const B = window.__bench;
  return (async () => {
    B.setValue(document.querySelector('[data-testid="prompt-input"]'), promptText);
    B.setValue(document.querySelector('[data-testid="max-new-tokens"]'), String(maxNew));
    await B.nextFrame();
    await B.until(() => !document.querySelector('[data-testid="generate"]').disabled);
    const t0 = performance.now();
    document.querySelector('[data-testid="generate"]').click();
    const done = (await B.until(() => B.done.find((d) => d.t >= t0), 120000)).value;
    const dom = await B.until(() => document.querySelectorAll('[data-testid="gen-token"]').length >= done.tokens);
    const steps = B.steps.filter((s) => s.runId === done.runId).map((s) => s.t);
    const uiDecodeTps = steps.length > 2 ? ((steps.length - 2) * 1000) / (steps[steps.length - 1] - steps[1]) : 0;
    return { ...done, uiDecodeTps, firstStepAtUiMs: steps[0] - t0, allInDomMs: dom.t - t0, shown: { ttft: document.querySelector('[data-testid="ttft-ms"]')?.textContent, tps: document.querySelector('[data-testid="tokens-per-second"]')?.textContent } };
  })();
}

const inference = {
  name: 'inference',
  title: 'Inference with the embedded model on WASM (app page vs bare loop vs Transformers.js pipeline)',
  async run({ browser, base, quick, log }) {
    const ctx = await browser.newContext();
    const bpage = await benchPage(ctx, base);
    const facts = await bpage.evaluate(() => window.ntBench.modelFacts());
    const window_ = facts.contextWindow;
    // TTFT on a ~200-token prompt; decode on a shorter prompt so prompt + new tokens fit the window
    const steps = quick ? 16 : 128;
    const ttftLen = Math.min(200, window_ - 9);
    const decodeLen = Math.max(8, Math.min(100, window_ - steps - 8));
    const p = await prompts(bpage, [ttftLen, decodeLen]);
    const reps = quick ? 1 : 5;
    const s = { app: [], appUi: [], gen: [], bare: [], pipe: [], genNoKv: [], pipeNoKv: [], ttftGen: [], ttftBare: [], ttftPipe: [], ttftApp: [] };
    await bpage.evaluate((ids) => window.ntBench.bareRun(ids, 2), p[decodeLen].ids); // warm-up
    await bpage.evaluate((ids) => window.ntBench.pipelineRun(ids, 2), p[decodeLen].ids);
    const apage = await appInferencePage(ctx, base);
    await apage.evaluate(generateInPage, [p[decodeLen].text, 2]); // warm-up
    for (let i = 0; i < reps; i++) {
      const a = await apage.evaluate(generateInPage, [p[decodeLen].text, steps]);
      s.app.push(a.tps);
      s.appUi.push(a.uiDecodeTps);
      const at = await apage.evaluate(generateInPage, [p[ttftLen].text, 4]);
      s.ttftApp.push(at.ttftMs);
      s.appTokens = a.tokens;
      const g = await bpage.evaluate(([ids, n]) => window.ntBench.generatorRun(ids, n, true), [p[decodeLen].ids, steps]);
      s.gen.push(g.tokensPerSecond);
      const b = await bpage.evaluate(([ids, n]) => window.ntBench.bareRun(ids, n), [p[decodeLen].ids, steps]);
      s.bare.push(b.tokensPerSecond);
      const pp = await bpage.evaluate(([ids, n]) => window.ntBench.pipelineRun(ids, n), [p[decodeLen].ids, steps]);
      s.pipe.push(pp.tokensPerSecond);
      s.ttftGen.push((await bpage.evaluate(([ids]) => window.ntBench.generatorRun(ids, 2, true), [p[ttftLen].ids])).ttftMs);
      s.ttftBare.push((await bpage.evaluate(([ids]) => window.ntBench.bareRun(ids, 2), [p[ttftLen].ids])).ttftMs);
      s.ttftPipe.push((await bpage.evaluate(([ids]) => window.ntBench.pipelineRun(ids, 2), [p[ttftLen].ids])).ttftMs);
      const nk = Math.min(steps, quick ? 8 : 32);
      s.genNoKv.push((await bpage.evaluate(([ids, n]) => window.ntBench.generatorRun(ids, n, false), [p[decodeLen].ids, nk])).tokensPerSecond);
      s.pipeNoKv.push((await bpage.evaluate(([ids, n]) => window.ntBench.pipelineRun(ids, n, false), [p[decodeLen].ids, nk])).tokensPerSecond);
    }
    const m = (k) => median(s[k]);
    const setup = `prompt ${decodeLen} + ${steps} new tokens (window ${window_})`;
    const rows = [
      { label: `TTFT, ${ttftLen}-token prompt: app page (worker → UI)`, value: m('ttftApp'), unit: 'ms', better: 'lower', baseline: { label: 'bare loop', value: m('ttftBare') } },
      { label: `TTFT, ${ttftLen}-token prompt: app loop, bench worker`, value: m('ttftGen'), unit: 'ms', better: 'lower', baseline: { label: 'Transformers.js pipeline', value: m('ttftPipe') } },
      { label: `decode, app page, distributions streamed to UI`, value: m('app'), unit: 'tok/s', better: 'higher', baseline: { label: 'bare loop', value: m('bare') }, note: `${setup}; ${s.appTokens} tokens (stops at EOS); as received by the UI: ${m('appUi').toFixed(1)} tok/s` },
      { label: `decode, app loop, bench worker (Generator, no UI)`, value: m('gen'), unit: 'tok/s', better: 'higher', baseline: { label: 'bare loop', value: m('bare') } },
      { label: `decode, bare loop, bench worker (bareGreedyDecode)`, value: m('bare'), unit: 'tok/s', better: 'higher', baseline: { label: 'Transformers.js pipeline', value: m('pipe') } },
      { label: `decode, app page`, value: m('app'), unit: 'tok/s', better: 'higher', baseline: { label: 'Transformers.js pipeline', value: m('pipe') } },
      { label: `decode, KV cache off (app loop)`, value: m('genNoKv'), unit: 'tok/s', better: 'higher', baseline: { label: 'KV cache on', value: m('gen') } },
      { label: `decode, KV cache off (Transformers.js pipeline)`, value: m('pipeNoKv'), unit: 'tok/s', better: 'higher', baseline: { label: 'KV cache on', value: m('pipe') }, note: 'use_cache: false passed to the pipeline; equal speeds mean Transformers.js kept the cache anyway' },
    ];
    for (const r of rows) log(r);
    const errors = [...bpage.errors, ...apage.errors];
    await ctx.close();
    return { rows, model: facts, prompt: { ttftTokens: ttftLen, decodeTokens: decodeLen, newTokens: steps }, samples: s, errors };
  },
};

const health = {
  name: 'health',
  title: 'Main-thread health in the app page: frames while generating and while dragging the temperature slider',
  async run({ browser, base, quick, log }) {
    const ctx = await browser.newContext();
    const bpage = await benchPage(ctx, base);
    const facts = await bpage.evaluate(() => window.ntBench.modelFacts());
    const steps = quick ? 16 : 128;
    const p = await prompts(bpage, [Math.max(8, Math.min(100, facts.contextWindow - steps - 8))]);
    const prompt = Object.values(p)[0].text;
    await bpage.close();
    const page = await appInferencePage(ctx, base);
    await page.evaluate(`window.__bench.generate = ${generateInPage.toString()}`);
    const g = await page.evaluate(([text, n]) => window.__bench.framesDuring(() => window.__bench.generate([text, n])), [prompt, steps]);
    // drag the temperature slider across its track while the distribution of the selected step re-samples
    const slider = page.getByTestId('temperature-slider');
    const box = await slider.boundingBox();
    const moves = quick ? 20 : 60;
    await page.evaluate(() => {
      window.__bench.dragDone = null;
      window.__bench.dragMeasure = window.__bench.framesDuring(() => new Promise((r) => (window.__bench.dragDone = r)));
    });
    await page.waitForTimeout(600); // framesDuring's idle calibration
    await page.mouse.move(box.x + 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 0; i <= moves; i++) {
      await page.mouse.move(box.x + 2 + ((box.width - 4) * i) / moves, box.y + box.height / 2);
      await page.waitForTimeout(16);
    }
    await page.mouse.up();
    await page.evaluate(() => window.__bench.dragDone());
    const d = await page.evaluate(() => window.__bench.dragMeasure);
    const rows = [
      { label: `generating ${g.result.tokens} tokens: frames dropped`, value: g.dropped, unit: `of ${g.expected}`, better: 'lower', digits: 0, note: `longest frame gap ${g.longestFrameGapMs.toFixed(0)} ms, longest task ${g.longestTaskMs.toFixed(0)} ms, idle ${g.idleFps.toFixed(0)} fps` },
      { label: `dragging the temperature slider (${moves} moves): frames dropped`, value: d.dropped, unit: `of ${d.expected}`, better: 'lower', digits: 0, note: `longest frame gap ${d.longestFrameGapMs.toFixed(0)} ms, longest task ${d.longestTaskMs.toFixed(0)} ms` },
    ];
    for (const r of rows) log(r);
    const errors = page.errors;
    await ctx.close();
    return { rows, generating: g, dragging: d, errors };
  },
};

const memory = {
  name: 'memory',
  title: 'Memory in the app page after ~1,000 generated tokens (several runs: the window is small)',
  async run({ browser, base, quick, log }) {
    const ctx = await browser.newContext();
    const bpage = await benchPage(ctx, base);
    const facts = await bpage.evaluate(() => window.ntBench.modelFacts());
    const steps = quick ? 16 : 128;
    const target = quick ? 32 : 1000;
    const p = await prompts(bpage, [Math.max(8, Math.min(100, facts.contextWindow - steps - 8))]);
    const prompt = Object.values(p)[0].text;
    await bpage.close();
    const page = await appInferencePage(ctx, base);
    const measure = () =>
      page.evaluate(async () => {
        globalThis.gc?.();
        await new Promise((r) => setTimeout(r, 50));
        return { heap: performance.memory?.usedJSHeapSize ?? null };
      });
    const uaMemory = () =>
      page.evaluate(async () => {
        if (!crossOriginIsolated || !performance.measureUserAgentSpecificMemory) return null;
        const r = await Promise.race([performance.measureUserAgentSpecificMemory(), new Promise((res) => setTimeout(() => res(null), 30000))]);
        if (!r) return null;
        let worker = 0;
        let window_ = 0;
        for (const b of r.breakdown) {
          const scopes = (b.attribution ?? []).map((a) => a.scope);
          if (scopes.includes('DedicatedWorkerGlobalScope')) worker += b.bytes;
          else if (scopes.includes('Window')) window_ += b.bytes;
        }
        return { total: r.bytes, worker, window: window_ };
      });
    const before = await measure();
    const uaBefore = quick ? null : await uaMemory();
    const series = [];
    let total = 0;
    for (let run = 0; total < target && run < 20; run++) {
      const r = await page.evaluate(generateInPage, [prompt, steps]);
      total += r.tokens;
      series.push({ tokens: total, ...(await measure()) });
    }
    const uaAfter = quick ? null : await uaMemory();
    const after = series[series.length - 1];
    const mid = series[Math.floor(series.length / 2)];
    const MBf = (b) => (b == null ? NaN : b / 1e6);
    const rows = [
      { label: `JS heap (UI thread) after ${total} tokens`, value: MBf(after.heap), unit: 'MB', better: 'lower', note: `${MBf(before.heap).toFixed(1)} MB before generating; the app keeps every run's steps for branching` },
      { label: `JS heap growth, 2nd half of the runs, per 100 tokens`, value: MBf((after.heap - mid.heap) / ((after.tokens - mid.tokens) / 100 || 1)), unit: 'MB', better: 'lower', digits: 2 },
    ];
    if (uaAfter) rows.push({ label: `worker memory (measureUserAgentSpecificMemory) after ${total} tokens`, value: MBf(uaAfter.worker), unit: 'MB', better: 'lower', note: `${uaBefore ? `${MBf(uaBefore.worker).toFixed(1)} MB before generating; ` : ''}whole page ${MBf(uaAfter.total).toFixed(1)} MB; logits window: at most 512 steps` });
    else rows.push({ label: 'worker memory', value: NaN, unit: '', note: quick ? 'skipped in --quick (measureUserAgentSpecificMemory takes up to 20 s)' : 'measureUserAgentSpecificMemory unavailable' });
    for (const r of rows) log(r);
    const errors = page.errors;
    await ctx.close();
    return { rows, before, series, uaBefore, uaAfter, errors };
  },
};

export const suites = [tokenize, paste, inference, health, memory];
