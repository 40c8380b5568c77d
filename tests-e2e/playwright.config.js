// Playwright in Debian's Chromium (npx playwright install cannot work here; see the toolchain notes).
// global-setup.js starts real registries, seeds them, writes bundles and starts the proxy
// (proxy/server.js --allow-host …) on IREL_E2E_PORT; it stops them all at the end.
import { defineConfig } from '@playwright/test';

const PORT = Number(process.env.IREL_E2E_PORT ?? 18080);

export default defineConfig({
  testDir: '.',
  outputDir: 'artifacts/results',
  globalSetup: './global-setup.js',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    screenshot: 'on',
    acceptDownloads: true,
    browserName: 'chromium',
    viewport: { width: 1280, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
});
