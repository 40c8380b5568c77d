// The page under its own Content-Security-Policy in a real browser, and the proxy refusing to be
// a page: what the Node tests prove by crafted headers, proved here with the headers Chromium
// itself sends (Sec-Fetch-*, Origin).
import { expect, test } from '@playwright/test';

import { e2eState, openPage } from './fixtures.js';

test('the app is served with a strict CSP, cannot be framed, and runs with no CSP violation', async ({ page }) => {
  const violations = [];
  await page.exposeFunction('reportViolation', (v) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => window.reportViolation(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const response = await page.goto('/web/#relocate');
  const headers = response.headers();
  expect(headers['content-security-policy']).toContain("default-src 'self'");
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['referrer-policy']).toBe('no-referrer');
  // The core compiled in the page and in the worker: both need only 'wasm-unsafe-eval'.
  await expect(page.locator('body[data-ready="true"][data-worker-ready="true"]')).toBeAttached();
  for (const tab of ['Archive', 'Check a mapping', 'Relocate images']) await page.getByRole('tab', { name: tab }).click();
  expect(violations).toEqual([]);
});

test('a navigation to a proxied registry response is refused, never rendered as the app', async ({ page }) => {
  const { upstream, images } = e2eState();
  const [repo] = images.web.ref.slice(upstream.host.length + 1).split(':');
  const response = await page.goto(`/proxy/${upstream.host}/v2/${repo}/tags/list`);
  expect(response.status()).toBe(403);
  expect(await page.content()).not.toContain('"tags"');
});

test('the page\'s own fetches through the proxy pass, with the proxied response sandboxed', async ({ page }) => {
  const { upstream } = e2eState();
  await openPage(page, 'relocate');
  const result = await page.evaluate(async (host) => {
    const r = await fetch(`/proxy/${host}/v2/`);
    return { status: r.status, csp: r.headers.get('content-security-policy'), nosniff: r.headers.get('x-content-type-options') };
  }, upstream.host);
  expect(result.status).toBe(200);
  expect(result.csp).toContain('sandbox');
  expect(result.nosniff).toBe('nosniff');
});
