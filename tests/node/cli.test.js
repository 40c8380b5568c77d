// The irel CLI as a user runs it: real processes, arguments, stdin, stdout, stderr and exit codes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = fileURLToPath(new URL('../../wasm/js/cli/main.js', import.meta.url));

function irel(args, input) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input: input ?? '', encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const lines = (s) => s.split('\n').filter(Boolean);
const PREFIX = 'registry.internal.acme.com/smith';
const ISTIO = `${PREFIX}/istio-proxyv2-f93a2cacc6cafa0474a2d6990a4dd1a0`;
const RIFF = `${PREFIX}/projectriff-builder-a4a25a99d48adad8310050be267a10ce:v1`;

describe('irel map', () => {
  it('maps the README example through npx from the repository root', () => {
    const r = spawnSync('npx', ['--no-install', 'irel', 'map', '-r', PREFIX, 'docker.io/istio/proxyv2',
      'projectriff/builder:v1'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [ISTIO, RIFF]);
  });

  it('reads references from stdin when none are given, skipping blank lines', () => {
    const r = irel(['map', '--repository-prefix', PREFIX], 'docker.io/istio/proxyv2\n\n  projectriff/builder:v1  \r\n');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [ISTIO, RIFF]);
  });

  it('reports invalid references on stderr, maps the rest and exits 1', () => {
    const r = irel(['map', '-r', PREFIX, 'docker.io/istio/proxyv2', 'Bad/Ref']);
    assert.equal(r.status, 1);
    assert.deepEqual(lines(r.stdout), [ISTIO]);
    assert.match(r.stderr, /"Bad\/Ref".*lowercase/);
  });

  it('gives one JSON object per input with --json', () => {
    const r = irel(['map', '-r', PREFIX, '--json'], 'docker.io/istio/proxyv2\nfoo:-x\n');
    assert.equal(r.status, 1);
    const [ok, bad] = lines(r.stdout).map((l) => JSON.parse(l));
    assert.deepEqual(ok, { input: 'docker.io/istio/proxyv2', output: ISTIO });
    assert.equal(bad.input, 'foo:-x');
    assert.equal(bad.error.code, 'NAME_INVALID_FORMAT');
  });

  const usage = [
    ['a missing prefix', ['map', 'busybox'], /missing -r PREFIX/],
    ['an invalid prefix', ['map', '-r', 'Not A Prefix', 'busybox'], /invalid repository prefix/],
    ['a prefix with a tag', ['map', '-r', 'example.com/x:v1', 'busybox'], /tag or digest/],
    ['an unknown option', ['map', '-r', PREFIX, '--bogus'], /bogus/],
  ];
  for (const [label, args, message] of usage) {
    it(`exits 2 for ${label}`, () => {
      const r = irel(args);
      assert.equal(r.status, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
      assert.match(r.stderr, /irel map --help/);
    });
  }

  it('maps a large batch in one process', () => {
    const refs = Array.from({ length: 20000 }, (_, i) => `example.com/team${i % 7}/app${i}:v${i}`);
    const r = irel(['map', '-r', PREFIX], refs.join('\n'));
    assert.equal(r.status, 0, r.stderr);
    const out = lines(r.stdout);
    assert.equal(out.length, refs.length);
    assert.match(out[19999], new RegExp(`^${PREFIX}/team0-app19999-[0-9a-f]{32}:v19999$`));
  });
});

describe('irel parse', () => {
  it('prints the normalized fields of each reference', () => {
    const r = irel(['parse', 'busybox:1.36', 'localhost:5000/a/b']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stdout).map((l) => JSON.parse(l)), [
      { input: 'busybox:1.36', name: 'docker.io/library/busybox', domain: 'docker.io', path: 'library/busybox',
        tag: '1.36', digest: '', string: 'docker.io/library/busybox:1.36', familiar: 'busybox:1.36' },
      { input: 'localhost:5000/a/b', name: 'localhost:5000/a/b', domain: 'localhost:5000', path: 'a/b',
        tag: '', digest: '', string: 'localhost:5000/a/b', familiar: 'localhost:5000/a/b' },
    ]);
  });

  it('prints an error object for an invalid reference and exits 1', () => {
    const r = irel(['parse'], 'ubuntu\nUPPER\n');
    assert.equal(r.status, 1);
    const [good, bad] = lines(r.stdout).map((l) => JSON.parse(l));
    assert.equal(good.string, 'docker.io/library/ubuntu');
    assert.deepEqual(Object.keys(bad), ['input', 'error']);
    assert.equal(bad.error.code, 'NAME_UPPERCASE');
  });
});

describe('irel help and version', () => {
  for (const command of ['parse', 'map']) {
    it(`shows help for ${command}`, () => {
      for (const args of [[command, '--help'], [command, '-h'], ['help', command]]) {
        const r = irel(args);
        assert.equal(r.status, 0);
        assert.match(r.stdout, new RegExp(`^Usage: irel ${command}`));
      }
    });
  }

  it('shows the command list with --help and exits 2 with no command', () => {
    assert.match(irel(['--help']).stdout, /Commands:\n.*parse.*\n.*map/);
    const none = irel([]);
    assert.equal(none.status, 2);
    assert.match(none.stdout, /Usage: irel COMMAND/);
  });

  it('prints the version', () => {
    const r = irel(['--version']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^irel \d+\.\d+\.\d+\n$/);
  });

  it('exits 2 for an unknown command', () => {
    const r = irel(['frobnicate']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown command "frobnicate"/);
  });
});
