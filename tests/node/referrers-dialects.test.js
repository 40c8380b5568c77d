// Referrers through registries that depart from the spec where referrers are concerned (issue 14,
// item 4), each reproduced by the dialect proxy (tests/helpers/dialect-proxy.js) in front of
// docker-registry 2.8 (no referrers API):
// - GitLab answers the tag `sha256-<hex>` with the image itself (oras-project/oras#2148): as a
//   source, that answer is no referrers list (no failure, no bogus referrer, the real referrers
//   still come); as a target, the fallback tag is not merged into the image.
// - GHCR serves fallback indexes whose entries name a wrong artifactType (NVIDIA/aicr#1957): the
//   type is read from each referrer's manifest, so --referrers-type keeps and leaves out by the
//   true type.
// Each case runs the CLI as a user would and looks at the target with plain API calls, not irel.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { runIrel } from '../helpers/cli.js';
import { startDialectProxy } from '../helpers/dialect-proxy.js';
import { getManifest, listTags, registryHas, sha256 } from '../helpers/inspect.js';
import { fallbackTag, pushCosignTag, pushReferrer, putFallbackIndex, startReferrersShim, TYPES } from '../helpers/referrers.js';
import { startRegistry } from '../helpers/registry.js';
import { pushImage, pushIndex } from '../helpers/seed.js';

const EMPTY = 'application/vnd.oci.empty.v1+json'; // the type GHCR's fallback indexes were seen to name
const JOSE = 'application/jose+json';
const sorted = (xs) => [...xs].sort();
const subjectOf = (m) => ({ digest: m.digest, size: m.size, mediaType: m.mediaType });
// Each referrer gets a config blob of its own. Referrers made as oras and notation make them all
// share the empty config `{}`; irel copies several referrers at once, each copy finds that blob
// absent and uploads it, and docker-registry, while one of those uploads rewrites the blob's link
// in the repository, may answer another referrer's manifest PUT with 400 DIGEST_INVALID /
// MANIFEST_BLOB_UNKNOWN (3 runs of these cases in 8 failed so, and 1 of tests/node/referrers.test.js in 5).
// That is no registry dialect, and not what these cases are about.
const OWN_CONFIG = 'application/vnd.example.referrer.config.v1+json';
/** A referrer of `subject` in reg/repo, of `artifactType`, its one layer `payload` (of layerType). */
const referrer = (reg, repo, subject, artifactType, layerType, payload) =>
  pushReferrer(reg, repo, { subject, artifactType, layerType, payload, configType: OWN_CONFIG });

/** The entries of the fallback index under `sha256-<hex>` of `subject` in reg/repo: [{ digest, artifactType }] by digest. */
async function fallbackEntries(reg, repo, subject) {
  const m = await getManifest(reg, repo, fallbackTag(subject));
  assert.equal(m.mediaType, 'application/vnd.oci.image.index.v1+json', `${repo}:${fallbackTag(subject)} is an index`);
  return JSON.parse(m.bytes.toString()).manifests.map((d) => ({ digest: d.digest, artifactType: d.artifactType }))
    .sort((a, b) => a.digest.localeCompare(b.digest));
}
const entriesOf = (referrers) => referrers.map((r) => ({ digest: r.digest, artifactType: r.artifactType }))
  .sort((a, b) => a.digest.localeCompare(b.digest));

/** The CLI's copy: exit 0, no referrer named as failed, "referrers: N copied" (and how many were left out). */
async function copyOk(src, dst, { flags = [], copied, filtered = 0 }) {
  const r = await runIrel(['copy', ...flags, src, dst]);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /not copied|could not|failed:/);
  assert.match(r.stdout, /with content digest sha256:[0-9a-f]{64}/);
  assert.match(r.stderr, new RegExp(`referrers: ${copied} copied\\b`));
  if (filtered) assert.match(r.stderr, new RegExp(`\\b${filtered} left out by --referrers-type`));
  else assert.doesNotMatch(r.stderr, /left out/);
  return r;
}

