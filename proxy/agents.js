// Keep-alive agents for upstream connections: extra CAs are added to the system roots, and
// --skip-tls-verify turns verification off.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

/**
 * options: ca (PEM strings or Buffers), caFiles (paths, read now), skipTlsVerify, maxSockets.
 * Returns { http: Agent, https: Agent, destroy() }.
 */
export function createAgents({ ca = [], caFiles = [], skipTlsVerify = false, maxSockets = 32 } = {}) {
  const extra = [...ca, ...caFiles.map((f) => readFileSync(f))];
  const common = { keepAlive: true, maxSockets, maxFreeSockets: 8, scheduling: 'lifo' };
  const agents = {
    http: new http.Agent(common),
    https: new https.Agent({
      ...common,
      ca: extra.length ? [...tls.rootCertificates, ...extra] : undefined,
      rejectUnauthorized: !skipTlsVerify,
    }),
  };
  return { ...agents, destroy: () => { agents.http.destroy(); agents.https.destroy(); } };
}
