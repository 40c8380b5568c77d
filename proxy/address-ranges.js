// Which IP addresses the proxy must not reach on its own: private, loopback, link-local (the cloud
// metadata service at 169.254.169.254 included), unspecified, carrier-grade NAT, multicast and
// reserved ranges (documentation and benchmarking ones included). IPv6 addresses that embed an IPv4
// one (mapped ::ffff:a.b.c.d, translated ::ffff:0:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16,
// Teredo 2001::/32) are judged by the IPv4 address they carry, since the host or a gateway on the
// way would turn them into a connection to that IPv4 address.
import net from 'node:net';

const V4_RANGES = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'], // TEST-NET-1
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'], // TEST-NET-2
  ['203.0.113.0', 24, 'reserved'], // TEST-NET-3
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // 255.255.255.255 included
].map(([base, bits, kind]) => ({ base: v4ToInt(base), mask: bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0, kind }));

function v4ToInt(address) {
  return address.split('.').reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
}

function classifyV4(value) {
  for (const r of V4_RANGES) if (((value & r.mask) >>> 0) === r.base) return r.kind;
  return null;
}

/** The 8 16-bit groups of an IPv6 address (zone id dropped), or null when it is not one. */
function v6Groups(address) {
  const text = address.replace(/%.*$/, '');
  if (!net.isIPv6(text)) return null;
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const parse = (part) => {
    if (!part) return [];
    const out = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const v = v4ToInt(g);
        out.push(v >>> 16, v & 0xffff);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const h = parse(head);
  const t = parse(tail);
  return tail === null ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
}

function classifyV6(groups) {
  const v4 = (hi, lo) => classifyV4(((groups[hi] << 16) | groups[lo]) >>> 0);
  const zeros = (n) => groups.slice(0, n).every((g) => g === 0);
  if (zeros(8)) return 'unspecified';
  if (zeros(7) && groups[7] === 1) return 'loopback';
  if (zeros(5) && groups[5] === 0xffff) return v4(6, 7); // IPv4-mapped ::ffff:0:0/96
  if (zeros(4) && groups[4] === 0xffff && groups[5] === 0) return v4(6, 7); // IPv4-translated ::ffff:0:0:0/96
  if (zeros(6)) return 'reserved'; // IPv4-compatible (deprecated)
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) return v4(6, 7); // NAT64
  // Local-use NAT64 64:ff9b:1::/48: where the IPv4 address sits depends on the operator's prefix
  // length (/48 to /96), so the whole block is refused.
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups[2] === 1) return 'reserved';
  if (groups[0] === 0x2002) return v4(1, 2); // 6to4
  if (groups[0] === 0x2001 && groups[1] === 0) {
    // Teredo 2001::/32: the server's IPv4 in bits 32-63, the client's inverted in the last 32.
    return v4(2, 3) ?? classifyV4(~((groups[6] << 16) | groups[7]) >>> 0);
  }
  if (groups[0] === 0x2001 && groups[1] === 0xdb8) return 'reserved'; // documentation 2001:db8::/32
  if (groups[0] === 0x100 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0) return 'reserved'; // discard 100::/64
  if ((groups[0] & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((groups[0] & 0xffc0) === 0xfe80) return 'link-local'; // fe80::/10
  if ((groups[0] & 0xffc0) === 0xfec0) return 'private'; // site-local (deprecated)
  if ((groups[0] & 0xff00) === 0xff00) return 'multicast';
  return null;
}

/**
 * The kind of range an IP address falls in ('private', 'loopback', 'link-local', 'unspecified',
 * 'carrier-grade NAT', 'multicast', 'reserved'), or null for an address the proxy may reach.
 * Anything that is not an IP address is 'invalid'.
 */
export function blockedRange(address) {
  if (net.isIPv4(address)) return classifyV4(v4ToInt(address));
  const groups = v6Groups(address);
  return groups ? classifyV6(groups) : 'invalid';
}