describe('copying from a GitLab-like source (the tag sha256-<hex> answers the image itself)', () => {
  let backing; // the registry behind the GitLab dialect
  let gitlab; // backing as GitLab answers
  let withApi; // the same GitLab answering the referrers API (the shim in front of it)
  let dst; // a plain registry
  const seeded = {};
  before(async () => {
    [backing, dst] = await Promise.all([startRegistry(), startRegistry()]);
    gitlab = await startDialectProxy({ target: backing.url, profile: 'gitlab' });
    withApi = await startReferrersShim({ target: gitlab.url });

    // An image with cosign's .sig and .att tags, and a signature listed only in its fallback tag.
    const app = await pushImage(backing, 'gl/app:v1', { layers: [600, 700] });
    seeded.app = {
      image: app,
      sig: await pushCosignTag(backing, 'gl/app', app, '.sig', TYPES.simpleSigning),
      att: await pushCosignTag(backing, 'gl/app', app, '.att', TYPES.dsse),
      listed: await referrer(backing, 'gl/app', subjectOf(app), TYPES.notation, JOSE, 'listed'),
    };
    await putFallbackIndex(backing, 'gl/app', app, [seeded.app.listed]);

    // Multi-arch: GitLab's answer for the index's tag is the index, whose entries are its children.
    for (const [key, format] of [['multi', 'oci'], ['list', 'docker']]) {
      const index = await pushIndex(backing, `gl/${key}:v1`, { format, platforms: ['linux/amd64', 'linux/arm64'] });
      seeded[key] = {
        image: index,
        sig: await pushCosignTag(backing, `gl/${key}`, index, '.sig', TYPES.simpleSigning),
        childSig: await pushCosignTag(backing, `gl/${key}`, index.children[1], '.sig', TYPES.simpleSigning),
      };
    }

    // Referrers with a subject, listed by the referrers API: an attestation signed in turn.
    const api = await pushImage(withApi, 'gl/api:v1', { layers: [800] });
    const att = await referrer(withApi, 'gl/api', subjectOf(api), TYPES.inToto, TYPES.dsse, 'provenance');
    seeded.api = {
      image: api,
      att,
      attSig: await referrer(withApi, 'gl/api', att, TYPES.notation, JOSE, 'att sig'),
      sig: await pushCosignTag(withApi, 'gl/api', api, '.sig', TYPES.simpleSigning),
    };
  });
  after(async () => {
    await withApi?.stop();
    await gitlab?.stop();
    await Promise.all([backing?.stop(), dst?.stop()]);
  });

  // [name, source key, through the referrers API, what arrives: { copied: [referrers], tags, fallback: [[subject, referrers]], absent }]
  const cases = [
    ['an image with cosign .sig/.att tags: both arrive as tags; the image GitLab answers for sha256-<hex> is no list (a referrer listed only there cannot be read through GitLab and is not copied)',
      'app', false, (s) => ({ copied: [s.sig, s.att], tags: [`${fallbackTag(s.image.digest)}.att`, `${fallbackTag(s.image.digest)}.sig`, 'v1'],
        fallback: [], absent: [s.listed] })],
    ['an OCI index: its children are not taken for its referrers; the .sig tags of the index and of a child arrive',
      'multi', false, (s) => ({ copied: [s.sig, s.childSig],
        tags: [`${fallbackTag(s.image.children[1].digest)}.sig`, `${fallbackTag(s.image.digest)}.sig`, 'v1'], fallback: [], absent: [] })],
    ['a Docker manifest list (what oras-project/oras#2148 shows GitLab answering): the same',
      'list', false, (s) => ({ copied: [s.sig, s.childSig],
        tags: [`${fallbackTag(s.image.children[1].digest)}.sig`, `${fallbackTag(s.image.digest)}.sig`, 'v1'], fallback: [], absent: [] })],
    ['GitLab with the referrers API: the attestation, its signature and the .sig tag arrive; the target\'s fallback tags list them',
      'api', true, (s) => ({ copied: [s.att, s.attSig, s.sig],
        tags: sorted([fallbackTag(s.image.digest), fallbackTag(s.att.digest), `${fallbackTag(s.image.digest)}.sig`, 'v1']),
        fallback: [[s.image, [s.att]], [s.att, [s.attSig]]], absent: [] })],
  ];
  for (const [name, key, api, expect] of cases) {
    it(name, async () => {
      const s = seeded[key];
      const e = expect(s);
      const front = api ? withApi : gitlab;
      const repo = `from-gl/${key}`;
      const seen = gitlab.dialects.length;
      await copyOk(`${front.host}/gl/${key}:v1`, `${dst.host}/${repo}:v1`, { copied: e.copied.length });
      // Without the API the fallback tag is the list, and GitLab answered it with the image.
      if (!api) {
        assert.ok(gitlab.dialects.slice(seen).some((d) => d.path.endsWith(`/manifests/${fallbackTag(s.image.digest)}`)),
          'the copy asked GitLab for the fallback tag and got the image');
      }
      assert.equal((await getManifest(dst, repo, 'v1')).digest, s.image.digest);
      for (const r of e.copied) assert.ok(await registryHas(dst, repo, r.digest), `target has ${r.artifactType} ${r.digest}`);
      for (const r of e.absent) assert.equal(await registryHas(dst, repo, r.digest), false, `target lacks ${r.digest}`);
      // No bogus list: the target's tags are the image's and the referrers' only.
      assert.deepEqual(sorted(await listTags(dst, repo)), e.tags);
      for (const [subject, listed] of e.fallback) assert.deepEqual(await fallbackEntries(dst, repo, subject.digest), entriesOf(listed));
    });
  }
});

