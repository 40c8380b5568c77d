// Which requests may carry a registry's credentials: only those for the registry's own origin
// (scheme, host and port, as the WHATWG URL normalizes them). An upload Location or a redirect on
// another host, and anything reached over http from an https registry, get none: a hostile or
// careless registry must not be able to hand the user's credentials to a third party, or to the
// network in clear text.

/**
 * The origin a request URL really goes to. `upstreamOf` (from the transport) maps a URL of the
 * forwarding proxy back to the registry it names; without it the URL's own origin counts.
 * Returns '' for a URL that is not absolute http(s).
 */
export function requestOrigin(url, upstreamOf) {
  try {
    const u = new URL(upstreamOf?.(url) ?? url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : '';
  } catch {
    return '';
  }
}

/** Whether credentials for the registry at `registryOrigin` may go with a request to `url`. */
export function mayCarryCredentials(registryOrigin, url, upstreamOf) {
  const origin = requestOrigin(url, upstreamOf);
  return origin !== '' && origin === requestOrigin(registryOrigin);
}

/**
 * Whether a redirect from `from` to `to` may keep the request's Authorization: same origin only,
 * so a change of host or port, or of scheme (https -> http above all), drops it.
 */
export function redirectKeepsCredentials(from, to) {
  const a = requestOrigin(from);
  return a !== '' && a === requestOrigin(to);
}

/**
 * Whether a token realm may be asked over this URL: https always; plain http only when the
 * registry itself may be spoken to over plain HTTP (loopback, --insecure-registry), since the
 * realm receives the user's password.
 */
export function realmAllowed(realmUrl, plainHttpAllowed) {
  const origin = requestOrigin(realmUrl);
  if (origin.startsWith('https:')) return true;
  return origin.startsWith('http:') && plainHttpAllowed;
}
