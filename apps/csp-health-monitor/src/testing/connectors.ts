/**
 * A test double of platform-connectors' node socket: the `datamodels.PlatformConnector` gRPC
 * service from health-model's proto on a unix socket, storing each received event in the test's
 * datastore before it answers OK (as the real connector does). Apps may not depend on apps
 * (tools/scripts/check-boundaries.mjs), so the notifier is tested against this double; the real
 * connector's ingestion rules are tested in apps/platform-connectors.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { EmptySchema, type Empty } from '@bufbuild/protobuf/wkt';
import { Server, ServerCredentials, status, type MethodDefinition, type ServiceError } from '@grpc/grpc-js';
import { healthEventsFromProto, proto, type HealthEventWithStatus } from '@nvsentinel/health-model';
import type { Harness } from './harness.js';

const healthEventOccurredV1: MethodDefinition<proto.HealthEvents, Empty> = {
  path: `/${proto.PlatformConnector.typeName}/${proto.PlatformConnector.method.healthEventOccurredV1.name}`,
  requestStream: false,
  responseStream: false,
  requestSerialize: (message) => Buffer.from(toBinary(proto.HealthEventsSchema, message)),
  requestDeserialize: (bytes) => fromBinary(proto.HealthEventsSchema, bytes),
  responseSerialize: (message) => Buffer.from(toBinary(EmptySchema, message)),
  responseDeserialize: (bytes) => fromBinary(EmptySchema, bytes),
};

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
  server.addService(
    { HealthEventOccurredV1: healthEventOccurredV1 },
    {
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
              callback(null, { $typeName: 'google.protobuf.Empty' });
            },
            (err: Error) => callback({ code: status.UNAVAILABLE, details: err.message }),
          );
      },
    },
  );
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
