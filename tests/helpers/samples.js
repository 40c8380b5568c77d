// The sample images and "forge" bundle shared by the demo (`make run`) and the browser tests.
import { pushImage, pushIndex } from './seed.js';

/** Pushes samples/hello (multi-arch), samples/web and samples/db (Docker format) to `reg`. */
export async function pushSamples(reg, { platforms = ['linux/amd64', 'linux/arm64'], webLayer = 3 << 20, dbLayers = [2000] } = {}) {
  return {
    hello: await pushIndex(reg, 'samples/hello:1.0', { platforms }),
    web: await pushImage(reg, 'samples/web:2.1', { layers: [{ size: webLayer, kind: 'raw' }, 4000, 90_000] }),
    db: await pushImage(reg, 'samples/db:15', { format: 'docker', layers: dbLayers }),
  };
}

/** A thin bundle.json of the samples: web as the invocation image, hello pinned by digest. */
export function forgeBundle(images) {
  return {
    schemaVersion: 'v1.0.0',
    name: 'forge',
    version: '1.0.0',
    invocationImages: [{ imageType: 'docker', image: images.web.ref }],
    images: {
      hello: { imageType: 'oci', image: images.hello.ref, contentDigest: images.hello.digest },
      db: { imageType: 'docker', image: images.db.ref },
    },
  };
}
