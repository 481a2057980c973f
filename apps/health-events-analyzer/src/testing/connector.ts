/**
 * A platform-connector endpoint for tests: serves HealthEventOccurredV1 on a unix socket and
 * stores what it receives in the real datastore, as platform-connectors does. `failNext` answers
 * UNAVAILABLE a number of times first (the publisher's retry path).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerCredentials, status, type MethodDefinition, type ServiceError } from '@grpc/grpc-js';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { EmptySchema, type Empty } from '@bufbuild/protobuf/wkt';
import { healthEventsFromProto, proto, type HealthEvent } from '@nvsentinel/health-model';
import type { HealthEventStore } from '@nvsentinel/store-client';

const method: MethodDefinition<proto.HealthEvents, Empty> = {
  path: `/${proto.PlatformConnector.typeName}/${proto.PlatformConnector.method.healthEventOccurredV1.name}`,
  requestStream: false,
  responseStream: false,
  requestSerialize: (m) => Buffer.from(toBinary(proto.HealthEventsSchema, m)),
  requestDeserialize: (b) => fromBinary(proto.HealthEventsSchema, b),
  responseSerialize: (m) => Buffer.from(toBinary(EmptySchema, m)),
  responseDeserialize: (b) => fromBinary(EmptySchema, b),
};

export interface TestConnector {
  socket: string;
  received: HealthEvent[];
  failNext(count: number): void;
  close(): Promise<void>;
}

export async function startTestConnector(store: HealthEventStore): Promise<TestConnector> {
  const dir = await mkdtemp(join(tmpdir(), 'hea-pc-'));
  const socket = join(dir, 'nvsentinel.sock');
  const received: HealthEvent[] = [];
  let failures = 0;
  const server = new Server();
  server.addService(
    { HealthEventOccurredV1: method },
    {
      HealthEventOccurredV1: (
        call: { request: proto.HealthEvents },
        callback: (err: Partial<ServiceError> | null, res?: Empty) => void,
      ) => {
        if (failures > 0) {
          failures--;
          return callback({ code: status.UNAVAILABLE, details: 'connector restarting' });
        }
        const { events } = healthEventsFromProto(call.request);
        store.insertHealthEvents(...events.map((healthEvent) => ({ healthEvent }))).then(
          () => {
            received.push(...events);
            callback(null, create(EmptySchema));
          },
          (err: Error) => callback({ code: status.INTERNAL, details: err.message }),
        );
      },
    },
  );
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  return {
    socket,
    received,
    failNext: (n) => void (failures = n),
    close: async () => {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
