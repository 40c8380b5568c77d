// A module worker for tests/node/manifests-browser.test.js: the package's browser entry imported
// by URL, with no bundler and no import map, as the page's worker imports it; findImages and
// rewrite run on what the page posts ({ text } or { archive: bytes }, and a prefix).
import { load } from '/wasm/js/index.js';

const loading = load();

self.onmessage = async ({ data }) => {
  try {
    const irel = await loading;
    const input = data.archive ? { archive: new Uint8Array(data.archive), name: 'chart.tgz' } : data.text;
    const found = await irel.findImages(input);
    const rewritten = await irel.rewrite(input, { prefix: data.prefix });
    self.postMessage({
      ok: true,
      refs: found.refs,
      notRewritable: found.images.filter((i) => !i.rewritable).map((i) => i.reason.code),
      files: rewritten.files.filter((f) => f.changed).map((f) => ({ path: f.path, text: f.text })),
      diff: rewritten.diff,
    });
  } catch (e) {
    self.postMessage({ ok: false, error: { code: e?.code ?? 'ERROR', message: String(e?.message ?? e) } });
  }
};
