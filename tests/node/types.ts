// Compiled by `tsc --noEmit` in make test: the public .d.ts must describe the API as used here.
import { IrelError, load, VERSION, type CopySummary, type ImageReference, type MapResult, type MappingVerdict, type RelocateImagesResult, type CopyPlan } from 'irel';
import type { FindImagesResult, FoundImage, RewriteResult, SkippedImage } from 'irel';

const irel = await load();
const v: string = VERSION + irel.version;

const parsed = irel.parse('busybox');
if (parsed.ok) {
  const ref: ImageReference = parsed.reference;
  const parts: string[] = [ref.domain, ref.path, ref.tag, ref.digest, ref.familiar, ...ref.synonyms];
  void parts;
} else {
  const code: string = parsed.error.code;
  void code;
}

const results: MapResult[] = irel.mapAll('example.com/team', ['a', 'b'], { preserveTagDigest: false });
for (const r of results) {
  const text: string = r.ok ? r.output : r.error.message;
  void text;
}

try {
  irel.mapReference('example.com/team', 'busybox');
} catch (e) {
  if (e instanceof IrelError) {
    const side: '' | 'source' | 'target' = e.side;
    void side;
  }
}

const summary: CopySummary = await irel.copy('a.io/x:1', 'b.io/x:1', {
  jobs: 2,
  platforms: ['linux/arm64'],
  signal: new AbortController().signal,
  credentials: { 'b.io': { username: 'u', password: 'p' } },
  onProgress: (e) => {
    if (e.type === 'blob') {
      const done: number = e.done;
      void done;
    }
    if (e.type === 'referrer' && e.phase === 'failed') {
      const why: string = e.error.message + e.subject + e.artifactType;
      void why;
    }
  },
  referrersTypes: ['application/spdx+json'],
});
const notCopied: string[] = (summary.referrers?.failed ?? []).map((f) => `${f.kind} ${f.digest} ${f.error.code}`);
void notCopied;
const referrersCopied: number = (summary.referrers?.copied ?? 0) + (await irel.copy('a.io/x:1', 'b.io/x:1', { referrers: false })).manifests;
void referrersCopied;
const relocated: RelocateImagesResult = await irel.relocateImages(['a.io/x:1'], 'b.io/team', { jobs: 2 });
const planned: CopyPlan = await irel.copy('a.io/x:1', 'b.io/x:1', { dryRun: true });
const action: 'upload' | 'mount' | 'present' | 'foreign' | undefined = planned.blobs[0]?.action;
void action;
const firstError: string | undefined = relocated.images[0]?.error?.code;
void firstError;
const d: string = summary.digest + (await irel.digest('a.io/x:1', { insecureRegistries: ['a.io'] }));
const verdicts: MappingVerdict[] = await irel.bundleCheck('{}', '{}', { online: true });
const mapping: Record<string, string> = irel.bundleMap('{}', 'r.io/p');
void d;
void verdicts;
void mapping;
const opened = irel.openBundle('sort.tgz');
const described = await opened.describe();
const platforms: string[] = described[0].platforms;
void platforms;
const carried: string[] = (described[0].referrers ?? []).map((r) => `${r.artifactType} ${r.digest} ${r.subject} ${r.size} ${r.tag ?? ''}`);
void carried;
const thick = await opened.relocate('r.io/p', { referrers: true, referrersTypes: ['application/spdx+json'] });
const thickFailed: number = (thick.referrers?.failed.length ?? 0) + (thick.images[0]?.referrers ?? 0);
void thickFailed;
const present: boolean[] = (await opened.check('{}', { online: true, referrers: true }))
  .flatMap((v) => (v.referrers ?? []).map((r) => r.present));
void present;
const exported = await irel.bundleExport('{}', 'out.tgz', { referrers: false });
const exportedReferrers: number = exported.referrers?.copied ?? 0;
void exportedReferrers;
const place = irel.parsePlace('oci-archive:x.tar:v1');
const transport: string = place.ok ? place.place.transport : place.error.code;
void transport;
const listed = await irel.describeArchive('save.tar');
const firstNames: string[] = listed.images[0]?.names ?? [];
void firstNames;
const fromArchive = await irel.copyArchive({ archive: () => ({ read: () => new Uint8Array(0) }) }, [{ index: 0, target: 'r.io/x:1' }], { verifyFirst: true });
const allCopied = await irel.copy('docker-archive:save.tar', 'r.io/x', { all: true });
const copiedDigests: string[] = [...fromArchive.images, ...allCopied.images].map((i) => i.digest);
void copiedDigests;
irel.close();

