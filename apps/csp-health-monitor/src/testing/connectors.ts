/**
 * A test double of platform-connectors' node socket: the `datamodels.PlatformConnector` gRPC
 * service from health-model's proto on a unix socket, storing each received event in the test's
 * datastore before it answers OK (as the real connector does). Apps may not depend on apps
 * (tools/scripts/check-boundaries.mjs), so the notifier is tested against this double; the real
 * connector's ingestion rules are tested in apps/platform-connectors.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Empty } from '@bufbuild/protobuf/wkt';
import { Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import { healthEventsFromProto, type proto, type HealthEventWithStatus } from '@nvsentinel/health-model';
import { EMPTY, platformConnectorService } from '@nvsentinel/health-model/grpc';
import type { Harness } from './harness.js';

export interface Connectors {
  socketPath: string;
  /** Stored CSPMaintenance events of the node, oldest first. */
  triggers(node: string): Promise<HealthEventWithStatus[]>;
  /** Calls answered OK (each stored its events). */
  readonly received: number;
  stop(): Promise<void>;
}

export async function startConnectors(h: Harness, name = 'nvsentinel.sock'): Promise<Connectors> {
  const socketPath = join(h.dir, name);
  // A socket file left by an earlier server on the same path would make the bind fail.
  await rm(socketPath, { force: true });
  const server = new Server();
  let received = 0;
  server.addService(platformConnectorService, {
    HealthEventOccurredV1(
      call: { request: proto.HealthEvents },
      callback: (err: Partial<ServiceError> | null, value?: Empty) => void,
    ) {
      const { events } = healthEventsFromProto(call.request);
      h.datastore
        .healthEventStore()
        .insertHealthEvents(...events.map((healthEvent) => ({ healthEvent })))
        .then(
          () => {
            received++;
            callback(null, EMPTY);
          },
          (err: Error) => callback({ code: status.UNAVAILABLE, details: err.message }),
        );
    },
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socketPath}`, ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return {
    socketPath,
    get received() {
      return received;
    },
    async triggers(node) {
      const events = await h.datastore.healthEventStore().findHealthEventsByNode(node);
      return events
        .filter((e) => e.healthEvent.checkName === 'CSPMaintenance')
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    },
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
