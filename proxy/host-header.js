// Which Host headers the proxy answers forwarding requests for: an IP literal, localhost, or the
// name it was told to listen on. A page whose own name was rebound to 127.0.0.1 (DNS rebinding)
// sends its name as Host and would otherwise count as the proxy's own origin. Returns the
// proxy's own origin as the browser sees it (http://HOST-HEADER), or null to refuse.
import net from 'node:net';

import { canonicalOrigin } from './cors.js';

export function createHostCheck({ listenHost = '127.0.0.1' } = {}) {
  const listenName = listenHost.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return (hostHeader) => {
    if (typeof hostHeader !== 'string' || hostHeader === '') return null;
    const m = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::\d{1,5})?$/i.exec(hostHeader);
    if (!m) return null;
    const name = m[1].toLowerCase().replace(/^\[(.*)\]$/, '$1');
    if (!(net.isIP(name) || name === 'localhost' || name === listenName)) return null;
    try {
      return canonicalOrigin(`http://${hostHeader}`);
    } catch {
      return null;
    }
  };
}