const fromBytes = await load({ wasmBinary: new Uint8Array(0) });
// @ts-expect-error map needs a prefix and a reference
fromBytes.map('only-one-argument');
void v;

// The worker client (irel/worker-client): each op's arguments and result typed by WorkerOps.
import { WorkerClient, type WorkerLike } from 'irel/worker-client';
import type { BundleImageDescription, WorkerOps } from 'irel';

const fakeWorker = (): WorkerLike => ({ postMessage() {}, addEventListener() {}, terminate() {} });
const client = new WorkerClient({ createWorker: fakeWorker, cancelGraceMs: 100 });
const workerVersion: Promise<string> = client.ready;
void workerVersion;
async function useWorker(): Promise<void> {
  const r: RelocateImagesResult = await client.run('relocateImages', { refs: ['a.io/x:1'], prefix: 'b.io/team', proxyBase: '/proxy', jobs: 2 }, {
    signal: new AbortController().signal,
    onProgress: (e) => {
      if (e.type === 'image' && e.phase === 'failed') void e.error.code;
      if (e.type === 'archive') void e.pass;
    },
  });
  const failed: number = r.failed;
  const about: BundleImageDescription = await client.run('describeImage', { ref: 'a.io/x:1', credentials: { 'a.io': { identityToken: 't' } } });
  const digest: string = await client.run('digest', { ref: 'a.io/x:1' });
  const args: WorkerOps['check']['args'] = { bundle: { json: '{}' }, mapping: '{}', online: true };
  void [failed, about, digest, args];
  // @ts-expect-error relocateImages needs refs
  await client.run('relocateImages', { prefix: 'b.io/team' });
  // @ts-expect-error no such op
  await client.run('nope', {});
}
void useWorker;
client.terminate();

// Manifests and charts: images found, rewritten, written back.
const found: FindImagesResult = await irel.findImages([{ path: 'values.yaml', text: 'image: nginx' }], { hints: ['.image'] });
const firstImage: FoundImage | undefined = found.images[0];
const where: string = firstImage ? `${firstImage.file}:${firstImage.line} ${firstImage.path} ${firstImage.reference.name}` : found.refs.join();
void where;
const rewritten: RewriteResult = await irel.rewrite({ path: 'chart.tgz' }, {
  mapping: { nginx: 'reg.example.com/team/nginx' }, pullPrefix: 'mirror.example.com/team', pin: (image) => (image ? `sha256:${'a'.repeat(64)}` : null),
});
const why: string[] = rewritten.skipped.map((s: SkippedImage) => `${s.file ?? ''} ${s.reason.code}`);
const texts: string[] = rewritten.files.map((f) => ('text' in f ? f.text : f.path));
const change: string = rewritten.changes.map((c) => `${c.from} -> ${c.to} ${c.images.join()}`).join() + rewritten.diff;
const written: string[] = (await irel.writeRewrite(rewritten, 'out.tgz')).written;
await irel.rewrite('image: nginx', { prefix: 'reg.example.com/team', mapFn: async (image) => image.toUpperCase() });
void why; void texts; void change; void written;
async function manifestsInWorker(): Promise<void> {
  const seenInWorker: FindImagesResult = await client.run('findImages', { input: { file: new Blob([]) }, hints: ['.image'] });
  const rewrittenInWorker: RewriteResult = await client.run('rewrite', { input: [{ path: 'a.yaml', text: 'image: a' }], prefix: 'r.io/t', pin: { a: 'sha256:00' } });
  void [seenInWorker.refs, rewrittenInWorker.diff];
  // @ts-expect-error a mapping function cannot cross to the worker
  await client.run('rewrite', { input: 'image: a', mapFn: (image: string) => image });
}
void manifestsInWorker;
