/**
 * A PlatformConnector that acknowledges without doing anything: the gRPC transport's own ceiling
 * on this machine (client + server framing, serialisation), measured in the same run as the
 * real service so its numbers can be read against it.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import { join } from 'node:path';
import { platformConnectorDefinition } from './grpc-client.js';

export async function startEchoServer(dir: string): Promise<{ socketPath: string; stop(): Promise<void> }> {
  const socketPath = join(dir, 'echo.sock');
  const server = new Server();
  const empty = create(EmptySchema);
  server.addService(platformConnectorDefinition, {
    HealthEventOccurredV1: (_call: unknown, callback: (err: null, value: typeof empty) => void) =>
      callback(null, empty),
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socketPath}`, ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return { socketPath, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}
