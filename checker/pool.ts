/**
 * worker_threads for the parallel searches (checker/parallel.ts,
 * checker/walk.ts). A worker cannot receive a Model (functions do not cross
 * threads), so it builds its own from a ModelSpec: a module to import, the
 * name of an exported function, and JSON-like arguments. The function
 * returns the Model (or a promise of it); it must build the same model as
 * the coordinator's.
 *
 * Requests and replies are plain messages with an id; a worker that throws
 * rejects every pending request with its message.
 */
import { MessageChannel, Worker, type MessagePort, type Transferable } from 'node:worker_threads';
import type { Model } from './model.js';

export interface ModelSpec {
  /** A module URL (file://...) or absolute path. */
  module: string;
  /** Name of the exported function that builds the model. */
  export: string;
  /** Its arguments (structured-cloneable). */
  args: unknown[];
}

/** Builds the model of `spec` (in a worker, or in the coordinator for in-process runs). */
export async function modelFromSpec(spec: ModelSpec): Promise<Model<unknown, unknown>> {
  const url = spec.module.startsWith('file:') ? spec.module : new URL(`file://${spec.module}`).href;
  const mod = await import(url) as { [name: string]: unknown };
  const f = mod[spec.export];
  if (typeof f !== 'function') throw new Error(`${spec.module} has no exported function ${spec.export}`);
  return await (f as (...args: unknown[]) => Model<unknown, unknown> | Promise<Model<unknown, unknown>>)(...spec.args);
}

export interface Reply { id: number; error?: string; [k: string]: unknown }

export class Pool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | null = null;
  /** Set to 1 to ask every worker to stop what it is doing (checked every few steps). */
  readonly stop = new Int32Array(new SharedArrayBuffer(4));

  constructor(readonly size: number) {
    for (let w = 0; w < size; w++) {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { index: w, stop: this.stop } });
      worker.on('message', (r: Reply) => {
        const p = this.pending.get(r.id);
        if (p === undefined) return;
        this.pending.delete(r.id);
        if (r.error !== undefined) p.reject(new Error(r.error));
        else p.resolve(r);
      });
      worker.on('error', e => this.fail(e));
      worker.on('exit', code => { if (code !== 0) this.fail(new Error(`worker ${w} exited with code ${code}`)); });
      this.workers.push(worker);
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Sends `msg` to worker `w`; resolves with its reply. */
  request(w: number, msg: { cmd: string; [k: string]: unknown }, transfer: Transferable[] = []): Promise<Reply> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[w]!.postMessage({ ...msg, id }, transfer);
    });
  }

  /** The same request to every worker (`msg(w)`), in parallel. */
  all(msg: (w: number) => { cmd: string; [k: string]: unknown }, transfer: (w: number) => Transferable[] = () => []): Promise<Reply[]> {
    return Promise.all(this.workers.map((_, w) => this.request(w, msg(w), transfer(w))));
  }

  /** One MessagePort per pair of workers: ports[w][v] is w's end of the channel to v (undefined for v == w). */
  mesh(): (MessagePort | undefined)[][] {
    const ports: (MessagePort | undefined)[][] = this.workers.map(() => this.workers.map(() => undefined));
    for (let a = 0; a < this.size; a++) {
      for (let b = a + 1; b < this.size; b++) {
        const { port1, port2 } = new MessageChannel();
        ports[a]![b] = port1;
        ports[b]![a] = port2;
      }
    }
    return ports;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map(w => w.terminate()));
  }
}
