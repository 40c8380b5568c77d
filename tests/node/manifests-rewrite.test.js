// irel.rewrite: each fixture rewritten and compared byte for byte with its expected output
// (tests/fixtures/manifests/expected/), only the image values changing (the diff's lines are the
// changes' lines, and the inverse mapping gives the input back byte for byte); quoting styles,
// anchors, pins, pull prefixes, mappings, shared values and the errors of options.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { load } from '../../wasm/js/node.js';
import { unifiedDiff } from '../../wasm/js/manifests/unified-diff.js';
import { doubleQuoted, plainReadsBack, scalarText } from '../../wasm/js/manifests/scalar-text.js';

const irel = await load();
const FIXTURES = new URL('../fixtures/manifests/', import.meta.url);
const fixture = (path) => new URL(path, FIXTURES).pathname;
const text = (path) => readFileSync(new URL(path, FIXTURES), 'utf8');
const digest = (c) => `sha256:${c.repeat(64)}`;

// [what, input, options, where its expected files are (input file path -> expected path)]
const GOLDEN = [
  ['a multi-document manifest with comments, anchors, blank lines and three quoting styles', 'k8s/shop.yaml',
    { prefix: 'registry.acme.internal/shop' }, (p) => `expected/k8s/${p}`],
  ['a CronJob, pulled through a mirror and pinned', 'k8s/nightly-report.yaml',
    { prefix: 'registry.acme.internal/batch', pullPrefix: 'pull.acme.internal/batch', pin: { 'registry.gitlab.com/acme/reports/nightly:1.8.0': digest('5') } },
    (p) => `expected/k8s/${p}`],
  ['custom resources, by a relocation mapping whose keys are spelled otherwise', 'k8s/custom-resources.yaml',
    { mapping: text('k8s/relocation-mapping.json') }, (p) => `expected/k8s/${p}`],
  ['a List', 'k8s/list.yaml', { prefix: 'registry.acme.internal/tools' }, (p) => `expected/k8s/${p}`],
  ['a List in JSON: double quotes stay', 'k8s/list.json', { prefix: 'registry.acme.internal/tools' }, (p) => `expected/k8s/${p}`],
  ['a chart with sub-charts and Bitnami-style values, pinned through digest fields and a tag', 'charts/wordpress', {
    prefix: 'registry.acme.internal/wp',
    pin: { 'docker.io/bitnami/wordpress:6.4.3-debian-12-r21': digest('1'), 'busybox:1.36.1': digest('2'), 'docker.io/bitnami/memcached:1.6.24': digest('3') },
  }, (p) => `expected/charts/wordpress/${p}`],
  ['a chart under global.imageRegistry, a Grafana sha pinned', 'charts/platform',
    { prefix: 'registry.acme.internal/platform', pin: { 'mirror.acme.internal/grafana/grafana:10.3.3': digest('4') } },
    (p) => `expected/charts/platform/${p}`],
  ['a chart that needs a hints file (relok8s patterns)', 'charts/legacy-app',
    { prefix: 'registry.acme.internal/legacy', hints: text('charts/legacy-app.hints.yaml') }, (p) => `expected/charts/legacy-app/${p}`],
  ['the same chart, hints as value paths', 'charts/legacy-app',
    { prefix: 'registry.acme.internal/legacy', hints: text('charts/legacy-app.paths.yaml') }, (p) => `expected/charts/legacy-app/${p}`],
  ['a chart archive with a packaged sub-chart', 'charts/monitoring-1.2.0.tgz',
    { prefix: 'registry.acme.internal/mon' }, (p) => `expected/charts/${p}`],
];

const EXPECTED_FILES = {
  'k8s/shop.yaml': ['shop.yaml'],
  'k8s/nightly-report.yaml': ['nightly-report.yaml'],
  'k8s/custom-resources.yaml': ['custom-resources.yaml'],
  'k8s/list.yaml': ['list.yaml'],
  'k8s/list.json': ['list.json'],
  'charts/wordpress': ['charts/mariadb/values.yaml', 'charts/memcached/values.yaml', 'values.yaml'],
  'charts/platform': ['charts/postgresql/values.yaml', 'values.yaml'],
  'charts/legacy-app': ['values.yaml'],
  'charts/monitoring-1.2.0.tgz': ['monitoring/values.yaml'],
};

