// The npm package as users import it: the Node entry, the browser entry given the bytes, and the
// shapes promised by index.d.ts.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';

import * as browserEntry from '../../wasm/js/index.js';
import { IrelError, load, VERSION } from 'irel';

const irel = await load();
const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url)));
const SHA = 'sha256:1e725169f37aec55908694840bc808fb13ebf02cb1765df225437c56a796f870';

describe('load', () => {
  it('shares one instance when called without options', async () => {
    assert.equal(await load(), irel);
  });

  it('reports the package version', () => {
    assert.equal(VERSION, pkg.version);
    assert.equal(irel.version, pkg.version);
  });

  it('loads through the browser entry when given the module bytes', async () => {
    const wasmBinary = await readFile(new URL('../../wasm/dist/irel-core.wasm', import.meta.url));
    const other = await browserEntry.load({ wasmBinary });
    assert.equal(other.normalize('busybox'), 'docker.io/library/busybox');
  });
});

describe('parse', () => {
  const cases = [
    {
      input: 'busybox',
      reference: {
        name: 'docker.io/library/busybox', domain: 'docker.io', path: 'library/busybox', tag: '',
        digest: '', string: 'docker.io/library/busybox', familiar: 'busybox',
        synonyms: ['docker.io/library/busybox', 'library/busybox', 'busybox', 'index.docker.io/library/busybox'],
      },
    },
    {
      input: `localhost:5000/a/b:v1@${SHA}`,
      reference: {
        name: 'localhost:5000/a/b', domain: 'localhost:5000', path: 'a/b', tag: 'v1', digest: SHA,
        string: `localhost:5000/a/b:v1@${SHA}`, familiar: `localhost:5000/a/b:v1@${SHA}`,
        synonyms: [`localhost:5000/a/b:v1@${SHA}`],
      },
    },
  ];
  for (const { input, reference } of cases) {
    it(`normalizes ${input}`, () => {
      assert.deepEqual(irel.parse(input), { ok: true, input, reference });
    });
  }

  const errors = [
    ['', 'NAME_EMPTY'],
    ['Foo/Bar', 'NAME_UPPERCASE'],
    ['docker/Docker', 'NAME_UPPERCASE'],
    [`a/${'b'.repeat(255)}`, 'NAME_TOO_LONG'],
    ['foo:-bad', 'NAME_INVALID_FORMAT'],
    ['1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'NAME_INVALID_FORMAT'],
    [`foo@sha256:${'A'.repeat(64)}`, 'DIGEST_INVALID'],
  ];
  for (const [input, code] of errors) {
    it(`rejects ${JSON.stringify(input.slice(0, 40))} with ${code}`, () => {
      const r = irel.parse(input);
      assert.equal(r.ok, false);
      assert.equal(r.input, input);
      assert.equal(r.error.code, code);
      assert.ok(r.error.message.length > 10, r.error.message);
    });
  }

  it('throws IrelError from the throwing variants', () => {
    assert.throws(() => irel.normalize('UPPER'), (e) => e instanceof IrelError && e.code === 'NAME_UPPERCASE');
    assert.equal(irel.familiar('docker.io/library/redis:7'), 'redis:7');
  });
});

describe('map', () => {
  const prefix = 'registry.internal.acme.com/smith';
  const cases = [
    ['docker.io/istio/proxyv2', `${prefix}/istio-proxyv2-f93a2cacc6cafa0474a2d6990a4dd1a0`],
    ['projectriff/builder:v1', `${prefix}/projectriff-builder-a4a25a99d48adad8310050be267a10ce:v1`],
    [`some.registry.com/some-user/some/path:v1@${SHA}`,
      `${prefix}/some-user-some-path-3236c106420c1d0898246e1d2b6ba8b6:v1@${SHA}`],
  ];
  for (const [input, output] of cases) {
    it(`maps ${input}`, () => {
      assert.deepEqual(irel.map(prefix, input), { ok: true, input, output });
      assert.equal(irel.mapReference(prefix, input), output);
    });
  }

  it('drops the tag and digest when asked', () => {
    assert.equal(
      irel.mapReference('test.host/testuser', 'some.registry.com/some-user/some/path:v1', { preserveTagDigest: false }),
      'test.host/testuser/some-user-some-path-3236c106420c1d0898246e1d2b6ba8b6');
  });

  it('reports an invalid prefix and an invalid reference as data', () => {
    assert.equal(irel.map('Bad Prefix', 'busybox').error.code, 'PREFIX_INVALID');
    assert.equal(irel.map(prefix, 'Nope').error.code, 'NAME_UPPERCASE');
    assert.deepEqual(irel.checkPrefix(prefix), { ok: true, prefix });
    assert.equal(irel.checkPrefix('x/').ok, false);
  });

  it('maps a batch in order', () => {
    const got = irel.mapAll(prefix, ['busybox', 'BAD', 'redis:7']);
    assert.deepEqual(got.map((r) => r.ok), [true, false, true]);
    assert.deepEqual(got.map((r) => r.input), ['busybox', 'BAD', 'redis:7']);
  });
});
