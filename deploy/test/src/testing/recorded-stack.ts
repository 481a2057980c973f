/**
 * Every NVSentinel service, started through its definition with service-kit's `launchService`
 * (the code its pod runs), on one cluster simulator and one PostgreSQL database, for recording
 * which Kubernetes API calls each one makes. The simulator logs every request with its
 * User-Agent, and each service's client sends `nvsentinel-<service>` (service-kit sets it where it
 * builds the client), so one simulator attributes the calls of the whole stack.
 *
 * The service table, config files, scenario and event builders are the local stack's, loaded by
 * path: deploy-tests is a tool and may not depend on the stack or the apps in the project graph.
 * Differences from `npm start`, so the run takes the chart's paths:
 *   - fault-remediation and janitor run with `--leader-elect=true` (the chart's flag), so the
 *     leader Lease calls are recorded;
 *   - janitor authenticates to janitor-provider with a service-account token that the provider
 *     checks through a TokenReview (the chart's `auth.enabled`);
 *   - janitor's GPUReset controller is configured (the chart ships it off; enabled it acts on nodes).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClusterSim, type ClusterSim, type ClusterSimOptions, type KubeObject } from '@nvsentinel/cluster-sim';
import { NodeOps, createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { createLogger, launchService, type LaunchedService, type ServiceDefinition } from '@nvsentinel/service-kit';
import { createDataStore, type DataStore } from '@nvsentinel/store-client';
import { createTestDatabase, type TestDatabase } from '@nvsentinel/store-client/testing';
import { WORKSPACE_ROOT } from '../support/helm.js';

/** The chart's audience for janitor → janitor-provider tokens (values: janitor-provider.auth.audiences). */
const PROVIDER_AUDIENCE = 'nvsentinel-csp-provider';
/** The GPU operator's deploy label and pod app janitor's GPUReset tears down and restores. */
const DEPLOY_LABEL = 'nvidia.com/gpu.deploy.dcgm-exporter';
const EXPORTER_APP = 'nvidia-dcgm-exporter';

interface StackServiceSpec {
  name: string;
  definition: ServiceDefinition<never>;
  args: string[];
}

type Load = <T>(path: string) => Promise<T>;
const load: Load = (path) => import(/* @vite-ignore */ join(WORKSPACE_ROOT, path));

/** The local stack's modules this run reuses (see the file comment for why by path). */
export interface StackModules {
  xidEvent(input: { node: string; xid: number; gpu: number; monitor: 'syslog' | 'gpu' }): Record<string, unknown>;
  healthyEvent(input: { node: string; monitor: 'syslog' | 'gpu' }): Record<string, unknown>;
  sendOverGrpc(socketPath: string, events: readonly unknown[]): Promise<unknown>;
  scheduleSimMaintenance(
    kube: KubeClient,
    input: { namespace: string; node: string; inMs: number; durationMs: number },
  ): Promise<unknown>;
}

export class RecordedStack {
  private constructor(
    readonly sim: ClusterSim,
    readonly datastore: DataStore,
    readonly admin: KubeClient,
    readonly socketPath: string,
    readonly namespace: string,
    readonly modules: StackModules,
    readonly services: Array<{ name: string; service: LaunchedService }>,
    private readonly stopOperator: () => void,
    private readonly dir: string,
    private readonly database: TestDatabase,
  ) {}