// The line numbers a unified diff changes on the old side.
function diffLines(diff) {
  const out = [];
  let line = 0;
  for (const l of diff.split('\n')) {
    const h = /^@@ -(\d+)/.exec(l);
    if (h) line = Number(h[1]) - (/^@@ -\d+,0 /.test(l) ? 0 : 1);
    else if (l.startsWith('-') && !l.startsWith('---')) out.push(++line);
    else if (l.startsWith(' ')) ++line;
  }
  return out;
}

describe('rewrite: each fixture, byte for byte', () => {
  for (const [what, input, options, expectedPath] of GOLDEN) {
    it(what, async () => {
      const r = await irel.rewrite({ path: fixture(input) }, options);
      const changed = r.files.filter((f) => f.changed);
      assert.deepEqual(changed.map((f) => f.path), EXPECTED_FILES[input]);
      for (const f of changed) assert.equal(f.text, text(expectedPath(f.path)), f.path);
      // The diff is each changed file's, and it changes exactly the lines the changes name.
      const originals = (await irel.findImages({ path: fixture(input) }, options)).source;
      assert.deepEqual(r.source, originals);
      const before = new Map((await irel.rewrite({ path: fixture(input) }, { mapFn: () => null })).files.map((f) => [f.path, f]));
      assert.equal(r.diff, changed.map((f) => unifiedDiff(before.get(f.path).text, f.text, { fromFile: `a/${f.path}`, toFile: `b/${f.path}` })).join(''));
      for (const f of changed) {
        const section = r.diff.slice(r.diff.indexOf(`--- a/${f.path}\n`)).split(/\n(?=--- a\/)/)[0];
        const lines = [...new Set(r.changes.filter((c) => c.file === f.path).map((c) => c.line))].sort((a, b) => a - b);
        assert.deepEqual(diffLines(section), lines, f.path);
      }
      for (const f of r.files.filter((x) => !x.changed)) {
        const was = before.get(f.path);
        assert.ok(f.text === was.text || (f.bytes && Buffer.from(f.bytes).equals(Buffer.from(was.bytes))) || f.directory, f.path);
      }
    });
  }

  // Rewriting back with the inverse of what was written restores every byte: nothing but the
  // image values ever changed, and their quoting came back as it was.
  for (const [what, input, options] of GOLDEN.filter(([, , o]) => !o.pin && !o.pullPrefix)) {
    it(`the inverse mapping restores the input: ${what}`, async () => {
      const forward = await irel.rewrite({ path: fixture(input) }, options);
      const inverse = {};
      for (const [image, target] of Object.entries(forward.mapping)) inverse[target] = image;
      const back = await irel.rewrite(forward.files, { ...options, prefix: undefined, mapping: inverse });
      const original = await irel.rewrite({ path: fixture(input) }, { mapFn: () => null });
      assert.ok(forward.changes.length > 0);
      for (const [i, f] of back.files.entries()) {
        const o = original.files[i];
        assert.equal(f.path, o.path);
        if (o.text !== undefined) assert.equal(f.text, o.text, f.path);
      }
    });
  }
});

