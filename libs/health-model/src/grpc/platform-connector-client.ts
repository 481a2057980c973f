/**
 * A client of platform-connectors' node socket, as a health monitor uses it. It sends and reports;
 * retry policy stays with the caller, because callers differ on purpose (the analyzer retries
 * like upstream's analyzer, the CSP notifier like upstream's `healthpub`, the CLI not at all).
 */
import { credentials, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import type * as proto from '../gen/health_event_pb.js';
import { platformConnectorService } from './platform-connector-service.js';

const ClientConstructor = makeGenericClientConstructor(platformConnectorService, 'PlatformConnector');

export interface SendOptions {
  /** Deadline of the call; grpc-js fails it with DEADLINE_EXCEEDED after this. Default: none. */
  timeoutMs?: number;
}

export interface PlatformConnectorClient {
  /** The grpc target, e.g. `unix:///var/run/nvsentinel.sock`. */
  readonly target: string;
  /**
   * Resolves once the connector answered OK, which it does only after storing the events; rejects
   * with the grpc-js `ServiceError` (its `code` tells whether a resend may succeed).
   */
  send(message: proto.HealthEvents, options?: SendOptions): Promise<void>;
  close(): void;
}

/** `unix:///run/x.sock`, `unix:/run/x.sock` or any `scheme://` target as given; a plain path becomes `unix://<path>`. */
export function platformConnectorTarget(socket: string): string {
  return socket.startsWith('unix:') || socket.includes('://') ? socket : `unix://${socket}`;
}

interface GeneratedClient {
  HealthEventOccurredV1(
    message: proto.HealthEvents,
    options: { deadline?: Date },
    callback: (err: ServiceError | null) => void,
  ): void;
  close(): void;
}

export function connectPlatformConnector(socket: string): PlatformConnectorClient {
  const target = platformConnectorTarget(socket);
  const client = new ClientConstructor(target, credentials.createInsecure()) as unknown as GeneratedClient;
  return {
    target,
    send: (message, options = {}) =>
      new Promise<void>((resolve, reject) => {
        const deadline = options.timeoutMs === undefined ? undefined : new Date(Date.now() + options.timeoutMs);
        client.HealthEventOccurredV1(message, { deadline }, (err) => (err ? reject(err) : resolve()));
      }),
    close: () => client.close(),
  };
}
