// Registry credentials for Node, read the way the docker CLI reads them: the Docker config file
// (auths, credHelpers, credsStore) and docker-credential-* helper programs. Nothing here ever puts a
// password, token or base64 auth string into an error message.
import { spawn as defaultSpawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { IrelError } from '../errors.js';

/**
 * @typedef {{ username: string, password: string } | { identityToken: string }} Credential
 */

const HUB_SERVER = 'https://index.docker.io/v1/';
const HUB_HOSTS = ['index.docker.io', 'docker.io', 'registry-1.docker.io'];
const HELPER_TIMEOUT_MS = 10_000;
const STDERR_LIMIT = 200;
const OUTPUT_LIMIT = 1 << 20;
const TOKEN_USERNAME = '<token>';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

const configError = (message) => new IrelError({ code: 'CREDENTIALS_CONFIG_INVALID', message });
const helperError = (message) => new IrelError({ code: 'CREDENTIALS_HELPER_FAILED', message });
const own = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** docker's ConvertToHostname: drop an http(s):// scheme and any path; compared case-insensitively. */
export function convertToHostname(maybeUrl) {
  let s = String(maybeUrl).trim();
  const scheme = /^https?:\/\//i.exec(s);
  if (scheme) s = s.slice(scheme[0].length);
  const slash = s.indexOf('/');
  return slash === -1 ? s : s.slice(0, slash);
}

const hostKey = (maybeUrl) => convertToHostname(maybeUrl).toLowerCase();

/** Where the docker CLI looks for config.json given an environment. */
export function dockerConfigPath(env = process.env) {
  if (env.DOCKER_CONFIG) return path.join(env.DOCKER_CONFIG, 'config.json');
  return path.join(env.HOME || os.homedir(), '.docker', 'config.json');
}

/**
 * Parses a CLI value such as `--creds USER:PASSWORD` (split on the first colon; the password may
 * contain colons and may be empty). The text is never echoed in errors.
 * @returns {{ username: string, password: string }}
 */
export function parseCredentialOption(text) {
  const s = typeof text === 'string' ? text : '';
  const colon = s.indexOf(':');
  if (colon <= 0) {
    throw new IrelError({
      code: 'CREDENTIALS_INVALID',
      message: colon === 0
        ? 'invalid credentials: the user name before ":" is empty (expected USER:PASSWORD)'
        : 'invalid credentials: expected USER:PASSWORD',
    });
  }
  return { username: s.slice(0, colon), password: s.slice(colon + 1) };
}

async function loadConfig(file) {
  let text;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (e && e.code === 'ENOENT') return null;
    throw configError(`cannot read Docker config ${file}: ${e && e.code ? e.code : 'read failed'}`);
  }
  let config;
  try {
    config = JSON.parse(text);
  } catch {
    // JSON.parse messages quote the input, which may hold secrets: say only where.
    throw configError(`Docker config ${file} is not valid JSON`);
  }
  if (!isObject(config)) throw configError(`Docker config ${file} is not a JSON object`);
  for (const field of ['auths', 'credHelpers']) {
    if (config[field] !== undefined && config[field] !== null && !isObject(config[field])) {
      throw configError(`Docker config ${file}: "${field}" is not an object`);
    }
  }
  if (config.credsStore !== undefined && config.credsStore !== null && typeof config.credsStore !== 'string') {
    throw configError(`Docker config ${file}: "credsStore" is not a string`);
  }
  return {
    file,
    auths: config.auths ?? {},
    credHelpers: config.credHelpers ?? {},
    credsStore: config.credsStore ?? '',
  };
}

/** Keys of `map` that stand for the registry: the exact spelling first, then file order. */
function matchingKeys(map, target) {
  const exact = target.hub ? HUB_SERVER : target.written;
  const keys = [];
  if (own(map, exact)) keys.push(exact);
  for (const key of Object.keys(map)) {
    if (key !== exact && target.hosts.includes(hostKey(key))) keys.push(key);
  }
  return keys;
}

function helperFor(config, target) {
  for (const key of matchingKeys(config.credHelpers, target)) {
    const name = config.credHelpers[key];
    if (typeof name !== 'string') {
      throw configError(`Docker config ${config.file}: credHelpers entry for ${key} is not a string`);
    }
    // An empty per-registry helper means "use the config file", as in docker.
    return { name, perRegistry: true };
  }
  return config.credsStore ? { name: config.credsStore, perRegistry: false } : null;
}

function hasCredentialFields(entry) {
  return isObject(entry) && ['auth', 'username', 'password', 'identitytoken'].some((f) => entry[f]);
}

function fromAuths(config, target) {
  const key = matchingKeys(config.auths, target).find((k) => hasCredentialFields(config.auths[k]));
  if (key === undefined) return null;
  const entry = config.auths[key];
  const where = `Docker config ${config.file}: the auths entry for ${target.written} (key "${key}")`;
  if (entry.identitytoken) {
    if (typeof entry.identitytoken !== 'string') throw configError(`${where} has a non-string identitytoken`);
    return { identityToken: entry.identitytoken };
  }
  if (entry.auth) {
    if (typeof entry.auth !== 'string') throw configError(`${where} has a non-string auth`);
    const encoded = entry.auth.trim();
    if (!BASE64.test(encoded)) throw configError(`${where} has an auth field that is not valid base64`);
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) throw configError(`${where} has an auth field that does not decode to USER:PASSWORD`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  const { username, password } = entry;
  if ((username != null && typeof username !== 'string') || (password != null && typeof password !== 'string')) {
    throw configError(`${where} has a non-string username or password`);
  }
  if (!username) return null;
  return { username, password: password ?? '' };
}

/** Replaces each known secret in `text` and bounds its length. */
function redact(text, secrets) {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join('[redacted]');
  }
  out = out.trim().replace(/\s+/g, ' ');
  return out.length > STDERR_LIMIT ? `${out.slice(0, STDERR_LIMIT)}…` : out;
}