describe('rewrite: what each change reports', () => {
  it('an anchored image is written once, at the anchor, with the aliases that read it', async () => {
    const r = await irel.rewrite({ path: fixture('k8s/shop.yaml') }, { prefix: 'registry.acme.internal/shop' });
    const anchored = r.changes.filter((c) => c.anchor === 'app');
    assert.equal(anchored.length, 1);
    assert.deepEqual(anchored[0], {
      file: 'shop.yaml', document: 1, path: 'spec.template.spec.initContainers[0].image', line: 27, column: 23,
      anchor: 'app', aliases: ['spec.template.spec.containers[0].image'],
      from: 'ghcr.io/acme/storefront:2.4.1', to: 'registry.acme.internal/shop/acme-storefront-a9081a81abd4daf0e6739d777c628918:2.4.1',
      images: ['ghcr.io/acme/storefront:2.4.1'],
    });
    assert.equal(r.mapping['ghcr.io/acme/storefront:2.4.1'], anchored[0].to);
    assert.deepEqual(r.skipped.map((s) => s.reason.code), ['IMAGE_TEMPLATED', 'IMAGE_TEMPLATED']);
    assert.equal(r.images.filter((i) => i.target).length, 8);
  });

  it('global.imageRegistry: one change serving every image under it', async () => {
    const r = await irel.rewrite({ path: fixture('charts/platform') }, { prefix: 'registry.acme.internal/platform' });
    const global = r.changes.find((c) => c.path === '.global.imageRegistry');
    assert.deepEqual([global.from, global.to, global.images.length], ['mirror.acme.internal', 'registry.acme.internal', 4]);
  });
});

