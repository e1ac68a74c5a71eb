/**
 * What the app is allowed to run and load: its Content-Security-Policy (index.html's <meta>, and the preview server's
 * header), the headers that go with it, and the types of the files it serves. Every spec fails on a CSP violation
 * (support/test.ts); this one checks the policy is there and strict.
 */
import { test, expect, takeCspViolations } from './support/test';

const STRICT = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
];

test('the page carries a strict Content-Security-Policy, in its <meta> and in the header', async ({ page, request }) => {
  const response = await request.get('/');
  const headers = response.headers();
  const header = headers['content-security-policy'];
  for (const directive of [...STRICT, "frame-ancestors 'none'"]) expect(header).toContain(directive);
  expect(header).not.toMatch(/'unsafe-eval'|'unsafe-inline'|blob:|\*/);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');

  await page.goto('/');
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  for (const directive of STRICT) expect(meta).toContain(directive);
  expect(meta).not.toMatch(/'unsafe-eval'|'unsafe-inline'|blob:|\*/);
});

test('model and runtime files are served with their types', async ({ request }) => {
  const onnx = await request.head('/models/nexttoken-base/onnx/model.onnx');
  expect(onnx.headers()['content-type']).toBe('application/octet-stream');
  expect(onnx.headers()['x-content-type-options']).toBe('nosniff');
  const wasm = await request.head('/ort/ort-wasm-simd-threaded.asyncify.wasm');
  expect(wasm.headers()['content-type']).toBe('application/wasm');
  const mjs = await request.head('/ort/ort-wasm-simd-threaded.asyncify.mjs');
  expect(mjs.headers()['content-type']).toMatch(/^(text|application)\/javascript/);
  const config = await request.head('/models/nexttoken-base/config.json');
  expect(config.headers()['content-type']).toMatch(/^application\/json/);
});

test('an inline script injected into the page is refused', async ({ page }) => {
  await page.goto('/');
  const ran = await page.evaluate(async () => {
    const refused = new Promise<string>((resolve) => document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true }));
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true';
    document.body.append(s);
    const directive = await refused;
    return { directive, injected: (window as unknown as { __injected?: boolean }).__injected === true };
  });
  expect(ran).toEqual({ directive: 'script-src-elem', injected: false });
  // the suite's watch saw it too (and would fail this test if it were not taken here)
  const seen: string[] = [];
  await expect.poll(() => seen.push(...takeCspViolations()) && seen.some((v) => /script-src/.test(v))).toBe(true);
  await page.waitForTimeout(300);
  takeCspViolations(); // the same refusal, reported once per policy (the <meta> and the header)
});

test("a policy without 'wasm-unsafe-eval' (an extension's, a proxy's): the model error blames the policy, not the network", async ({ page }) => {
  // the app's files as served, under a stricter policy that refuses to compile WebAssembly: the page's (header and
  // <meta>) and the engine worker's (its script's header, which a dedicated worker runs under)
  const stricter = (policy: string) => policy.replace(/\s*'wasm-unsafe-eval'/g, '');
  await page.route(/\/($|index\.html|#|assets\/worker-[^/]*\.js)/, async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers(), 'content-security-policy': stricter(response.headers()['content-security-policy'] ?? '') };
    const isDocument = route.request().resourceType() === 'document';
    const body = isDocument ? stricter(await response.text()) : await response.body();
    await route.fulfill({ response, headers, body });
  });
  await page.goto('/#tab=generate');
  await page.getByTestId('prompt-input').fill('Typed before the refusal');
  await expect(page.getByTestId('model-error')).toContainText("the page's Content-Security-Policy refused", { timeout: 60_000 });
  await expect(page.getByTestId('model-error')).not.toContainText(/connection|could not be found/);
  await expect(page.getByTestId('prompt-input')).toHaveValue('Typed before the refusal');
  expect(takeCspViolations().join('\n'), 'the refusal happened').toMatch(/wasm|script-src/i);
});
