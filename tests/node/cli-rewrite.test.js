// irel images and irel rewrite, run as a user runs them (real processes): the images of manifests
// and charts listed with their locations; rewrites compared byte for byte with the expected
// outputs of tests/fixtures/manifests/expected (on copies of the inputs), written in place, to a
// directory or to a chart archive, or only shown as a diff that `git apply` applies; and
// --relocate/--pin against two real registries, where a failure leaves every file as it was.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { load } from '../../wasm/js/node.js';
import { CLI, runIrel as irel } from '../helpers/cli.js';
import { listTags, sha256, skopeoInspectRaw } from '../helpers/inspect.js';
import { startRegistry } from '../helpers/registry.js';
import { pushImage, pushIndex } from '../helpers/seed.js';
import { run } from '../helpers/util.js';

const lib = await load();
const FIXTURES = new URL('../fixtures/manifests/', import.meta.url).pathname;
const fixture = (path) => join(FIXTURES, path);
const expected = (path) => readFileSync(fixture(`expected/${path}`));

// The CLI in a working directory of our choosing (relative names in its output and diffs).
function irelIn(cwd, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

let tmp;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'irel-cli-rewrite-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

let dirs = 0;
/** A fresh directory holding copies of the fixtures named (paths under tests/fixtures/manifests). */
function copies(...paths) {
  const dir = join(tmp, `case-${++dirs}`);
  for (const p of paths) cpSync(fixture(p), join(dir, p.split('/').pop()), { recursive: true });
  return dir;
}

/** Every file under dir: { relative path: bytes }. */
function tree(dir) {
  const out = {};
  const walk = (d, rel) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(path).isDirectory()) walk(path, r);
      else out[r] = readFileSync(path);
    }
  };
  walk(dir, '');
  return out;
}

/** The files of a tar archive: { entry: bytes } (through tar itself). */
async function untar(archive) {
  const dir = mkdtempSync(join(tmp, 'untar-'));
  await run('tar', ['-xf', archive, '-C', dir]);
  return tree(dir);
}