describe('rewrite: quoting, pins, prefixes, mappings', () => {
  const pod = (image) => `kind: Pod\nspec:\n  containers:\n  - name: a # first\n    image: ${image}\n`;
  const cases = [
    ['plain stays plain', pod('nginx:1.25'), { mapping: { 'nginx:1.25': 'r.io/t/nginx:1.25' } }, pod('r.io/t/nginx:1.25')],
    ['single quotes stay', pod("'nginx:1.25'"), { mapping: { 'nginx:1.25': 'r.io/t/nginx:1.25' } }, pod("'r.io/t/nginx:1.25'")],
    ['double quotes stay', pod('"nginx:1.25"'), { mapping: { 'nginx:1.25': 'r.io/t/nginx:1.25' } }, pod('"r.io/t/nginx:1.25"')],
    ['a tag and a comment after the value stay', pod('nginx:1.25   # why'), { mapping: { 'nginx:1.25': 'r.io/t/nginx:1.25' } }, pod('r.io/t/nginx:1.25   # why')],
    ['a pin keeps the tag: name:tag@digest', pod('nginx:1.25'), { mapping: { 'nginx:1.25': 'r.io/t/nginx:1.25' }, pin: { 'nginx:1.25': digest('a') } },
      pod(`r.io/t/nginx:1.25@${digest('a')}`)],
    ['a pin looked up by any spelling of the image', pod('nginx:1.25'), { mapping: { 'nginx:1.25': 'r.io/t/nginx:1.25' }, pin: { 'docker.io/library/nginx:1.25': digest('a') } },
      pod(`r.io/t/nginx:1.25@${digest('a')}`)],
    ['a pin by a function', pod('nginx:1.25'), { mapping: { 'nginx:1.25': 'r.io/t/nginx:1.25' }, pin: (image, target) => (target.startsWith('r.io') ? digest('b') : null) },
      pod(`r.io/t/nginx:1.25@${digest('b')}`)],
    ['a pull prefix replaces the prefix', pod('nginx:1.25'), { prefix: 'push.example.com:5000/team', pullPrefix: 'pull.example.com/mirror/team' },
      pod('pull.example.com/mirror/team/library-nginx-dba37485fee3d4d76d5d82609cc9bccb:1.25')],
    ['a pull prefix with a mapping replaces what precedes the last component', pod('nginx:1.25'),
      { mapping: { 'nginx:1.25': 'push.example.com/a/b/nginx-x:1.25' }, pullPrefix: 'pull.example.com/c' }, pod('pull.example.com/c/nginx-x:1.25')],
    ['a mapping function', pod('nginx:1.25'), { mapFn: (image) => `fn.example.com/${image}` }, pod('fn.example.com/nginx:1.25')],
    ['a mapping as JSON bytes', pod('nginx:1.25'), { mapping: new TextEncoder().encode('{"nginx:1.25": "j.io/n:1.25"}') }, pod('j.io/n:1.25')],
    ['a flow map keeps its braces and commas', 'kind: Pod\nspec: {containers: [{name: a, image: redis}]}\n', { mapping: { redis: 'r.io/redis' } },
      'kind: Pod\nspec: {containers: [{name: a, image: r.io/redis}]}\n'],
    ['CRLF line ends stay', pod('nginx').replace(/\n/g, '\r\n'), { mapping: { nginx: 'r.io/nginx' } }, pod('r.io/nginx').replace(/\n/g, '\r\n')],
    ['a value without a final newline', 'kind: Pod\nspec: {containers: [{image: a}]}', { mapping: { a: 'r.io/a' } }, 'kind: Pod\nspec: {containers: [{image: r.io/a}]}'],
  ];
  for (const [what, input, options, want] of cases) {
    it(what, async () => {
      const r = await irel.rewrite(input, options);
      assert.equal(r.files[0].text, want);
      assert.deepEqual(r.skipped, []);
    });
  }

  const values = (fields) => `image:\n${Object.entries(fields).map(([k, v]) => `  ${k}: ${v}\n`).join('')}`;
  const split = [
    ['a registry field takes the host, repository the path', { registry: 'docker.io', repository: 'bitnami/nginx', tag: '"1.25"' },
      { registry: 'r.io', repository: 'team/nginx', tag: '"1.25"' }, {}],
    ['no registry field: the repository takes host and path', { repository: 'bitnami/nginx', tag: '1.25.3' },
      { repository: 'r.io/team/nginx', tag: '1.25.3' }, {}],
    ['an empty registry is no registry', { registry: '""', repository: 'bitnami/nginx', tag: '1.25.3' },
      { registry: '""', repository: 'r.io/team/nginx', tag: '1.25.3' }, {}],
    ['no digest field: the digest follows the tag', { repository: 'bitnami/nginx', tag: '1.25.3' },
      { repository: 'r.io/team/nginx', tag: `1.25.3@${digest('c')}` }, { pin: { 'bitnami/nginx:1.25.3': digest('c') } }],
    ['a digest field takes the digest, the tag stays', { repository: 'bitnami/nginx', tag: '1.25.3', digest: "''" },
      { repository: 'r.io/team/nginx', tag: '1.25.3', digest: `'${digest('c')}'` }, { pin: { 'bitnami/nginx:1.25.3': digest('c') } }],
    ['a sha field takes the hex alone', { repository: 'grafana/grafana', tag: '10.3.3', sha: '""' },
      { repository: 'r.io/team/nginx', tag: '10.3.3', sha: `"${'c'.repeat(64)}"` }, { pin: { 'grafana/grafana:10.3.3': digest('c') } }],
    ['a tag already carrying the pinned digest stays', { repository: 'bitnami/nginx', tag: `1.25.3@${digest('c')}` },
      { repository: 'r.io/team/nginx', tag: `1.25.3@${digest('c')}` }, { pin: { [`bitnami/nginx:1.25.3@${digest('c')}`]: digest('c') } }],
  ];
  for (const [what, before, after, options] of split) {
    it(`split values: ${what}`, async () => {
      const r = await irel.rewrite(values(before), { mapFn: (image) => image.replace(/^.*\/(?=[^/]*$)/, 'r.io/team/').replace(/grafana:/, 'nginx:'), ...options });
      assert.equal(r.files[0].text, values(after));
      assert.deepEqual(r.skipped, []);
    });
  }

  it('a new tag that would read as a number is quoted', async () => {
    const r = await irel.rewrite('app:\n  repo: nginx\n  tag: latest\n', { hints: [{ repository: '.app.repo', tag: '.app.tag' }], mapFn: () => 'r.io/nginx:1.10' });
    assert.equal(r.files[0].text, 'app:\n  repo: r.io/nginx\n  tag: "1.10"\n');
  });

  const skippedCases = [
    ['an image not in the mapping', 'kind: Pod\nspec: {containers: [{image: a}, {image: b}]}\n', { mapping: { a: 'r.io/a' } },
      'kind: Pod\nspec: {containers: [{image: r.io/a}, {image: b}]}\n', ['IMAGE_NOT_MAPPED']],
    ['a mapping function giving nothing', 'kind: Pod\nspec: {containers: [{image: a}]}\n', { mapFn: () => null },
      'kind: Pod\nspec: {containers: [{image: a}]}\n', ['IMAGE_NOT_MAPPED']],
    ['a mapping function failing: its error', 'kind: Pod\nspec: {containers: [{image: a}]}\n',
      { mapFn: () => { throw Object.assign(new Error('no route'), { code: 'ROUTE_UNKNOWN' }); } },
      'kind: Pod\nspec: {containers: [{image: a}]}\n', ['ROUTE_UNKNOWN']],
    ['a mapping to an invalid reference', 'kind: Pod\nspec: {containers: [{image: a}]}\n', { mapping: { a: 'R.io/Team/A' } },
      'kind: Pod\nspec: {containers: [{image: a}]}\n', ['NAME_UPPERCASE']],
    ['a pin that differs from the digest the image has', `kind: Pod\nspec: {containers: [{image: "a@${digest('1')}"}]}\n`,
      { prefix: 'r.io/t', pin: { [`a@${digest('1')}`]: digest('2') } }, `kind: Pod\nspec: {containers: [{image: "a@${digest('1')}"}]}\n`, ['DIGEST_MISMATCH']],
    ['a pin that is no digest', 'kind: Pod\nspec: {containers: [{image: a}]}\n', { prefix: 'r.io/t', pin: { a: 'latest' } },
      'kind: Pod\nspec: {containers: [{image: a}]}\n', ['DIGEST_INVALID']],
    ['a pin with no field to hold it: relocated, not pinned', 'image:\n  repository: bitnami/nginx\n', { mapping: { 'bitnami/nginx': 'r.io/nginx' }, pin: { 'bitnami/nginx': digest('d') } },
      'image:\n  repository: r.io/nginx\n', ['PIN_NO_FIELD']],
    ['a template literal in a chart', null, { prefix: 'r.io/t' }, null, ['IMAGE_IN_TEMPLATE']],
  ];
  for (const [what, input, options, want, codes] of skippedCases) {
    it(`reports ${what}`, async () => {
      const r = input === null
        ? await irel.rewrite([{ path: 'c/Chart.yaml', text: 'name: c\n' }, { path: 'c/templates/job.yaml', text: 'spec:\n  containers:\n    - image: busybox:1.36\n' }], options)
        : await irel.rewrite(input, options);
      if (want !== null) assert.equal(r.files[0].text, want);
      assert.deepEqual(r.skipped.map((s) => s.reason.code), codes);
      assert.ok(r.skipped.every((s) => s.reason.message && s.file));
    });
  }

  it('images that share global.imageRegistry but relocate to different hosts: the most wanted host wins, the others are reported', async () => {
    const r = await irel.rewrite({ path: fixture('charts/platform') }, {
      mapping: {
        'mirror.acme.internal/bitnami/node:20.11.1': 'a.example/x/node:20.11.1',
        'mirror.acme.internal/bitnami/postgresql:16.2.0-debian-12-r6': 'a.example/x/pg:16.2.0-debian-12-r6',
        'mirror.acme.internal/grafana/grafana:10.3.3': 'b.example/x/grafana:10.3.3',
      },
    });
    assert.equal(r.changes.find((c) => c.path === '.global.imageRegistry').to, 'a.example');
    const conflict = r.skipped.find((s) => s.reason.code === 'GLOBAL_REGISTRY_CONFLICT');
    assert.equal(conflict.image, 'mirror.acme.internal/grafana/grafana:10.3.3');
    assert.match(conflict.reason.message, /needs b\.example.*different registries/);
    assert.ok(!r.files.find((f) => f.path === 'values.yaml').text.includes('grafana-'));
    assert.ok(!r.changes.some((c) => c.images.includes('mirror.acme.internal/grafana/grafana:10.3.3')));
  });

  it('two images sharing one repository value but relocated apart: neither half-written', async () => {
    const input = 'app:\n  repo: nginx\n  stable: "1"\n  canary: "2"\n';
    const r = await irel.rewrite(input, {
      hints: ['{{ .app.repo }}:{{ .app.stable }}', '{{ .app.repo }}:{{ .app.canary }}'],
      mapping: { 'nginx:1': 'a.io/nginx:1', 'nginx:2': 'b.io/nginx:2' },
    });
    assert.equal(r.files[0].text, 'app:\n  repo: a.io/nginx\n  stable: "1"\n  canary: "2"\n');
    assert.deepEqual(r.skipped.map((s) => [s.image, s.reason.code]), [['nginx:2', 'VALUE_SHARED']]);
  });

  const optionErrors = [
    ['no target at all', {}, 'REWRITE_NO_TARGET'],
    ['an invalid prefix', { prefix: 'Not A Prefix' }, 'PREFIX_INVALID'],
    ['an invalid pull prefix', { prefix: 'r.io/t', pullPrefix: 'x//y' }, 'PREFIX_INVALID'],
    ['a mapping that is not JSON', { mapping: '{nope' }, 'MAPPING_INVALID'],
    ['a mapping with a value that is not a string', { mapping: { a: 1 } }, 'MAPPING_INVALID'],
    ['a mapping that is a list', { mapping: [] }, 'MAPPING_INVALID'],
  ];
  for (const [what, options, code] of optionErrors) {
    it(`throws for ${what}`, async () => {
      await assert.rejects(irel.rewrite('kind: Pod\n', options), (e) => e.name === 'IrelError' && e.code === code && e.message.length > 0);
    });
  }
});