  static async start(): Promise<RecordedStack> {
    const [scenarioModule, configModule, specsModule, typesModule, eventsModule, sendersModule, scheduleModule] =
      await Promise.all([
        load<{ localScenario(nodes?: number): unknown }>('tools/local-stack/src/stack/cluster-scenario.ts'),
        load<{
          writeStackConfigs(home: string): Record<string, string>;
          NVSENTINEL_NAMESPACE: string;
        }>('tools/local-stack/src/stack/local-config.ts'),
        load<{ stackServices(options: Record<string, unknown>): StackServiceSpec[] }>(
          'tools/local-stack/src/stack/service-specs.ts',
        ),
        load<{ ANY_FREE_PORTS: unknown }>('tools/local-stack/src/stack/stack-types.ts'),
        load<Pick<StackModules, 'xidEvent' | 'healthyEvent'>>('tools/local-stack/src/cli/health-events.ts'),
        load<Pick<StackModules, 'sendOverGrpc'>>('tools/local-stack/src/cli/senders.ts'),
        load<Pick<StackModules, 'scheduleSimMaintenance'>>('apps/csp-health-monitor/src/csp/sim/schedule.ts'),
      ]);
    const { GpuOperatorPlayer } = await load<{
      GpuOperatorPlayer: new (
        sim: ClusterSim,
        options: { components: Record<string, string>; jobNamespace: string },
      ) => { stop(): void };
    }>('apps/janitor/src/testing/gpu-operator.ts');
    const namespace = configModule.NVSENTINEL_NAMESPACE;

    const dir = await mkdtemp(join(tmpdir(), 'nvs-rbac-'));
    // Eight nodes keep the five faulted ones under the circuit breaker's 50 %. The inference
    // PodDisruptionBudget is left out: with several nodes draining at once it holds evictions back
    // for minutes of backoff, and the eviction call is recorded either way.
    const local = scenarioModule.localScenario(8) as ClusterSimOptions & { objects: KubeObject[] };
    const scenario = { ...local, objects: local.objects.filter((o) => o.kind !== 'PodDisruptionBudget') };
    // Every node runs the operator's exporter under the deploy label janitor's GPUReset turns off.
    const sim = await startClusterSim({ ...scenario, port: 0 });
    const admin = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, userAgent: 'test-admin' });
    for (const node of sim.state.nodes())
      await new NodeOps(admin).setLabels(node.metadata.name!, { [DEPLOY_LABEL]: 'true' });
    const operator = new GpuOperatorPlayer(sim, {
      components: { [DEPLOY_LABEL]: EXPORTER_APP },
      jobNamespace: namespace,
    });
    const database = await createTestDatabase('rbac');
    const datastore = await createDataStore({ ...database.config, options: { changeStreamPollIntervalMs: 50 } });
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, sim.kubeconfig, { mode: 0o600 });
    const configs = configModule.writeStackConfigs(dir);
    const tokenPath = join(dir, 'provider-token');
    await writeFile(
      tokenPath,
      sim.issueToken({
        username: `system:serviceaccount:${namespace}:nvsentinel-janitor`,
        audiences: [PROVIDER_AUDIENCE],
      }),
    );
    configs['janitor'] = join(dir, 'janitor-recorded.yaml');
    await writeFile(
      configs['janitor'],
      janitorConfig(`unix://${configs['janitorProviderSocket']}`, tokenPath, namespace),
    );
    const socketPath = join(dir, 'nvs.sock');
    const specs = specsModule.stackServices({
      kubeconfigPath,
      socketPath,
      ports: typesModule.ANY_FREE_PORTS,
      host: '127.0.0.1',
      configs,
      rebootDownSeconds: 2,
    });
    const chartFlags: Record<string, string[]> = {
      'fault-remediation': ['--leader-elect=true'],
      janitor: ['--leader-elect=true'],
      'janitor-provider': ['--auth-audiences', PROVIDER_AUDIENCE],
    };
    const logger = createLogger({ name: 'rbac-recorded', level: process.env['LOG_LEVEL'] ?? 'fatal', pretty: false });
    const services: Array<{ name: string; service: LaunchedService }> = [];
    const stack = new RecordedStack(
      sim,
      datastore,
      admin,
      socketPath,
      namespace,
      { ...eventsModule, ...sendersModule, ...scheduleModule },
      services,
      () => operator.stop(),
      dir,
      database,
    );
    try {
      for (const spec of specs) {
        const service = launchService(spec.definition, {
          argv: [...spec.args, ...(chartFlags[spec.name] ?? [])],
          env: process.env,
          logger: logger.child({ service: spec.name }),
          datastore,
          namespace,
        });
        services.push({ name: spec.name, service });
        await service.started;
      }
    } catch (err) {
      await stack.close();
      throw err;
    }
    return stack;
  }

  async close(): Promise<void> {
    for (const { service } of [...this.services].reverse()) await service.stop().catch(() => undefined);
    this.stopOperator();
    this.admin.close();
    await this.datastore.close().catch(() => undefined);
    await this.sim.close();
    await this.database.drop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** janitor in upstream's config.yaml format: every controller on, GPUReset with the operator above. */
function janitorConfig(providerAddress: string, tokenPath: string, namespace: string): string {
  return `global:
  timeout: 5m
  manualMode: false
  cspProviderHost: "${providerAddress}"
  cspProviderInsecure: true
  cspProviderTokenPath: "${tokenPath}"
rebootNodeController:
  enabled: true
terminateNodeController:
  enabled: true
gpuResetController:
  enabled: true
  timeout: 2m
  serviceManager:
    name: gpu-operator
    namespace: gpu-operator
    deployLabels: [${DEPLOY_LABEL}]
    podApps: [${EXPORTER_APP}]
    teardownTimeout: 30s
    restoreTimeout: 30s
  resetJob:
    namespace: ${namespace}
    imageConfig:
      image: ghcr.io/nvidia/nvsentinel/gpu-reset:test
`;
}
