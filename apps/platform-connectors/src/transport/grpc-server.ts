/**
 * gRPC on a unix socket, like upstream's DaemonSet: a stale socket file from a crashed
 * predecessor is removed first, and the socket is made world-writable (0666) so monitors in
 * other containers sharing the hostPath can connect. The RPC answers only after the batch is
 * stored: OK = durable; INVALID_ARGUMENT = fix and resend; UNAVAILABLE = resend after the
 * `retry-after` trailer (seconds).
 */
import { chmod, rm } from 'node:fs/promises';
import {
  Metadata,
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { healthEventsFromProto } from '@nvsentinel/health-model';
import type { Logger } from '@nvsentinel/service-kit';
import type { Empty } from '@bufbuild/protobuf/wkt';
import { RequestUndecodableError, grpcCodeOf, isConnectorError, issuesOf, retryAfterOf } from '../errors.js';
import type { IngestPipeline } from '../ingest/ingest-pipeline.js';
import { EMPTY } from '@nvsentinel/health-model/grpc';
import { platformConnectorServerService, type DecodedRequest } from './grpc-service.js';

export interface GrpcServerOptions {
  /** `unix:///var/run/nvsentinel.sock`, `unix:/path` or a bare path. */
  socket: string;
  pipeline: IngestPipeline;
  logger: Logger;
  /** Largest accepted message; default 16 MiB (a 100-event batch is ~50 KiB). */
  maxReceiveMessageBytes?: number;
}

/** The filesystem path of a `unix://` address. */
function socketPath(address: string): string {
  if (address.startsWith('unix://')) return address.slice('unix://'.length);
  if (address.startsWith('unix:')) return address.slice('unix:'.length);
  return address;
}

export class GrpcIngestServer {
  readonly #options: GrpcServerOptions;
  readonly #server: Server;
  #started = false;

  constructor(options: GrpcServerOptions) {
    this.#options = options;
    this.#server = new Server({
      'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 16 * 1024 * 1024,
    });
    this.#server.addService(platformConnectorServerService, {
      HealthEventOccurredV1: (call: ServerUnaryCall<DecodedRequest, Empty>, callback: sendUnaryData<Empty>) =>
        this.#handle(call, callback),
    });
  }

  get path(): string {
    return socketPath(this.#options.socket);
  }

  async start(): Promise<void> {
    const path = this.path;
    await rm(path, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.#server.bindAsync(`unix://${path}`, ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve(),
      );
    });
    await chmod(path, 0o666);
    this.#started = true;
    this.#options.logger.info({ socket: path }, 'gRPC server listening');
  }

  /** Stops accepting calls, lets running ones finish (bounded), removes the socket file. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.#server.forceShutdown();
        resolve();
      }, graceMs);
      force.unref();
      this.#server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    await rm(this.path, { force: true });
  }

  #handle(call: ServerUnaryCall<DecodedRequest, Empty>, callback: sendUnaryData<Empty>): void {
    const request = call.request;
    if ('undecodable' in request) {
      callback(toServiceError(new RequestUndecodableError(request.undecodable)));
      return;
    }
    let events;
    try {
      events = healthEventsFromProto(request.message).events;
    } catch (err) {
      callback(toServiceError(err));
      return;
    }
    const decoded = events;
    Promise.resolve()
      .then(() => this.#options.pipeline.ingestDecoded(decoded))
      .then(
        () => callback(null, EMPTY),
        (err: unknown) => {
          if (!isConnectorError(err) || err.statusCode >= 500) {
            this.#options.logger.warn({ err }, 'gRPC batch refused');
          }
          callback(toServiceError(err));
        },
      );
  }
}

function toServiceError(err: unknown): Partial<ServiceError> {
  const metadata = new Metadata();
  if (!isConnectorError(err)) {
    return { code: 13, details: err instanceof Error ? err.message : String(err), metadata };
  }
  metadata.set('nvs-error-code', err.code);
  const retryAfter = retryAfterOf(err);
  if (retryAfter !== undefined) metadata.set('retry-after', String(retryAfter));
  const issues = issuesOf(err);
  const issuesJson = JSON.stringify(issues);
  // Metadata values must be printable ASCII; the details text lists the issues either way.
  if (issues.length > 0 && /^[\x20-\x7e]*$/.test(issuesJson)) metadata.set('nvs-validation-issues', issuesJson);
  return { code: grpcCodeOf(err), details: err.message, metadata };
}
