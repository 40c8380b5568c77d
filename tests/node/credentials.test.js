// Registry credentials read the way the docker CLI reads them: config.json (auths, credHelpers,
// credsStore) and docker-credential-* helpers, run as real processes from a PATH given in `env`.
import assert from 'node:assert/strict';
import { spawn as realSpawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import { IrelError } from '../../wasm/js/errors.js';
import {
  convertToHostname,
  createDockerCredentials,
  dockerConfigPath,
  parseCredentialOption,
} from '../../wasm/js/node/credentials.js';

const SECRET = 'Pa55:w0rd:with:colons';
const TOKEN = 'eyJ-identity-token-SECRET-42';
const b64 = (s) => Buffer.from(s).toString('base64');
const AUTH = b64(`alice:${SECRET}`);

const ROOT = mkdtempSync(path.join(os.tmpdir(), 'irel-creds-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));
let serial = 0;
const tempDir = (label) => {
  const dir = path.join(ROOT, `${label}-${++serial}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

/** A config dir holding `config` (an object is written as JSON, a string as is). */
function configDir(config) {
  const dir = tempDir('cfg');
  if (config !== undefined) {
    writeFileSync(path.join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  }
  return dir;
}

/**
 * A bin dir of fake docker-credential-<name> shell scripts. Each records its stdin in
 * <bin>/<name>.stdin and appends a line to <bin>/<name>.calls, then runs `body`.
 */
function helpers(scripts) {
  const bin = tempDir('bin');
  for (const [name, body] of Object.entries(scripts)) {
    const file = path.join(bin, `docker-credential-${name}`);
    writeFileSync(file, `#!/bin/sh\nserver=$(cat)\nprintf '%s' "$server" > "${bin}/${name}.stdin"\n` +
      `echo called >> "${bin}/${name}.calls"\n${body}\n`);
    chmodSync(file, 0o755);
  }
  return {
    bin,
    env: { PATH: `${bin}${path.delimiter}${process.env.PATH}`, HOME: tempDir('home') },
    stdin: (name) => readFileSync(path.join(bin, `${name}.stdin`), 'utf8'),
    calls: (name) => {
      const f = path.join(bin, `${name}.calls`);
      return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0;
    },
  };
}

const replies = {
  user: `printf '{"ServerURL":"%s","Username":"helper-user","Secret":"${SECRET}"}' "$server"`,
  token: `printf '{"ServerURL":"%s","Username":"<token>","Secret":"${TOKEN}"}' "$server"`,
  notFound: `echo "credentials not found in native keychain"; exit 1`,
};

function credentials(config, scripts = {}, extra = {}) {
  const h = helpers(scripts);
  return { h, creds: createDockerCredentials({ configDir: configDir(config), env: h.env, ...extra }) };
}

/** Asserts an IrelError with `code` whose message matches `pattern` and leaks none of `secrets`. */
function assertSafeError(error, code, pattern, secrets = [SECRET, TOKEN, AUTH]) {
  assert.ok(error instanceof IrelError, `expected IrelError, got ${error}`);
  assert.equal(error.code, code);
  assert.match(error.message, pattern);
  for (const secret of secrets) {
    assert.ok(!error.message.includes(secret), `message leaks a secret: ${error.message}`);
    assert.ok(!JSON.stringify(error).includes(secret), 'toJSON leaks a secret');
    assert.ok(!String(error.stack).includes(secret), 'stack leaks a secret');
  }
  return true;
}

describe('config file location', () => {
  const config = { auths: { 'quay.io': { auth: AUTH } } };
  const expected = { username: 'alice', password: SECRET };

  it('reads $DOCKER_CONFIG/config.json when DOCKER_CONFIG is set', async () => {
    const dir = configDir(config);
    const creds = createDockerCredentials({ env: { DOCKER_CONFIG: dir, HOME: tempDir('home') } });
    assert.equal(creds.configFile, path.join(dir, 'config.json'));
    assert.deepEqual(await creds.get('quay.io'), expected);
  });

  it('reads $HOME/.docker/config.json when DOCKER_CONFIG is unset', async () => {
    const home = tempDir('home');
    mkdirSync(path.join(home, '.docker'));
    writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify(config));
    const creds = createDockerCredentials({ env: { HOME: home } });
    assert.deepEqual(await creds.get('quay.io'), expected);
  });

  it('falls back to os.homedir() when HOME is unset', () => {
    assert.equal(dockerConfigPath({}), path.join(os.homedir(), '.docker', 'config.json'));
  });

  it('lets the configDir option override DOCKER_CONFIG', async () => {
    const creds = createDockerCredentials({ configDir: configDir(config), env: { DOCKER_CONFIG: tempDir('empty') } });
    assert.deepEqual(await creds.get('quay.io'), expected);
  });

  it('treats a missing config file, or a missing config dir, as no credentials', async () => {
    const missingFile = createDockerCredentials({ configDir: configDir(undefined), env: {} });
    assert.equal(await missingFile.get('docker.io'), null);
    const missingDir = createDockerCredentials({ env: { DOCKER_CONFIG: path.join(ROOT, 'does-not-exist') } });
    assert.equal(await missingDir.get('quay.io'), null);
  });
});

describe('auths key spellings (docker ConvertToHostname)', () => {
  const cases = [
    ['host', 'quay.io', 'quay.io'],
    ['https://host', 'https://quay.io', 'quay.io'],
    ['http://host:port', 'http://localhost:5000', 'localhost:5000'],
    ['https://host/v1/', 'https://registry.example.com/v1/', 'registry.example.com'],
    ['host/v2/', 'registry.example.com/v2/', 'registry.example.com'],
    ['host:port', 'localhost:5000', 'localhost:5000'],
    ['IPv6 host with port and path', 'https://[::1]:5000/v2/', '[::1]:5000'],
    ['an upper-case scheme and host', 'HTTPS://Quay.IO/', 'quay.io'],
    ['docker.io as https://index.docker.io/v1/', 'https://index.docker.io/v1/', 'docker.io'],
    ['docker.io as index.docker.io', 'index.docker.io', 'docker.io'],
    ['docker.io as docker.io', 'docker.io', 'docker.io'],
    ['docker.io as registry-1.docker.io', 'registry-1.docker.io', 'docker.io'],
    ['docker.io as https://registry-1.docker.io/v2/', 'https://registry-1.docker.io/v2/', 'docker.io'],
    ['docker.io asked for as index.docker.io', 'https://index.docker.io/v1/', 'index.docker.io'],
  ];
  for (const [label, key, registry] of cases) {
    it(`finds ${registry} under a key written as ${label}`, async () => {
      const { creds } = credentials({ auths: { [key]: { auth: AUTH } } });
      assert.deepEqual(await creds.get(registry), { username: 'alice', password: SECRET });
    });
  }

  const misses = [
    ['a different port', 'localhost:5000', 'localhost:5001'],
    ['a host with a suffix', 'docker.io', 'docker.io.evil.example'],
    ['a different host', 'quay.io', 'ghcr.io'],
    ['a hostname spelled inside a path', 'https://evil.example/quay.io', 'quay.io'],
    ['a Docker Hub key for another registry', 'https://index.docker.io/v1/', 'quay.io'],
  ];
  for (const [label, key, registry] of misses) {
    it(`does not use a key for ${label}`, async () => {
      const { creds } = credentials({ auths: { [key]: { auth: AUTH } } });
      assert.equal(await creds.get(registry), null);
    });
  }

  it('prefers the exact key https://index.docker.io/v1/ over other Docker Hub spellings', async () => {
    const { creds } = credentials({
      auths: { 'docker.io': { auth: b64('other:pw') }, 'https://index.docker.io/v1/': { auth: AUTH } },
    });
    assert.deepEqual(await creds.get('docker.io'), { username: 'alice', password: SECRET });
  });

  it('skips an empty placeholder entry when another spelling has credentials', async () => {
    const { creds } = credentials({ auths: { 'https://index.docker.io/v1/': {}, 'docker.io': { auth: AUTH } } });
    assert.deepEqual(await creds.get('docker.io'), { username: 'alice', password: SECRET });
  });
});

describe('auths entry fields', () => {
  const cases = [
    ['auth splits on the first colon, keeping colons in the password', { auth: AUTH },
      { username: 'alice', password: SECRET }],
    ['auth keeps an empty password', { auth: b64('alice:') }, { username: 'alice', password: '' }],
    ['auth decodes UTF-8', { auth: b64('zoë:pässwörd') }, { username: 'zoë', password: 'pässwörd' }],
    ['username and password fields are used without auth', { username: 'bob', password: SECRET },
      { username: 'bob', password: SECRET }],
    ['auth wins over username and password fields', { auth: AUTH, username: 'bob', password: 'x' },
      { username: 'alice', password: SECRET }],
    ['identitytoken alone gives an identity token', { identitytoken: TOKEN }, { identityToken: TOKEN }],
    ['identitytoken takes precedence over auth', { auth: AUTH, identitytoken: TOKEN }, { identityToken: TOKEN }],
    ['an empty entry means no credentials', {}, null],
    ['an empty auth string means no credentials', { auth: '' }, null],
    ['a password without a username means no credentials', { password: SECRET }, null],
  ];
  for (const [label, entry, expected] of cases) {
    it(label, async () => {
      const { creds } = credentials({ auths: { 'quay.io': entry } });
      const got = await creds.get('quay.io');
      assert.deepEqual(got, expected);
      if (got) assert.ok(!('identityToken' in got && 'password' in got), 'never both kinds');
    });
  }

  it('hands out copies, so a caller cannot change the cached credential', async () => {
    const { creds } = credentials({ auths: { 'quay.io': { auth: AUTH } } });
    (await creds.get('quay.io')).password = 'changed';
    assert.equal((await creds.get('quay.io')).password, SECRET);
  });
});

describe('invalid configs are errors that name the file or registry but not the secret', () => {
  const cases = [
    ['invalid JSON', `{"auths": {"quay.io": {"auth": "${AUTH}"}}, oops ${SECRET}`, 'quay.io',
      /config\.json is not valid JSON/],
    ['a JSON array', `["${SECRET}"]`, 'quay.io', /config\.json is not a JSON object/],
    ['auths that is not an object', { auths: [SECRET] }, 'quay.io', /"auths" is not an object/],
    ['auth that is not base64', { auths: { 'quay.io': { auth: `${SECRET}!!` } } }, 'quay.io',
      /auths entry for quay\.io .*not valid base64/],
    ['auth with unpadded base64', { auths: { 'quay.io': { auth: AUTH.replace(/=+$/, '') + 'x' } } }, 'quay.io',
      /quay\.io.*not valid base64/],
    ['auth without a colon', { auths: { 'quay.io': { auth: b64(SECRET.replace(/:/g, '')) } } }, 'quay.io',
      /quay\.io.*does not decode to USER:PASSWORD/],
    ['a docker.io auth without a colon', { auths: { 'https://index.docker.io/v1/': { auth: b64('nocolon') } } },
      'docker.io', /docker\.io.*USER:PASSWORD/],
    ['a helper name with a path in it', { credsStore: '../../bin/sh' }, 'quay.io', /invalid credential helper name/],
  ];
  for (const [label, config, registry, pattern] of cases) {
    it(`rejects ${label} with CREDENTIALS_CONFIG_INVALID`, async () => {
      const dir = configDir(config);
      const creds = createDockerCredentials({ configDir: dir, env: {} });
      await assert.rejects(creds.get(registry), (e) => {
        assertSafeError(e, 'CREDENTIALS_CONFIG_INVALID', pattern, [SECRET, AUTH, b64(SECRET.replace(/:/g, ''))]);
        if (!/helper/.test(label)) assert.ok(e.message.includes(path.join(dir, 'config.json')), 'names the file');
        return true;
      });
    });
  }

  it('rejects an unreadable config file, naming it', async () => {
    const dir = tempDir('cfg');
    mkdirSync(path.join(dir, 'config.json')); // a directory: EISDIR even when running as root
    const creds = createDockerCredentials({ configDir: dir, env: {} });
    await assert.rejects(creds.get('quay.io'), (e) =>
      assertSafeError(e, 'CREDENTIALS_CONFIG_INVALID', /cannot read Docker config .*config\.json: EISDIR/));
  });

  it('does not fail for a bad entry of another registry', async () => {
    const { creds } = credentials({ auths: { 'quay.io': { auth: '!!!' }, 'ghcr.io': { auth: AUTH } } });
    assert.deepEqual(await creds.get('ghcr.io'), { username: 'alice', password: SECRET });
  });
});

describe('credential helpers', () => {
  it('runs docker-credential-<credHelpers[registry]> get with the host on stdin and reads Username/Secret', async () => {
    const { h, creds } = credentials({ credHelpers: { 'localhost:5000': 'fake' } }, { fake: replies.user });
    assert.deepEqual(await creds.get('localhost:5000'), { username: 'helper-user', password: SECRET });
    assert.equal(h.stdin('fake'), 'localhost:5000');
  });

  it('sends https://index.docker.io/v1/ on stdin for docker.io', async () => {
    const { h, creds } = credentials({ credsStore: 'fake' }, { fake: replies.user });
    assert.deepEqual(await creds.get('docker.io'), { username: 'helper-user', password: SECRET });
    assert.equal(h.stdin('fake'), 'https://index.docker.io/v1/');
  });

  it('sends an IPv6 registry as written', async () => {
    const { h, creds } = credentials({ credsStore: 'fake' }, { fake: replies.user });
    await creds.get('[::1]:5000');
    assert.equal(h.stdin('fake'), '[::1]:5000');
  });

  it('finds a credHelpers entry written as a URL or under a Docker Hub alias', async () => {
    for (const [key, registry] of [['https://quay.io/v2/', 'quay.io'], ['https://index.docker.io/v1/', 'docker.io'],
      ['index.docker.io', 'docker.io']]) {
      const { h, creds } = credentials({ credHelpers: { [key]: 'fake' } }, { fake: replies.user });
      assert.deepEqual(await creds.get(registry), { username: 'helper-user', password: SECRET }, key);
      assert.equal(h.calls('fake'), 1, key);
    }
  });

  it('turns Username "<token>" into an identity token', async () => {
    const { creds } = credentials({ credsStore: 'fake' }, { fake: replies.token });
    assert.deepEqual(await creds.get('quay.io'), { identityToken: TOKEN });
  });

  it('treats an empty Secret from a helper as no credentials', async () => {
    const { creds } = credentials({ credsStore: 'fake' }, { fake: `echo '{"ServerURL":"x","Username":"","Secret":""}'` });
    assert.equal(await creds.get('quay.io'), null);
  });

  it('spawns through the spawn option with the env option (so its PATH finds the helper)', async () => {
    const h = helpers({ fake: replies.user });
    const seen = [];
    const spawn = (command, args, opts) => {
      seen.push({ command, args, env: opts.env });
      return realSpawn(command, args, opts);
    };
    const creds = createDockerCredentials({ configDir: configDir({ credsStore: 'fake' }), env: h.env, spawn });
    assert.deepEqual(await creds.get('quay.io'), { username: 'helper-user', password: SECRET });
    assert.deepEqual(seen.map(({ command, args }) => [command, args]), [['docker-credential-fake', ['get']]]);
    assert.equal(seen[0].env, h.env);
  });

  const notFound = [
    ['stdout, as docker-credential-helpers print it', replies.notFound],
    ['stderr, in another case', `echo "Error: Credentials Not Found for this server" >&2; exit 1`],
  ];
  for (const [label, body] of notFound) {
    it(`treats "credentials not found" on ${label} as no credentials`, async () => {
      const { creds } = credentials({ credHelpers: { 'quay.io': 'fake' } }, { fake: body });
      assert.equal(await creds.get('quay.io'), null);
    });
  }

  const failures = [
    ['a non-zero exit, showing stderr', `echo "keychain is locked" >&2; exit 3`,
      /credential helper docker-credential-fake for quay\.io exited with status 3: keychain is locked$/],
    ['a non-zero exit after printing the secret on stdout and stderr',
      `printf '{"Username":"u","Secret":"${SECRET}"}'; echo "leaked ${SECRET} oops" >&2; exit 1`,
      /docker-credential-fake for quay\.io exited with status 1: leaked \[redacted\] oops/],
    ['stdout that is not JSON', `echo "user ${SECRET}"`, /docker-credential-fake for quay\.io printed something other than a JSON object/],
    ['a JSON reply with a non-string Secret', `echo '{"Username":"u","Secret":42}'`, /non-string Username or Secret/],
    ['a crash by signal', `kill -9 $$`, /docker-credential-fake for quay\.io was killed by SIGKILL/],
  ];
  for (const [label, body, pattern] of failures) {
    it(`reports ${label} as CREDENTIALS_HELPER_FAILED without the secret`, async () => {
      const { creds } = credentials({ credsStore: 'fake', auths: { 'quay.io': { auth: AUTH } } }, { fake: body });
      await assert.rejects(creds.get('quay.io'), (e) => assertSafeError(e, 'CREDENTIALS_HELPER_FAILED', pattern));
    });
  }

  it('trims helper stderr to 200 characters', async () => {
    const { creds } = credentials({ credsStore: 'fake' }, { fake: `printf 'x%.0s' $(seq 1 5000) >&2; exit 1` });
    await assert.rejects(creds.get('quay.io'), (e) => {
      assertSafeError(e, 'CREDENTIALS_HELPER_FAILED', /exited with status 1: x+…$/);
      assert.equal(e.message.split(': ').pop().length, 201);
      return true;
    });
  });

  it('names a helper binary that is not on PATH', async () => {
    const { creds } = credentials({ credsStore: 'missing-helper', auths: { 'quay.io': { auth: AUTH } } });
    await assert.rejects(creds.get('quay.io'), (e) =>
      assertSafeError(e, 'CREDENTIALS_HELPER_FAILED', /docker-credential-missing-helper was not found on PATH/));
  });

  it('times a helper out after 10 s and kills it', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const child = new EventEmitter();
    child.stdin = Object.assign(new EventEmitter(), { end() {} });
    child.stdout = new EventEmitter();
    child.stderr = new EventEmitter();
    child.killed = [];
    child.kill = (signal) => child.killed.push(signal);
    let spawned;
    const started = new Promise((resolve) => { spawned = resolve; });
    const spawn = () => {
      spawned();
      return child;
    };
    const creds = createDockerCredentials({ configDir: configDir({ credsStore: 'slow' }), env: {}, spawn });
    let outcome;
    const pending = creds.get('quay.io').then((v) => { outcome = v; }, (e) => { outcome = e; });
    await started; // the config has been read and the timer set, synchronously with spawn
    t.mock.timers.tick(9_999);
    await new Promise(setImmediate);
    assert.equal(outcome, undefined, 'still waiting before 10 s');
    t.mock.timers.tick(1);
    await new Promise(setImmediate);
    assert.ok(outcome, 'settled at 10 s');
    await pending;
    assertSafeError(outcome, 'CREDENTIALS_HELPER_FAILED', /docker-credential-slow for quay\.io timed out after 10 s/);
    assert.deepEqual(child.killed, ['SIGKILL']);
  });

  it('honours a shorter timeoutMs with a real helper that hangs', async () => {
    const { creds } = credentials({ credsStore: 'hang' }, { hang: 'exec sleep 30' }, { timeoutMs: 300 });
    await assert.rejects(creds.get('quay.io'), (e) => assertSafeError(e, 'CREDENTIALS_HELPER_FAILED', /timed out/));
  });
});

