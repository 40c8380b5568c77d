// A loopback reverse proxy in front of a plain-HTTP docker-registry (and optionally its token
// server) that answers as a particular hosted registry does where it departs from the OCI
// distribution spec: each profile reproduces the behaviours the project's issue lists, no
// others, each with the public thread it comes from. Where a thread gives no exact status code,
// header or body, the choice made is marked GUESS.
//
// Profiles: 'ecr', 'gar', 'ghcr', 'acr', 'harbor', 'dockerhub', 'quay', 'artifactory', 'gitlab',
// 's3'. GHCR and ACR serve blob downloads from a second listener ("storage"): another origin
// (http://localhost:PORT2, the registry being http://127.0.0.1:PORT1) that reads the blob from the
// registry itself. Modelled on fault-proxy.js.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';

import { registryClient } from './registry-client.js';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate',
  'proxy-authorization', 'te', 'trailer', 'upgrade', 'transfer-encoding']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const MAX_LOG = 10_000;
const MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** Options each profile accepts, with their defaults. */
const DEFAULTS = {
  // repositories: the repositories that exist (created with `aws ecr create-repository`);
  // createOnPush: true, or repository name prefixes, for which a push creates the repository
  // (ECR's create-on-push repository creation templates); registryId: named in NAME_UNKNOWN.
  ecr: { repositories: [], createOnPush: false, registryId: '123456789012' },
  gar: {},
  // storageTtlMs: how long a storage URL handed out in a redirect stays valid;
  // wrongReferrerTypes: a referrers index under a `sha256-<hex>` tag is served with every entry's
  // artifactType wrong (true: application/vnd.oci.empty.v1+json; a string: that type; false: as stored).
  ghcr: { storageTtlMs: 300_000, wrongReferrerTypes: true },
  // authorizationStatus: what the storage answers a request carrying Authorization (400 or 403).
  acr: { authorizationStatus: 400 },
  // unreadableProjects: projects the pushing user cannot read (mounts from them answer 401);
  // refuseManifestLists: an older Harbor (1.8 to 1.10) that refuses manifest lists.
  harbor: { unreadableProjects: [], refuseManifestLists: false },
  // pullLimit: manifest GETs allowed per window; windowSeconds: the window (w=21600 on Hub).
  dockerhub: { pullLimit: 100, windowSeconds: 21_600 },
  // pageSize: tags per page when the client gives no n.
  quay: { pageSize: 50 },
  artifactory: {},
  gitlab: {},
  // minChunk: the minimum chunk size, announced as OCI-Chunk-Min-Length (S3's minimum part).
  s3: { minChunk: 5 * 1024 * 1024 },
};
export const PROFILES = Object.freeze(Object.keys(DEFAULTS));

/** { repo, kind, ref?, uuid?, query } for a /v2/ path, or null for anything else. */
export function routeOf(pathAndQuery) {
  const u = new URL(pathAndQuery, 'http://x');
  const p = u.pathname;
  const query = u.searchParams;
  let m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(p);
  if (m) return { repo: m[1], kind: m[2] ? 'session' : 'uploads', uuid: m[2], query };
  m = /^\/v2\/(.+)\/(manifests|blobs|referrers)\/([^/]+)$/.exec(p);
  if (m) return { repo: m[1], kind: m[2].replace(/s$/, ''), ref: decodeURIComponent(m[3]), query };
  m = /^\/v2\/(.+)\/tags\/list$/.exec(p);
  if (m) return { repo: m[1], kind: 'tags', query };
  if (p === '/v2/_catalog') return { kind: 'catalog', query };
  if (p === '/v2/' || p === '/v2') return { kind: 'base', query };
  return null;
}

/** "start-end" of a Content-Range request header (optionally "bytes "), or null. */
function contentRange(value) {
  const m = /^(?:bytes[ =])?(\d+)-(\d+)/.exec(value ?? '');
  return m ? { start: Number(m[1]), end: Number(m[2]) } : null;
}

function errorsBody(code, message, detail) {
  return JSON.stringify({ errors: [{ code, message, ...(detail === undefined ? {} : { detail }) }] });
}

