/**
 * The services of the local stack, once: each with its definition, its entry point and the flags
 * it gets (the flags the Helm chart would pass). Both ways of running them use this table — in
 * this process through service-kit's `launchService`, or as separate processes through each
 * entry point — so the two modes cannot drift apart.
 */
import { cspHealthMonitorService, maintenanceNotifierService } from '@nvsentinel/csp-health-monitor';
import { faultQuarantineService } from '@nvsentinel/fault-quarantine';
import { faultRemediationService } from '@nvsentinel/fault-remediation';
import { healthEventsAnalyzerService } from '@nvsentinel/health-events-analyzer';
import { janitorService } from '@nvsentinel/janitor';
import { janitorProviderService } from '@nvsentinel/janitor/csp-server';
import { nodeDrainerService } from '@nvsentinel/node-drainer';
import { platformConnectorsService } from '@nvsentinel/platform-connectors';
import type { ServiceDefinition } from '@nvsentinel/service-kit';
import type { StackConfigFiles } from './local-config.js';
import { NODE_DRAINER_CONFIG_PATH, NVSENTINEL_NAMESPACE } from './local-config.js';
import type { StackPorts, StackServiceName } from './stack-types.js';

export interface StackServiceOptions {
  kubeconfigPath: string;
  socketPath: string;
  ports: StackPorts;
  host: string;
  /** Config files written for this run (fault-remediation, janitor, csp-health-monitor). */
  configs: StackConfigFiles;
  /** Simulated seconds a rebooted node stays down (janitor's `sim` provider). */
  rebootDownSeconds: number;
  nodeDrainerConfigPath?: string;
}

export interface StackService {
  name: StackServiceName;
  // The table mixes services with different settings; each entry is only ever launched by name.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- settings types differ per entry
  definition: ServiceDefinition<any>;
  /** Entry point relative to the workspace root (what the container runs). */
  main: string;
  args: string[];
  metricsPort: number;
}

/**
 * Kubernetes API budgets of the local stack. The chart keeps upstream's client-go budgets (a real
 * API server is shared by the whole cluster); the simulator serves only this stack, so the local
 * stack lets each service use it at the rate its work needs — a burst of faults is then bounded
 * by the services' own work, which is what the cycle bench measures.
 */
const LOCAL_QPS = ['--qps', '200', '--burst', '400'];

export function stackServices(options: StackServiceOptions): StackService[] {
  const { ports, kubeconfigPath, configs } = options;
  const common = (name: StackServiceName) => [
    '--metrics-port',
    String(ports.metrics[name]),
    '--kubeconfig',
    kubeconfigPath,
    '--namespace',
    NVSENTINEL_NAMESPACE,
  ];
  const socket = `unix://${options.socketPath}`;
  const table: Array<Omit<StackService, 'metricsPort'>> = [
    {
      name: 'platform-connectors',
      definition: platformConnectorsService,
      main: 'apps/platform-connectors/dist/main.js',
      args: ['--socket', socket, '--http-port', String(ports.ingest), '--http-host', options.host],
    },
    {
      name: 'fault-quarantine',
      definition: faultQuarantineService,
      main: 'apps/fault-quarantine/dist/main.js',
      args: ['--config-path', configs.faultQuarantine, '--qps', '200', '--burst', '400'],
    },
    {
      name: 'node-drainer',
      definition: nodeDrainerService,
      main: 'apps/node-drainer/dist/main.js',
      args: [
        '--config-path',
        options.nodeDrainerConfigPath ?? NODE_DRAINER_CONFIG_PATH,
        ...LOCAL_QPS,
        '--workers',
        '32',
      ],
    },
    // Re-checks a CR held InProgress every second instead of 30 s: the local stack reboots in seconds.
    {
      name: 'fault-remediation',
      definition: faultRemediationService,
      main: 'apps/fault-remediation/dist/main.js',
      args: ['--config-path', configs.faultRemediation, '--in-progress-requeue', '1s', ...LOCAL_QPS],
    },
    {
      name: 'janitor-provider',
      definition: janitorProviderService,
      main: 'apps/janitor/dist/csp-server/main.js',
      args: [
        '--csp',
        'sim',
        '--socket',
        configs.janitorProviderSocket,
        '--sim-reboot-down-seconds',
        String(options.rebootDownSeconds),
        ...LOCAL_QPS,
      ],
    },
    // The admission webhook needs a serving certificate and an API server that calls it; the
    // simulator can, but the local stack keeps its start simple and relies on janitor's node lock.
    {
      name: 'janitor',
      definition: janitorService,
      main: 'apps/janitor/dist/main.js',
      args: ['--config', configs.janitor, '--enable-webhook=false', ...LOCAL_QPS, '--max-concurrent-reconciles', '32'],
    },
    {
      name: 'health-events-analyzer',
      definition: healthEventsAnalyzerService,
      main: 'apps/health-events-analyzer/dist/main.js',
      args: ['--socket', socket],
    },
    {
      name: 'csp-health-monitor',
      definition: cspHealthMonitorService,
      main: 'apps/csp-health-monitor/dist/main.js',
      args: ['--config', configs.cspHealthMonitor],
    },
    {
      name: 'maintenance-notifier',
      definition: maintenanceNotifierService,
      main: 'apps/csp-health-monitor/dist/notifier/main.js',
      args: ['--config', configs.cspHealthMonitor, '--uds-path', options.socketPath],
    },
  ];
  return table.map((service) => ({
    ...service,
    args: [...common(service.name), ...service.args],
    metricsPort: ports.metrics[service.name],
  }));
}