describe('precedence', () => {
  const fileAuth = { username: 'alice', password: SECRET };
  const helperAuth = { username: 'helper-user', password: SECRET };
  const cases = [
    ['credHelpers wins over credsStore and auths',
      { credHelpers: { 'quay.io': 'per' }, credsStore: 'store', auths: { 'quay.io': { auth: AUTH } } },
      { per: replies.user, store: replies.token }, helperAuth, { per: 1, store: 0 }],
    ['credsStore wins over auths',
      { credsStore: 'store', auths: { 'quay.io': { auth: AUTH } } },
      { store: replies.token }, { identityToken: TOKEN }, { store: 1 }],
    ['credsStore "credentials not found" falls back to auths',
      { credsStore: 'store', auths: { 'quay.io': { auth: AUTH } } },
      { store: replies.notFound }, fileAuth, { store: 1 }],
    ['credsStore "credentials not found" with no auths entry is null',
      { credsStore: 'store', auths: { 'quay.io': {} } }, { store: replies.notFound }, null, { store: 1 }],
    ['a credHelpers "credentials not found" is null, without falling back',
      { credHelpers: { 'quay.io': 'per' }, credsStore: 'store', auths: { 'quay.io': { auth: AUTH } } },
      { per: replies.notFound, store: replies.user }, null, { per: 1, store: 0 }],
    ['an empty credHelpers name means the config file, skipping credsStore',
      { credHelpers: { 'quay.io': '' }, credsStore: 'store', auths: { 'quay.io': { auth: AUTH } } },
      { store: replies.user }, fileAuth, { store: 0 }],
    ['credHelpers for another registry leaves credsStore in charge',
      { credHelpers: { 'ghcr.io': 'per' }, credsStore: 'store' },
      { per: replies.token, store: replies.user }, helperAuth, { per: 0, store: 1 }],
    ['an empty credsStore means the config file',
      { credsStore: '', auths: { 'quay.io': { auth: AUTH } } }, {}, fileAuth, {}],
  ];
  for (const [label, config, scripts, expected, calls] of cases) {
    it(label, async () => {
      const { h, creds } = credentials(config, scripts);
      assert.deepEqual(await creds.get('quay.io'), expected);
      for (const [name, n] of Object.entries(calls)) assert.equal(h.calls(name), n, `${name} calls`);
    });
  }

  it('does not fall back to auths when credsStore fails for another reason', async () => {
    const { creds } = credentials({ credsStore: 'store', auths: { 'quay.io': { auth: AUTH } } },
      { store: 'echo boom >&2; exit 1' });
    await assert.rejects(creds.get('quay.io'), (e) => assertSafeError(e, 'CREDENTIALS_HELPER_FAILED', /boom/));
  });
});

