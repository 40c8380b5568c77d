// The page's side of the worker protocol (see wasm/js/worker.js): run(op, args, { onProgress,
// signal }) -> Promise of the result, rejecting with an IrelError. Cancelling sends
// { id, op: 'cancel' }; a job that does not stop in time (a worker busy in a synchronous archive
// pass cannot read messages) is ended by restarting the worker. That is safe: nothing was pushed
// yet in such a pass, and image names are written last in any case.
import { IrelError } from '../wasm/js/index.js';

const WORKER_URL = new URL('../wasm/js/worker.js', import.meta.url);
const CANCEL_GRACE_MS = 3000;

export class WorkerClient {
  #worker = null;
  #jobs = new Map(); // id -> { resolve, reject, onProgress }
  #next = 1;
  #ready;
  #readyResolve;
  onReady = null;

  constructor(url = WORKER_URL) {
    this.url = url;
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
    const worker = new Worker(this.url, { type: 'module', name: 'irel' });
    worker.addEventListener('message', ({ data }) => this.#onMessage(data));
    worker.addEventListener('error', (e) => {
      e.preventDefault?.();
      const error = new IrelError({ code: 'WORKER_FAILED', message: `the irel worker failed: ${e.message || 'it could not start'}` });
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
      if (signal?.aborted) {
        reject(new IrelError({ code: 'CANCELLED', message: 'cancelled' }));
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
      if (!this.#jobs.has(id) || this.#worker !== worker) return;
      // Still running: the worker is inside a synchronous pass. Start over with a fresh one.
      worker.terminate();
      this.#failAll(new IrelError({ code: 'CANCELLED', message: 'cancelled (the worker did not stop in time and was restarted); names are written last, so no image was left half-relocated under its name' }));
      this.#spawn();
    }, CANCEL_GRACE_MS);
  }

  terminate() {
    this.#worker.terminate();
    this.#failAll(new IrelError({ code: 'CANCELLED', message: 'the worker was stopped' }));
  }
}
