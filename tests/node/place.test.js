// Place names for `irel copy SRC DST` (skopeo's transports) through the built WebAssembly module's
// parsePlace binding: the objects JavaScript gets for each transport, and the errors it gets back.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';

import createIrelCore from '../../wasm/dist/irel-core.js';

const core = await createIrelCore({
  wasmBinary: fs.readFileSync(new URL('../../wasm/dist/irel-core.wasm', import.meta.url)),
});

const sha = `sha256:${'ab'.repeat(32)}`;

describe('parsePlace', () => {
  const valid = [
    ['docker:// names a registry image', 'docker://busybox:1',
      { transport: 'docker', path: '', name: '', reference: 'docker.io/library/busybox:1', string: 'docker://docker.io/library/busybox:1' }],
    ['no transport is a registry image, as before', 'nginx:1',
      { transport: 'docker', path: '', name: '', reference: 'docker.io/library/nginx:1', string: 'docker://docker.io/library/nginx:1' }],
    ['a host:port is not a transport', 'localhost:5000/x:1',
      { transport: 'docker', path: '', name: '', reference: 'localhost:5000/x:1', string: 'docker://localhost:5000/x:1' }],
    ['an IPv4 host:port is not a transport', '127.0.0.1:5000/a',
      { transport: 'docker', path: '', name: '', reference: '127.0.0.1:5000/a', string: 'docker://127.0.0.1:5000/a' }],
    ['docker: without // is the image named docker', 'docker:dind',
      { transport: 'docker', path: '', name: '', reference: 'docker.io/library/docker:dind', string: 'docker://docker.io/library/docker:dind' }],
    ['a tag and a digest both stay', `docker://a/b:v1@${sha}`,
      { transport: 'docker', path: '', name: '', reference: `docker.io/a/b:v1@${sha}`, string: `docker://docker.io/a/b:v1@${sha}` }],
    ['oci: a directory alone', 'oci:/tmp/layout',
      { transport: 'oci', path: '/tmp/layout', name: '', reference: '', string: 'oci:/tmp/layout' }],
    ['oci: the path ends at the first colon, the name keeps the rest', 'oci:out:busybox:latest',
      { transport: 'oci', path: 'out', name: 'busybox:latest', reference: '', string: 'oci:out:busybox:latest' }],
    ['oci: a full reference as the name', 'oci:out:localhost:5000/a/b:1',
      { transport: 'oci', path: 'out', name: 'localhost:5000/a/b:1', reference: '', string: 'oci:out:localhost:5000/a/b:1' }],
    ['oci: :@N picks an image by position', 'oci:out:@2',
      { transport: 'oci', path: 'out', name: '', reference: '', index: 2, string: 'oci:out:@2' }],
    ['oci-archive: a file and a plain tag', 'oci-archive:img.tar.gz:v1',
      { transport: 'oci-archive', path: 'img.tar.gz', name: 'v1', reference: '', string: 'oci-archive:img.tar.gz:v1' }],
    ['docker-archive: a file alone', 'docker-archive:save.tar',
      { transport: 'docker-archive', path: 'save.tar', name: '', reference: '', string: 'docker-archive:save.tar' }],
    ['docker-archive: REF is normalized and tagged latest', 'docker-archive:save.tar:busybox',
      { transport: 'docker-archive', path: 'save.tar', name: '', reference: 'docker.io/library/busybox:latest', string: 'docker-archive:save.tar:docker.io/library/busybox:latest' }],
    ['docker-archive: :@N picks an image of manifest.json', 'docker-archive:save.tar:@0',
      { transport: 'docker-archive', path: 'save.tar', name: '', reference: '', index: 0, string: 'docker-archive:save.tar:@0' }],
  ];
  for (const [what, input, want] of valid) {
    it(what, () => {
      assert.deepEqual({ ...core.parsePlace(input) }, { ok: true, ...want });
      // The canonical spelling parses to the same place.
      assert.deepEqual({ ...core.parsePlace(want.string) }, { ok: true, ...want });
    });
  }

  it('gives index only for :@N', () => {
    assert.equal('index' in core.parsePlace('oci:out:v1'), false);
    assert.equal('index' in core.parsePlace('busybox'), false);
  });

  const invalid = [
    ['dir: is known to skopeo but not supported', 'dir:/tmp/x', 'PLACE_UNSUPPORTED', /"dir".*docker:\/\/, oci:, oci-archive:, docker-archive:/],
    ['containers-storage: is not supported', 'containers-storage:busybox', 'PLACE_UNSUPPORTED', /"containers-storage"/],
    ['docker-daemon: is not supported', 'docker-daemon:busybox:latest', 'PLACE_UNSUPPORTED', /"docker-daemon"/],
    ['an unknown scheme', 'http://example.com/a', 'PLACE_INVALID', /unknown transport "http"/],
    ['an empty oci path', 'oci:', 'PLACE_INVALID', /oci: the path is empty/],
    ['an empty docker-archive path', 'docker-archive::busybox', 'PLACE_INVALID', /docker-archive: the path is empty/],
    ['an oci name outside the ref.name grammar', 'oci:out:my image', 'PLACE_INVALID', /"my image"/],
    ['a negative index', 'oci-archive:x.tar:@-1', 'PLACE_INVALID', /"@-1" is not a non-negative integer/],
    ['an index beyond int range', 'docker-archive:x.tar:@99999999999', 'PLACE_INVALID', /too large/],
    ['a digest in a docker-archive REF', `docker-archive:x.tar:busybox@${sha}`, 'PLACE_INVALID', /by tag only/],
    ['a bad docker-archive REF keeps the reference code', 'docker-archive:x.tar:Busybox', 'NAME_UPPERCASE', /docker-archive: reference "Busybox"/],
    ['a bad registry reference keeps the reference code', 'localhost:5000/Nope:v1', 'NAME_UPPERCASE', /must be lowercase/],
    ['docker:// with nothing after it', 'docker://', 'NAME_EMPTY', /at least one component/],
  ];
  for (const [what, input, code, message] of invalid) {
    it(`refuses ${what}`, () => {
      const r = core.parsePlace(input);
      assert.equal(r.ok, false);
      assert.equal(r.error.code, code);
      assert.match(r.error.message, message);
    });
  }
});
