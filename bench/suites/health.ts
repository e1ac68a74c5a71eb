/** 4. Main-thread health in the app page: frames while generating and while dragging the temperature slider. */
import type { FramesMeasure } from '../page/appProbe';
import type { Row, Suite } from '../types';
import { generateInPage, generateLab, type GenerateSample } from './inference';

export const health: Suite = {
  name: 'health',
  title: 'Main-thread health in the app page: frames while generating and while dragging the temperature slider',
  async run({ browser, base, quick, log }) {
    const steps = quick ? 16 : 128;
    const { ctx, page, prompt } = await generateLab(browser, base, steps);
    await page.evaluate(`window.__bench.generate = ${generateInPage.toString()}`);
    const g: FramesMeasure<GenerateSample> = await page.evaluate(
      ([text, n]) => window.__bench.framesDuring(() => window.__bench.generate!([text, n])),
      [prompt, steps] as const,
    );
    // drag the temperature slider across its track while the distribution of the selected step re-samples
    const slider = page.getByTestId('temperature-slider');
    const box = await slider.boundingBox();
    if (!box) throw new Error('The temperature slider is not on screen.');
    const moves = quick ? 20 : 60;
    await page.evaluate(() => {
      const B = window.__bench;
      B.dragDone = undefined;
      B.dragMeasure = B.framesDuring(() => new Promise<void>((r) => (B.dragDone = r)));
    });
    await page.waitForTimeout(600); // framesDuring's idle calibration
    await page.mouse.move(box.x + 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 0; i <= moves; i++) {
      await page.mouse.move(box.x + 2 + ((box.width - 4) * i) / moves, box.y + box.height / 2);
      await page.waitForTimeout(16);
    }
    await page.mouse.up();
    await page.evaluate(() => window.__bench.dragDone!());
    const d = await page.evaluate(() => window.__bench.dragMeasure!);
    const rows: Row[] = [
      { label: `generating ${g.result.tokens} tokens: frames dropped`, value: g.dropped, unit: `of ${g.expected}`, better: 'lower', digits: 0, note: `longest frame gap ${g.longestFrameGapMs.toFixed(0)} ms, longest task ${g.longestTaskMs.toFixed(0)} ms, idle ${g.idleFps.toFixed(0)} fps` },
      { label: `dragging the temperature slider (${moves} moves): frames dropped`, value: d.dropped, unit: `of ${d.expected}`, better: 'lower', digits: 0, note: `longest frame gap ${d.longestFrameGapMs.toFixed(0)} ms, longest task ${d.longestTaskMs.toFixed(0)} ms` },
    ];
    for (const r of rows) log(r);
    const errors = page.errors;
    await ctx.close();
    return { rows, generating: g, dragging: d, errors };
  },
};