function readAll(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Whether `repo` falls under one of ECR's create-on-push prefixes. */
function createsOnPush(rule, repo) {
  if (rule === true) return true;
  return Array.isArray(rule) && rule.some((prefix) => repo.startsWith(prefix));
}

/**
 * The profiles. Each handle(ctx) answers the request (ctx.answer / ctx.forward / ctx.fetch) or
 * returns false to let it through unchanged. ctx.note(text) records what the dialect did.
 */
const HANDLERS = {
  // Amazon ECR.
  ecr: {
    init: (o) => ({ repositories: new Set(o.repositories) }),
    async handle(ctx) {
      const { route, method, state, options } = ctx;
      if (!route?.repo) return false;
      const { repo } = route;
      // A push to a repository that does not exist fails with NAME_UNKNOWN; repositories are
      // created first, or by a create-on-push rule: plexsystems/sinker#55 (the 404 body),
      // aws-actions/amazon-ecr-login#202, regclient/regclient#869, mulgadc/spinifex#400 (refused
      // at POST /blobs/uploads/, before any layer byte, and at the manifest PUT).
      if (!state.repositories.has(repo)) {
        const pushes = (route.kind === 'uploads' && method === 'POST') || (route.kind === 'manifest' && method === 'PUT');
        if (pushes && createsOnPush(options.createOnPush, repo)) {
          state.repositories.add(repo);
          ctx.note('ecr: repository created on push');
        } else {
          ctx.note('ecr: repository does not exist');
          return ctx.answer(404, {}, errorsBody('NAME_UNKNOWN',
            `The repository with name '${repo}' does not exist in the registry with id '${options.registryId}'`));
        }
      }
      // OCI 1.1 referrer manifests (a `subject`) get 405: aws/containers-roadmap#2783; the body
      // is the one ECR sends for manifests it cannot take, opcr-io/policy#149 and
      // oras-project/oras#1133.
      if (route.kind === 'manifest' && method === 'PUT') {
        const body = await ctx.body();
        let manifest = null;
        try { manifest = JSON.parse(body.toString()); } catch { /* not JSON: let the registry say */ }
        if (manifest && manifest.subject) {
          ctx.note('ecr: referrer manifest refused');
          return ctx.answer(405, {}, errorsBody('UNSUPPORTED',
            "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'"));
        }
        return ctx.forward({ body });
      }
      if (route.kind === 'session' && method === 'PATCH') return ecrPatch(ctx);
      if (route.kind === 'session' && method === 'PUT') {
        // When the chunks ECR discarded were needed, the commit fails as ECR's does
        // (dotnet/sdk-container-builds#424: 400 BLOB_UPLOAD_INVALID, "None of the provided layer
        // digests match the calculated layer digest") rather than as docker-registry's.
        const r = await ctx.fetch({});
        if (r.status === 400 && /DIGEST_INVALID/.test(r.body.toString())) {
          ctx.note('ecr: layer digest mismatch');
          return ctx.answer(400, {}, errorsBody('BLOB_UPLOAD_INVALID', 'None of the provided layer digests match the calculated layer digest'));
        }
        return ctx.relay(r);
      }
      return false;
    },
  },

  // Google Artifact Registry: no multi-chunk uploads, mounts answer 202.
  gar: {
    init: () => ({}),
    handle: (ctx) => oneChunkOnly(ctx, 'gar') ?? mountOpensUpload(ctx, 'gar') ?? false,
  },

  // GitHub Container Registry: as GAR for uploads and mounts; downloads redirect to storage;
  // fallback referrers indexes whose entries name a wrong artifactType.
  ghcr: {
    init: () => ({ servedIndexes: new Map() }),
    handle: (ctx) => oneChunkOnly(ctx, 'ghcr') ?? mountOpensUpload(ctx, 'ghcr') ?? redirectToStorage(ctx, 'ghcr')
      ?? wrongReferrerTypes(ctx, 'ghcr') ?? false,
    // The storage URL is short-lived and refuses HEAD: containerd/stargz-snapshotter#167 (a 307
    // to github-production-container-registry.s3.amazonaws.com; HEAD there fails with 403; the
    // redirected URL "expires soon (300sec?)" and then fails with 403).
    storage(ctx) {
      if (ctx.method === 'HEAD') {
        ctx.note('ghcr storage: HEAD refused');
        return ctx.answer(403, { 'content-type': 'application/xml' }, '');
      }
      if (Date.now() > ctx.expires) {
        ctx.note('ghcr storage: URL expired');
        return ctx.answer(403, { 'content-type': 'application/xml' },
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
      }
      return false;
    },
  },

  // Azure Container Registry: downloads redirect to blob storage that refuses Authorization.
  acr: {
    init: () => ({}),
    handle: (ctx) => redirectToStorage(ctx, 'acr') ?? false,
    // Azure/acr#217 and its FAQ entry: following the redirect with the registry's Authorization
    // header gets 400 InvalidAuthenticationInfo, "Authentication information is not given in
    // the correct format"; 403 AuthenticationFailed is the storage's answer to a malformed
    // signature (microsoft/AzureStorageExplorer#62, #7183), selectable with authorizationStatus.
    storage(ctx) {
      if (!ctx.headers.authorization) return false;
      const [code, message] = ctx.options.authorizationStatus === 403
        ? ['AuthenticationFailed', 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.']
        : ['InvalidAuthenticationInfo', 'Authentication information is not given in the correct format. Check the value of Authorization header.'];
      ctx.note(`acr storage: Authorization refused (${code})`);
      return ctx.answer(ctx.options.authorizationStatus === 403 ? 403 : 400,
        { 'content-type': 'application/xml', 'x-ms-error-code': code },
        `\ufeff<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
    },
  },

  // Harbor.
  harbor: {
    init: () => ({}),
    async handle(ctx) {
      const { route, method, options } = ctx;
      // A mount from a project the user cannot read (or that does not exist) answers 401, not
      // 202: goharbor/harbor#17097, google/go-containerregistry#1393 ("UNAUTHORIZED: project
      // examplegroup not found: project examplegroup not found"), which broke crane 0.10.
      if (route?.kind === 'uploads' && method === 'POST' && route.query.get('mount') && route.query.has('from')) {
        const project = route.query.get('from').split('/')[0];
        const exists = (await ctx.catalog()).some((r) => r.split('/')[0] === project);
        if (!exists || options.unreadableProjects.includes(project)) {
          ctx.note(`harbor: mount from unreadable project ${project}`);
          return ctx.answer(401, {}, errorsBody('UNAUTHORIZED', `project ${project} not found: project ${project} not found`));
        }
      }
      // Harbor 1.8 to 1.10 refuse manifest lists: goharbor/harbor#7597 (blocked on purpose),
      // #8855 (415 Unsupported Media Type; docker shows "unknown: Manifest.list is not
      // supported."), #11932 (1.10.2: the manifest list refused so, the OCI index with 500).
      // GUESS: the error code (UNKNOWN: what docker's "unknown:" prints for a code it does not
      // know) and the 500's body.
      if (options.refuseManifestLists && route?.kind === 'manifest' && method === 'PUT') {
        const type = (ctx.headers['content-type'] ?? '').split(';')[0].trim();
        if (type === MANIFEST_LIST) {
          ctx.note('harbor: manifest list refused');
          return ctx.answer(415, {}, errorsBody('UNKNOWN', 'Manifest.list is not supported.'));
        }
        if (type === OCI_INDEX) {
          ctx.note('harbor: OCI index refused');
          return ctx.answer(500, {}, errorsBody('UNKNOWN', 'internal error'));
        }
      }
      return false;
    },
  },

  // Docker Hub (with token auth: give tokenServer to put its token endpoint behind the proxy).
  dockerhub: {
    init: () => ({ pulls: 0, windowStart: 0 }),
    async handle(ctx) {
      const { route, method, state, options } = ctx;
      if (ctx.isTokenRequest) return dockerhubToken(ctx);
      if (route?.kind !== 'manifest' || (method !== 'GET' && method !== 'HEAD')) return false;
      // Manifest GETs count against the pull rate limit, HEADs do not; both carry the limit
      // headers; past the limit a GET gets 429 TOOMANYREQUESTS. docker/docs#11648 (the 429 and
      // its body), docker/docs#11707 (HEAD requests don't count), docker/docs#13499 (the
      // RateLimit-Limit/-Remaining "N;w=21600" and docker-RateLimit-Source headers),
      // docker/hub-feedback#2429 (the message). GUESS: no thread shows Hub's Retry-After value;
      // it says here when the window ends.
      const now = Date.now();
      if (!state.windowStart || now - state.windowStart >= options.windowSeconds * 1000) {
        state.windowStart = now;
        state.pulls = 0;
      }
      const limitHeaders = () => ({
        'ratelimit-limit': `${options.pullLimit};w=${options.windowSeconds}`,
        'ratelimit-remaining': `${Math.max(0, options.pullLimit - state.pulls)};w=${options.windowSeconds}`,
        'docker-ratelimit-source': '127.0.0.1',
      });
      if (method === 'GET' && state.pulls >= options.pullLimit) {
        ctx.note('dockerhub: pull rate limit reached');
        const retryAfter = Math.max(1, Math.ceil((state.windowStart + options.windowSeconds * 1000 - now) / 1000));
        return ctx.answer(429, { ...limitHeaders(), 'retry-after': String(retryAfter) }, errorsBody('TOOMANYREQUESTS',
          'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit'));
      }
      return ctx.forward({
        rewrite(status, headers) {
          if (method === 'GET' && status >= 200 && status < 300) {
            state.pulls++;
            ctx.note(`dockerhub: pull ${state.pulls} of ${options.pullLimit}`);
          }
          if (status >= 200 && status < 300) Object.assign(headers, limitHeaders());
        },
      });
    },
  },

  // Quay: tag lists are paged through a Link header. deitch/docker_registry2#56 and
  // ivanilves/lstags#185 (the first 50 tags, then `Link: </v2/NAME/tags/list?next_page=TOKEN&n=50>;
  // rel="next"`, an opaque token), ivanilves/lstags#225 (n is honoured), regclient/regclient#276.
  quay: {
    init: () => ({}),
    async handle(ctx) {
      const { route, method, options } = ctx;
      if (route?.kind !== 'tags' || method !== 'GET') return false;
      const up = await ctx.fetch({ method: 'GET', path: `/v2/${route.repo}/tags/list` });
      if (up.status !== 200) return ctx.relay(up);
      const all = [...(JSON.parse(up.body.toString()).tags ?? [])].sort();
      const n = Math.max(1, Number.parseInt(route.query.get('n') ?? '', 10) || options.pageSize);
      let from = 0;
      const token = route.query.get('next_page');
      if (token) {
        let last;
        try { last = JSON.parse(Buffer.from(token, 'base64url').toString()).last; } catch { last = undefined; }
        if (typeof last !== 'string') return ctx.answer(400, {}, errorsBody('PAGINATION_NUMBER_INVALID', 'invalid next_page token'));
        from = all.findIndex((t) => t > last);
        if (from < 0) from = all.length;
      }
      const page = all.slice(from, from + n);
      const headers = {};
      if (from + n < all.length) {
        const next = Buffer.from(JSON.stringify({ last: page.at(-1), salt: randomBytes(6).toString('hex') })).toString('base64url');
        headers.link = `</v2/${route.repo}/tags/list?next_page=${next}&n=${n}>; rel="next"`;
        ctx.note(`quay: page of ${page.length}, more follow`);
      }
      return ctx.answer(200, headers, JSON.stringify({ name: route.repo, tags: page }));
    },
  },

  // JFrog Artifactory: uploads must go through PATCH; a monolithic PUT with a body fails.
  // docker/buildx#196 (POST then PUT with the body "results in a 404 BLOB_UNKNOWN on
  // Artifactory", where POST, PATCH, PUT without body works), moby/buildkit#1130 ("unexpected
  // status: 404 Not Found"), containerd/containerd#3533 ("jFrog is known to require PATCH").
  artifactory: {
    init: () => ({}),
    async handle(ctx) {
      const { route, method } = ctx;
      if (route?.kind !== 'session' || method !== 'PUT') return false;
      const body = await ctx.body();
      if (body.length > 0) {
        ctx.note('artifactory: PUT with a body refused');
        return ctx.answer(404, {}, errorsBody('BLOB_UNKNOWN', 'blob unknown to registry', route.query.get('digest') ?? undefined));
      }
      return ctx.forward({ body });
    },
  },

  // GitLab: the tag `sha256-<hex>` resolves to the manifest `sha256:<hex>`, the image itself.
  // oras-project/oras#2148 (GitLab answers the referrers tag with the subject, a manifest list,
  // Docker-Content-Digest sha256:<hex>), oras-project/oras-go#1396.
  gitlab: {
    init: () => ({}),
    handle(ctx) {
      const { route, method } = ctx;
      if (route?.kind !== 'manifest' || (method !== 'GET' && method !== 'HEAD')) return false;
      const m = /^sha256-([0-9a-f]{64})$/.exec(route.ref);
      if (!m) return false;
      ctx.note('gitlab: sha256- tag resolved as a digest');
      return ctx.forward({ path: `/v2/${route.repo}/manifests/sha256:${m[1]}` });
    },
  },

  // S3-backed registries: a minimum chunk size, announced on the POST that opens an upload as
  // OCI-Chunk-Min-Length (opencontainers/distribution-spec#391, #481: on the POST response;
  // regclient/regclient#394); every chunk but the last must be at least that long
  // (opencontainers/distribution-spec#374: S3 parts "must be at least 5MB except for the last").
  // GUESS: no thread gives the registry's status for a short middle chunk; it is refused here
  // when the next piece of the upload arrives (only then is the short one known not to be the
  // last) with 400 BLOB_UPLOAD_INVALID and S3's EntityTooSmall wording
  // (apache/arrow-rs-object-store#211).
  s3: {
    init: () => ({}),
    async handle(ctx) {
      const { route, method, options } = ctx;
      if (route?.kind === 'uploads' && method === 'POST') {
        return ctx.forward({
          rewrite(status, headers) {
            if (status === 202) headers['oci-chunk-min-length'] = String(options.minChunk);
          },
        });
      }
      if (route?.kind !== 'session' || (method !== 'PATCH' && method !== 'PUT')) return false;
      const s = ctx.session();
      const body = method === 'PUT' ? await ctx.body() : null;
      const more = method === 'PATCH' || body.length > 0;
      if (more && s.lastChunk !== undefined && s.lastChunk < options.minChunk) {
        await ctx.drain();
        ctx.note(`s3: chunk of ${s.lastChunk} bytes under the minimum`);
        return ctx.answer(400, {}, errorsBody('BLOB_UPLOAD_INVALID',
          `EntityTooSmall: Your proposed upload is smaller than the minimum allowed size (a chunk of ${s.lastChunk} bytes; OCI-Chunk-Min-Length: ${options.minChunk})`));
      }
      if (method === 'PUT') return ctx.forward({ body });
      let sent = 0;
      return ctx.forward({
        onData: (c) => { sent += c.length; },
        rewrite(status) {
          if (status === 202) s.lastChunk = sent;
        },
      });
    },
  },
};

// ECR answers a chunk PATCH with 201, not 202, and discards the chunks after the first of a
// session: the Range it answers stops advancing at the first chunk, and a chunk sent again at
// the offset that Range gives gets 416. aws/containers-roadmap#2831 (every PATCH after the first
// "accepted with HTTP 201 but the Range response header does not advance", also without
// Content-Range; later in the thread the reporter finds the bytes kept and only Range stale — the
// issue this proxy serves has them discarded, as the thread's title says), jdx/mise#11376 (201 on
// chunk PATCH), crashappsec/chalk#682 (clients that resend at the offset Range gives "receive a
// 416 Range Not Satisfiable"), dotnet/sdk#33019 ("Patch request always returns Range:
// 0-10485759"). GUESS: the 416's body.
async function ecrPatch(ctx) {
  const s = ctx.session();
  if (!s.first) {
    const cr = contentRange(ctx.headers['content-range']);
    return ctx.forward({
      rewrite(status, headers) {
        if (status !== 202) return undefined;
        const end = Number((headers.range ?? '').split('-')[1]);
        s.first = { range: headers.range, location: headers.location, end };
        s.sentEnd = cr ? cr.end : end;
        ctx.note('ecr: first chunk kept, 201 instead of 202');
        return { status: 201 };
      },
    });
  }
  const cr = contentRange(ctx.headers['content-range']);
  const n = await ctx.drain();
  if (cr && cr.start <= s.sentEnd) {
    ctx.note('ecr: chunk sent again refused');
    return ctx.answer(416, { range: s.first.range, location: s.first.location },
      errorsBody('BLOB_UPLOAD_INVALID', 'Requested range not satisfiable'));
  }
  s.sentEnd = cr ? cr.end : s.sentEnd + n;
  ctx.note('ecr: chunk discarded, Range not advanced');
  return ctx.answer(201, { location: s.first.location, range: s.first.range, 'docker-upload-uuid': ctx.route.uuid }, '');
}

// GAR and GHCR take a blob in one PATCH or one monolithic PUT, not in several chunks.
// GAR: dotnet/sdk-container-builds#287 (quoting Google's documentation: "Artifact Registry does
// not support Docker chunked uploads ... You must use monolithic uploads"), kitops-ml/kitops#777,
// podman-container-tools/skopeo#1101. GHCR: mamba-org/powerloader#32 ("doesn't work on Github as
// they don't support chunked OCI uploads"), kitops-ml/kitops#780 (GHCR pushed like GAR).
// Against this: ocx-sh/ocx#237 and oras-project/rust-oci-client#35 report GHCR taking chunks of
// at most 4 MiB (416 beyond); not reproduced, the issue says no multi-chunk uploads.
// GUESS: no thread shows the refusal itself; the second chunk (a second PATCH, or a PUT with a
// body after a PATCH) gets 400 BLOB_UPLOAD_INVALID.
function oneChunkOnly(ctx, name) {
  const { route, method } = ctx;
  if (route?.kind !== 'session' || (method !== 'PATCH' && method !== 'PUT')) return undefined;
  return (async () => {
    const s = ctx.session();
    const body = method === 'PUT' ? await ctx.body() : null;
    const secondChunk = s.patched && (method === 'PATCH' || body.length > 0);
    if (secondChunk) {
      await ctx.drain();
      ctx.note(`${name}: second chunk refused`);
      return ctx.answer(400, {}, errorsBody('BLOB_UPLOAD_INVALID', 'chunked uploads are not supported; upload the blob in a single request'));
    }
    if (method === 'PUT') return ctx.forward({ body });
    return ctx.forward({ rewrite(status) { if (status === 202) s.patched = true; } });
  })();
}

// A cross-repository mount answers 202 (an upload session) instead of 201: the registry does
// not mount. google/go-containerregistry#1846 (Artifact Registry: "HTTP 201 Created as answer for
// the mount request ... but we get HTTP 202 Accepted"); the spec's answer for "does not support
// cross-repository mounting" (opencontainers/distribution-spec#206).
function mountOpensUpload(ctx, name) {
  const { route, method } = ctx;
  if (route?.kind !== 'uploads' || method !== 'POST' || !route.query.has('mount')) return undefined;
  ctx.note(`${name}: mount not performed, upload opened`);
  return ctx.forward({ path: `/v2/${route.repo}/blobs/uploads/` });
}

// GET of a blob answers 307 to the storage listener (another origin), as GHCR
// (containerd/stargz-snapshotter#167) and ACR (Azure/acr#217) do; HEAD is answered by the
// registry itself.
function redirectToStorage(ctx, name) {
  const { route, method } = ctx;
  if (route?.kind !== 'blob' || method !== 'GET') return undefined;
  return (async () => {
    const head = await ctx.fetch({ method: 'HEAD', body: null });
    if (head.status !== 200) return ctx.forward({}); // the registry's own error, with its body
    ctx.note(`${name}: redirected to storage`);
    return ctx.answer(307, { location: ctx.storageUrl(route.repo, route.ref), 'content-type': 'application/octet-stream' }, '');
  })();
}

// GHCR has no referrers API (404), so referrers live in fallback indexes under `sha256-<hex>`
// tags, and the entries of those indexes may name a wrong artifactType: the type must be read
// from the referrer manifest itself. NVIDIA/aicr#1957 (on ghcr.io the fallback index names
// cosign-pushed bundles application/vnd.oci.empty.v1+json while their manifests declare
// application/vnd.dev.sigstore.bundle.v0.3+json, so filtering by the index's artifactType is
// unreliable there; the referrers API answers 404), kyverno/kyverno#16754 (on GHCR, fallback
// index entries written by cosign 3.x carry application/vnd.oci.empty.v1+json or "", the real
// type being on the manifest), sigstore/cosign#4641 (the cause: go-containerregistry writes the
// fallback index without pulling the artifactType up). The wrong value is written by a client
// and GHCR serves it as stored; what a reader of GHCR sees is reproduced here, at read time, on
// indexes the tests seed correctly. GUESS: every entry of every OCI index under such a tag is
// rewritten (the threads show it for cosign-pushed entries). The bytes served are a new index, so
// Content-Length, Docker-Content-Digest and ETag name them, and a GET or HEAD by that digest
// serves them again (as the registry would for an index stored so).
function wrongReferrerTypes(ctx, name) {
  const { route, method, options, state } = ctx;
  if (!options.wrongReferrerTypes || route?.kind !== 'manifest' || (method !== 'GET' && method !== 'HEAD')) return undefined;
  const again = state.servedIndexes.get(route.ref);
  if (again) {
    ctx.note(`${name}: referrers index with wrong artifactTypes served by digest`);
    return ctx.answer(200, again.headers, again.body);
  }
  if (!/^sha256-[0-9a-f]{64}$/.test(route.ref)) return undefined;
  const wrong = typeof options.wrongReferrerTypes === 'string' ? options.wrongReferrerTypes : 'application/vnd.oci.empty.v1+json';
  return (async () => {
    const r = await ctx.fetch({ method: 'GET', body: null });
    if (r.status !== 200) return ctx.relay(r);
    let index = null;
    try { index = JSON.parse(r.body.toString()); } catch { /* not JSON: served as it is */ }
    const type = String(r.headers['content-type'] ?? '').split(';')[0].trim();
    if (type !== OCI_INDEX || !Array.isArray(index?.manifests)) return ctx.relay(r);
    index.manifests = index.manifests.map((d) => ({ ...d, artifactType: wrong }));
    const body = Buffer.from(JSON.stringify(index));
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const headers = { ...r.headers, 'content-length': String(body.length), 'docker-content-digest': digest, etag: `"${digest}"` };
    state.servedIndexes.set(digest, { headers, body });
    ctx.note(`${name}: referrers index served with wrong artifactTypes`);
    return ctx.answer(200, headers, body);
  })();
}

// Docker Hub's token endpoint refuses a push token request that also names a three-part
// repository (the `from=` repository of a mount): google/go-containerregistry#1687 (`GET
// auth.docker.io/token?scope=repository:njhale/bar:pull,push repository:njhale/foo/bar:pull&...`
// answered `400 Bad Request: {"details":"invalid repository name"}`), #1679, #1741.
async function dockerhubToken(ctx) {
  const u = new URL(ctx.path, 'http://x');
  let values = u.searchParams.getAll('scope');
  let body;
  if (ctx.method === 'POST') {
    body = await ctx.body();
    values = [...values, ...new URLSearchParams(body.toString()).getAll('scope')];
  }
  const scopes = values.flatMap((v) => v.split(' ').filter(Boolean)).map((s) => {
    const [type, ...rest] = s.split(':');
    const actions = rest.pop() ?? '';
    return { type, name: rest.join(':'), actions: actions.split(',') };
  });
  const push = scopes.some((s) => s.type === 'repository' && s.actions.includes('push'));
  const threePart = scopes.find((s) => s.type === 'repository' && s.name.split('/').length >= 3);
  if (push && threePart) {
    await ctx.drain();
    ctx.note(`dockerhub token: three-part repository ${threePart.name} refused`);
    return ctx.answer(400, { 'content-type': 'application/json' }, JSON.stringify({ details: 'invalid repository name' }));
  }
  return ctx.forward(body === undefined ? {} : { body });
}

/**
 * Start the proxy on 127.0.0.1 (random port) in front of `target` (http://127.0.0.1:PORT, a
 * docker-registry on loopback), answering as `profile` does; `options` are the profile's
 * settings (see DEFAULTS; unknown ones are refused). `tokenServer` (the token server's URL, for
 * a registry with token auth): token requests go through the proxy too (realms in
 * WWW-Authenticate are rewritten to it), so a profile can answer them. `credentials`
 * ({ username, password }): what the storage listener (ghcr, acr) uses to read blobs from an
 * authenticating registry. Absolute Location headers that point at the target are rewritten to
 * the proxy.
 * Returns { host, url, port, profile, options, state, storage: { host, url } | null, log,
 * dialects, stop() }: state is the profile's live state (ecr: repositories, a Set one may add
 * to; dockerhub: pulls; ghcr: servedIndexes, digest -> the rewritten referrers index served),
 * log is [{ seq, listener: 'registry' | 'token' | 'storage', method, path, status, dialect }]
 * (at most 10 000 entries; dialect says what the profile did, null when the request went through
 * untouched) and dialects the entries where the profile acted.
 */
export async function startDialectProxy({ target, profile, options = {}, tokenServer, credentials } = {}) {
  const t = new URL(target);
  if (t.protocol !== 'http:' || !LOOPBACK.has(t.hostname)) throw new Error(`dialect proxy: target must be http on loopback, got ${target}`);
  if (!HANDLERS[profile]) throw new Error(`dialect proxy: unknown profile ${profile} (one of ${PROFILES.join(', ')})`);
  const unknown = Object.keys(options).filter((k) => !(k in DEFAULTS[profile]));
  if (unknown.length) throw new Error(`dialect proxy: profile ${profile} has no option ${unknown.join(', ')}`);
  const ts = tokenServer ? new URL(tokenServer) : null;
  if (ts && (ts.protocol !== 'http:' || !LOOPBACK.has(ts.hostname))) throw new Error(`dialect proxy: token server must be http on loopback, got ${tokenServer}`);
  const opts = { ...DEFAULTS[profile], ...options };
  const handler = HANDLERS[profile];
  const state = handler.init(opts);
  const sessions = new Map(); // upload uuid -> the profile's per-session state
  const log = [];
  let seq = 0;
  let self = '';
  let storageOrigin = '';
  const signingKey = randomBytes(32);
  const sign = (text) => createHmac('sha256', signingKey).update(text).digest('base64url');

  function rewriteHeaders(rawHeaders) {
    const headers = {};
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const k = rawHeaders[i].toLowerCase();
      let v = rawHeaders[i + 1];
      if (HOP_BY_HOP.has(k)) continue;
      if (k === 'location' && v.startsWith(t.origin)) v = self + v.slice(t.origin.length);
      if (k === 'www-authenticate' && ts) v = v.split(`realm="${ts.origin}`).join(`realm="${self}`);
      if (headers[k] === undefined) headers[k] = v;
      else headers[k] = [headers[k], v].flat();
    }
    return headers;
  }

  function upstreamRequest(base, { method, path, headers, body }) {
    const out = {};
    for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k)) out[k] = v;
    out.host = base.host;
    if (Buffer.isBuffer(body) || body === null) {
      out['content-length'] = String(body?.length ?? 0);
      delete out['transfer-encoding'];
    }
    const up = http.request({ host: base.hostname, port: base.port, method, path, headers: out, agent: false });
    return up;
  }

  function makeContext(req, res, entry, listener) {
    let bodyPromise = null; // the request body, once read whole
    let taken = false; // the request stream was read (whole, drained or piped)
    const path = req.url ?? '/';
    const route = listener === 'registry' ? routeOf(path) : null;
    const base = listener === 'token' ? ts : t;
    // What goes upstream as the body: the given Buffer or null, else what was read, else the
    // request itself (piped).
    const bodyFor = async (given) => {
      if (given !== undefined) return given;
      if (bodyPromise) return bodyPromise;
      if (taken) return null;
      return undefined;
    };
    const send = (up, sendBody, onData) => {
      if (Buffer.isBuffer(sendBody)) up.end(sendBody);
      else if (sendBody === null) up.end();
      else {
        taken = true;
        if (onData) req.on('data', onData);
        req.pipe(up);
      }
    };
    const ctx = {
      req, res, method: req.method ?? 'GET', path, route, headers: req.headers, options: opts, state, listener,
      isTokenRequest: listener === 'token',
      note(text) { entry.dialect = entry.dialect ? `${entry.dialect}; ${text}` : text; },
      /** The request body, read once. */
      body() {
        if (!bodyPromise && taken) throw new Error('dialect proxy: request body already consumed');
        taken = true;
        bodyPromise ??= readAll(req);
        return bodyPromise;
      },
      /** Reads and drops the request body; resolves its length. */
      async drain() {
        if (bodyPromise) return (await bodyPromise).length;
        if (taken) return 0;
        return (await ctx.body()).length;
      },
      /** This upload session's state (keyed by the upload's UUID). */
      session() {
        const key = route?.uuid ?? '';
        if (!sessions.has(key)) sessions.set(key, {});
        return sessions.get(key);
      },
      storageUrl(repo, digest) {
        const expires = Date.now() + (opts.storageTtlMs ?? 300_000);
        const q = new URLSearchParams({ repo, expires: String(expires) });
        q.set('sig', sign(`${repo}\n${digest}\n${expires}`));
        return `${storageOrigin}/blobs/${digest}?${q}`;
      },
      /** Answers instead of the registry (the request body is read and dropped first). */
      async answer(status, headers, body) {
        await ctx.drain();
        const b = Buffer.from(body ?? '');
        const h = { 'content-type': 'application/json', ...headers };
        if (ctx.method !== 'HEAD' || h['content-length'] === undefined) h['content-length'] = String(b.length);
        res.writeHead(status, h);
        res.end(ctx.method === 'HEAD' ? undefined : b);
        entry.status = status;
        return true;
      },
      /** A buffered exchange with the upstream: { status, headers (rewritten), body }. */
      async fetch({ method = ctx.method, path: p = path, headers = req.headers, body } = {}) {
        const sendBody = await bodyFor(body);
        return new Promise((resolve, reject) => {
          const up = upstreamRequest(base, { method, path: p, headers, body: sendBody });
          up.on('error', reject);
          up.on('response', async (ures) => {
            try {
              const b = await readAll(ures);
              resolve({ status: ures.statusCode ?? 502, headers: rewriteHeaders(ures.rawHeaders), body: b });
            } catch (e) { reject(e); }
          });
          send(up, sendBody);
        });
      },
      /** Sends a response obtained with fetch(). */
      relay(r) {
        const h = { ...r.headers };
        if (ctx.method !== 'HEAD') h['content-length'] = String(r.body.length);
        res.writeHead(r.status, h);
        res.end(ctx.method === 'HEAD' ? undefined : r.body);
        entry.status = r.status;
        return true;
      },
      /** Every repository of the registry (its _catalog, page by page; [] when refused). */
      async catalog() {
        const names = [];
        for (let next = '/v2/_catalog?n=1000'; next;) {
          const r = await ctx.fetch({ method: 'GET', path: next, headers: {}, body: null });
          if (r.status !== 200) break;
          names.push(...(JSON.parse(r.body.toString()).repositories ?? []));
          next = /^<([^>]+)>;\s*rel="next"/.exec([r.headers.link ?? ''].flat()[0])?.[1].replace(self, '');
        }
        return names;
      },
      /**
       * Streams the request upstream and the response back. body: a Buffer to send instead of
       * the request's, null for none (default: what was read, else the request piped);
       * onData(chunk): sees the piped request body; rewrite(status, headers) may change headers
       * in place, or return { status }, before the head is written.
       */
      async forward({ method = ctx.method, path: p = path, body, rewrite, onData } = {}) {
        const sendBody = await bodyFor(body);
        return new Promise((resolve) => {
          const up = upstreamRequest(base, { method, path: p, headers: req.headers, body: sendBody });
          up.on('error', () => {
            if (!res.headersSent) { res.writeHead(502); res.end(); entry.status = 502; } else res.destroy();
            resolve(true);
          });
          res.on('close', () => { if (!res.writableFinished) up.destroy(); });
          up.on('response', (ures) => {
            const headers = rewriteHeaders(ures.rawHeaders);
            let status = ures.statusCode ?? 502;
            const changed = rewrite?.(status, headers);
            if (changed?.status) status = changed.status;
            entry.status = status;
            res.writeHead(status, headers);
            ures.pipe(res);
            ures.on('end', () => resolve(true));
            ures.on('error', () => { res.destroy(); resolve(true); });
          });
          send(up, sendBody, onData);
        });
      },
    };
    return ctx;
  }

  function logEntry(listener, req) {
    const entry = { seq: ++seq, listener, method: req.method ?? 'GET', path: req.url ?? '/', status: null, dialect: null };
    if (log.length < MAX_LOG) log.push(entry);
    return entry;
  }

  async function handleRegistry(req, res) {
    const tokenPath = ts && !(req.url ?? '/').startsWith('/v2');
    const listener = tokenPath ? 'token' : 'registry';
    const entry = logEntry(listener, req);
    const ctx = makeContext(req, res, entry, listener);
    const handled = await handler.handle(ctx);
    if (!handled) await ctx.forward({});
  }

  // The storage listener: GET (and HEAD) /blobs/DIGEST?repo=R&expires=T&sig=S, served from the
  // registry's own blob endpoint, Range requests included.
  async function handleStorage(req, res) {
    const entry = logEntry('storage', req);
    const ctx = makeContext(req, res, entry, 'storage');
    const u = new URL(req.url ?? '/', 'http://x');
    const m = /^\/blobs\/([a-z0-9]+:[0-9a-f]+)$/.exec(u.pathname);
    const repo = u.searchParams.get('repo') ?? '';
    const expires = Number(u.searchParams.get('expires'));
    if (!m || u.searchParams.get('sig') !== sign(`${repo}\n${m[1]}\n${expires}`)) {
      return ctx.answer(403, { 'content-type': 'application/xml' },
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
    }
    ctx.expires = expires;
    if (await handler.storage(ctx)) return;
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return ctx.answer(405, {}, '');
    const client = registryClient({ url: t.origin, creds: credentials ?? null });
    const headers = req.headers.range ? { range: req.headers.range } : {};
    const r = await client.request(ctx.method, `/v2/${repo}/blobs/${m[1]}`, { headers });
    const out = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
    for (const k of ['content-length', 'content-range', 'etag', 'last-modified']) if (r.headers[k] !== undefined) out[k] = r.headers[k];
    if (ctx.method === 'GET') out['content-length'] = String(r.body.length);
    res.writeHead(r.status, out);
    res.end(ctx.method === 'HEAD' ? undefined : r.body);
    entry.status = r.status;
  }

  const guard = (fn) => (req, res) => {
    fn(req, res).catch(() => { if (!res.headersSent) { res.writeHead(502); res.end(); } else res.destroy(); });
  };
  const listen = (server, port, host) => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(server.address().port); });
  });
  const servers = [];
  const server = http.createServer(guard(handleRegistry));
  servers.push(server);
  const port = await listen(server, 0, '127.0.0.1');
  self = `http://127.0.0.1:${port}`;
  let storage = null;
  if (handler.storage) {
    // "localhost" is another host name than the registry's 127.0.0.1: another origin. Served on
    // both loopback families, since localhost may resolve to either.
    const s4 = http.createServer(guard(handleStorage));
    servers.push(s4);
    const sport = await listen(s4, 0, '127.0.0.1');
    const s6 = http.createServer(guard(handleStorage));
    try {
      await listen(s6, sport, '::1');
      servers.push(s6);
    } catch { /* no IPv6 loopback: localhost is 127.0.0.1 */ }
    storageOrigin = `http://localhost:${sport}`;
    storage = { host: `localhost:${sport}`, url: storageOrigin, port: sport };
  }
  let stopped;
  return {
    host: `127.0.0.1:${port}`,
    url: self,
    port,
    profile,
    options: opts,
    state,
    storage,
    log,
    /** Log entries where the profile acted. */
    get dialects() { return log.filter((e) => e.dialect); },
    stop() {
      stopped ??= Promise.all(servers.map((s) => new Promise((r) => { s.closeAllConnections(); s.close(() => r(undefined)); })));
      return stopped;
    },
  };
}
