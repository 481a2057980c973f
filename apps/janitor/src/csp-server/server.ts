/**
 * janitor-provider: serves CSPProviderService over gRPC (TLS with hot-reloaded files, optional
 * TokenReview authentication), resolves each call's Node by name and hands it to the provider
 * chosen by CSP. Calls are stateless — every fact a readiness check needs is in the request
 * reference or the Node — so a restarted or second replica answers the same.
 */
import { lstatSync, rmSync } from 'node:fs';
import { create } from '@bufbuild/protobuf';
import { Server, status, type sendUnaryData, type ServerUnaryCall, type UntypedHandleCall } from '@grpc/grpc-js';
import type { KubeClient } from '@nvsentinel/k8s';
import {
  counter,
  createMetricsRegistry,
  histogram,
  moduleLogger,
  type Logger,
  type Registry,
} from '@nvsentinel/service-kit';
import type { V1Node } from '@kubernetes/client-node';
import { CspServerConfigError } from '../providers/errors.js';
import type { CspProvider } from '../providers/provider.js';
import {
  IsNodeReadyResponseSchema,
  SendRebootSignalResponseSchema,
  SendTerminateSignalResponseSchema,
  cspProviderService,
  type IsNodeReadyRequest,
  type IsNodeReadyResponse,
  type SendRebootSignalRequest,
  type SendRebootSignalResponse,
  type SendTerminateSignalRequest,
  type SendTerminateSignalResponse,
} from './grpc-service.js';
import { readNode } from './node-lookup.js';
import { createProvider, type ProviderFactoryOptions } from './provider-factory.js';
import type { CspProviderSettings } from './settings.js';
import { grpcStatusOf, toServiceError } from './status-codes.js';
import { serverCredentials } from './tls.js';
import { TokenAuthenticator } from './token-auth.js';

export const CLIENT_NAME = 'janitor-provider';

export interface CspProviderServerDeps {
  kube: KubeClient;
  logger: Logger;
  /** Where metrics go; a private registry by default. */
  registry?: Registry;
  namespace: string;
  config: CspProviderSettings;
  /** Use this provider instead of building the one CSP names (tests, the local stack). */
  provider?: CspProvider;
  /** Passed to the provider factory (SDK credentials and retry policy for tests). */
  providerOptions?: Omit<ProviderFactoryOptions, 'kube' | 'namespace' | 'logger'>;
  /** Listen interface; overrides JANITOR_PROVIDER_HOST (default 0.0.0.0, the in-cluster Service). */
  host?: string;
}

export interface CspProviderServer {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly done: Promise<void>;
  readinessChecks(): Record<string, () => Promise<{ ok: boolean; detail?: string }>>;
  /** The bound port, once started (useful with JANITOR_PROVIDER_PORT=0). */
  readonly port: number;
  /** The provider serving the calls (built by start() unless injected). */
  readonly provider: CspProvider | undefined;
}

type Method = 'SendRebootSignal' | 'IsNodeReady' | 'SendTerminateSignal';