describe('caching', () => {
  it('runs a helper once for two gets of the same registry', async () => {
    const { h, creds } = credentials({ credsStore: 'count' }, { count: replies.user });
    const first = await creds.get('quay.io');
    const second = await creds.get('quay.io');
    assert.deepEqual(second, first);
    assert.equal(h.calls('count'), 1);
  });

  it('shares one helper run between concurrent gets and Docker Hub spellings', async () => {
    const { h, creds } = credentials({ credsStore: 'count' }, { count: replies.user });
    await Promise.all([creds.get('docker.io'), creds.get('docker.io'), creds.get('index.docker.io')]);
    assert.equal(h.calls('count'), 1);
  });

  it('caches "no credentials" too', async () => {
    const { h, creds } = credentials({ credsStore: 'count' }, { count: replies.notFound });
    assert.equal(await creds.get('quay.io'), null);
    assert.equal(await creds.get('quay.io'), null);
    assert.equal(h.calls('count'), 1);
  });

  it('runs the helper once per registry', async () => {
    const { h, creds } = credentials({ credsStore: 'count' }, { count: replies.user });
    await creds.get('quay.io');
    await creds.get('ghcr.io');
    await creds.get('quay.io');
    assert.equal(h.calls('count'), 2);
  });

  it('keeps caches separate between instances', async () => {
    const h = helpers({ count: replies.user });
    const dir = configDir({ credsStore: 'count' });
    await createDockerCredentials({ configDir: dir, env: h.env }).get('quay.io');
    await createDockerCredentials({ configDir: dir, env: h.env }).get('quay.io');
    assert.equal(h.calls('count'), 2);
  });

  it('does not cache a failure, so a later get retries', async () => {
    const h = helpers({ flaky: `if [ -f "$0.ok" ]; then ${replies.user}; else echo busy >&2; exit 1; fi` });
    const creds = createDockerCredentials({ configDir: configDir({ credsStore: 'flaky' }), env: h.env });
    await assert.rejects(creds.get('quay.io'), /busy/);
    writeFileSync(path.join(h.bin, 'docker-credential-flaky.ok'), '');
    assert.deepEqual(await creds.get('quay.io'), { username: 'helper-user', password: SECRET });
    assert.equal(h.calls('flaky'), 2);
  });
});

