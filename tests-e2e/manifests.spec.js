// The Manifests tab: Kubernetes YAML and Helm charts dropped or chosen, their images found (with
// where each is) and those not rewritable listed with why; the images relocated through the proxy
// into a registry with Basic auth (digests read back by skopeo), the files rewritten pinned to
// the digests, the side-by-side diff, and the downloads (one YAML file as itself; a chart as a
// zip of its files) compared with what the library writes in Node.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { sha256, skopeoInspectRaw } from '../tests/helpers/inspect.js';
import { load } from '../wasm/js/node.js';
import { ARTIFACTS, addCredentials, dropFiles, e2eState, openPage, saveDownload, shot } from './fixtures.js';

const state = e2eState();
const { images, internal } = state;
const FIXTURES = new URL('../tests/fixtures/manifests/', import.meta.url);
const irelPromise = load();

/** A multi-document manifest naming the images global setup pushed to the upstream registry. */
const forgeManifest = () => `# The forge: web in front, the database behind.
# Keep the comments: only the image values may change.
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
        - name: hello
          image: ${images.hello.ref}   # multi-arch: the index is pinned
      containers:
        - name: web
          image: "${images.web.ref}"
          ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  template:
    spec:
      containers:
        - name: db
          image: '${images.db.ref}'
        - name: web-sidecar
          image: ${images.web.ref}
`;