function secretsIn(stdout) {
  try {
    const parsed = JSON.parse(stdout);
    if (isObject(parsed) && typeof parsed.Secret === 'string' && parsed.Secret) return [parsed.Secret];
  } catch {
    // not JSON: nothing known to redact beyond not echoing stdout at all
  }
  return [];
}

function runHelper({ name, serverUrl, registry, env, spawn, timeoutMs }) {
  const program = `docker-credential-${name}`;
  const about = `credential helper ${program} for ${registry}`;
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    } catch (e) {
      reject(helperError(`${about} could not be started: ${e && e.code ? e.code : 'spawn failed'}`));
      return;
    }
    const out = [];
    const err = [];
    let outBytes = 0;
    let errBytes = 0;
    let settled = false;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn(value);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(reject, helperError(`${about} timed out after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.stdout?.on('data', (chunk) => {
      if ((outBytes += chunk.length) <= OUTPUT_LIMIT) out.push(chunk);
    });
    child.stderr?.on('data', (chunk) => {
      if ((errBytes += chunk.length) <= OUTPUT_LIMIT) err.push(chunk);
    });
    child.stdin?.on('error', () => {}); // EPIPE when the helper exits without reading stdin
    child.on('error', (e) => {
      if (e && e.code === 'ENOENT') {
        finish(reject, helperError(`${about}: ${program} was not found on PATH`));
      } else {
        finish(reject, helperError(`${about} could not be run: ${e && e.code ? e.code : 'error'}`));
      }
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0) {
        if (/credentials not found/i.test(`${stdout}\n${stderr}`)) {
          finish(resolve, { notFound: true });
          return;
        }
        const status = code === null ? `was killed by ${signal}` : `exited with status ${code}`;
        const detail = redact(stderr, secretsIn(stdout));
        finish(reject, helperError(`${about} ${status}${detail ? `: ${detail}` : ''}`));
        return;
      }
      let parsed;
      try {
        parsed = JSON.parse(stdout);
      } catch {
        parsed = undefined;
      }
      if (!isObject(parsed)) {
        finish(reject, helperError(`${about} printed something other than a JSON object`));
        return;
      }
      const { Username: username = '', Secret: secret = '' } = parsed;
      if (typeof username !== 'string' || typeof secret !== 'string') {
        finish(reject, helperError(`${about} printed a non-string Username or Secret`));
        return;
      }
      if (!secret) finish(resolve, { credential: null });
      else if (username === TOKEN_USERNAME) finish(resolve, { credential: { identityToken: secret } });
      else finish(resolve, { credential: { username, password: secret } });
    });
    child.stdin?.end(serverUrl);
  });
}

/**
 * createDockerCredentials({ configDir, env, spawn }) -> { get(registry) : Promise<Credential|null> }
 *
 * registry: as named in an image reference: 'docker.io', 'localhost:5000', 'quay.io', '[::1]:5000'.
 * Credential: { username, password } | { identityToken } (never both), or null when none.
 *
 * Options: configDir (directory holding config.json; overrides DOCKER_CONFIG/HOME), env (default
 * process.env; also the helpers' environment and PATH), spawn (default child_process.spawn),
 * timeoutMs (helper timeout, default 10 000).
 *
 * Precedence, per registry: credHelpers[registry] (an empty name there means "use auths"), then
 * credsStore, then auths. A credsStore that reports "credentials not found" falls back to auths;
 * a per-registry helper that reports it means no credentials.
 */
export function createDockerCredentials(options = {}) {
  const env = options.env ?? process.env;
  const spawn = options.spawn ?? defaultSpawn;
  const timeoutMs = options.timeoutMs ?? HELPER_TIMEOUT_MS;
  const file = options.configDir ? path.join(options.configDir, 'config.json') : dockerConfigPath(env);
  const cache = new Map();
  let configPromise;

  const config = () => {
    configPromise ??= loadConfig(file).catch((e) => {
      configPromise = undefined;
      throw e;
    });
    return configPromise;
  };

  async function lookup(target) {
    const cfg = await config();
    if (!cfg) return null;
    const helper = helperFor(cfg, target);
    if (helper && helper.name) {
      if (!HELPER_NAME.test(helper.name)) {
        throw configError(`Docker config ${cfg.file}: invalid credential helper name for ${target.written}`);
      }
      const serverUrl = target.hub ? HUB_SERVER : target.written;
      const r = await runHelper({ name: helper.name, serverUrl, registry: target.written, env, spawn, timeoutMs });
      if (!r.notFound) return r.credential;
      if (helper.perRegistry) return null;
    }
    return fromAuths(cfg, target);
  }

  return {
    configFile: file,
    /** @returns {Promise<Credential|null>} */
    get(registry) {
      if (typeof registry !== 'string' || !convertToHostname(registry)) {
        return Promise.reject(new TypeError('registry must be a non-empty host name such as "quay.io"'));
      }
      const written = convertToHostname(registry);
      const key = written.toLowerCase();
      const hub = HUB_HOSTS.includes(key);
      const target = { written: hub ? 'docker.io' : written, hub, hosts: hub ? HUB_HOSTS : [key] };
      const cacheKey = hub ? 'docker.io' : key;
      let result = cache.get(cacheKey);
      if (!result) {
        result = lookup(target).catch((e) => {
          cache.delete(cacheKey);
          throw e;
        });
        cache.set(cacheKey, result);
      }
      return result.then((c) => (c ? { ...c } : null));
    },
  };
}
