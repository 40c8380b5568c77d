// The command-line options of the server (`irel serve`, `node proxy/server.js`) and their
// translation into createProxyServer options. Mistakes throw OptionError (a usage error).
import { readFileSync } from 'node:fs';

import { canonicalOrigin } from './cors.js';
import { hostSet } from './target-policy.js';

export class OptionError extends Error {}

export const SERVE_OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'allow-host': { type: 'string', multiple: true },
  'allow-origin': { type: 'string', multiple: true },
  'insecure-registry': { type: 'string', multiple: true },
  'ca-cert': { type: 'string', multiple: true },
  'skip-tls-verify': { type: 'boolean' },
};

export const SERVE_OPTIONS_USAGE = `Options:
      --host HOST               address to listen on (default 127.0.0.1: this machine only)
      --port PORT               port to listen on (default 8080; 0 picks a free one)
      --allow-host HOST[:PORT]  let the proxy reach this host although it is, or resolves to, a
                                private, loopback or link-local address, e.g. a registry on
                                127.0.0.1:5000 (repeatable; without a port: any port)
      --allow-origin ORIGIN     let pages from this origin (http[s]://host[:port]) use the proxy
                                besides the server's own (repeatable)
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
  const ca = (values['ca-cert'] ?? []).map((path) => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new OptionError(`--ca-cert ${path}: ${e.code ?? e.message}`);
    }
  });
  return { host, port, allowHosts, allowOrigins, insecureRegistries, ca, skipTlsVerify: !!values['skip-tls-verify'] };
}

/** The lines printed when the server is up. */
export function bannerFor(server) {
  return `irel web app: ${server.appUrl}\n` +
    `registry proxy: ${server.proxyBase}/HOST[:PORT]/PATH\n` +
    'Press Ctrl-C to stop.\n';
}
