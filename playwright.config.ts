import { defineConfig } from '@playwright/test';
import { chromiumArgs, executablePath } from './e2e/support/chromium';

const PORT = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: 'e2e',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    headless: true,
    launchOptions: { executablePath, args: chromiumArgs },
    trace: 'off',
  },
  // `npm run screenshot` (NEXTTOKEN_SCREENSHOT=1) runs only the spec that rewrites docs/screenshot.png; `npm test` never does
  projects: process.env.NEXTTOKEN_SCREENSHOT
    ? [{ name: 'screenshot', testMatch: /screenshot\.spec\.ts$/ }]
    : [
        { name: 'chromium', testIgnore: /(webgpu|screenshot)\.spec\.ts$/ },
        {
          // WebGPU on SwiftShader (Vulkan on the CPU): the same model through onnxruntime-web's WebGPU backend
          name: 'webgpu',
          testMatch: /webgpu\.spec\.ts$/,
          use: { launchOptions: { executablePath, args: [...chromiumArgs, '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'] } },
        },
      ],
  webServer: {
    command: `npx vite preview --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
