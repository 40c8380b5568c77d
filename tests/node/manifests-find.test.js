// irel.findImages over real-world-shaped manifests and charts (tests/fixtures/manifests/): every
// image with its location (file, document, path, line), values that are no image with the reason,
// the chart conventions (Bitnami maps, sub-charts and their parent's sections, global.imageRegistry,
// ingress-nginx and Grafana shapes, appVersion tags), relok8s hints, template literals, archives.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { load } from '../../wasm/js/node.js';

const irel = await load();
const FIXTURES = new URL('../fixtures/manifests/', import.meta.url);
const fixture = (path) => new URL(path, FIXTURES).pathname;
const text = (path) => readFileSync(new URL(path, FIXTURES), 'utf8');

// Compact views: "file document path line image" per image, "file line code" per skipped value.
const seen = (r) => r.images.map((i) => `${i.file} ${i.document} ${i.path} ${i.line} ${i.image}${i.rewritable ? '' : ` !${i.reason.code}`}`);
const refused = (r) => r.skipped.map((s) => `${s.file} ${s.line} ${s.reason.code}`);

describe('findImages: Kubernetes manifests', () => {
  const cases = [
    ['every container list of every kind of a multi-document file, an alias at its own place', 'k8s/shop.yaml', [
      'shop.yaml 1 spec.template.spec.initContainers[0].image 27 ghcr.io/acme/storefront:2.4.1',
      'shop.yaml 1 spec.template.spec.containers[0].image 31 ghcr.io/acme/storefront:2.4.1',
      'shop.yaml 1 spec.template.spec.containers[1].image 36 envoyproxy/envoy:v1.29.1',
      'shop.yaml 1 spec.template.spec.containers[2].image 38 quay.io/prometheus/statsd-exporter:v0.26.0',
      'shop.yaml 3 spec.template.spec.initContainers[0].image 60 busybox:1.36',
      `shop.yaml 3 spec.template.spec.containers[0].image 64 redis:7.2.4-alpine@sha256:c5a607fb6e1bb15d32bbcf14db22787d19e428d59e31a5da67511b49bb0f1ccc`,
      'shop.yaml 4 spec.template.spec.containers[0].image 76 cr.fluentbit.io/fluent/fluent-bit:2.2.2',
      'shop.yaml 5 spec.template.spec.ephemeralContainers[0].image 95 nicolaka/netshoot',
    ], ['shop.yaml 79 IMAGE_TEMPLATED', 'shop.yaml 92 IMAGE_TEMPLATED']],
    ['a CronJob: the pod template under jobTemplate', 'k8s/nightly-report.yaml', [
      'nightly-report.yaml 0 spec.jobTemplate.spec.template.spec.containers[0].image 16 registry.gitlab.com/acme/reports/nightly:1.8.0',
      'nightly-report.yaml 0 spec.jobTemplate.spec.template.spec.containers[1].image 21 amazon/aws-cli:2.15.30',
    ], []],
    ['custom resources with pod templates (Argo Rollout, Knative Service, KEDA ScaledJob)', 'k8s/custom-resources.yaml', [
      'custom-resources.yaml 0 spec.template.spec.containers[0].image 17 ghcr.io/acme/checkout:3.0.0',
      'custom-resources.yaml 1 spec.template.spec.containers[0].image 27 gcr.io/knative-samples/helloworld-go',
      'custom-resources.yaml 2 spec.jobTargetRef.template.spec.containers[0].image 41 docker.io/acme/queue-worker:0.9.2',
    ], []],
    ['a List: each item', 'k8s/list.yaml', [
      'list.yaml 0 items[0].spec.containers[0].image 11 alpine:3.19',
      'list.yaml 0 items[1].spec.template.spec.containers[0].image 23 k8s.gcr.io/echoserver:1.10',
    ], []],
    ['a List written as JSON (kubectl get -o json)', 'k8s/list.json', [
      'list.json 0 items[0].spec.containers[0].image 14 registry.k8s.io/pause:3.9',
      'list.json 0 items[0].spec.containers[1].image 18 docker.io/library/postgres:16.2',
    ], []],
  ];
  for (const [what, path, images, skipped] of cases) {
    it(what, async () => {
      const r = await irel.findImages({ path: fixture(path) });
      assert.deepEqual(seen(r), images);
      assert.deepEqual(refused(r), skipped);
      assert.deepEqual(r.refs, [...new Set(r.images.map((i) => i.image))]);
      assert.deepEqual(r.source, { kind: 'file', path: fixture(path) });
    });
  }

  it('says which anchor an alias reads, the kind of each document, and the reference the core parsed', async () => {
    const r = await irel.findImages({ path: fixture('k8s/shop.yaml') });
    const web = r.images[1];
    assert.equal(web.alias, 'app');
    assert.equal(web.kind, 'Deployment');
    assert.equal(web.source, 'container');
    assert.equal(web.column, 18);
    assert.equal(web.reference.string, 'ghcr.io/acme/storefront:2.4.1');
    assert.equal(r.images[4].kind, 'StatefulSet');
    assert.equal(r.images[2].reference.name, 'docker.io/envoyproxy/envoy');
  });

  it('gives the reason of each refused value: templated, placeholder', async () => {
    const r = await irel.findImages({ path: fixture('k8s/shop.yaml') });
    assert.match(r.skipped[0].reason.message, /\$\{SHIPPER_IMAGE\}.*placeholder filled in at deploy time/);
    assert.equal(r.skipped[0].value, '${SHIPPER_IMAGE}');
    assert.match(r.skipped[1].reason.message, /is a template, rendered by Helm/);
  });
});

