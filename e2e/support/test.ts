/**
 * The `test` every spec imports: Playwright's, plus a watch on the app's Content-Security-Policy. Every browser
 * context a spec opens (the default one, and `browser.newPage()` ones) reports each `securitypolicyviolation` (in the
 * page; in workers Chromium logs the refusal) and each test fails on any that happened since the last test ended.
 */
import { test as base, expect, type BrowserContext } from '@playwright/test';

export { expect };
export type { Page } from '@playwright/test';

const MARK = '[csp-violation]';
/** Chromium's own console line for a refusal (it is the only report a worker's refusal makes to the page). */
const REFUSED = /Content Security Policy/i;

const violations: string[] = [];

async function watch(context: BrowserContext): Promise<void> {
  await context.addInitScript((mark: string) => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`${mark} ${e.effectiveDirective} refused ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`),
    );
  }, MARK);
  context.on('console', (m) => {
    const text = m.text();
    if (text.startsWith(MARK) || REFUSED.test(text)) violations.push(m.worker() ? `(worker) ${text}` : text);
  });
  context.on('weberror', (e) => {
    if (REFUSED.test(e.error().message)) violations.push(e.error().message);
  });
}

/** Takes the violations seen so far (a spec that provokes one on purpose reads it here, so the watch does not fail it). */
export function takeCspViolations(): string[] {
  return violations.splice(0);
}

export const test = base.extend<{ cspClean: void }, { cspWatch: void }>({
  cspWatch: [
    async ({ browser }, use) => {
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const context = await newContext(options);
        await watch(context);
        return context;
      };
      await use();
      browser.newContext = newContext;
    },
    { scope: 'worker', auto: true },
  ],
  cspClean: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      await use();
      expect(violations.splice(0), 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
});
