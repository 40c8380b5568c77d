/** irel/worker-client: runs the ops of the package's Web Worker (irel/worker) from a page. */
import type { WorkerOp, WorkerOps, WorkerProgressEvent } from './index.js';

export type { WorkerOp, WorkerOps, WorkerProgressEvent } from './index.js';

/** What the client needs of a Worker (a DOM Worker has all of it). */
export interface WorkerLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: any }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string; preventDefault?(): void }) => void): void;
  terminate(): void;
}

export interface WorkerClientOptions {
  /** The worker script's URL; by default the package's worker.js next to worker-client.js. */
  url?: string | URL;
  /** Makes the worker (called again when a cancelled job forces a restart). */
  createWorker?: () => WorkerLike;
  /** How long a cancelled job may take to stop before the worker is restarted (default 3000 ms). */
  cancelGraceMs?: number;
}

export interface WorkerRunOptions {
  onProgress?: (event: WorkerProgressEvent) => void;
  /** Cancels the job: it rejects with an IrelError whose code is CANCELLED. */
  signal?: AbortSignal;
}

export declare class WorkerClient {
  constructor(options?: string | URL | WorkerClientOptions);
  /** The core's version, once the worker has loaded it; rejects if the worker cannot start. */
  readonly ready: Promise<string>;
  /** Called with the core's version each time a worker (the first, or a restarted one) is ready. */
  onReady: ((version: string) => void) | null;
  /** Runs one op; rejects with an IrelError. */
  run<Op extends WorkerOp>(op: Op, args: WorkerOps[Op]['args'], options?: WorkerRunOptions): Promise<WorkerOps[Op]['result']>;
  /** Stops the worker; running jobs and later run() calls reject with CANCELLED. */
  terminate(): void;
}