describe('findImages: texts and files', () => {
  const cases = [
    ['a values text without a kind: by the chart conventions', 'image:\n  repository: nginx\n  tag: "1.25"\n', {},
      ['input.yaml 0 .image.repository 2 nginx:1.25'], []],
    ['the name given to a text', 'kind: Pod\nspec:\n  containers:\n  - image: nginx\n', { name: 'pod.yaml' },
      ['pod.yaml 0 spec.containers[0].image 4 nginx'], []],
    ['invalid references, with the core parser\'s code', 'kind: Pod\nspec:\n  containers:\n  - image: Nginx:1\n  - image: "nginx@sha256:abc"\n  - image: ""\n', {},
      [], ['input.yaml 4 NAME_UPPERCASE', 'input.yaml 5 NAME_INVALID_FORMAT', 'input.yaml 6 IMAGE_EMPTY']],
    ['a document that is not YAML: reported, the others searched', 'kind: Pod\nspec: {containers: [{image: a}]\n---\nkind: Pod\nspec:\n  containers:\n  - image: b\n', {},
      ['input.yaml 1 spec.containers[0].image 7 b'], ['input.yaml 3 YAML_INVALID']],
    ['a container merged from an anchored map (<<: *base)', 'kind: Pod\nx-base: &base {image: "busybox:1", name: x}\nspec:\n  containers:\n  - <<: *base\n    name: y\n', {},
      ['input.yaml 0 spec.containers[0].image 2 busybox:1'], []],
    ['flow collections', 'kind: Pod\nspec: {containers: [{name: a, image: "redis:7"}, {name: b, image: \'redis:6\'}]}\n', {},
      ['input.yaml 0 spec.containers[0].image 2 redis:7', 'input.yaml 0 spec.containers[1].image 2 redis:6'], []],
    ['a block scalar: found, not rewritable', 'kind: Pod\nspec:\n  containers:\n  - image: |-\n      nginx:1\n', {},
      ['input.yaml 0 spec.containers[0].image 4 nginx:1 !IMAGE_BLOCK_SCALAR'], []],
    ['keys ending in Image, and a map with registry and repository under any key', 'initImage: busybox:1\nkubectl:\n  registry: docker.io\n  repository: bitnami/kubectl\n  tag: "1.29"\n', {},
      ['input.yaml 0 .initImage 1 busybox:1', 'input.yaml 0 .kubectl.repository 4 docker.io/bitnami/kubectl:1.29'], []],
    ['switches and counts named like images are not images', 'useCustomImage: true\nbaseImage: ubuntu\nsidecarImage: 2\nimage: nginx\n', {},
      ['input.yaml 0 .image 4 nginx'], []],
    ['a hint and the conventions naming the same value: one image, the hint\'s', 'image:\n  registry: docker.io\n  repository: bitnami/nginx\n  tag: "1.25"\n',
      { hints: ['{{ .image.registry }}/{{ .image.repository }}'] }, ['input.yaml 0 .image.repository 3 docker.io/bitnami/nginx'], []],
  ];
  for (const [what, input, options, images, skipped] of cases) {
    it(what, async () => {
      const r = await irel.findImages(input, options);
      assert.deepEqual(seen(r), images);
      assert.deepEqual(refused(r), skipped);
    });
  }

  it('searches several files, leaving the ones that are not YAML alone', async () => {
    const r = await irel.findImages([
      { path: 'a/deploy.yaml', text: text('k8s/nightly-report.yaml') },
      { path: 'a/README.md', text: 'image: not-read\n' },
      { path: 'a/logo.png', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) },
      { path: 'b/list.yaml', text: text('k8s/list.yaml') },
    ]);
    assert.deepEqual(r.images.map((i) => `${i.file} ${i.line}`), ['a/deploy.yaml 16', 'a/deploy.yaml 21', 'b/list.yaml 11', 'b/list.yaml 23']);
    assert.deepEqual(r.source, { kind: 'files' });
  });

  it('reads a chart archive given among files, as not rewritable there', async () => {
    const r = await irel.findImages([
      { path: 'deploy.yaml', text: text('k8s/list.yaml') },
      { path: 'monitoring-1.2.0.tgz', bytes: new Uint8Array(readFileSync(new URL('charts/monitoring-1.2.0.tgz', FIXTURES))) },
    ]);
    assert.deepEqual(r.images.map((i) => `${i.file} ${i.rewritable}`), [
      'deploy.yaml true', 'deploy.yaml true',
      'monitoring-1.2.0.tgz!/monitoring/charts/exporter-0.3.0.tgz!/exporter/values.yaml false',
      'monitoring-1.2.0.tgz!/monitoring/templates/server.yaml false',
      'monitoring-1.2.0.tgz!/monitoring/values.yaml false', 'monitoring-1.2.0.tgz!/monitoring/values.yaml false',
    ]);
    assert.match(r.images[4].reason.message, /chart archive given among other files.*give the archive alone/);
  });

  it('refuses what is not an input, and a path that is not there, as errors', async () => {
    await assert.rejects(irel.findImages(42), TypeError);
    await assert.rejects(irel.findImages([{ path: 'x.yaml' }]), TypeError);
    await assert.rejects(irel.findImages('no/such/deploy.yaml'), { code: 'INPUT_NOT_FOUND' });
    await assert.rejects(irel.findImages({ path: fixture('nope') }), { code: 'INPUT_NOT_FOUND' });
  });
});

