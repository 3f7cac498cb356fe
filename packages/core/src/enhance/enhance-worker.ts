import { parentPort, workerData } from 'node:worker_threads';
import { EnhanceEngine, type EngineOptions } from './enhance-engine.ts';
import type { WorkerReply, WorkerRequest } from './enhance-pool.ts';

/**
 * Runs enhance jobs off the main event loop. One job at a time (the pool sees to it); the
 * model's own threads do the heavy lifting, this thread tiles, blends and encodes.
 */
const engine = new EnhanceEngine(workerData as EngineOptions);
const running = new Map<number, AbortController>();
const port = parentPort!;

port.on('message', async (message: WorkerRequest) => {
  if (message.type === 'cancel') {
    running.get(message.id)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(message.id, controller);
  try {
    const onTile = (done: number, total: number) => port.postMessage({ id: message.id, progress: { done, total } } satisfies WorkerReply);
    const output = await engine.enhance(message.job, controller.signal, onTile);
    const reply: WorkerReply = { id: message.id, ok: true, output };
    port.postMessage(reply, [output.bytes.buffer as ArrayBuffer]);
  } catch (error) {
    const reply: WorkerReply = {
      id: message.id,
      ok: false,
      aborted: controller.signal.aborted,
      message: error instanceof Error ? error.message : String(error),
    };
    port.postMessage(reply);
  } finally {
    running.delete(message.id);
  }
});
