// Playwright in Debian's Chromium (npx playwright install cannot work here; see the toolchain notes).
import { fileURLToPath } from 'node:url';

import { defineConfig } from '@playwright/test';

const PORT = Number(process.env.IREL_E2E_PORT ?? 18080);

export default defineConfig({
  testDir: '.',
  outputDir: 'artifacts/results',
  timeout: 60_000,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    screenshot: 'on',
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: {
    command: `node proxy/server.js --port ${PORT}`,
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    url: `http://127.0.0.1:${PORT}/web/`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
