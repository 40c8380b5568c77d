// Options shared by commands that talk to registries, and their translation into API options.
import { parseCredentialOption } from '../node/credentials.js';

export const REGISTRY_OPTIONS = {
  'insecure-registry': { type: 'string', multiple: true },
  'ca-cert': { type: 'string', multiple: true },
  'skip-tls-verify': { type: 'boolean' },
  'src-creds': { type: 'string' },
  'dest-creds': { type: 'string' },
};

export const REGISTRY_USAGE = `Registry options:
      --insecure-registry HOST  allow plain HTTP to HOST[:PORT] (loopback registries always may)
      --ca-cert PATH            trust this CA certificate (PEM) as well as the system's (repeatable)
      --skip-tls-verify         do not verify TLS certificates (unsafe)
      --src-creds USER:PASS     credentials for the source registry
      --dest-creds USER:PASS    credentials for the target registry
Credentials otherwise come from the Docker config ($DOCKER_CONFIG/config.json or
~/.docker/config.json: auths, credsStore, credHelpers).`;

/**
 * src: the source registry (or a list of them), dst: the target's. --src-creds and --dest-creds
 * go to their side only, so two users on one registry (a reader and a writer) stay apart.
 */
export function registryOptions(values, { src, dst } = {}) {
  const sourceCredentials = {};
  const targetCredentials = {};
  if (values['src-creds']) {
    const c = parseCredentialOption(values['src-creds']);
    for (const r of [].concat(src ?? [])) sourceCredentials[r] = c;
  }
  if (values['dest-creds'] && dst) targetCredentials[dst] = parseCredentialOption(values['dest-creds']);
  return {
    insecureRegistries: values['insecure-registry'] ?? [],
    caFiles: values['ca-cert'] ?? [],
    skipTlsVerify: !!values['skip-tls-verify'],
    sourceCredentials,
    targetCredentials,
  };
}