describe('copying to a GitLab-like target (its sha256-<hex> tag answers the image itself)', () => {
  let src; // a plain registry
  let backing; // the registry behind the GitLab dialect
  let gitlab;
  const seeded = {};
  before(async () => {
    [src, backing] = await Promise.all([startRegistry(), startRegistry()]);
    gitlab = await startDialectProxy({ target: backing.url, profile: 'gitlab' });
    // An image with a signature, an attestation signed in turn, an SBOM (fallback tags) and cosign's .sig.
    const app = await pushImage(src, 'src/app:v1', { layers: [600, 700] });
    const subject = subjectOf(app);
    const sig = await referrer(src, 'src/app', subject, TYPES.notation, JOSE, 'sig');
    const att = await referrer(src, 'src/app', subject, TYPES.inToto, TYPES.dsse, 'provenance');
    const attSig = await referrer(src, 'src/app', att, TYPES.notation, JOSE, 'att sig');
    const sbom = await referrer(src, 'src/app', subject, TYPES.spdx, TYPES.spdx, '{"spdxVersion":"SPDX-2.3"}');
    const cosign = await pushCosignTag(src, 'src/app', app, '.sig', TYPES.simpleSigning);
    await putFallbackIndex(src, 'src/app', app, [sig, att, sbom]);
    await putFallbackIndex(src, 'src/app', att, [attSig]);
    seeded.app = { image: app, copied: [sig, att, attSig, sbom, cosign], fallback: [[app, [sig, att, sbom]], [att, [attSig]]],
      tags: [[`${fallbackTag(app.digest)}.sig`, cosign]] };
    // A multi-arch index whose own signature and a child's are listed in fallback tags: merged into
    // the index GitLab answers for its tag, the list would name the children as well.
    const multi = await pushIndex(src, 'src/multi:v1', { platforms: ['linux/amd64', 'linux/arm64'] });
    const indexSig = await referrer(src, 'src/multi', subjectOf(multi), TYPES.notation, JOSE, 'index sig');
    const childSig = await referrer(src, 'src/multi', multi.children[0], TYPES.notation, JOSE, 'child sig');
    await putFallbackIndex(src, 'src/multi', multi, [indexSig]);
    await putFallbackIndex(src, 'src/multi', multi.children[0], [childSig]);
    seeded.multi = { image: multi, copied: [indexSig, childSig], fallback: [[multi, [indexSig]], [multi.children[0], [childSig]]], tags: [] };
  });
  after(async () => {
    await gitlab?.stop();
    await Promise.all([src?.stop(), backing?.stop()]);
  });

  /** What a user of the GitLab-like target finds after the copy, and what its fallback tags hold. */
  async function assertAtTarget(repo, s) {
    // Through GitLab: the image under its tag, every referrer by digest, cosign's tags as tags.
    const v1 = await getManifest(gitlab, repo, 'v1');
    assert.equal(v1.digest, s.image.digest);
    assert.equal(sha256(v1.bytes), s.image.digest, 'the tag still names the image, byte for byte');
    for (const r of s.copied) assert.ok(await registryHas(gitlab, repo, r.digest), `target has ${r.artifactType} ${r.digest}`);
    for (const [tag, r] of s.tags) assert.equal((await getManifest(gitlab, repo, tag)).digest, r.digest, tag);
    // Its sha256-<hex> tag still answers the image, as GitLab does.
    assert.equal(sha256((await getManifest(gitlab, repo, fallbackTag(s.image.digest))).bytes), s.image.digest);
    // The list written under that tag (readable only behind GitLab) names the referrers, nothing of the image.
    for (const [subject, listed] of s.fallback) assert.deepEqual(await fallbackEntries(backing, repo, subject.digest), entriesOf(listed));
  }

  const cases = [
    ['an image: its 5 referrers arrive by digest, the image keeps its tag, the fallback tags list only the referrers', 'app', 1],
    ['a multi-arch index: the fallback tag of the index lists its signature, not its children', 'multi', 1],
    ['copied twice: the second copy, reading the image again under the tag, fails nothing and changes nothing', 'app', 2],
  ];
  for (const [name, key, times] of cases) {
    it(name, async () => {
      const s = seeded[key];
      const repo = `to-gl/${key}-${times}`;
      for (let i = 0; i < times; i++) {
        await copyOk(`${src.host}/src/${key}:v1`, `${gitlab.host}/${repo}:v1`, { copied: s.copied.length });
        await assertAtTarget(repo, s);
      }
    });
  }
});

