/**
 * One load generator thread. The monitors' side of a gRPC call costs about as much CPU as the
 * server's, so a single generator thread would measure itself; several threads (each with its
 * own connections) keep the client side from being the bottleneck.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { connect } from './grpc-client.js';
import { runLoadSamples } from './load.js';

interface Job {
  socketPath: string;
  batchSize: number;
  concurrency: number;
  seconds: number;
  connections: number;
  id: number;
}

const job = workerData as Job;
const clients = Array.from({ length: job.connections }, (_, i) => connect(job.socketPath, job.id * 100 + i));
const samples = await runLoadSamples(clients, job.batchSize, job.concurrency, job.seconds);
for (const c of clients) c.close();
parentPort!.postMessage(samples);
