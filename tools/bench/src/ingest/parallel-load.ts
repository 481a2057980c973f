import { Worker } from 'node:worker_threads';
import { connect } from './grpc-client.js';
import { mergeSamples, runLoadSamples, type LoadResult, type LoadSamples } from './load.js';

const WORKER = new URL('./load-worker.js', import.meta.url);

/**
 * Runs `threads` load generators at once, `concurrency` callers split between them; with one
 * thread the load runs on this thread (no hand-off between threads, which costs scheduling
 * latency on a busy machine).
 */
export async function runParallelLoad(
  socketPath: string,
  batchSize: number,
  concurrency: number,
  seconds: number,
  threads: number,
): Promise<LoadResult> {
  if (threads <= 1) {
    const clients = [connect(socketPath, 0), connect(socketPath, 1)];
    try {
      return mergeSamples([await runLoadSamples(clients, batchSize, concurrency, seconds)]);
    } finally {
      for (const c of clients) c.close();
    }
  }
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, id) => {
      const worker = new Worker(WORKER, {
        workerData: {
          socketPath,
          batchSize,
          concurrency: Math.ceil(concurrency / threads),
          seconds,
          connections: 2,
          id,
        },
      });
      return new Promise<LoadSamples>((resolve, reject) => {
        worker.once('message', (samples: LoadSamples) => resolve(samples));
        worker.once('error', reject);
      }).finally(() => worker.terminate());
    }),
  );
  return mergeSamples(parts);
}
