// The command-line options of the server (`irel serve`, `node proxy/server.js`) and their
// translation into createProxyServer options. Mistakes throw OptionError (a usage error).
import { readFileSync } from 'node:fs';

import { canonicalOrigin } from './cors.js';
import { isLoopbackListenHost } from './request-gate.js';
import { hostSet } from './target-policy.js';

export class OptionError extends Error {}

export const SERVE_OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'allow-host': { type: 'string', multiple: true },
  'allow-origin': { type: 'string', multiple: true },
  'connect-origin': { type: 'string', multiple: true },
  'access-token': { type: 'string' },
  'access-token-file': { type: 'string' },
  'insecure-registry': { type: 'string', multiple: true },
  'ca-cert': { type: 'string', multiple: true },
  'skip-tls-verify': { type: 'boolean' },
};

export const SERVE_OPTIONS_USAGE = `Options:
      --host HOST               address to listen on (default 127.0.0.1: this machine only; any
                                other address needs --allow-origin or an access token)
      --port PORT               port to listen on (default 8080; 0 picks a free one)
      --allow-host HOST[:PORT]  let the proxy reach this host although it is, or resolves to, a
                                private, loopback or link-local address, e.g. a registry on
                                127.0.0.1:5000 (repeatable; without a port: any port)
      --allow-origin ORIGIN     let pages from this origin (http[s]://host[:port]) use the proxy
                                besides the server's own (repeatable)
      --connect-origin ORIGIN   another irel proxy the page may use (its Content-Security-Policy
                                allows connections to it; repeatable)
      --access-token-file PATH  require the token in this file (first line, at least 16
                                characters) in every proxy request (header X-Irel-Proxy-Token);
                                the page must be given it
      --access-token TOKEN      the same with the token on the command line (visible to other
                                users of the machine: prefer --access-token-file)
      --insecure-registry HOST  reach HOST[:PORT] over plain HTTP (loopback hosts always are)
      --ca-cert PATH            trust this CA certificate (PEM) as well as the system's (repeatable)
      --skip-tls-verify         do not verify upstream TLS certificates (unsafe)`;

/** createProxyServer options from parsed values; CA files are read here so a bad path is a usage error. */
export function serveOptionsFrom(values) {
  const host = values.host ?? '127.0.0.1';
  if (!/^[\w.:[\]-]+$/.test(host)) throw new OptionError(`--host ${JSON.stringify(host)}: not a host name or address`);
  const portText = values.port ?? '8080';
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) throw new OptionError(`--port ${JSON.stringify(portText)}: not a port number (0-65535)`);
  const allowHosts = values['allow-host'] ?? [];
  const insecureRegistries = values['insecure-registry'] ?? [];
  const allowOrigins = values['allow-origin'] ?? [];
  try {
    hostSet(allowHosts, '--allow-host');
    hostSet(insecureRegistries, '--insecure-registry');
    for (const o of allowOrigins) canonicalOrigin(o);
  } catch (e) {
    throw new OptionError(e.message.startsWith('--') ? e.message : `--allow-origin: ${e.message}`);
  }
  const connectOrigins = (values['connect-origin'] ?? []).map((o) => {
    try {
      return canonicalOrigin(o);
    } catch (e) {
      throw new OptionError(`--connect-origin: ${e.message}`);
    }
  });
  const accessToken = accessTokenFrom(values);
  if (!isLoopbackListenHost(host) && !accessToken && !allowOrigins.length) {
    throw new OptionError(`--host ${host} makes the proxy reachable from the network: protect it with --access-token-file PATH `
      + '(or --access-token TOKEN) and/or --allow-origin ORIGIN');
  }
  const ca = (values['ca-cert'] ?? []).map((path) => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new OptionError(`--ca-cert ${path}: ${e.code ?? e.message}`);
    }
  });
  return { host, port, allowHosts, allowOrigins, connectOrigins, insecureRegistries, ca, skipTlsVerify: !!values['skip-tls-verify'],
    ...(accessToken ? { accessToken } : {}) };
}

/** The token of --access-token or --access-token-file (its first line), checked; undefined when neither is given. */
function accessTokenFrom(values) {
  const inline = values['access-token'];
  const file = values['access-token-file'];
  if (inline !== undefined && file !== undefined) throw new OptionError('give --access-token or --access-token-file, not both');
  let token;
  let what;
  if (inline !== undefined) {
    token = inline;
    what = '--access-token';
  } else if (file !== undefined) {
    what = `--access-token-file ${file}`;
    try {
      token = readFileSync(file, 'utf8').split(/\r?\n/)[0].trim();
    } catch (e) {
      throw new OptionError(`${what}: ${e.code ?? e.message}`);
    }
  } else return undefined;
  // Sent as a header value: printable ASCII without spaces.
  if (!/^[\x21-\x7e]*$/.test(token)) throw new OptionError(`${what}: the token may contain only printable ASCII characters, no spaces`);
  if (token.length < 16) throw new OptionError(`${what}: the token must have at least 16 characters (it has ${token.length})`);
  return token;
}

/** What stderr says when the server listens on an address other than loopback ('' when it does not). */
export function exposureWarning(options) {
  if (isLoopbackListenHost(options.host ?? '127.0.0.1')) return '';
  const guards = [];
  if (options.accessToken) guards.push('every proxy request must carry the access token (X-Irel-Proxy-Token)');
  guards.push(`proxy requests must come from the app's own page${options.allowOrigins?.length ? ` or ${options.allowOrigins.join(', ')}` : ''} `
    + '(Origin, Sec-Fetch-Site)');
  if (!options.accessToken) guards.push('without a token, any program on the network that sends an allowed Origin header can use it');
  return `warning: listening on ${options.host}: the proxy is reachable from the network (plain HTTP). Protecting it: ${guards.join('; ')}.\n`;
}

/** The lines printed when the server is up. */
export function bannerFor(server) {
  return `irel web app: ${server.appUrl}\n` +
    `registry proxy: ${server.proxyBase}/HOST[:PORT]/PATH\n` +
    (server.tokenRequired ? 'The proxy requires its access token: enter it as the proxy token in the page.\n' : '') +
    (server.exposed && !server.tokenRequired ? 'The proxy answers only pages of its own origin and the --allow-origin ones.\n' : '') +
    'Press Ctrl-C to stop.\n';
}
