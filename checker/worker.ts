/**
 * A worker thread of checker/pool.ts: builds its model from the ModelSpec it
 * is given, then serves the requests of checker/walk.ts (swarm walks) or
 * checker/parallel.ts (one BFS partition).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { Model } from './model.js';
import { Partition } from './parallel.js';
import { modelFromSpec, type ModelSpec } from './pool.js';
import { WalkRunner, type WalkOptions, type WalkRecord } from './walk.js';

const { index, stop } = workerData as { index: number; stop: Int32Array };
const stopped = (): boolean => Atomics.load(stop, 0) === 1;
let walker: WalkRunner<unknown, unknown> | null = null;
let partition: Partition<unknown, unknown> | null = null;

type Msg = { id: number; cmd: string; [k: string]: unknown };

async function serve(msg: Msg): Promise<{ [k: string]: unknown }> {
  switch (msg.cmd) {
    case 'walk-init': {
      const model: Model<unknown, unknown> = await modelFromSpec(msg['spec'] as ModelSpec);
      walker = new WalkRunner(model, msg['options'] as WalkOptions);
      return {};
    }
    case 'walks': {
      const records: WalkRecord[] = [];
      let interrupted = false;
      for (const w of msg['walks'] as number[]) {
        if (stopped()) { interrupted = true; break; }
        const r = walker!.runWalk(w, stopped);
        records.push(r);
        if (r.violation !== null) break;
      }
      return { records, interrupted: interrupted || stopped() };
    }
    case 'bfs-init': {
      const model = await modelFromSpec(msg['spec'] as ModelSpec);
      partition = new Partition(model, index, msg['options'] as never, stopped, msg['peers'] as (MessagePort | undefined)[]);
      return {};
    }
    default:
      return partition!.handle(msg);
  }
}

parentPort!.on('message', (msg: Msg) => {
  serve(msg).then(
    r => {
      const transfer = Object.values(r).flatMap(v => (v instanceof Int32Array ? [v.buffer] : Array.isArray(v) ? v.filter(x => x instanceof Int32Array).map(x => (x as Int32Array).buffer) : []));
      parentPort!.postMessage({ ...r, id: msg.id }, transfer as ArrayBuffer[]);
    },
    (e: unknown) => parentPort!.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) }),
  );
});
