/**
 * The services of the local stack, once: each with its definition and the flags it gets (the
 * flags the Helm chart would pass). Both ways of running them use this table — in this process
 * through service-kit's `launchService`, or as separate processes through each `dist/main.js` —
 * so the two modes cannot drift apart.
 */
import { faultQuarantineService } from '@nvsentinel/fault-quarantine';
import { nodeDrainerService } from '@nvsentinel/node-drainer';
import { platformConnectorsService } from '@nvsentinel/platform-connectors';
import type { ServiceDefinition } from '@nvsentinel/service-kit';
import { FAULT_QUARANTINE_CONFIG_PATH, NODE_DRAINER_CONFIG_PATH, NVSENTINEL_NAMESPACE } from './local-config.js';
import type { StackPorts } from './stack-types.js';

export interface StackServiceOptions {
  kubeconfigPath: string;
  socketPath: string;
  ports: StackPorts;
  host: string;
  nodeDrainerConfigPath?: string;
}

export interface StackService {
  name: string;
  // The table mixes services with different settings; each entry is only ever launched by name.
  definition: ServiceDefinition<any>;
  args: string[];
  metricsPort: number;
}

export function stackServices(options: StackServiceOptions): StackService[] {
  const { ports, kubeconfigPath } = options;
  const common = (metricsPort: number) => ['--metrics-port', String(metricsPort), '--kubeconfig', kubeconfigPath, '--namespace', NVSENTINEL_NAMESPACE];
  return [
    {
      name: platformConnectorsService.name,
      definition: platformConnectorsService,
      args: [...common(ports.platformConnectorsMetrics), '--socket', `unix://${options.socketPath}`, '--http-port', String(ports.ingest), '--http-host', options.host],
      metricsPort: ports.platformConnectorsMetrics,
    },
    {
      name: faultQuarantineService.name,
      definition: faultQuarantineService,
      args: [...common(ports.faultQuarantineMetrics), '--config-path', FAULT_QUARANTINE_CONFIG_PATH],
      metricsPort: ports.faultQuarantineMetrics,
    },
    {
      name: nodeDrainerService.name,
      definition: nodeDrainerService,
      args: [...common(ports.nodeDrainerMetrics), '--config-path', options.nodeDrainerConfigPath ?? NODE_DRAINER_CONFIG_PATH],
      metricsPort: ports.nodeDrainerMetrics,
    },
  ];
}