describe('findImages: Helm charts', () => {
  it('a chart with sub-charts, Bitnami-style values, a sub-chart under an alias, template literals', async () => {
    const r = await irel.findImages({ path: fixture('charts/wordpress') });
    assert.deepEqual(seen(r), [
      // The parent's section for mariadb sets its tag; the rest is the sub-chart's own values.
      'charts/mariadb/values.yaml 0 .image.repository 7 docker.io/bitnami/mariadb:11.2.3-debian-12-r4',
      'charts/mariadb/values.yaml 0 .metrics.image.repository 16 docker.io/bitnami/mysqld-exporter:0.15.1-debian-12-r5',
      // memcached is the parent's `cache` (alias); its empty tag renders the chart's appVersion.
      'charts/memcached/values.yaml 0 .image.repository 3 docker.io/bitnami/memcached:1.6.24',
      'templates/deployment.yaml 0  14 busybox:1.36 !IMAGE_IN_TEMPLATE',
      'values.yaml 0 .image.repository 22 docker.io/bitnami/wordpress:6.4.3-debian-12-r21',
      'values.yaml 0 .sidecars[0].image 35 busybox:1.36.1',
      'values.yaml 0 .volumePermissions.image.repository 43 docker.io/bitnami/os-shell:12-debian-12-r16',
      'values.yaml 0 .metrics.image.repository 53 docker.io/bitnami/apache-exporter:1.0.6-debian-12-r6',
    ]);
    assert.deepEqual(refused(r), ['templates/deployment.yaml 17 IMAGE_TEMPLATED']);
    const [mariadb, , memcached] = r.images;
    assert.equal(mariadb.chart, 'wordpress/mariadb');
    assert.deepEqual(mariadb.fields.tag, { file: 'values.yaml', document: 0, path: '.mariadb.image.tag', line: 66, column: 10, value: '11.2.3-debian-12-r4' });
    assert.equal(mariadb.fields.registry.file, 'charts/mariadb/values.yaml');
    assert.equal(memcached.chart, 'wordpress/cache');
    assert.equal(memcached.tagFrom, 'appVersion');
    assert.equal(memcached.fields.registry.path, '.cache.image.registry');
    assert.equal(r.images[3].source, 'template');
    assert.match(r.images[3].reason.message, /edit the template/);
  });

  it('global.imageRegistry replaces every registry, the sub-charts\' too; ingress-nginx and Grafana shapes', async () => {
    const r = await irel.findImages({ path: fixture('charts/platform') });
    assert.deepEqual(seen(r), [
      'charts/postgresql/values.yaml 0 .image.repository 5 mirror.acme.internal/bitnami/postgresql:16.2.0-debian-12-r6',
      'values.yaml 0 .api.image.repository 9 mirror.acme.internal/bitnami/node:20.11.1',
      'values.yaml 0 .controller.image.image 17 mirror.acme.internal/ingress-nginx/controller:v1.10.0@sha256:42b3f0e5d0846876b1791cd3afeb5f1cbbe4259d6f35651dcc1b5c980925379c',
      'values.yaml 0 .dashboards.image.repository 25 mirror.acme.internal/grafana/grafana:10.3.3',
    ]);
    for (const i of r.images) {
      assert.equal(i.registryFrom, 'global.imageRegistry');
      assert.deepEqual([i.fields.global.file, i.fields.global.path, i.fields.global.line], ['values.yaml', '.global.imageRegistry', 3]);
    }
    assert.deepEqual(r.skipped, []);
  });

  const hinted = [
    ['relok8s patterns', 'charts/legacy-app.hints.yaml', '{{ .missing.image }}'],
    ['value paths and maps', 'charts/legacy-app.paths.yaml', '.missing.image'],
  ];
  for (const [what, hintsFile, missing] of hinted) {
    it(`a chart that needs a hints file: ${what}`, async () => {
      const r = await irel.findImages({ path: fixture('charts/legacy-app') }, { hints: text(hintsFile), hintsName: hintsFile });
      assert.deepEqual(seen(r), [
        'values.yaml 0 .proxy.repo 4 docker.io/envoyproxy/envoy:v1.29.1',
        'values.yaml 0 .controller.path 9 quay.io/jetstack/cert-manager-controller:v1.14.4',
        'values.yaml 0 .webhook.container 13 quay.io/jetstack/cert-manager-webhook:v1.14.4',
        'values.yaml 0 .jobs[0].runWith 17 bitnami/kubectl:1.29',
      ]);
      assert.ok(r.images.every((i) => i.source === 'hints' && i.hint));
      assert.deepEqual(r.skipped.map((s) => [s.file, s.hint, s.reason.code]), [[hintsFile, missing, 'HINT_NOT_FOUND']]);
    });
  }

  it('finds nothing in that chart without the hints', async () => {
    const r = await irel.findImages({ path: fixture('charts/legacy-app') });
    assert.deepEqual(r.images, []);
  });

  const badHints = [
    ['not a list', 'image: x\n', 'HINTS_INVALID'],
    ['not YAML', '- [\n', 'HINTS_INVALID'],
  ];
  for (const [what, hints, code] of badHints) {
    it(`refuses hints that are ${what}`, async () => {
      await assert.rejects(irel.findImages({ path: fixture('charts/legacy-app') }, { hints }), { code });
    });
  }

  const badItems = [
    ['two tags', '{{ .a }}:{{ .b }}:{{ .c }}', /more than one tag/],
    ['four fragments', '{{ .a }}/{{ .b }}/{{ .c }}/{{ .d }}', /more fragments/],
    ['a map without repository', { registry: '.a' }, /needs at least repository/],
    ['a word that is no path', 'image', /not a values path/],
  ];
  for (const [what, item, message] of badItems) {
    it(`lists a hint with ${what} as invalid`, async () => {
      const r = await irel.findImages({ path: fixture('charts/legacy-app') }, { hints: [item] });
      assert.equal(r.skipped.length, 1);
      assert.equal(r.skipped[0].reason.code, 'HINT_INVALID');
      assert.match(r.skipped[0].reason.message, message);
    });
  }

  it('a chart archive with a packaged sub-chart: the parent\'s overrides are rewritable, the rest is not', async () => {
    const r = await irel.findImages({ path: fixture('charts/monitoring-1.2.0.tgz') });
    // In reading order: the packaged sub-chart's files where its archive is.
    assert.deepEqual(seen(r), [
      'monitoring/charts/exporter-0.3.0.tgz!/exporter/values.yaml 0 .sidecar.image 6 ghcr.io/acme/textfile-collector:0.2.1 !IMAGE_IN_PACKAGED_CHART',
      'monitoring/templates/server.yaml 0  9 quay.io/prometheus-operator/prometheus-config-reloader:v0.71.2 !IMAGE_IN_TEMPLATE',
      'monitoring/values.yaml 0 .server.image.repository 3 quay.io/prometheus/prometheus:v2.50.1',
      'monitoring/values.yaml 0 .exporter.image.repository 10 docker.io/prom/node-exporter:v1.7.0',
    ]);
    assert.equal(r.images[3].fields.tag.file, 'monitoring/charts/exporter-0.3.0.tgz!/exporter/values.yaml');
    assert.deepEqual(r.source, { kind: 'archive', path: fixture('charts/monitoring-1.2.0.tgz') });
  });

  it('reads the same chart from its bytes ({ archive }) and from its files, as a browser gives them', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('charts/monitoring-1.2.0.tgz', FIXTURES)));
    const fromBytes = await irel.findImages({ archive: bytes, name: 'monitoring-1.2.0.tgz' });
    const fromPath = await irel.findImages({ path: fixture('charts/monitoring-1.2.0.tgz') });
    assert.deepEqual(fromBytes.images, fromPath.images);
    assert.deepEqual(fromBytes.source, { kind: 'archive', name: 'monitoring-1.2.0.tgz' });
    const files = ['Chart.yaml', 'values.yaml', 'charts/mariadb/Chart.yaml', 'charts/mariadb/values.yaml', 'charts/memcached/Chart.yaml',
      'charts/memcached/values.yaml', 'templates/deployment.yaml'].map((p) => ({ path: `wordpress/${p}`, text: text(`charts/wordpress/${p}`) }));
    const fromFiles = await irel.findImages(files);
    const fromDir = await irel.findImages({ path: fixture('charts/wordpress') });
    // In the order the files were given.
    assert.deepEqual(fromFiles.images.map((i) => `${i.file} ${i.path} ${i.image}`).sort(), fromDir.images.map((i) => `wordpress/${i.file} ${i.path} ${i.image}`).sort());
    assert.equal(fromFiles.images[0].file, 'wordpress/values.yaml');
  });
});
