/** 1. Tokenization throughput: the app's worker path (with the transfer back) against the fastest plain library. */
import type { Row, Suite } from '../types';
import { MB, benchPage, englishText, median } from './common';

const TOKENIZERS = ['o200k_base', 'cl100k_base', 'r50k_base', 'llama3', 'qwen', 'gemma3', 'deepseek_v3'];

export const tokenize: Suite = {
  name: 'tokenize',
  title: 'Tokenization throughput: app (worker + transfer back; alone, and split across the cores) vs the fastest plain library, same page',
  async run({ browser, base, quick, log }) {
    const ctx = await browser.newContext();
    const page = await benchPage(ctx, base);
    const bytes = quick ? 100 * 1024 : MB;
    const reps = quick ? 1 : 5;
    const ids = quick ? ['o200k_base', 'llama3'] : TOKENIZERS;
    const eng = englishText();
    await page.evaluate(([t, n]) => window.ntBench.storeText('english', t.slice(0, n)), [eng.text, bytes] as const);
    await page.evaluate((n) => window.ntBench.storeText('mixed', window.ntBench.mixedText(n, 4)), Math.round(bytes * 0.8));
    const rows: Row[] = [];
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    for (const id of ids) {
      await page.evaluate((i) => window.ntBench.warmTokenizer(i), id);
      for (const textKey of ['english', 'mixed']) {
        const r = await page.evaluate(([i, k, n]) => window.ntBench.tokenizeThroughput(i, k, n), [id, textKey, reps] as const);
        const plainLib = id.endsWith('_base') ? 'gpt-tokenizer' : '@huggingface/tokenizers';
        // targets (issue 17): OpenAI encodings ≥ 1.0× gpt-tokenizer on one core, ≥ 1.5× split across the cores;
        // every Hugging Face family ≥ 5× @huggingface/tokenizers
        const [oneCoreTarget, coresTarget] = id.endsWith('_base') ? ['≥ 1.0×', '≥ 1.5×'] : ['≥ 5×', '≥ 5×'];
        const baseline = { label: plainLib, value: median(r.plain), samples: r.plain };
        const checks = `${r.tokens !== r.plainTokens ? ` (library: ${r.plainTokens})` : ''}${r.fullReencode ? '' : ' — incremental session did not re-encode everything'}${r.sameTokens ? '' : ' — split and whole encodes differ'}`;
        const row = (how: string, samples: number[], worker: number[], target: string): Row => ({
          label: `${id} ${textKey} ${r.mb.toFixed(2)} MB, ${how}`,
          value: median(samples),
          unit: 'MB/s',
          better: 'higher',
          samples,
          workerOnly: median(worker),
          baseline,
          note: `${r.tokens} tokens${checks}; target ${target}`,
        });
        rows.push(row('engine worker alone', r.single, r.singleWorker, oneCoreTarget));
        log(rows[rows.length - 1]);
        rows.push(row(`in ${r.parts} parts on ${cores} cores`, r.app, r.appWorker, coresTarget));
        log(rows[rows.length - 1]);
      }
    }
    await ctx.close();
    return { rows, english: { uniqueBytes: eng.uniqueBytes, paragraphs: eng.paragraphs }, bytes, reps, errors: page.errors };
  },
};