describe('copying from a GHCR-like source (fallback index entries name a wrong artifactType)', () => {
  let backing; // the registry behind the GHCR dialect: fallback indexes seeded with the right types
  let ghcr;
  let dst; // a plain registry
  let s;
  before(async () => {
    [backing, dst] = await Promise.all([startRegistry(), startRegistry()]);
    ghcr = await startDialectProxy({ target: backing.url, profile: 'ghcr' });
    const image = await pushImage(backing, 'gh/app:v1', { layers: [600, 700] });
    const subject = subjectOf(image);
    const sbom = await referrer(backing, 'gh/app', subject, TYPES.spdx, TYPES.spdx, '{"spdxVersion":"SPDX-2.3"}');
    const sig = await referrer(backing, 'gh/app', subject, TYPES.notation, JOSE, 'sig');
    const att = await referrer(backing, 'gh/app', subject, TYPES.inToto, TYPES.dsse, 'provenance');
    const attSig = await referrer(backing, 'gh/app', att, TYPES.notation, JOSE, 'att sig');
    await putFallbackIndex(backing, 'gh/app', image, [sbom, sig, att]);
    await putFallbackIndex(backing, 'gh/app', att, [attSig]);
    s = { image, sbom, sig, att, attSig };
  });
  after(async () => {
    await ghcr?.stop();
    await Promise.all([backing?.stop(), dst?.stop()]);
  });

  // [name, --referrers-type values, the referrers copied (keys of s), how many left out]
  const cases = [
    ['by default every referrer is copied, whatever type its index entry names', [], ['sbom', 'sig', 'att', 'attSig'], 0],
    ['the SBOM\'s true type keeps the SBOM, though its index entry names another', [TYPES.spdx], ['sbom'], 2],
    ['the signature\'s true type keeps the signature and leaves out the rest (the attestation\'s signature is not looked for)', [TYPES.notation], ['sig'], 2],
    ['the attestation\'s and the signatures\' true types keep the attestation, its signature and the signature', [TYPES.inToto, TYPES.notation],
      ['sig', 'att', 'attSig'], 1],
    ['the type the index entries lie with keeps none', [EMPTY], [], 3],
  ];
  for (const [name, types, keys, filtered] of cases) {
    it(name, async () => {
      const repo = `from-gh/${types.length ? types.map((t) => t.split('/')[1].replace(/[^a-z0-9]+/g, '-')).join('-') : 'all'}`;
      const seen = ghcr.dialects.length;
      await copyOk(`${ghcr.host}/gh/app:v1`, `${dst.host}/${repo}:v1`,
        { flags: types.flatMap((t) => ['--referrers-type', t]), copied: keys.length, filtered });
      assert.ok(ghcr.dialects.slice(seen).some((e) => /wrong artifactTypes/.test(e.dialect ?? '')), 'the copy read an index that lies about the types');
      const copied = keys.map((k) => s[k]);
      for (const r of copied) assert.ok(await registryHas(dst, repo, r.digest), `target has ${r.artifactType} ${r.digest}`);
      for (const r of Object.values(s).filter((x) => x !== s.image && !copied.includes(x))) {
        assert.equal(await registryHas(dst, repo, r.digest), false, `target lacks ${r.artifactType} ${r.digest}`);
      }
      // The target's fallback indexes name each referrer with the type its manifest declares.
      const ofImage = copied.filter((r) => r !== s.attSig);
      if (ofImage.length) assert.deepEqual(await fallbackEntries(dst, repo, s.image.digest), entriesOf(ofImage));
      else assert.deepEqual(await listTags(dst, repo), ['v1']);
      if (copied.includes(s.attSig)) assert.deepEqual(await fallbackEntries(dst, repo, s.att.digest), entriesOf([s.attSig]));
    });
  }
});
