/**
 * Starts the real service for a test: a real datastore (a throw-away PostgreSQL database or the
 * embedded engine), gRPC on a unix socket in a temp dir, HTTP on a free port, and optionally the
 * cluster simulator behind a real kube client.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { createLogger } from '@nvsentinel/service-kit';
import { createDataStore, type DataStore } from '@nvsentinel/store-client';
import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import { createPlatformConnectors, type PlatformConnectors, type PlatformConnectorsConfig } from '../service.js';
import { connectGrpc, type PlatformConnectorClient } from './grpc-client.js';
import { createTestDatabase, type TestDatabase } from '@nvsentinel/store-client/testing';
import type { EventJson } from './events.js';

export interface HarnessOptions {
  provider?: 'postgresql' | 'embedded';
  /** Start the cluster simulator with these nodes (names) and mirror into it. */
  nodes?: Array<{ name: string; labels?: Record<string, string>; providerID?: string }>;
  config?: Omit<PlatformConnectorsConfig, 'socket' | 'httpPort'>;
  /** Extra datastore options (pool lifetimes for outage tests). */
  datastoreOptions?: Record<string, unknown>;
}

export interface Harness {
  connectors: PlatformConnectors;
  datastore: DataStore;
  database: TestDatabase | undefined;
  kube: KubeClient | undefined;
  sim: ClusterSim | undefined;
  socketPath: string;
  httpUrl: string;
  grpc: PlatformConnectorClient;
  post(events: EventJson[] | unknown): Promise<{ status: number; headers: Headers; body: any }>;
  storedFor(node: string): Promise<number>;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const provider = options.provider ?? 'postgresql';
  const database = provider === 'postgresql' ? await createTestDatabase('pc', { connectTimeoutMs: 2000 }) : undefined;
  const datastore = await createDataStore(
    database
      ? { ...database.config, options: { ...database.config.options, ...options.datastoreOptions } }
      : { provider: 'embedded', connection: { host: '', port: 0, database: 'nvsentinel' }, options: {} },
  );
  const sim = options.nodes
    ? await startClusterSim({ nodes: options.nodes, podsPerNode: 0, daemonSets: false, disruptionBudgets: false })
    : undefined;
  const kube = sim ? createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity }) : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'pc-'));
  const socketPath = join(dir, 'nvsentinel.sock');
  const logger = createLogger({ name: 'platform-connectors-test', level: process.env.LOG_LEVEL ?? 'fatal' });
  const connectors = createPlatformConnectors({
    datastore,
    ...(kube ? { kube } : {}),
    logger,
    config: { ...options.config, socket: `unix://${socketPath}`, httpPort: 0, httpHost: '127.0.0.1' },
  });
  const addresses = await connectors.start();
  const grpc = connectGrpc(socketPath);
  const httpUrl = addresses.httpUrl!;
  return {
    connectors,
    datastore,
    database,
    kube,
    sim,
    socketPath,
    httpUrl,
    grpc,
    async post(events) {
      const body = Array.isArray(events) ? { events } : events;
      const response = await fetch(`${httpUrl}/api/v1/health-events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
    async storedFor(node) {
      return (await datastore.healthEventStore().findHealthEventsByNode(node)).length;
    },
    async close() {
      grpc.close();
      await connectors.stop();
      await datastore.close();
      await sim?.close();
      await database?.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
