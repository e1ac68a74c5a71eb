/** 5. Memory in the app page over ~2,000 generated tokens (several runs: the model's window is small). */
import type { Row, Suite } from '../types';
import { generateInPage, generateLab } from './inference';

/** What measureUserAgentSpecificMemory reports (Chromium, cross-origin isolated pages only). */
interface UaMemoryResult {
  bytes: number;
  breakdown: { bytes: number; attribution?: { scope?: string }[] }[];
}

export const memory: Suite = {
  name: 'memory',
  title: 'Memory in the app page over ~2,000 generated tokens (several runs: the window is small)',
  async run({ browser, base, quick, log }) {
    const steps = quick ? 16 : 128;
    const target = quick ? 32 : 2000;
    const { ctx, page, prompt } = await generateLab(browser, base, steps);
    const measure = () =>
      page.evaluate(async () => {
        (globalThis as { gc?: () => void }).gc?.();
        await new Promise((r) => setTimeout(r, 50));
        return { heap: (performance as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null };
      });
    const uaMemory = () =>
      page.evaluate(async () => {
        const p = performance as { measureUserAgentSpecificMemory?: () => Promise<UaMemoryResult> };
        if (!crossOriginIsolated || !p.measureUserAgentSpecificMemory) return null;
        const r = await Promise.race([p.measureUserAgentSpecificMemory(), new Promise<null>((res) => setTimeout(() => res(null), 30000))]);
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
    const series: { tokens: number; heap: number | null }[] = [];
    let total = 0;
    for (let run = 0; total < target && run < 40; run++) {
      const r = await page.evaluate(generateInPage, [prompt, steps] as const);
      total += r.tokens;
      series.push({ tokens: total, ...(await measure()) });
    }
    const uaAfter = quick ? null : await uaMemory();
    const after = series[series.length - 1];
    const mid = series[Math.floor(series.length / 2)];
    const MBf = (b: number | null) => (b == null ? NaN : b / 1e6);
    const growth = after.heap == null || mid.heap == null ? null : (after.heap - mid.heap) / ((after.tokens - mid.tokens) / 100 || 1);
    const rows: Row[] = [
      { label: `JS heap (UI thread) after ${total} tokens`, value: MBf(after.heap), unit: 'MB', better: 'lower', note: `${MBf(before.heap).toFixed(1)} MB before generating; the app keeps every run's steps for branching` },
      { label: `JS heap growth, 2nd half of the runs, per 100 tokens`, value: MBf(growth), unit: 'MB', better: 'lower', digits: 2, target: 0.05, chartTarget: true },
    ];
    if (uaAfter) rows.push({ label: `worker memory (measureUserAgentSpecificMemory) after ${total} tokens`, value: MBf(uaAfter.worker), unit: 'MB', better: 'lower', note: `${uaBefore ? `${MBf(uaBefore.worker).toFixed(1)} MB before generating; ` : ''}whole page ${MBf(uaAfter.total).toFixed(1)} MB; logits window: at most 512 steps` });
    else rows.push({ label: 'worker memory', value: NaN, unit: '', note: quick ? 'skipped in --quick (measureUserAgentSpecificMemory takes up to 20 s)' : 'measureUserAgentSpecificMemory unavailable' });
    for (const r of rows) log(r);
    const errors = page.errors;
    await ctx.close();
    return { rows, before, series, uaBefore, uaAfter, errors };
  },
};
