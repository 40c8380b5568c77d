// Where the proxy may forward to, and over which scheme. Targets that are, or resolve to, private,
// loopback, link-local, unspecified or CGNAT addresses are refused unless named with --allow-host
// (HOST, or HOST:PORT). Names are resolved here, before anything connects, and the connection is
// then made to the address that was checked (a pinned lookup), so a DNS answer that changes in
// between (rebinding) cannot redirect it. Loopback and --insecure-registry hosts may be spoken to
// over plain HTTP (scheme-probe.js decides), everything else only over HTTPS.
import dns from 'node:dns';

import { blockedRange } from './address-ranges.js';
import { parseAuthority } from './proxy-url.js';

/** A target the proxy refuses (answered 403 DENIED). */
export class TargetDenied extends Error {}

const DEFAULT_PORT = { http: 80, https: 443 };

/** Canonical "host" / "host:port" strings of a list of HOST[:PORT] options; throws on bad entries. */
export function hostSet(entries, option) {
  const out = new Set();
  for (const entry of entries) {
    try {
      out.add(parseAuthority(entry).authority);
    } catch (e) {
      throw new Error(`${option} ${JSON.stringify(entry)}: ${e.message}`);
    }
  }
  return out;
}

/** localhost, 127.0.0.0/8 and ::1 literals: plain HTTP, as docker allows for loopback registries. */
export function isLoopbackHost(target) {
  return target.hostname === 'localhost' || (target.literal !== 0 && blockedRange(target.hostname) === 'loopback');
}

/** A dns.lookup replacement that answers with addresses already resolved and checked. */
function pinnedLookup(addresses) {
  return (hostname, options, callback) => {
    if (typeof options === 'function') [callback, options] = [options, {}];
    if (options?.all) callback(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  };
}

/**
 * options: allowHosts, insecureRegistries (HOST[:PORT] lists), lookup (dns.lookup by default),
 * self: () => ({ port }) of the proxy itself (never forwarded to, which would loop).
 */
export function createTargetPolicy({ allowHosts = [], insecureRegistries = [], lookup = dns.lookup, self = () => null } = {}) {
  const allowed = hostSet(allowHosts, '--allow-host');
  const insecure = hostSet(insecureRegistries, '--insecure-registry');
  const listed = (set, target, port) => set.has(target.host) || set.has(`${target.host}:${port}`);

  const plainHttpAllowed = (target) =>
    isLoopbackHost(target) || listed(insecure, target, target.port ?? 80) || listed(insecure, target, target.port ?? 443);

  const isAllowedHost = (target, port) => listed(allowed, target, port);

  const deny = (target, why) => new TargetDenied(
    `the proxy refuses to forward to ${target.authority}: ${why} (name it with --allow-host ${target.authority} to allow it)`);

  function resolveAll(hostname) {
    return new Promise((resolve, reject) => {
      lookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
    });
  }

  return {
    /** Whether the target may be spoken to over plain HTTP (loopback, --insecure-registry). */
    plainHttpAllowed,

    /**
     * Check a target ({ hostname, port, literal, host, authority } from parseAuthority) reached
     * over `scheme`. Resolves { lookup, named, allowedByName }: lookup answers with the checked
     * addresses, for the connection (undefined for IP literals); named: the target is named with
     * --allow-host; allowedByName: it passed only because of that (it is, or resolves to, an
     * address that would be refused). Rejects with TargetDenied (or a DNS error). Hosts named
     * with --allow-host are resolved the same way but not refused.
     */
    async check(target, scheme) {
      const port = target.port ?? DEFAULT_PORT[scheme];
      const allowedByName = isAllowedHost(target, port);
      const addresses = target.literal ? [{ address: target.hostname, family: target.literal }] : await resolveAll(target.hostname);
      if (!addresses.length) throw Object.assign(new Error(`${target.hostname} has no address`), { code: 'ENOTFOUND' });
      const me = self();
      if (me && port === me.port && addresses.some(({ address }) => /^(loopback|unspecified)$/.test(blockedRange(address)))) {
        throw new TargetDenied(`the proxy refuses to forward to ${target.authority}: that is the proxy itself`);
      }
      let blocked = false;
      for (const { address } of addresses) {
        const kind = blockedRange(address);
        if (!kind) continue;
        if (!allowedByName) throw deny(target, target.literal ? `it is a ${kind} address` : `it resolves to ${address}, a ${kind} address`);
        blocked = true;
      }
      return { lookup: target.literal ? undefined : pinnedLookup(addresses), named: allowedByName, allowedByName: blocked };
    },

    /**
     * Whether a host could be forwarded to, judged without DNS (for Location rewriting; the
     * request that follows is checked in full): allowed by name, a public IP literal, or a name
     * other than localhost. fromAllowHost: whether the upstream that sent the Location is named
     * with --allow-host; one that is not may not send the client on to a host reachable only by
     * name (the rule forward() applies to the redirects it follows), so such a name is refused
     * and an IP literal judged by its range.
     */
    mayForward(target, scheme, fromAllowHost = true) {
      const named = isAllowedHost(target, target.port ?? DEFAULT_PORT[scheme]);
      if (named && fromAllowHost) return true;
      if (target.literal) return !blockedRange(target.hostname);
      return !named && target.hostname !== 'localhost';
    },
  };
}
