/** 1. Tokenization throughput: the app's worker path (with the transfer back) against the fastest plain library. */
import type { Row, Suite } from '../types';
import { MB, benchPage, englishText, median } from './common';

const TOKENIZERS = ['o200k_base', 'cl100k_base', 'r50k_base', 'llama3', 'qwen', 'gemma3', 'deepseek_v3'];

export const tokenize: Suite = {
  name: 'tokenize',
  title: 'Tokenization throughput: app (worker + transfer back) vs the fastest plain library, same page',
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
    for (const id of ids) {
      await page.evaluate((i) => window.ntBench.warmTokenizer(i), id);
      for (const textKey of ['english', 'mixed']) {
        const r = await page.evaluate(([i, k, n]) => window.ntBench.tokenizeThroughput(i, k, n), [id, textKey, reps] as const);
        const plainLib = id.endsWith('_base') ? 'gpt-tokenizer' : '@huggingface/tokenizers';
        rows.push({
          label: `${id} ${textKey} ${r.mb.toFixed(2)} MB`,
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