describe('irel images', () => {
  const shop = fixture('k8s/shop.yaml');
  const wordpress = fixture('charts/wordpress');
  const monitoring = fixture('charts/monitoring-1.2.0.tgz');
  // [what it proves, args, expected stdout lines (or a check), expected status]
  const CASES = [
    ['a multi-document manifest: each container image with its file, line, document and path; placeholders and templates listed as not rewritable, with why',
      [shop], [
        `ghcr.io/acme/storefront:2.4.1  ${shop}:27  document 1  spec.template.spec.initContainers[0].image  rewritable`,
        `ghcr.io/acme/storefront:2.4.1  ${shop}:31  document 1  spec.template.spec.containers[0].image  rewritable`,
        `envoyproxy/envoy:v1.29.1  ${shop}:36  document 1  spec.template.spec.containers[1].image  rewritable`,
        `quay.io/prometheus/statsd-exporter:v0.26.0  ${shop}:38  document 1  spec.template.spec.containers[2].image  rewritable`,
        `busybox:1.36  ${shop}:60  document 3  spec.template.spec.initContainers[0].image  rewritable`,
        `redis:7.2.4-alpine@sha256:c5a607fb6e1bb15d32bbcf14db22787d19e428d59e31a5da67511b49bb0f1ccc  ${shop}:64  document 3  spec.template.spec.containers[0].image  rewritable`,
        `cr.fluentbit.io/fluent/fluent-bit:2.2.2  ${shop}:76  document 4  spec.template.spec.containers[0].image  rewritable`,
        `\${SHIPPER_IMAGE}  ${shop}:79  document 4  spec.template.spec.containers[1].image  not rewritable: "\${SHIPPER_IMAGE}" holds a placeholder filled in at deploy time (envsubst, kustomize): not rewritten [IMAGE_TEMPLATED]`,
        `"{{ .Values.seed.image }}"  ${shop}:92  document 5  spec.template.spec.containers[0].image  not rewritable: "{{ .Values.seed.image }}" is a template, rendered by Helm: not rewritten [IMAGE_TEMPLATED]`,
        `nicolaka/netshoot  ${shop}:95  document 5  spec.template.spec.ephemeralContainers[0].image  rewritable`,
      ], 0],
    ['a chart directory: values of the chart and its sub-charts by convention; images written in templates not rewritable',
      [wordpress], [
        `docker.io/bitnami/mariadb:11.2.3-debian-12-r4  ${wordpress}/charts/mariadb/values.yaml:7  document 0  .image.repository  rewritable`,
        `docker.io/bitnami/mysqld-exporter:0.15.1-debian-12-r5  ${wordpress}/charts/mariadb/values.yaml:16  document 0  .metrics.image.repository  rewritable`,
        `docker.io/bitnami/memcached:1.6.24  ${wordpress}/charts/memcached/values.yaml:3  document 0  .image.repository  rewritable`,
        `busybox:1.36  ${wordpress}/templates/deployment.yaml:14  document 0  -  not rewritable: the template writes busybox:1.36 itself: edit the template (values cannot change it) [IMAGE_IN_TEMPLATE]`,
        `"docker.io/bitnami/os-shell:{{ .Values.volumePermissions.image.tag }}"  ${wordpress}/templates/deployment.yaml:17  document 0  -  not rewritable: the template writes "docker.io/bitnami/os-shell:{{ .Values.volumePermissions.image.tag }}", part of it a template action [IMAGE_TEMPLATED]`,
        `docker.io/bitnami/wordpress:6.4.3-debian-12-r21  ${wordpress}/values.yaml:22  document 0  .image.repository  rewritable`,
        `busybox:1.36.1  ${wordpress}/values.yaml:35  document 0  .sidecars[0].image  rewritable`,
        `docker.io/bitnami/os-shell:12-debian-12-r16  ${wordpress}/values.yaml:43  document 0  .volumePermissions.image.repository  rewritable`,
        `docker.io/bitnami/apache-exporter:1.0.6-debian-12-r6  ${wordpress}/values.yaml:53  document 0  .metrics.image.repository  rewritable`,
      ], 0],
    ['--json: a chart archive, one object per line, its files named ARCHIVE!/ENTRY (a packaged sub-chart\'s too)',
      ['--json', monitoring], (lines) => {
        const objects = lines.map((l) => JSON.parse(l));
        assert.deepEqual(objects.map((o) => [o.image, o.file, o.document, o.path, o.line, o.rewritable, o.reason?.code]), [
          ['ghcr.io/acme/textfile-collector:0.2.1', `${monitoring}!/monitoring/charts/exporter-0.3.0.tgz!/exporter/values.yaml`, 0, '.sidecar.image', 6, false, 'IMAGE_IN_PACKAGED_CHART'],
          ['quay.io/prometheus-operator/prometheus-config-reloader:v0.71.2', `${monitoring}!/monitoring/templates/server.yaml`, 0, '', 9, false, 'IMAGE_IN_TEMPLATE'],
          ['quay.io/prometheus/prometheus:v2.50.1', `${monitoring}!/monitoring/values.yaml`, 0, '.server.image.repository', 3, true, undefined],
          ['docker.io/prom/node-exporter:v1.7.0', `${monitoring}!/monitoring/values.yaml`, 0, '.exporter.image.repository', 10, true, undefined],
        ]);
        assert.ok(objects.every((o) => o.input === monitoring));
        assert.equal(objects[3].fields.registry.file, `${monitoring}!/monitoring/values.yaml`);
        assert.equal(objects[3].chart, 'monitoring/exporter');
      }, 0],
    ['--json: a templated value has its value, no image, and the reason',
      ['--json', shop], (lines) => {
        const templated = lines.map((l) => JSON.parse(l)).filter((o) => !o.rewritable);
        assert.deepEqual(templated.map((o) => [o.value, o.image, o.reason.code, o.line]),
          [['${SHIPPER_IMAGE}', undefined, 'IMAGE_TEMPLATED', 79], ['{{ .Values.seed.image }}', undefined, 'IMAGE_TEMPLATED', 92]]);
      }, 0],
    ['--hints: a chart whose values follow no convention; a hint naming nothing is a warning',
      ['--hints', fixture('charts/legacy-app.hints.yaml'), fixture('charts/legacy-app')], (lines, r) => {
        assert.deepEqual(lines.map((l) => l.split('  ').slice(0, 1).concat(l.split('  ').slice(3))), [
          ['docker.io/envoyproxy/envoy:v1.29.1', '.proxy.repo', 'rewritable'],
          ['quay.io/jetstack/cert-manager-controller:v1.14.4', '.controller.path', 'rewritable'],
          ['quay.io/jetstack/cert-manager-webhook:v1.14.4', '.webhook.container', 'rewritable'],
          ['bitnami/kubectl:1.29', '.jobs[0].runWith', 'rewritable'],
        ]);
        assert.match(r.stderr, new RegExp(`^irel images: --hints ${fixture('charts/legacy-app.hints.yaml')}:6: chart legacy-app: .*no value at \\.missing\\.image \\[HINT_NOT_FOUND\\]\\n$`));
      }, 0],
    ['a missing input exits 1 naming it; the inputs that can be read are listed all the same',
      [join(FIXTURES, 'k8s/absent.yaml'), fixture('k8s/list.yaml')], (lines, r) => {
        assert.deepEqual(lines.map((l) => l.split('  ')[0]), ['alpine:3.19', 'k8s.gcr.io/echoserver:1.10']);
        assert.equal(r.stderr, `irel images: cannot read ${join(FIXTURES, 'k8s/absent.yaml')}: no such file or directory [INPUT_NOT_FOUND]\n`);
      }, 1],
    ['no input is a usage error', [], (_lines, r) => assert.match(r.stderr, /expected FILE, DIR or CHART/), 2],
  ];
  for (const [what, args, want, status] of CASES) {
    it(what, async () => {
      const r = await irel(['images', ...args]);
      assert.equal(r.status, status, r.stderr);
      const lines = r.stdout.split('\n').filter(Boolean);
      if (typeof want === 'function') want(lines, r);
      else {
        assert.deepEqual(lines, want);
        assert.equal(r.stderr, '');
      }
    });
  }

  it('a file that does not parse exits 1, naming the file, line and document', async () => {
    const bad = join(tmp, 'broken.yaml');
    writeFileSync(bad, 'kind: Pod\nspec:\n  containers:\n  - image: nginx\n---\nkind: Pod\nspec: [a\n');
    const r = await irel(['images', bad]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`^irel images: cannot read ${bad}:\\d+: document 1: .*\\[YAML_INVALID\\]\\n$`));
  });
});

