// Throwaway certificates made with the `openssl` CLI (Node cannot create X.509 certificates itself).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './util.js';

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * A self-signed CA plus a server certificate for 127.0.0.1 and localhost (SAN IP + DNS), both EC
 * P-256, valid 2 days, written into `dir`. Returns { caFile, certFile, keyFile }.
 */
export async function makeServerCerts(dir) {
  const caFile = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  const certFile = join(dir, 'server.pem');
  const keyFile = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const ext = join(dir, 'server.ext');
  await run('openssl', ['req', '-x509', ...EC, '-keyout', caKey, '-out', caFile, '-days', '2',
    '-subj', '/CN=irel test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run('openssl', ['req', '-new', ...EC, '-keyout', keyFile, '-out', csr, '-subj', '/CN=127.0.0.1']);
  await writeFile(ext, 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n'
    + 'extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial',
    '-out', certFile, '-days', '2', '-extfile', ext]);
  return { caFile, certFile, keyFile };
}

/**
 * A self-signed EC P-256 certificate + key for signing JWTs (distribution's token auth trusts the
 * keys of the certificates in `rootcertbundle`). Returns { certFile, keyFile }.
 */
export async function makeSigningCert(dir, cn = 'irel test token signer') {
  const certFile = join(dir, 'token-signer.pem');
  const keyFile = join(dir, 'token-signer.key');
  await run('openssl', ['req', '-x509', ...EC, '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${cn}`]);
  return { certFile, keyFile };
}
