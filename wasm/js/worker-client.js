// The page's side of the worker protocol (irel/worker-client; the worker is irel/worker,
// wasm/js/worker.js): run(op, args, { onProgress, signal }) -> Promise of the result, rejecting with
// an IrelError. The ops and their arguments are typed as WorkerOps in index.d.ts.
//
//   import { WorkerClient } from 'irel/worker-client';
//   const worker = new WorkerClient();              // the package's worker, next to this file
//   const r = await worker.run('relocateImages', { refs, prefix, proxyBase }, { onProgress, signal });
//
// Cancelling sends { id, op: 'cancel' }; a job that does not stop in time (a worker busy in a
// synchronous archive pass cannot read messages) is ended by restarting the worker, which fails
// every job of that worker with CANCELLED. That is safe: nothing was pushed yet in such a pass, and
// image names are written last in any case.
import { IrelError } from './errors.js';

const CANCEL_GRACE_MS = 3000;

/**
 * The package's own worker. Written out as `new Worker(new URL(...), { type: 'module' })` so that
 * bundlers (Vite, webpack 5) see the worker and emit it with its imports.
 */
function packageWorker() {
  return new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'irel' });
}

export class WorkerClient {
  #worker = null;
  #createWorker;
  #jobs = new Map(); // id -> { resolve, reject, onProgress }
  #next = 1;
  #ready;
  #readyResolve;
  #cancelGraceMs;
  #stopped = null; // the IrelError of terminate(), after which run() rejects at once
  /** Called with the core's version each time a worker (the first, or a restarted one) is ready. */
  onReady = null;

  /**
   * options: a URL of the worker script, or { url, createWorker, cancelGraceMs }. createWorker()
   * returns a Worker (or anything with postMessage, addEventListener and terminate); it is called
   * again when a cancelled job forces a restart.
   */
  constructor(options = {}) {
    const o = typeof options === 'string' || options instanceof URL ? { url: options } : options ?? {};
    this.#createWorker = o.createWorker ?? (o.url ? () => new Worker(o.url, { type: 'module', name: 'irel' }) : packageWorker);
    this.#cancelGraceMs = Number.isFinite(o.cancelGraceMs) ? o.cancelGraceMs : CANCEL_GRACE_MS;
    this.#spawn();
  }

  /** Resolves to the core's version once the worker has loaded it. */
  get ready() {
    return this.#ready;
  }

  #spawn() {
    this.#ready = new Promise((resolve, reject) => {
      this.#readyResolve = { resolve, reject };
    });
    this.#ready.catch(() => {});
    const worker = this.#createWorker();
    worker.addEventListener('message', (e) => {
      if (this.#worker === worker) this.#onMessage(e.data);
    });
    worker.addEventListener('error', (e) => {
      e?.preventDefault?.();
      if (this.#worker !== worker) return;
      const error = new IrelError({ code: 'WORKER_FAILED', message: `the irel worker failed: ${e?.message || 'it could not start'}` });
      this.#readyResolve.reject(error);
      this.#failAll(error);
    });
    this.#worker = worker;
  }

  #onMessage(msg) {
    if (!msg) return;
    if (msg.type === 'ready') {
      this.#readyResolve.resolve(msg.version);
      this.onReady?.(msg.version);
      return;
    }
    if (msg.type === 'fatal') {
      const error = new IrelError(msg.error);
      this.#readyResolve.reject(error);
      this.#failAll(error);
      return;
    }
    const job = this.#jobs.get(msg.id);
    if (!job) return;
    if (msg.type === 'progress') {
      job.onProgress?.(msg.event);
    } else if (msg.type === 'result') {
      this.#jobs.delete(msg.id);
      job.resolve(msg.result);
    } else if (msg.type === 'error') {
      this.#jobs.delete(msg.id);
      job.reject(new IrelError(msg.error));
    }
  }

  #failAll(error) {
    const jobs = [...this.#jobs.values()];
    this.#jobs.clear();
    for (const job of jobs) job.reject(error);
  }

  /** Runs one job. options.signal cancels it; options.onProgress receives its progress events. */
  run(op, args = {}, { onProgress, signal } = {}) {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      if (this.#stopped || signal?.aborted) {
        reject(this.#stopped ?? new IrelError({ code: 'CANCELLED', message: 'cancelled' }));
        return;
      }
      const job = { resolve, reject, onProgress };
      this.#jobs.set(id, job);
      const settle = (fn) => (value) => {
        signal?.removeEventListener('abort', onAbort);
        fn(value);
      };
      job.resolve = settle(resolve);
      job.reject = settle(reject);
      const onAbort = () => this.#cancel(id);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#worker.postMessage({ id, op, args });
    });
  }

  #cancel(id) {
    if (!this.#jobs.has(id)) return;
    this.#worker.postMessage({ id, op: 'cancel' });
    const worker = this.#worker;
    setTimeout(() => {
      if (!this.#jobs.has(id) || this.#worker !== worker || this.#stopped) return;
      // Still running: the worker is inside a synchronous pass. Start over with a fresh one.
      worker.terminate();
      this.#failAll(new IrelError({ code: 'CANCELLED', message: 'cancelled (the worker did not stop in time and was restarted); names are written last, so no image was left half-relocated under its name' }));
      this.#spawn();
    }, this.#cancelGraceMs);
  }

  /** Stops the worker; jobs still running fail with CANCELLED. */
  terminate() {
    this.#worker.terminate();
    this.#stopped = new IrelError({ code: 'CANCELLED', message: 'the worker was stopped' });
    this.#readyResolve.reject(this.#stopped);
    this.#failAll(this.#stopped);
  }
}
