// A real CNCF distribution registry (Debian `docker-registry` 2.8.2) on 127.0.0.1 for integration
// tests: temporary storage, delete enabled, optional Basic/token auth and TLS.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { makeServerCerts } from './pki.js';
import { startTokenServer } from './token-server.js';
import { freePort, httpRequest, makeTempDir, ownsListeningPort, removeDir, run, spawnDaemon, tailFile, waitUntil } from './util.js';

/** Minimal YAML for the registry config: nested plain objects, arrays of scalars, strings, numbers, booleans. */
function toYaml(obj, indent = '') {
  let out = '';
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) out += `${indent}${k}:\n${v.map((x) => `${indent}  - ${JSON.stringify(x)}\n`).join('')}`;
    else if (v && typeof v === 'object') out += `${indent}${k}:\n${toYaml(v, `${indent}  `)}`;
    else out += `${indent}${k}: ${typeof v === 'string' ? JSON.stringify(v) : v}\n`;
  }
  return out;
}

/**
 * Start `docker-registry serve CONFIG.yml` on a free 127.0.0.1 port and wait until GET /v2/
 * answers. options:
 *   auth: 'none' (default) | 'basic' | 'token'
 *   username, password: the main user (defaults 'tester' / 'secret-pw') for basic and token modes
 *   users: token mode only, extra token-server users ({ NAME: { password, access } }); the main
 *     user gets every action on every repository
 *   anonymous: token mode only, anonymous grants ({ glob: actions }) or false (default)
 *   tokenExpiresIn, enforceExpiry, keyHeader: passed to the token server (expiresIn, ...)
 *   tokenServer: use this running token server (startTokenServer) instead of starting one
 *   tls: true to serve HTTPS with a throwaway CA (cert for 127.0.0.1 + localhost)
 *   foreignUrls: false for stock behaviour (manifests with layer `urls` rejected); by default
 *     validation.manifests.urls.allow is ['^https?://'] so non-distributable layers can be pushed
 *   schema1: true to accept schema1 manifests (compatibility.schema1.enabled; off by default in 2.8)
 *   config: extra config sections, merged one level deep over the generated ones
 * Returns { host: '127.0.0.1:PORT', url, port, dir, logFile, configFile, tls, caFile?, caDir?, ca?,
 *   creds?: { username, password }, tokenServer?, stop() }. stop() sends SIGTERM, waits for the
 * exit, stops a token server it started and removes the temp dir.
 */
export async function startRegistry(options = {}) {
  const auth = options.auth ?? 'none';
  if (!['none', 'basic', 'token'].includes(auth)) throw new Error(`startRegistry: unknown auth mode ${auth}`);
  const dir = await makeTempDir('irel-registry-');
  const cleanups = [() => removeDir(dir)];
  const cleanup = async () => { for (const f of cleanups.reverse()) await f().catch(() => {}); };
  try {
    const reg = { dir, tls: Boolean(options.tls), logFile: join(dir, 'registry.log'), configFile: join(dir, 'config.yml') };
    const config = {
      version: '0.1',
      log: { level: 'error', accesslog: { disabled: true }, fields: { service: 'registry' } },
      storage: { filesystem: { rootdirectory: join(dir, 'storage') }, delete: { enabled: true },
        maintenance: { uploadpurging: { enabled: false } } },
      http: { addr: '', secret: randomBytes(16).toString('hex') },
    };
    // Stock distribution rejects manifests whose layers carry `urls` (foreign / non-distributable
    // layers) unless an allow list is configured; allow http(s) URLs unless told otherwise.
    if (options.foreignUrls !== false) config.validation = { manifests: { urls: { allow: ['^https?://'] } } };
    if (options.schema1) config.compatibility = { schema1: { enabled: true } };
    if (auth !== 'none') {
      reg.creds = { username: options.username ?? 'tester', password: options.password ?? 'secret-pw' };
    }
    if (auth === 'basic') {
      const { stdout } = await run('htpasswd', ['-Bbn', reg.creds.username, reg.creds.password]);
      await writeFile(join(dir, 'htpasswd'), stdout);
      config.auth = { htpasswd: { realm: 'irel-test-basic', path: join(dir, 'htpasswd') } };
    } else if (auth === 'token') {
      let ts = options.tokenServer;
      if (!ts) {
        ts = await startTokenServer({
          users: { [reg.creds.username]: { password: reg.creds.password, access: { '*': ['*'] } }, ...options.users },
          anonymous: options.anonymous ?? false,
          expiresIn: options.tokenExpiresIn,
          enforceExpiry: options.enforceExpiry,
          keyHeader: options.keyHeader,
        });
        const started = ts;
        cleanups.push(() => started.stop());
      }
      reg.tokenServer = ts;
      config.auth = { token: { realm: ts.realm, service: ts.service, issuer: ts.issuer, rootcertbundle: ts.certFile } };
    }
    if (options.tls) {
      const { caFile, certFile, keyFile } = await makeServerCerts(dir);
      // skopeo/containers-image --cert-dir wants a directory holding only the CA as *.crt.
      const caDir = join(dir, 'certs.d');
      await mkdir(caDir);
      await writeFile(join(caDir, 'ca.crt'), await readFile(caFile));
      Object.assign(reg, { caFile, caDir, ca: await readFile(caFile, 'utf8') });
      config.http.tls = { certificate: certFile, key: keyFile };
    }
    for (const [k, v] of Object.entries(options.config ?? {})) config[k] = { ...config[k], ...v };

    // A port free a moment ago may be taken by the time the registry binds it: retry a few times.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      config.http.addr = `127.0.0.1:${port}`;
      await writeFile(reg.configFile, toYaml(config));
      await writeFile(reg.logFile, '');
      const daemon = spawnDaemon('docker-registry', ['serve', reg.configFile], reg.logFile);
      let exitedEarly = false;
      daemon.exited.then(() => { exitedEarly = true; });
      Object.assign(reg, { port, host: `127.0.0.1:${port}`, url: `${reg.tls ? 'https' : 'http'}://127.0.0.1:${port}` });
      try {
        await waitUntil(async () => {
          if (exitedEarly) throw Object.assign(new Error('docker-registry exited'), { fatal: true });
          const r = await httpRequest(`${reg.url}/v2/`, { ca: reg.ca, timeoutMs: 2000 });
          return (r.status === 200 || r.status === 401) && ownsListeningPort(daemon.child.pid, port);
        }, { timeoutMs: 15_000, what: `docker-registry on ${reg.host}` });
      } catch (e) {
        await daemon.stop();
        const log = await tailFile(reg.logFile);
        if (attempt < 4 && /address already in use/.test(log)) continue;
        throw new Error(`${e.message}\n--- ${reg.logFile} ---\n${log}\n--- config ---\n${toYaml(config)}`);
      }
      let stopping;
      reg.stop = () => {
        stopping ??= (async () => {
          await daemon.stop();
          await cleanup();
        })();
        return stopping;
      };
      reg.daemon = daemon;
      return reg;
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
}