/** A socket left by a process that did not exit cleanly would make the bind fail; other files are kept. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) rmSync(path);
  } catch {
    // missing: nothing to remove
  }
}

function parseAudiences(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((audience) => audience.trim())
    .filter((audience) => audience !== '');
}

export function createCspProviderServer(deps: CspProviderServerDeps): CspProviderServer {
  const { config } = deps;
  if ((config.tlsCertPath === undefined) !== (config.tlsKeyPath === undefined)) {
    throw new CspServerConfigError('set both TLS_CERT_PATH and TLS_KEY_PATH, or neither for plaintext');
  }
  const logger = moduleLogger(deps.logger, CLIENT_NAME);
  const registry = deps.registry ?? createMetricsRegistry({ defaultMetrics: false });
  let provider: CspProvider | undefined = deps.provider;
  const audiences = parseAudiences(config.authAudiences);
  const auth =
    audiences.length > 0
      ? new TokenAuthenticator({ kube: deps.kube, audiences, cacheTtlMs: config.authCacheTtl })
      : undefined;

  const requests = counter<'method' | 'code' | 'csp'>(registry, {
    name: 'janitor_provider_requests_total',
    help: 'CSPProviderService calls by method and gRPC status code',
    labelNames: ['method', 'code', 'csp'],
  });
  const duration = histogram<'method' | 'csp'>(registry, {
    name: 'janitor_provider_request_duration_seconds',
    help: 'Time to answer a CSPProviderService call (node lookup and provider call)',
    labelNames: ['method', 'csp'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
  });

  const server = new Server();
  let port = 0;
  let started = false;
  let stopped = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  /** Authentication, node lookup, provider call, metrics and error mapping for one call. */
  function unary<Req extends { nodeName: string }, Res>(
    method: Method,
    run: (node: V1Node, request: Req) => Promise<Res>,
  ): UntypedHandleCall {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      const csp = provider!.name; // handlers are registered only once start() has a provider
      const stopTimer = duration.startTimer({ method, csp });
      const nodeName = call.request.nodeName;
      const work = async (): Promise<Res> => {
        if (auth) await auth.authenticate(call.metadata.get('authorization')[0]?.toString());
        if (nodeName === '')
          throw Object.assign(new Error('node_name is empty'), { grpcCode: status.INVALID_ARGUMENT });
        return run(await readNode(deps.kube, nodeName), call.request);
      };
      work().then(
        (response) => {
          requests.inc({ method, code: 'OK', csp });
          stopTimer();
          callback(null, response);
        },
        (error: unknown) => {
          const mapped = toServiceError(error);
          const code = (error as { grpcCode?: status }).grpcCode ?? grpcStatusOf(error);
          requests.inc({ method, code: status[code] ?? String(code), csp });
          stopTimer();
          const log =
            code === status.UNAVAILABLE || code === status.UNAUTHENTICATED
              ? logger.info.bind(logger)
              : logger.warn.bind(logger);
          log({ err: error, method, node: nodeName, code: status[code] }, 'CSPProviderService call failed');
          callback({ ...mapped, code });
        },
      );
    };
  }

  server.addService(cspProviderService, {
    SendRebootSignal: unary<SendRebootSignalRequest, SendRebootSignalResponse>('SendRebootSignal', async (node) => {
      const { requestRef } = await provider!.sendRebootSignal(node);
      logger.info({ node: node.metadata?.name, requestRef }, 'reboot signal sent');
      return create(SendRebootSignalResponseSchema, { requestId: requestRef });
    }),
    IsNodeReady: unary<IsNodeReadyRequest, IsNodeReadyResponse>('IsNodeReady', async (node, request) =>
      create(IsNodeReadyResponseSchema, { isReady: await provider!.isNodeReady(node, request.requestId) }),
    ),
    SendTerminateSignal: unary<SendTerminateSignalRequest, SendTerminateSignalResponse>(
      'SendTerminateSignal',
      async (node) => {
        const { requestRef } = await provider!.sendTerminateSignal(node);
        logger.info({ node: node.metadata?.name, requestRef }, 'terminate signal sent');
        return create(SendTerminateSignalResponseSchema, { requestId: requestRef });
      },
    ),
  });

  return {
    get provider() {
      return provider;
    },
    done,
    get port() {
      return port;
    },

    async start() {
      if (started) return;
      provider ??= await createProvider(config.csp, config, {
        kube: deps.kube,
        namespace: deps.namespace,
        logger,
        ...deps.providerOptions,
      });
      const tls =
        config.tlsCertPath && config.tlsKeyPath
          ? { certPath: config.tlsCertPath, keyPath: config.tlsKeyPath, refreshIntervalMs: config.tlsReloadInterval }
          : undefined;
      const credentials = await serverCredentials(tls);
      const address = config.socket ? `unix://${config.socket}` : `${deps.host ?? config.host}:${config.port}`;
      if (config.socket) removeStaleSocket(config.socket);
      port = await new Promise<number>((resolve, reject) => {
        server.bindAsync(address, credentials, (error, bound) => {
          if (error)
            reject(
              new CspServerConfigError(
                `cannot listen on ${address} (${error.message}); free the port or set JANITOR_PROVIDER_PORT`,
                { cause: error },
              ),
            );
          else resolve(bound);
        });
      });
      started = true;
      logger.info(
        { address, port, csp: provider.name, tls: tls !== undefined, audiences },
        'janitor-provider listening',
      );
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      if (started) {
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, 5_000);
          force.unref();
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
      }
      resolveDone();
    },

    readinessChecks() {
      return {
        'grpc-server': async () =>
          started && !stopped ? { ok: true, detail: `listening on ${port}` } : { ok: false, detail: 'not listening' },
      };
    },
  };
}
