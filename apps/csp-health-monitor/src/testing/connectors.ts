/** A real platform-connectors on a unix socket, storing into the test's datastore (as in its own tests). */
import { join } from 'node:path';
import { createPlatformConnectors, type PlatformConnectors } from '@nvsentinel/platform-connectors';
import type { HealthEventWithStatus } from '@nvsentinel/health-model';
import type { Harness } from './harness.js';

export interface Connectors {
  service: PlatformConnectors;
  socketPath: string;
  /** Stored CSPMaintenance events of the node, oldest first. */
  triggers(node: string): Promise<HealthEventWithStatus[]>;
  stop(): Promise<void>;
}

export async function startConnectors(h: Harness, name = 'nvsentinel.sock'): Promise<Connectors> {
  const socketPath = join(h.dir, name);
  const service = createPlatformConnectors({
    datastore: h.datastore,
    logger: h.logger,
    config: { socket: `unix://${socketPath}`, httpPort: null },
  });
  await service.start();
  return {
    service,
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