/** A zip's entries as { name: { dir, bytes } }, read by Python's zipfile (an independent reader). */
function unzip(path) {
  const r = spawnSync('python3', ['-c', `
import base64, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
print(json.dumps({ i.filename: { "dir": i.is_dir(), "b64": base64.b64encode(z.read(i)).decode() } for i in z.infolist() }))
`, path], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return Object.fromEntries(Object.entries(JSON.parse(r.stdout)).map(([k, v]) => [k, { dir: v.dir, bytes: Buffer.from(v.b64, 'base64') }]));
}

test.beforeEach(async ({ page }) => {
  await openPage(page, 'manifests');
});

test('relocates the images of a dropped manifest, rewrites it pinned, shows the diff and downloads it', async ({ page }) => {
  const irel = await irelPromise;
  await addCredentials(page, internal);
  const prefix = `${internal.host}/deploy`;
  await page.getByLabel('Manifests target prefix').fill(prefix);
  const text = forgeManifest();
  await dropFiles(page, '#manifests-drop', [{ name: 'forge.yaml', text }]);

  // Every image with its place: file, line, YAML document, path; the name it is relocated as.
  const rows = page.locator('#manifests-images tbody tr');
  await expect(rows).toHaveCount(4);
  const expected = [
    { image: images.hello.ref, line: '13', document: '0', path: 'spec.template.spec.initContainers[0].image' },
    { image: images.web.ref, line: '16', document: '0', path: 'spec.template.spec.containers[0].image' },
    { image: images.db.ref, line: '35', document: '2', path: 'spec.template.spec.containers[0].image' },
    { image: images.web.ref, line: '37', document: '2', path: 'spec.template.spec.containers[1].image' },
  ];
  for (const [i, e] of expected.entries()) {
    const row = rows.nth(i);
    await expect(row).toHaveAttribute('data-image', e.image);
    await expect(row).toHaveAttribute('data-file', 'forge.yaml');
    await expect(row).toHaveAttribute('data-line', e.line);
    await expect(row).toHaveAttribute('data-document', e.document);
    await expect(row).toHaveAttribute('data-path', e.path);
    await expect(row.locator('td').nth(0)).toContainText(`forge.yaml:${e.line}`);
    await expect(row.locator('td').nth(2)).toHaveText(irel.map(prefix, e.image).output);
  }
  await expect(page.locator('#manifests-images-summary')).toHaveText('3 images to relocate and rewrite, in 4 places.');
  await expect(page.locator('#manifests-skipped-wrap')).toBeHidden();
  await shot(page, 'manifests-1-found');

  await page.getByLabel('Pin digests').check();
  await page.getByRole('button', { name: 'Relocate images' }).click();
  await expect(page.locator('#manifests-status')).toHaveText(/^Rewritten: 4 values in 1 file/, { timeout: 60_000 });
  await expect(page.locator('#manifests-relocate-table td[data-preserved="true"]')).toHaveCount(3);
  await expect(page.locator('#manifests-progress .group[data-state="done"]')).toHaveCount(3);
  await expect(page.locator('#manifests-rewrite-summary')).toHaveText(
    '4 values changed in 1 file: 3 images rewritten, pinned to digests; nothing else in the files changed.');

  // What the files must say: each image's relocated name, pinned to its digest; nothing else changed.
  const targets = Object.fromEntries(Object.values(images).map((i) => [i.ref, `${irel.map(prefix, i.ref).output}@${i.digest}`]));
  let want = text;
  for (const [from, to] of Object.entries(targets)) want = want.split(from).join(to);

  // The side-by-side diff: one file, only the four image lines changed (no line added or removed).
  const diff = page.locator('#manifests-diff .diff-file');
  await expect(diff).toHaveCount(1);
  await expect(diff).toHaveAttribute('data-path', 'forge.yaml');
  await expect(diff.locator('h4')).toContainText('(4 lines changed)');
  const changed = diff.locator('tr[data-kind="changed"]');
  await expect(changed).toHaveCount(4);
  await expect(diff.locator('tr[data-kind="removed"], tr[data-kind="added"]')).toHaveCount(0);
  const wantLines = want.split('\n');
  const oldLines = text.split('\n');
  for (let i = 0; i < 4; i++) {
    const cells = changed.nth(i).locator('td');
    const line = Number(await cells.nth(0).textContent());
    expect(line).toBe(Number(expected[i].line));
    await expect(cells.nth(1)).toHaveText(`was: ${oldLines[line - 1]}`);
    await expect(cells.nth(3)).toHaveText(`now: ${wantLines[line - 1]}`);
    expect(oldLines[line - 1]).toMatch(/^\s+image: /);
    // The part that changed is marked: the image value, whole.
    await expect(cells.nth(1).locator('del')).toHaveText(expected[i].image);
    await expect(cells.nth(3).locator('ins')).toHaveText(targets[expected[i].image]);
  }
  await expect(diff.locator('tr[data-kind="same"]').first()).toBeVisible();
  await page.getByText('Unified diff').click();
  await expect(page.locator('#manifests-unified')).toContainText(`--- a/forge.yaml\n+++ b/forge.yaml\n`);
  await expect(page.locator('#manifests-unified')).toContainText(`+          image: ${targets[images.hello.ref]}   # multi-arch: the index is pinned`);
  await shot(page, 'manifests-2-relocated-diff');
  await page.locator('#manifests-rewrite-result').screenshot({ path: join(ARTIFACTS, 'manifests-2-diff-view.png') });

  // One file: downloaded as itself, byte for byte what was expected.
  const dl = await saveDownload(page, page.locator('#manifests-download'), join(ARTIFACTS, 'manifests-forge.yaml'));
  expect(dl.name).toBe('forge.yaml');
  expect(dl.bytes.toString('utf8')).toBe(want);
  const patch = await saveDownload(page, page.locator('#manifests-diff-download'), join(ARTIFACTS, 'manifests-forge.patch'));
  expect(patch.name).toBe('relocated.patch');
  expect(patch.bytes.toString('utf8')).toBe((await irel.rewrite([{ path: 'forge.yaml', text }], { prefix,
    pin: Object.fromEntries(Object.values(images).map((i) => [i.ref, i.digest])) })).diff);

  // The target registry has each image, with its digest (an independent peer reads the manifest).
  for (const image of Object.values(images)) {
    expect(sha256(await skopeoInspectRaw(irel.map(prefix, image.ref).output, internal))).toBe(image.digest);
  }
});

test('templated and invalid references are listed as not rewritable, with why, and left as they are', async ({ page }) => {
  const irel = await irelPromise;
  const prefix = 'registry.example.com/team';
  const pullPrefix = 'mirror.example.com/team';
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: mixed
spec:
  containers:
    - name: helm
      image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
    - name: envsubst
      image: \${REGISTRY}/app:1.0
    - name: upper
      image: Acme/App:1.0
    - name: fine
      image: ${images.db.ref}
`;
  await page.getByLabel('Manifests target prefix').fill(prefix);
  await page.getByLabel('Pull prefix (optional)').fill(pullPrefix);
  await dropFiles(page, '#manifests-drop', [{ name: 'mixed.yaml', text }]);
  await expect(page.locator('#manifests-images tbody tr')).toHaveCount(1);
  const pulled = `${pullPrefix}${irel.map(prefix, images.db.ref).output.slice(prefix.length)}`;
  await expect(page.locator('#manifests-images tbody tr td').nth(2)).toHaveText(`${irel.map(prefix, images.db.ref).output}manifests say ${pulled}`);

  const skipped = page.locator('#manifests-skipped tbody tr');
  await expect(skipped).toHaveCount(3);
  await expect(page.locator('#manifests-skipped-summary')).toHaveText('3 values not rewritable, left as they are.');
  const want = [
    { line: '8', reason: 'IMAGE_TEMPLATED', words: 'templated', value: '{{ .Values.image.repository }}:{{ .Values.image.tag }}' },
    { line: '10', reason: 'IMAGE_TEMPLATED', words: 'templated', value: '${REGISTRY}/app:1.0' },
    { line: '12', reason: 'NAME_UPPERCASE', words: 'invalid', value: 'Acme/App:1.0' },
  ];
  for (const [i, w] of want.entries()) {
    const row = skipped.nth(i);
    await expect(row).toHaveAttribute('data-line', w.line);
    await expect(row).toHaveAttribute('data-reason', w.reason);
    await expect(row.locator('td').nth(1)).toHaveText(w.value);
    await expect(row.locator('td.reason strong')).toHaveText(w.words);
    await expect(row.locator('td.reason code')).toHaveText(w.reason);
  }
  await expect(skipped.nth(2).locator('td.reason')).toContainText('must be lowercase');
  await shot(page, 'manifests-3-not-rewritable');

  // Rewrite without relocating: only the valid image changes, to the name under the pull prefix.
  await page.getByRole('button', { name: 'Rewrite' }).click();
  await expect(page.locator('#manifests-status')).toHaveText('Rewritten: 1 value in 1 file.');
  await expect(page.locator('#manifests-diff tr[data-kind="changed"]')).toHaveCount(1);
  await expect(page.locator('#manifests-diff tr[data-kind="changed"] td').nth(3)).toHaveText(`now:       image: ${pulled}`);
  const dl = await saveDownload(page, page.locator('#manifests-download'), join(ARTIFACTS, 'manifests-mixed.yaml'));
  expect(dl.name).toBe('mixed.yaml');
  expect(dl.bytes.toString('utf8')).toBe(text.replace(images.db.ref, pulled));

  // Pinned without relocating: the digest is looked up in the source registry (relocation keeps it).
  await page.getByLabel('Pin digests').check();
  await page.getByRole('button', { name: 'Rewrite' }).click();
  await expect(page.locator('#manifests-rewrite-summary')).toHaveText(
    '1 value changed in 1 file: 1 image rewritten, pinned to digests; nothing else in the files changed.');
  await expect(page.locator('#manifests-diff tr[data-kind="changed"] ins')).toHaveText(`${pulled}@${images.db.digest}`);
  const pinned = await saveDownload(page, page.locator('#manifests-download'), join(ARTIFACTS, 'manifests-mixed-pinned.yaml'));
  expect(pinned.bytes.toString('utf8')).toBe(text.replace(images.db.ref, `${pulled}@${images.db.digest}`));
});

test('a chart archive: its values images listed, rewritten, downloaded as a zip of the chart', async ({ page }) => {
  const irel = await irelPromise;
  const prefix = 'registry.example.com/charts';
  const archive = new URL('charts/monitoring-1.2.0.tgz', FIXTURES).pathname;
  await page.getByLabel('Manifests target prefix').fill(prefix);
  await dropFiles(page, '#manifests-drop', [{ path: archive }]);
  await expect(page.locator('#manifests-source')).toContainText('Chart archive monitoring-1.2.0.tgz');
  const rows = page.locator('#manifests-images tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute('data-image', 'quay.io/prometheus/prometheus:v2.50.1');
  await expect(rows.nth(0)).toHaveAttribute('data-path', '.server.image.repository');
  await expect(rows.nth(0).locator('td').nth(0)).toContainText('monitoring/values.yaml:3');
  await expect(rows.nth(0).locator('td').nth(0)).toContainText('chart monitoring');
  await expect(rows.nth(1)).toHaveAttribute('data-image', 'docker.io/prom/node-exporter:v1.7.0');
  await expect(rows.nth(1).locator('td').nth(0)).toContainText('chart monitoring/exporter');
  // Written in a template, and in a packaged sub-chart: found, not rewritable, with why.
  const skipped = page.locator('#manifests-skipped tbody tr');
  await expect(skipped).toHaveCount(2);
  await expect(page.locator('#manifests-skipped tr[data-reason="IMAGE_IN_PACKAGED_CHART"] td').nth(1)).toHaveText('ghcr.io/acme/textfile-collector:0.2.1');
  await expect(page.locator('#manifests-skipped tr[data-reason="IMAGE_IN_PACKAGED_CHART"] strong')).toHaveText('in a packaged sub-chart');
  await expect(page.locator('#manifests-skipped tr[data-reason="IMAGE_IN_TEMPLATE"] td').nth(1)).toHaveText('quay.io/prometheus-operator/prometheus-config-reloader:v0.71.2');
  await expect(page.locator('#manifests-skipped tr[data-reason="IMAGE_IN_TEMPLATE"] strong')).toHaveText('in a template');

  await page.getByRole('button', { name: 'Rewrite' }).click();
  await expect(page.locator('#manifests-status')).toHaveText('Rewritten: 3 values in 1 file.');
  const diff = page.locator('#manifests-diff .diff-file');
  await expect(diff).toHaveCount(1);
  await expect(diff).toHaveAttribute('data-path', 'monitoring/values.yaml');
  await expect(diff.locator('tr[data-kind="changed"]')).toHaveCount(3);
  await expect(page.locator('#manifests-download-note')).toContainText('The chart comes as a .zip of its files');
  await shot(page, 'manifests-4-chart');
  await page.locator('#manifests-rewrite-result').screenshot({ path: join(ARTIFACTS, 'manifests-4-chart-diff-view.png') });

  // The zip holds the chart as the library rewrites it in Node: every file, directories, the packaged sub-chart's bytes.
  const dl = await saveDownload(page, page.locator('#manifests-download'), join(ARTIFACTS, 'monitoring-1.2.0-relocated.zip'));
  expect(dl.name).toBe('monitoring-1.2.0-relocated.zip');
  const entries = unzip(join(ARTIFACTS, 'monitoring-1.2.0-relocated.zip'));
  const node = await irel.rewrite({ archive: readFileSync(archive), name: 'monitoring-1.2.0.tgz' }, { prefix });
  expect(Object.keys(entries)).toEqual(node.files.map((f) => f.path));
  for (const f of node.files) {
    if (f.directory) expect(entries[f.path].dir).toBe(true);
    else expect(entries[f.path].bytes.equals(Buffer.from(f.text ?? f.bytes))).toBe(true);
  }
  const values = entries['monitoring/values.yaml'].bytes.toString('utf8');
  expect(values).toContain(`repository: ${irel.map(prefix, 'quay.io/prometheus/prometheus:v2.50.1').output.replace(/:v2\.50\.1$/, '')}\n`);
  expect(values).toContain('    registry: registry.example.com\n');
  expect(values).toContain('# the parent moves the exporter to the image it tested');
});

test('a chart folder chosen with its files, rewritten and zipped; pins that cannot be looked up are named', async ({ page }) => {
  const irel = await irelPromise;
  const prefix = 'registry.example.com/wp';
  const folder = new URL('charts/wordpress', FIXTURES).pathname;
  await page.getByLabel('Manifests target prefix').fill(prefix);
  await page.locator('#manifests-folder').setInputFiles(folder);
  await expect(page.locator('#manifests-source')).toContainText('Folder wordpress:');
  const found = await irel.findImages({ path: folder });
  await expect(page.locator('#manifests-images tbody tr')).toHaveCount(found.images.filter((i) => i.rewritable).length);
  await page.getByRole('button', { name: 'Rewrite' }).click();
  await expect(page.locator('#manifests-status')).toHaveText(/^Rewritten: \d+ values? in \d+ files?\.$/);
  const dl = await saveDownload(page, page.locator('#manifests-download'), join(ARTIFACTS, 'wordpress-relocated.zip'));
  expect(dl.name).toBe('wordpress-relocated.zip');
  const entries = unzip(join(ARTIFACTS, 'wordpress-relocated.zip'));
  const node = await irel.rewrite({ path: folder }, { prefix });
  for (const f of node.files.filter((x) => !x.directory)) {
    expect(entries[`wordpress/${f.path}`]?.bytes.toString('utf8'), f.path).toBe(f.text);
  }

  // Pinned without relocating: the sources' digests are looked up; Docker Hub is out of the proxy's
  // reach here, so each image is named as not pinned, and rewritten all the same.
  await page.getByLabel('Pin digests').check();
  await page.getByRole('button', { name: 'Rewrite' }).click();
  await expect(page.locator('#manifests-status')).toHaveText(/^Rewritten/, { timeout: 60_000 });
  const distinct = new Set(found.images.filter((i) => i.rewritable).map((i) => i.image));
  await expect(page.locator('#manifests-rewrite-notes li')).toHaveCount(distinct.size);
  await expect(page.locator('#manifests-rewrite-notes li').first()).toContainText('not pinned, its digest could not be read');
  await expect(page.locator('#manifests-rewrite-summary')).not.toContainText('pinned to digests');
  await shot(page, 'manifests-5-folder-not-pinned');
});
