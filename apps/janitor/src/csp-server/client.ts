/**
 * What janitor's controllers use: a `CspProvider` that forwards to janitor-provider over gRPC,
 * with TLS (a CA file, or `insecure` to skip verification as upstream's cspProviderInsecure does)
 * and the projected service-account token re-read on every call (the kubelet rotates it).
 * Errors come back as catalogue errors; `retryable` is true for UNAVAILABLE and DEADLINE_EXCEEDED,
 * the codes upstream's controllers requeue on.
 */
import { readFile } from 'node:fs/promises';
import { create } from '@bufbuild/protobuf';
import {
  Metadata,
  credentials as grpcCredentials,
  makeGenericClientConstructor,
  status,
  type CallOptions,
  type ChannelCredentials,
  type Client,
  type ServiceError,
} from '@grpc/grpc-js';
import type { V1Node } from '@kubernetes/client-node';
import type { NvsError } from '@nvsentinel/service-kit';
import { CspCallFailedError, CspCallUnavailableError } from '../providers/errors.js';
import type { CspProvider } from '../providers/provider.js';
import {
  IsNodeReadyRequestSchema,
  SendRebootSignalRequestSchema,
  SendTerminateSignalRequestSchema,
  cspProviderService,
} from './grpc-service.js';
import { ERROR_CODE_METADATA } from './status-codes.js';

/** A failed call: `grpcCode` is the gRPC status, `remoteCode` the server's NVS_ERR_* code if any. */
export interface CspCallError extends NvsError {
  readonly grpcCode: status;
  readonly remoteCode?: string;
}

export interface CspProviderClientOptions {
  /** host:port of janitor-provider (upstream cspProviderHost). */
  address: string;
  /** PEM CA bundle that signed the server certificate (upstream cspProviderCAPath). */
  caPath?: string;
  /** Or the CA itself. */
  ca?: Buffer;
  /** TLS without verifying the server (upstream cspProviderInsecure). */
  insecureSkipVerify?: boolean;
  /** Plaintext gRPC (janitor-provider without TLS_CERT_PATH). */
  plaintext?: boolean;
  /** Service-account token file sent as a bearer token (upstream cspProviderTokenPath). */
  tokenPath?: string;
  /** Per-call deadline. Default 60 s (a reboot signal can wait for a cloud API). */
  deadlineMs?: number;
  /** TLS server name to verify, when the address is an IP (tests) or a different name. */
  serverNameOverride?: string;
}

const GenericClient = makeGenericClientConstructor(cspProviderService, 'CSPProviderService');

type Unary = (
  request: unknown,
  metadata: Metadata,
  options: CallOptions,
  callback: (error: ServiceError | null, value?: unknown) => void,
) => void;

export class CspProviderClient implements CspProvider {
  readonly name = 'grpc';
  readonly #options: CspProviderClientOptions;
  #client: Client | undefined;

  constructor(options: CspProviderClientOptions) {
    if (options.plaintext && (options.ca || options.caPath || options.insecureSkipVerify)) {
      throw new TypeError('CspProviderClient: plaintext excludes ca, caPath and insecureSkipVerify');
    }
    this.#options = options;
  }

  async sendRebootSignal(node: V1Node): Promise<{ requestRef: string }> {
    const name = node.metadata?.name ?? '';
    const response = (await this.#call(
      'SendRebootSignal',
      name,
      create(SendRebootSignalRequestSchema, { nodeName: name }),
    )) as { requestId: string };
    return { requestRef: response.requestId };
  }

  async isNodeReady(node: V1Node, requestRef: string): Promise<boolean> {
    const name = node.metadata?.name ?? '';
    const response = (await this.#call(
      'IsNodeReady',
      name,
      create(IsNodeReadyRequestSchema, { nodeName: name, requestId: requestRef }),
    )) as { isReady: boolean };
    return response.isReady;
  }

  async sendTerminateSignal(node: V1Node): Promise<{ requestRef: string }> {
    const name = node.metadata?.name ?? '';
    const response = (await this.#call(
      'SendTerminateSignal',
      name,
      create(SendTerminateSignalRequestSchema, { nodeName: name }),
    )) as { requestId: string };
    return { requestRef: response.requestId };
  }

  close(): void {
    this.#client?.close();
    this.#client = undefined;
  }

  async #connect(): Promise<Client> {
    if (this.#client) return this.#client;
    const { address, plaintext, insecureSkipVerify, serverNameOverride } = this.#options;
    let channel: ChannelCredentials;
    if (plaintext) channel = grpcCredentials.createInsecure();
    else {
      const ca = this.#options.ca ?? (this.#options.caPath ? await readFile(this.#options.caPath) : null);
      channel = grpcCredentials.createSsl(
        ca,
        null,
        null,
        insecureSkipVerify ? { checkServerIdentity: () => undefined, rejectUnauthorized: false } : {},
      );
    }
    const channelOptions = serverNameOverride
      ? { 'grpc.ssl_target_name_override': serverNameOverride, 'grpc.default_authority': serverNameOverride }
      : {};
    this.#client ??= new GenericClient(address, channel, channelOptions);
    return this.#client;
  }

  async #call(method: keyof typeof cspProviderService, node: string, request: unknown): Promise<unknown> {
    const client = await this.#connect();
    const metadata = new Metadata();
    if (this.#options.tokenPath) {
      const token = (await readFile(this.#options.tokenPath, 'utf8')).trim();
      metadata.set('authorization', `Bearer ${token}`);
    }
    const deadline = new Date(Date.now() + (this.#options.deadlineMs ?? 60_000));
    const call = (client as unknown as Record<string, Unary>)[method]!.bind(client);
    return new Promise((resolve, reject) => {
      call(request, metadata, { deadline }, (error, value) =>
        error ? reject(toCallError(error, method, node)) : resolve(value),
      );
    });
  }
}

function toCallError(error: ServiceError, method: string, node: string): CspCallError {
  const remote = error.metadata?.get(ERROR_CODE_METADATA)[0]?.toString();
  const retryable = error.code === status.UNAVAILABLE || error.code === status.DEADLINE_EXCEEDED;
  const codeName = status[error.code] ?? String(error.code);
  const wrapped = retryable
    ? new CspCallUnavailableError(method, node, codeName, error.details, { cause: error })
    : new CspCallFailedError(codeName, method, node, error.details, { cause: error });
  return Object.assign(wrapped, { grpcCode: error.code, ...(remote ? { remoteCode: remote } : {}) }) as CspCallError;
}