describe('scalarText', () => {
  const node = (type) => ({ type });
  const cases = [
    ['plain stays plain for a reference', 'PLAIN', 'r.io/a/b:1.0@sha256:ab', 'r.io/a/b:1.0@sha256:ab'],
    ['plain turns double quoted for a number', 'PLAIN', '1.10', '"1.10"'],
    ['plain turns double quoted for a YAML 1.1 boolean', 'PLAIN', 'yes', '"yes"'],
    ['plain turns double quoted for YAML 1.1 sexagesimal', 'PLAIN', '1:20', '"1:20"'],
    ['plain turns double quoted for a space', 'PLAIN', 'a b', '"a b"'],
    ['plain turns double quoted for a trailing colon', 'PLAIN', 'a:', '"a:"'],
    ['single quotes double a quote', 'QUOTE_SINGLE', "it's", "'it''s'"],
    ['single quotes give way to double for a newline', 'QUOTE_SINGLE', 'a\nb', '"a\\nb"'],
    ['double quotes escape quotes and backslashes', 'QUOTE_DOUBLE', 'a"b\\c', '"a\\"b\\\\c"'],
    ['double quotes escape DEL and line separators', 'QUOTE_DOUBLE', 'a\u007fb\u2028', '"a\\u007fb\\u2028"'],
    ['block scalars are not written', 'BLOCK_LITERAL', 'x', null],
  ];
  for (const [what, type, value, want] of cases) {
    it(what, () => assert.equal(scalarText(node(type), value), want));
  }

  it('reads back: every double-quoted text is the value in YAML', async () => {
    const { parse } = await import('yaml');
    for (const v of ['a"b', 'back\\slash', 'tab\there', 'nl\nx', '\u0001\u007f\u0085\u2028\u2029\ufeff', 'é漢😀']) {
      assert.equal(parse(`k: ${doubleQuoted(v)}`).k, v);
    }
    for (const v of ['nginx', 'r.io:5000/a/b:1.0', '_x', '1.0.0-rc1']) assert.equal(plainReadsBack(v), String(parse(`k: ${v}`).k) === v && typeof parse(`k: ${v}`).k === 'string');
  });
});
