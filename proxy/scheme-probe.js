// HTTPS or plain HTTP for loopback and --insecure-registry hosts, decided as docker (and irel's
// Node transport) do: a registry that completes a TLS handshake is spoken to over HTTPS (its
// certificate is verified on the real request, so a certificate problem surfaces), one that does
// not speak TLS over plain HTTP. One probe per host and port, remembered; a host that cannot be
// reached at all is not remembered (the real request reports the error).
import tls from 'node:tls';

export function createSchemeProbe({ timeoutMs = 5_000 } = {}) {
  const known = new Map(); // "host:port" -> Promise<'https' | 'http' | null>

  return async function probeScheme(target, port, lookup) {
    const key = `${target.host}:${port}`;
    let decided = known.get(key);
    if (!decided) {
      decided = new Promise((resolve) => {
        const socket = tls.connect({
          host: target.hostname,
          port,
          servername: target.literal ? undefined : target.hostname,
          rejectUnauthorized: false, // only asking whether it speaks TLS
          lookup,
          ALPNProtocols: ['http/1.1'],
        });
        const finish = (scheme) => {
          socket.destroy();
          resolve(scheme);
        };
        socket.setTimeout(timeoutMs, () => finish(null));
        socket.once('secureConnect', () => finish('https'));
        socket.once('error', (e) => finish(/^(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ENOTFOUND|EAI_AGAIN)$/.test(e.code) ? null : 'http'));
      });
      known.set(key, decided);
      decided.then((scheme) => { if (scheme === null) known.delete(key); });
    }
    return (await decided) ?? 'http';
  };
}
