/**
 * A real platform-connectors on a unix socket, storing into the test's datastore (as its own tests
 * start it). Apps may not depend on apps (tools/scripts/check-boundaries.mjs), so the tests load its
 * source by path at run time instead of declaring a package dependency; production code never does.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HealthEventWithStatus } from '@nvsentinel/health-model';
import type { Logger } from '@nvsentinel/service-kit';
import type { DataStore } from '@nvsentinel/store-client';
import type { Harness } from './harness.js';

const PLATFORM_CONNECTORS_SOURCE = resolve(import.meta.dirname, '../../../platform-connectors/src/index.ts');

interface PlatformConnectorsModule {
  createPlatformConnectors(deps: {
    datastore: DataStore;
    logger: Logger;
    config: { socket: string; httpPort: null };
  }): { start(): Promise<unknown>; stop(): Promise<void> };
}

export interface Connectors {
  socketPath: string;
  /** Stored CSPMaintenance events of the node, oldest first. */
  triggers(node: string): Promise<HealthEventWithStatus[]>;
  stop(): Promise<void>;
}

export async function startConnectors(h: Harness, name = 'nvsentinel.sock'): Promise<Connectors> {
  const module = (await import(pathToFileURL(PLATFORM_CONNECTORS_SOURCE).href)) as PlatformConnectorsModule;
  const socketPath = join(h.dir, name);
  const service = module.createPlatformConnectors({
    datastore: h.datastore,
    logger: h.logger,
    config: { socket: `unix://${socketPath}`, httpPort: null },
  });
  await service.start();
  return {
    socketPath,
    async triggers(node) {
      const events = await h.datastore.healthEventStore().findHealthEventsByNode(node);
      return events
        .filter((e) => e.healthEvent.checkName === 'CSPMaintenance')
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    },
    stop: () => service.stop(),
  };
}