describe('irel rewrite: byte for byte, written in place', () => {
  const nightly = expected('k8s/nightly-report.yaml').toString().replace(/@sha256:5{64}/, '');
  // [what it proves, fixtures copied, args (after the copies' names), { file in the copy: expected bytes }]
  const GOLDEN = [
    ['-r: a multi-document manifest with comments, anchors and three quoting styles', ['k8s/shop.yaml'],
      ['-r', 'registry.acme.internal/shop', 'shop.yaml'], { 'shop.yaml': expected('k8s/shop.yaml') }],
    ['-r with several inputs: a List in YAML and one in JSON (double quotes stay)', ['k8s/list.yaml', 'k8s/list.json'],
      ['-r', 'registry.acme.internal/tools', 'list.yaml', 'list.json'], { 'list.yaml': expected('k8s/list.yaml'), 'list.json': expected('k8s/list.json') }],
    ['-m: custom resources by a relocation mapping whose keys are spelled otherwise', ['k8s/custom-resources.yaml', 'k8s/relocation-mapping.json'],
      ['-m', 'relocation-mapping.json', 'custom-resources.yaml'], { 'custom-resources.yaml': expected('k8s/custom-resources.yaml') }],
    ['--pull-prefix: the relocated paths under the host clusters pull from', ['k8s/nightly-report.yaml'],
      ['-r', 'registry.acme.internal/batch', '--pull-prefix', 'pull.acme.internal/batch', 'nightly-report.yaml'], { 'nightly-report.yaml': Buffer.from(nightly) }],
    ['--hints as relok8s patterns: a chart directory, only values.yaml changed', ['charts/legacy-app', 'charts/legacy-app.hints.yaml'],
      ['-r', 'registry.acme.internal/legacy', '--hints', 'legacy-app.hints.yaml', 'legacy-app'], { 'legacy-app/values.yaml': expected('charts/legacy-app/values.yaml') }],
    ['--hints as value paths: the same chart, the same bytes', ['charts/legacy-app', 'charts/legacy-app.paths.yaml'],
      ['-r', 'registry.acme.internal/legacy', '--hints', 'legacy-app.paths.yaml', 'legacy-app'], { 'legacy-app/values.yaml': expected('charts/legacy-app/values.yaml') }],
  ];
  for (const [what, inputs, args, want] of GOLDEN) {
    it(what, async () => {
      const dir = copies(...inputs);
      const before = tree(dir);
      const r = await irelIn(dir, ['rewrite', ...args]);
      assert.equal(r.status, 0, r.stderr);
      const after = tree(dir);
      for (const [path, bytes] of Object.entries(before)) {
        if (want[path]) assert.equal(after[path].toString(), want[path].toString(), path);
        else assert.ok(after[path].equals(bytes), `${path} unchanged`);
      }
      assert.deepEqual(Object.keys(after), Object.keys(before));
      // What was written, then the summary.
      const lines = r.stdout.trim().split('\n');
      assert.deepEqual(lines.slice(0, -1).sort(), Object.keys(want).map((p) => `wrote ${p}`).sort());
      assert.match(lines.at(-1), new RegExp(`^\\d+ images? rewritten in ${Object.keys(want).length} files?`));
    });
  }

  it('a chart archive in place: rewritten as an archive, only values.yaml differs (a packaged sub-chart and a template named as not rewritable)', async () => {
    const dir = copies('charts/monitoring-1.2.0.tgz');
    const archive = join(dir, 'monitoring-1.2.0.tgz');
    const before = await untar(archive);
    const r = await irelIn(dir, ['rewrite', '-r', 'registry.acme.internal/mon', 'monitoring-1.2.0.tgz']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'wrote monitoring-1.2.0.tgz\n2 images rewritten in 1 file, 2 not rewritten\n');
    assert.match(r.stderr, /not rewritten: monitoring-1\.2\.0\.tgz!\/monitoring\/charts\/exporter-0\.3\.0\.tgz!\/exporter\/values\.yaml:6 \.sidecar\.image ghcr\.io\/acme\/textfile-collector:0\.2\.1: .*\[IMAGE_IN_PACKAGED_CHART\]/);
    assert.match(r.stderr, /not rewritten: monitoring-1\.2\.0\.tgz!\/monitoring\/templates\/server\.yaml:9 - quay\.io\/prometheus-operator\/prometheus-config-reloader:v0\.71\.2: .*\[IMAGE_IN_TEMPLATE\]/);
    const after = await untar(archive);
    assert.deepEqual(Object.keys(after), Object.keys(before));
    for (const [path, bytes] of Object.entries(before)) {
      if (path === 'monitoring/values.yaml') assert.equal(after[path].toString(), expected('charts/monitoring/values.yaml').toString());
      else assert.ok(after[path].equals(bytes), path);
    }
  });

  it('invalid and templated references are named on standard error and left as they are', async () => {
    const dir = join(tmp, 'odd');
    cpSync(fixture('k8s/list.yaml'), join(dir, 'ok.yaml'));
    const text = [
      'apiVersion: v1', 'kind: Pod', 'metadata: {name: odd}', 'spec:', '  containers:',
      '  - name: upper', '    image: Docker.io/Library/Nginx:1.25 # invalid',
      '  - name: helm', '    image: "{{ .Values.image }}"',
      '  - name: env', '    image: ${APP_IMAGE}',
      '  - name: good', '    image: nginx:1.25', '',
    ].join('\n');
    writeFileSync(join(dir, 'odd.yaml'), text);
    const r = await irelIn(dir, ['rewrite', '-r', 'registry.acme.internal/odd', 'odd.yaml']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 3, r.stderr);
    assert.match(lines[0], /^irel rewrite: not rewritten: odd\.yaml:7 spec\.containers\[0\]\.image Docker\.io\/Library\/Nginx:1\.25: .*\[NAME_/);
    assert.match(lines[1], /^irel rewrite: not rewritten: odd\.yaml:9 spec\.containers\[1\]\.image "\{\{ \.Values\.image \}\}": .*\[IMAGE_TEMPLATED\]$/);
    assert.match(lines[2], /^irel rewrite: not rewritten: odd\.yaml:11 spec\.containers\[2\]\.image \$\{APP_IMAGE\}: .*\[IMAGE_TEMPLATED\]$/);
    const good = lib.mapReference('registry.acme.internal/odd', 'nginx:1.25');
    assert.equal(readFileSync(join(dir, 'odd.yaml'), 'utf8'), text.replace('image: nginx:1.25', `image: ${good}`));
    assert.equal(r.stdout, 'wrote odd.yaml\n1 image rewritten in 1 file, 3 not rewritten\n');
  });

  it('--pin keeps the digest a reference names already: no lookup (the target host need not resolve)', async () => {
    const dir = join(tmp, 'pinned');
    mkdirSync(dir, { recursive: true });
    const digest = `sha256:${'c5'.repeat(32)}`;
    const text = ['kind: Pod', 'spec:', '  containers:', `  - image: redis:7.2@${digest}`, ''].join('\n');
    writeFileSync(join(dir, 'p.yaml'), text);
    const r = await irelIn(dir, ['rewrite', '-r', 'registry.invalid/team', '--pin', 'p.yaml']);
    assert.equal(r.status, 0, r.stderr);
    const want = lib.mapReference('registry.invalid/team', `redis:7.2@${digest}`);
    assert.equal(readFileSync(join(dir, 'p.yaml'), 'utf8'), text.replace(`redis:7.2@${digest}`, want));
    assert.match(want, new RegExp(`@${digest}$`));
  });
});

describe('irel rewrite: --dry-run and -o', () => {
  it('--dry-run prints a unified diff that git apply turns into the expected output, and writes nothing', async () => {
    const dir = copies('k8s/shop.yaml', 'charts/legacy-app', 'charts/legacy-app.hints.yaml');
    const before = tree(dir);
    const mtime = statSync(join(dir, 'shop.yaml')).mtimeMs;
    const r = await irelIn(dir, ['rewrite', '-n', '-r', 'registry.acme.internal/legacy', '--hints', 'legacy-app.hints.yaml', 'legacy-app']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^--- a\/legacy-app\/values\.yaml\n\+\+\+ b\/legacy-app\/values\.yaml\n@@ /);
    assert.match(r.stderr, /4 images rewritten in 1 file \(dry run: nothing written\)\n$/);
    const shop = await irelIn(dir, ['rewrite', '--dry-run', '-r', 'registry.acme.internal/shop', 'shop.yaml']);
    assert.equal(shop.status, 0, shop.stderr);
    assert.match(shop.stdout, /^--- a\/shop\.yaml\n\+\+\+ b\/shop\.yaml\n/);
    assert.deepEqual(tree(dir), before);
    assert.equal(statSync(join(dir, 'shop.yaml')).mtimeMs, mtime);
    // The diffs are patches: applied, they give the expected files.
    writeFileSync(join(tmp, 'dry.patch'), r.stdout + shop.stdout);
    await run('git', ['-C', dir, 'apply', join(tmp, 'dry.patch')]);
    assert.equal(readFileSync(join(dir, 'shop.yaml'), 'utf8'), expected('k8s/shop.yaml').toString());
    assert.equal(readFileSync(join(dir, 'legacy-app/values.yaml'), 'utf8'), expected('charts/legacy-app/values.yaml').toString());
  });

  it('-o DIR for a chart directory: the whole chart written there, the input untouched', async () => {
    const dir = copies('charts/legacy-app', 'charts/legacy-app.paths.yaml');
    const before = tree(dir);
    const r = await irelIn(dir, ['rewrite', '-r', 'registry.acme.internal/legacy', '--hints', 'legacy-app.paths.yaml', '-o', 'out', 'legacy-app']);
    assert.equal(r.status, 0, r.stderr);
    const input = tree(join(dir, 'legacy-app'));
    const out = tree(join(dir, 'out'));
    assert.deepEqual(Object.keys(out), Object.keys(input));
    for (const [path, bytes] of Object.entries(input)) {
      assert.ok(out[path].equals(path === 'values.yaml' ? expected('charts/legacy-app/values.yaml') : bytes), path);
    }
    const { out: _written, ...rest } = Object.fromEntries(Object.entries(tree(dir)).map(([k, v]) => [k.startsWith('out/') ? 'out' : k, v]));
    assert.deepEqual(rest, before);
  });

  it('-o CHART.tgz for a chart directory: an archive with the chart under its name, read back with tar', async () => {
    const dir = copies('charts/legacy-app', 'charts/legacy-app.hints.yaml');
    const r = await irelIn(dir, ['rewrite', '-r', 'registry.acme.internal/legacy', '--hints', 'legacy-app.hints.yaml', '-o', 'legacy-app-relocated.tgz', 'legacy-app']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^wrote legacy-app-relocated\.tgz\n/);
    const files = await untar(join(dir, 'legacy-app-relocated.tgz'));
    const input = tree(join(dir, 'legacy-app'));
    assert.deepEqual(Object.keys(files).sort(), Object.keys(input).map((p) => `legacy-app/${p}`).sort());
    assert.equal(files['legacy-app/values.yaml'].toString(), expected('charts/legacy-app/values.yaml').toString());
    assert.equal(files['legacy-app/templates/deployment.yaml'].toString(), input['templates/deployment.yaml'].toString());
    assert.equal(input['values.yaml'].toString(), readFileSync(fixture('charts/legacy-app/values.yaml'), 'utf8'));
  });

  it('-o DIR for several inputs: each under its own name (a file, a chart archive), the inputs untouched', async () => {
    const dir = copies('k8s/shop.yaml', 'charts/monitoring-1.2.0.tgz');
    const before = tree(dir);
    const r = await irelIn(dir, ['rewrite', '-r', 'registry.acme.internal/shop', '-o', 'out', 'shop.yaml', 'monitoring-1.2.0.tgz']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').slice(0, 2), [`wrote ${join('out', 'shop.yaml')}`, `wrote ${join('out', 'monitoring-1.2.0.tgz')}`]);
    assert.equal(readFileSync(join(dir, 'out/shop.yaml'), 'utf8'), expected('k8s/shop.yaml').toString());
    const files = await untar(join(dir, 'out/monitoring-1.2.0.tgz'));
    assert.match(files['monitoring/values.yaml'].toString(), /repository: registry\.acme\.internal\/shop\/prometheus-prometheus-[0-9a-f]{32}\n/);
    for (const [path, bytes] of Object.entries(before)) assert.ok(readFileSync(join(dir, path)).equals(bytes), path);
  });

  it('-o FILE for one manifest: written there, the input untouched', async () => {
    const dir = copies('k8s/list.json');
    const r = await irelIn(dir, ['rewrite', '-r', 'registry.acme.internal/tools', '-o', 'relocated.json', 'list.json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'relocated.json'), 'utf8'), expected('k8s/list.json').toString());
    assert.equal(readFileSync(join(dir, 'list.json'), 'utf8'), readFileSync(fixture('k8s/list.json'), 'utf8'));
  });
});

describe('irel rewrite: failures write nothing', () => {
  // [what it proves, files written first ({ name: text }), args, status, stderr pattern]
  const broken = 'kind: Pod\nspec:\n  containers:\n  - image: nginx\n---\nkind: Pod\nspec: [a\n';
  const CASES = [
    ['a missing input exits 1 naming it; the other input is not rewritten', {}, ['-r', 'r.example.com/x', 'shop.yaml', 'absent.yaml'], 1,
      /^irel rewrite: cannot read absent\.yaml: no such file or directory \[INPUT_NOT_FOUND\]\nirel rewrite: nothing written\n$/],
    ['an input that does not parse exits 1 naming the file and document; nothing written', { 'broken.yaml': broken },
      ['-r', 'r.example.com/x', 'shop.yaml', 'broken.yaml'], 1, /^irel rewrite: cannot read broken\.yaml:\d+: document 1: .*\[YAML_INVALID\]\nirel rewrite: nothing written\n$/],
    ['a mapping file that is not JSON exits 1 naming it', { 'mapping.json': '{"a": ' }, ['-m', 'mapping.json', 'shop.yaml'], 1,
      /^irel rewrite: -m mapping\.json: not JSON .*\[MAPPING_INVALID\]\n$/],
    ['a missing mapping file exits 1 naming it', {}, ['-m', 'absent.json', 'shop.yaml'], 1, /^irel rewrite: -m absent\.json: no such file/],
    ['a missing hints file exits 1 naming it', {}, ['-r', 'r.example.com/x', '--hints', 'absent.yaml', 'shop.yaml'], 1, /^irel rewrite: --hints absent\.yaml: no such file/],
    ['a write that fails names its target', {}, ['-r', 'r.example.com/x', '-o', 'shop.yaml/out.yaml', 'shop.yaml'], 1,
      /irel rewrite: cannot write shop\.yaml\/out\.yaml: ENOTDIR \[WRITE_FAILED\]\n$/],
    ['neither -r nor -m', {}, ['shop.yaml'], 2, /give either -r PREFIX or -m MAPPING/],
    ['both -r and -m', { 'm.json': '{}' }, ['-r', 'r.example.com/x', '-m', 'm.json', 'shop.yaml'], 2, /give either -r PREFIX or -m MAPPING/],
    ['an invalid prefix', {}, ['-r', 'Not A Prefix', 'shop.yaml'], 2, /^irel rewrite: -r "Not A Prefix": /],
    ['an invalid pull prefix', {}, ['-r', 'r.example.com/x', '--pull-prefix', 'a b/c', 'shop.yaml'], 2, /^irel rewrite: --pull-prefix "a b\/c": /],
    ['--dry-run with -o', {}, ['-r', 'r.example.com/x', '-n', '-o', 'out', 'shop.yaml'], 2, /a dry run writes nothing/],
    ['-o an archive for several inputs', { 'other.yaml': 'kind: Pod\n' }, ['-r', 'r.example.com/x', '-o', 'x.tgz', 'shop.yaml', 'other.yaml'], 2, /-o for several inputs is a directory/],
    ['an input given twice', {}, ['-r', 'r.example.com/x', 'shop.yaml', './shop.yaml'], 2, /shop\.yaml is given twice/],
    ['the referrer options without --relocate', {}, ['-r', 'r.example.com/x', '--no-referrers', 'shop.yaml'], 2, /go with --relocate/],
    ['no input', {}, ['-r', 'r.example.com/x'], 2, /expected FILE, DIR or CHART/],
  ];
  for (const [what, files, args, status, stderr] of CASES) {
    it(what, async () => {
      const dir = copies('k8s/shop.yaml');
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      const before = tree(dir);
      const r = await irelIn(dir, ['rewrite', ...args]);
      assert.equal(r.status, status, r.stderr);
      assert.match(r.stderr, stderr);
      assert.equal(r.stdout, '');
      assert.deepEqual(tree(dir), before);
    });
  }
});

describe('irel rewrite: a chart archive named otherwise', () => {
  it('is not written back in place (its format unknown by name): -o OUT.tgz is asked for, nothing written', async () => {
    const dir = copies('charts/monitoring-1.2.0.tgz');
    cpSync(join(dir, 'monitoring-1.2.0.tgz'), join(dir, 'monitoring.chart'));
    const before = tree(dir);
    const r = await irelIn(dir, ['rewrite', '-r', 'r.example.com/x', 'monitoring.chart']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^irel rewrite: monitoring\.chart: a chart archive is written as \.tgz, .*give -o OUT\.tgz \[WRITE_FORMAT_UNSUPPORTED\]\n$/);
    assert.deepEqual(tree(dir), before);
    const out = await irelIn(dir, ['rewrite', '-r', 'r.example.com/x', '-o', 'relocated.tgz', 'monitoring.chart']);
    assert.equal(out.status, 0, out.stderr);
    assert.match((await untar(join(dir, 'relocated.tgz')))['monitoring/values.yaml'].toString(), /repository: r\.example\.com\/x\/prometheus-prometheus-/);
  });
});

describe('irel rewrite --relocate and --pin, against two real registries', () => {
  let src;
  let dst;
  const images = {};
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry({ auth: 'basic' })]);
    images.web = await pushImage(src, 'team/web:1.0', { layers: [2000, 300] });
    images.multi = await pushIndex(src, 'team/multi:2.0', { platforms: ['linux/amd64', 'linux/arm64'] });
    images.job = await pushImage(src, 'tools/job:3', { layers: [100] });
  });
  after(async () => {
    await Promise.all([src?.stop(), dst?.stop()]);
  });
  const creds = () => ['--dest-creds', `${dst.creds.username}:${dst.creds.password}`];

  // A Deployment naming the images (one of them twice, through an anchor), a templated one beside them.
  const manifest = (refs) => [
    '# the app', 'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: app', 'spec:', '  template:', '    spec:',
    '      initContainers:', `      - name: init`, `        image: &web ${refs.web}`,
    '      containers:', '      - name: web', '        image: *web', '      - name: multi', `        image: "${refs.multi}"`,
    '      - name: seed', '        image: "{{ .Values.seed }}"', '---', 'apiVersion: batch/v1', 'kind: Job', 'metadata:', '  name: job', 'spec:',
    '  template:', '    spec:', '      containers:', '      - name: job', `        image: '${refs.job}'`, '',
  ].join('\n');
  const sources = () => ({ web: images.web.ref, multi: images.multi.ref, job: images.job.ref });

  function workdir(text) {
    const dir = join(tmp, `reg-${++dirs}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'app.yaml'), text);
    writeFileSync(join(dir, 'other.yaml'), `kind: Pod\nspec:\n  containers:\n  - name: web # the same image, in another file\n    image: ${images.web.ref}\n`);
    return dir;
  }

  async function assertInTarget(target, digest) {
    assert.equal(sha256(await skopeoInspectRaw(target, dst)), digest, target);
  }

  it('-r --relocate --pin: every image copied with its digest, then the file names each relocated image pinned to that digest', async () => {
    const prefix = `${dst.host}/apps`;
    const dir = workdir(manifest(sources()));
    const r = await irelIn(dir, ['rewrite', '-r', prefix, '--relocate', '--pin', ...creds(), 'app.yaml']);
    assert.equal(r.status, 0, r.stderr);
    const targets = {};
    for (const [key, img] of Object.entries(images)) {
      targets[key] = lib.mapReference(prefix, img.ref);
      await assertInTarget(targets[key], img.digest);
      assert.match(r.stderr, new RegExp(`relocated ${img.ref} to ${targets[key]} \\(${img.digest}\\)`));
    }
    const pinned = Object.fromEntries(Object.entries(targets).map(([k, t]) => [k, `${t}@${images[k].digest}`]));
    assert.equal(readFileSync(join(dir, 'app.yaml'), 'utf8'), manifest(pinned));
    assert.match(r.stderr, /not rewritten: app\.yaml:18 spec\.template\.spec\.containers\[2\]\.image "\{\{ \.Values\.seed \}\}": .*\[IMAGE_TEMPLATED\]/);
    assert.equal(r.stdout, 'wrote app.yaml\n3 images rewritten in 1 file, 1 not rewritten\n');
    assert.equal(r.stderr.includes(dst.creds.password), false);
  });

  it('-m --relocate --pull-prefix --pin: each mapping entry copied to its name; the file names the pull side, pinned', async () => {
    const mapping = {
      [images.web.ref]: `${dst.host}/mapped/web:1.0`,
      [images.multi.ref]: `${dst.host}/mapped/multi:2.0`,
      [images.job.ref]: `${dst.host}/mapped/job:3`,
      'quay.io/not/used:1': `${dst.host}/mapped/unused:1`,
    };
    const dir = workdir(manifest(sources()));
    writeFileSync(join(dir, 'relocation-mapping.json'), JSON.stringify(mapping, null, 2));
    const r = await irelIn(dir, ['rewrite', '-m', 'relocation-mapping.json', '--relocate', '--pin', '--pull-prefix', 'mirror.example.com/apps', '-q', ...creds(), 'app.yaml']);
    assert.equal(r.status, 0, r.stderr);
    for (const img of Object.values(images)) await assertInTarget(mapping[img.ref], img.digest);
    assert.deepEqual(await listTags(dst, 'mapped/unused'), []);
    const name = (key, tag) => `mirror.example.com/apps/${key}:${tag}@${images[key].digest}`;
    assert.equal(readFileSync(join(dir, 'app.yaml'), 'utf8'), manifest({ web: name('web', '1.0'), multi: name('multi', '2.0'), job: name('job', '3') }));
  });

  it('--pin without --relocate looks each digest up under the pushed name (not the pull-side host, which does not exist)', async () => {
    const prefix = `${dst.host}/apps`; // relocated by the first case
    const dir = workdir(manifest(sources()));
    const r = await irelIn(dir, ['rewrite', '-r', prefix, '--pull-prefix', 'pull.invalid/apps', '--pin', ...creds(), 'app.yaml']);
    assert.equal(r.status, 0, r.stderr);
    const pulled = (key) => `${lib.mapReference(prefix, images[key].ref).replace(`${dst.host}/apps`, 'pull.invalid/apps')}@${images[key].digest}`;
    assert.equal(readFileSync(join(dir, 'app.yaml'), 'utf8'), manifest({ web: pulled('web'), multi: pulled('multi'), job: pulled('job') }));
  });

  it('--pin: a lookup that fails names the image and writes nothing', async () => {
    const dir = workdir(manifest(sources()));
    const before = tree(dir);
    const r = await irelIn(dir, ['rewrite', '-r', `${dst.host}/never-pushed`, '--pin', ...creds(), 'app.yaml', 'other.yaml']);
    assert.equal(r.status, 1);
    for (const img of Object.values(images)) assert.match(r.stderr, new RegExp(`irel rewrite: ${img.ref}: cannot pin: looking up ${dst.host}/never-pushed/`));
    assert.match(r.stderr, /nothing rewritten\n$/);
    assert.deepEqual(tree(dir), before);
  });

  it('--relocate: an image missing from its registry stops the rewrite, naming it; every file left untouched', async () => {
    const missing = `${src.host}/team/absent:9`;
    const dir = workdir(manifest({ ...sources(), job: missing }));
    const before = tree(dir);
    const prefix = `${dst.host}/partial`;
    const r = await irelIn(dir, ['rewrite', '-r', prefix, '--relocate', '--pin', ...creds(), 'app.yaml', 'other.yaml']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`irel rewrite: ${missing}: not relocated to ${lib.mapReference(prefix, missing)}: `));
    assert.match(r.stderr, /2 of 3 images relocated, 1 failed: nothing rewritten\n$/);
    assert.equal(r.stdout, '');
    assert.deepEqual(tree(dir), before);
  });

  it('--relocate --dry-run: each image planned, nothing copied, the diff printed, nothing written', async () => {
    const dir = workdir(manifest(sources()));
    const before = tree(dir);
    const prefix = `${dst.host}/planned`;
    const r = await irelIn(dir, ['rewrite', '-r', prefix, '--relocate', '--dry-run', '--pin', ...creds(), 'app.yaml']);
    assert.equal(r.status, 0, r.stderr);
    for (const img of Object.values(images)) {
      const target = lib.mapReference(prefix, img.ref);
      assert.match(r.stderr, new RegExp(`plan: ${img.ref} -> ${target} \\(${img.digest}\\)`));
      assert.match(r.stdout, new RegExp(`^\\+.*${target}@${img.digest}`, 'm'));
      assert.deepEqual(await listTags(dst, target.slice(dst.host.length + 1).split(':')[0]), []);
    }
    assert.match(r.stdout, /^--- a\/app\.yaml\n\+\+\+ b\/app\.yaml\n/);
    assert.deepEqual(tree(dir), before);
  });
});
