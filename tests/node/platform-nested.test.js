// irel.copy with a platform filter on a nested index (an index listing a linux/amd64 image and an
// inner index of linux/arm64 + linux/arm/v7), against real registries: the filter applies inside
// the inner index too, every index above a filtered one is re-serialized with its new descriptor,
// and the copied graph is complete in the target.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { IrelError, load } from 'irel';

import { getManifest, listTags, registryHas, sha256 } from '../helpers/inspect.js';
import { startRegistry } from '../helpers/registry.js';
import { MEDIA_TYPES, pushNestedIndex } from '../helpers/seed.js';

const irel = await load();
const FAST_RETRY = { attempts: 5, baseMs: 20, maxMs: 200 };

/** Every manifest reachable from repo@digest, fetched from `reg`: [{ digest, doc, bytes }], root first. */
async function fetchGraph(reg, repo, digest, size) {
  const { bytes } = await getManifest(reg, repo, digest);
  assert.equal(sha256(bytes), digest, `${repo}@${digest} hashes to its digest`);
  if (size !== undefined) assert.equal(bytes.length, size, `${digest}: size in the descriptor`);
  const doc = JSON.parse(bytes.toString());
  const out = [{ digest, doc, bytes }];
  for (const d of doc.manifests ?? []) out.push(...await fetchGraph(reg, repo, d.digest, d.size));
  for (const b of [doc.config, ...(doc.layers ?? [])].filter(Boolean)) {
    assert.ok(await registryHas(reg, repo, b.digest), `blob ${b.digest} of ${digest} in ${repo}`);
  }
  return out;
}

const platformOf = (d) => [d.platform?.os, d.platform?.architecture, d.platform?.variant].filter(Boolean).join('/');

describe('copy --platform through a nested index', () => {
  let src;
  let dst;
  let nested;
  let amd;
  let inner;
  let arm64;
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    nested = await pushNestedIndex(src, 'apps/nested:v1');
    [amd, inner] = nested.children;
    arm64 = inner.children.find((c) => c.platform.architecture === 'arm64');
  });
  after(async () => {
    irel.close();
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  it('keeps only the arm64 entries, nested ones too, and re-serializes every index above them', async () => {
    const summary = await irel.copy(nested.ref, `${dst.host}/filtered/nested:arm64`, { platforms: ['linux/arm64'], retry: FAST_RETRY });
    assert.equal(summary.rewritten, true);
    assert.equal(summary.sourceDigest, nested.digest);
    assert.notEqual(summary.digest, nested.digest);
    assert.deepEqual(summary.platforms, ['linux/arm64']);

    const root = await getManifest(dst, 'filtered/nested', 'arm64');
    assert.equal(sha256(root.bytes), summary.digest);
    const rootDoc = JSON.parse(root.bytes.toString());
    assert.equal(rootDoc.manifests.length, 1, 'the amd64 image is gone from the root');
    const [entry] = rootDoc.manifests;
    assert.equal(entry.mediaType, MEDIA_TYPES.oci.index);
    assert.deepEqual(entry.annotations, { 'org.example.irel-test': 'nested-index' }, 'descriptor fields kept');
    assert.notEqual(entry.digest, inner.digest, 'the root references the filtered inner index');

    const graph = await fetchGraph(dst, 'filtered/nested', summary.digest);
    const innerCopy = graph.find((m) => m.digest === entry.digest);
    assert.equal(innerCopy.bytes.length, entry.size);
    assert.deepEqual(innerCopy.doc.manifests.map(platformOf), ['linux/arm64']);
    assert.deepEqual(innerCopy.doc.manifests.map((m) => m.digest), [arm64.digest]);
    const image = graph.find((m) => m.digest === arm64.digest);
    assert.ok(image.bytes.equals(arm64.manifestBytes), 'the arm64 image keeps its bytes');
    assert.deepEqual(graph.map((m) => m.digest).sort(), [summary.digest, entry.digest, arm64.digest].sort());

    for (const dropped of [amd, ...inner.children.filter((c) => c !== arm64)]) {
      assert.equal(await registryHas(dst, 'filtered/nested', dropped.digest), false, `${platformOf(dropped)} not copied`);
    }
  });

  it('rewrites the root for a filtered inner index even when the root itself drops nothing', async () => {
    const summary = await irel.copy(nested.ref, `${dst.host}/filtered/nested:amd-arm64`, {
      platforms: ['linux/amd64', 'linux/arm64'], retry: FAST_RETRY });
    assert.equal(summary.rewritten, true);
    assert.deepEqual(summary.platforms, ['linux/amd64', 'linux/arm64']);
    const graph = await fetchGraph(dst, 'filtered/nested', summary.digest);
    const rootDoc = graph[0].doc;
    assert.equal(rootDoc.manifests[0].digest, amd.digest, 'the amd64 image is referenced unchanged');
    assert.notEqual(rootDoc.manifests[1].digest, inner.digest);
    const innerCopy = graph.find((m) => m.digest === rootDoc.manifests[1].digest);
    assert.deepEqual(innerCopy.doc.manifests.map((m) => m.digest), [arm64.digest]);
  });

  it('keeps every digest when the platforms match every entry', async () => {
    const summary = await irel.copy(nested.ref, `${dst.host}/filtered/nested:all`, {
      platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'], retry: FAST_RETRY });
    assert.equal(summary.rewritten, false);
    assert.equal(summary.digest, nested.digest);
    const graph = await fetchGraph(dst, 'filtered/nested', nested.digest);
    assert.deepEqual(graph.map((m) => m.digest).sort(), [nested.digest, amd.digest, inner.digest,
      ...inner.children.map((c) => c.digest)].sort());
  });

  it('refuses a filter that leaves the inner index empty, naming it, and writes nothing', async () => {
    await assert.rejects(irel.copy(nested.ref, `${dst.host}/refused/nested:amd64`, { platforms: ['linux/amd64'], retry: FAST_RETRY }), (e) => {
      assert.ok(e instanceof IrelError, e);
      assert.equal(e.code, 'PLATFORM_NOT_FOUND', e.message);
      assert.match(e.message, new RegExp(`nested index ${inner.digest}`));
      assert.match(e.message, /it has: linux\/arm64, linux\/arm\/v7/);
      return true;
    });
    assert.deepEqual(await listTags(dst, 'refused/nested'), []);
  });
});
