// What a referrer is, in words, from its artifact type (read from its manifest): the types
// cosign, notation, in-toto and the SBOM tools write; anything else is shown as its type.
const KINDS = [
  [/^application\/vnd\.dev\.cosign\.(artifact\.sig|simplesigning)/, 'cosign signature'],
  [/^application\/vnd\.cncf\.notary\.signature/, 'notation signature'],
  [/^application\/vnd\.dev\.sigstore\.bundle/, 'sigstore bundle'],
  [/in-toto|dsse/, 'attestation'],
  [/spdx/, 'SBOM (SPDX)'],
  [/cyclonedx/, 'SBOM (CycloneDX)'],
];

// cosign's tags say what they hold by their suffix (their manifests carry a plain image config type).
const TAGS = { '.sig': 'cosign signature', '.att': 'cosign attestation', '.sbom': 'SBOM (cosign)' };

export function referrerKind(artifactType, tag = '') {
  const suffix = /\.(sig|att|sbom)$/.exec(tag)?.[0];
  if (suffix) return TAGS[suffix];
  for (const [re, name] of KINDS) if (re.test(artifactType ?? '')) return name;
  return artifactType || 'artifact';
}
