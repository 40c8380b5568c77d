// Shared pieces of the browser tests: the state written by global-setup.js, page helpers
// (credentials, file drops, downloads) and screenshot paths.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

import { expect } from '@playwright/test';

export const ARTIFACTS = 'tests-e2e/artifacts';

/** { upstream, internal, images, big, bundle, thin, thick, corrupt, archives, tmp } */
export function e2eState() {
  const file = process.env.IREL_E2E_STATE;
  if (!file) throw new Error('IREL_E2E_STATE is not set: run through playwright.config.js (global-setup.js)');
  return JSON.parse(readFileSync(file, 'utf8'));
}

export async function shot(page, name) {
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
}

/** Opens the page on a tab and waits for the core (main thread) and the worker. */
export async function openPage(page, tab = 'relocate') {
  await page.goto(`/web/#${tab}`);
  await expect(page.locator('body[data-ready="true"][data-worker-ready="true"]')).toBeAttached();
}

/** Types Basic credentials for a registry into the Connection panel (memory only). */
export async function addCredentials(page, registry) {
  const connection = page.locator('#connection');
  if ((await connection.getAttribute('open')) === null) await connection.locator('summary').click();
  await page.getByLabel('Registry (host[:port])').fill(registry.host);
  await page.getByLabel('Username', { exact: true }).fill(registry.creds.username);
  await page.getByLabel('Password', { exact: true }).fill(registry.creds.password);
  await page.getByRole('button', { name: 'Save credentials' }).click();
  await expect(page.locator('#cred-list')).toContainText(`${registry.host}: user ${registry.creds.username}`);
  // Never shown again, not even in a form field.
  await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
  expect(await page.content()).not.toContain(registry.creds.password);
}

/** Drops a file from disk onto `selector` with a real DataTransfer holding a File. */
export async function dropFile(page, selector, path, { name = basename(path), type = '' } = {}) {
  const b64 = readFileSync(path).toString('base64');
  const dataTransfer = await page.evaluateHandle(({ b64, name, type }) => {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], name, { type }));
    return dt;
  }, { b64, name, type });
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent(selector, type, { dataTransfer });
}

/** Clicks a download link and returns the saved file's text. */
export async function download(page, link, savePath) {
  const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(dl.suggestedFilename()).toBe('relocation-mapping.json');
  await dl.saveAs(savePath);
  return readFileSync(savePath, 'utf8');
}

/** Drops several files ([{ name, text } | { name, path }]) onto `selector` in one DataTransfer. */
export async function dropFiles(page, selector, files) {
  const items = files.map((f) => ({ name: f.name ?? basename(f.path), b64: (f.path ? readFileSync(f.path) : Buffer.from(f.text, 'utf8')).toString('base64') }));
  const dataTransfer = await page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const { name, b64 } of items) {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], name));
    }
    return dt;
  }, items);
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent(selector, type, { dataTransfer });
}

/** Clicks a download link, saves the file to `savePath`; resolves { name (the suggested one), bytes }. */
export async function saveDownload(page, link, savePath) {
  const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
  await dl.saveAs(savePath);
  return { name: dl.suggestedFilename(), bytes: readFileSync(savePath) };
}