describe('get arguments', () => {
  it('rejects a registry that is not a non-empty string', async () => {
    const { creds } = credentials({});
    for (const bad of ['', undefined, 42, 'https://']) await assert.rejects(creds.get(bad), TypeError);
  });

  it('accepts a registry written with a scheme, like docker ConvertToHostname', () => {
    assert.equal(convertToHostname('https://[::1]:5000/v2/'), '[::1]:5000');
    assert.equal(convertToHostname('http://localhost:5000'), 'localhost:5000');
    assert.equal(convertToHostname('quay.io/v1/'), 'quay.io');
  });
});

describe('parseCredentialOption (--creds USER:PASSWORD)', () => {
  const ok = [
    ['splits on the first colon', `alice:${SECRET}`, { username: 'alice', password: SECRET }],
    ['keeps an empty password', 'alice:', { username: 'alice', password: '' }],
    ['keeps spaces', ' al ice : pw ', { username: ' al ice ', password: ' pw ' }],
  ];
  for (const [label, text, expected] of ok) {
    it(label, () => assert.deepEqual(parseCredentialOption(text), expected));
  }

  const bad = [
    ['text without a colon', SECRET.replace(/:/g, '')],
    ['an empty user', `:${SECRET}`],
    ['an empty string', ''],
    ['a non-string', undefined],
  ];
  for (const [label, text] of bad) {
    it(`rejects ${label} with CREDENTIALS_INVALID, without echoing it`, () => {
      assert.throws(() => parseCredentialOption(text), (e) =>
        assertSafeError(e, 'CREDENTIALS_INVALID', /USER:PASSWORD/, [SECRET, SECRET.replace(/:/g, '')]));
    });
  }
});
