/**
 * The `nvsentinel` command: inject faults the way monitors do and look at what NVSentinel did.
 * It talks only to the stack's public surfaces: the gRPC socket / HTTP ingest, the inspection
 * endpoint, and the Kubernetes API through the kubeconfig.
 */
import { parseArgs } from 'node:util';
import { createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import type { HealthEvent } from '@nvsentinel/health-model';
import { followCluster } from '../progress/cluster-progress.js';
import { terminalSink } from '../progress/progress-line.js';
import { eventSteps, formatCycle, listMaintenanceFor } from './cycle-command.js';
import { fetchNodeEvents, formatEvents } from './events-command.js';
import { RULES_TEST_USAGE, rulesTest } from './rules-command.js';
import {
  formatMaintenanceList,
  formatScheduleResult,
  maintenanceList,
  maintenanceSchedule,
  parseDurationSeconds,
} from './maintenance-command.js';
import { NVSENTINEL_NAMESPACE } from '../stack/local-config.js';
import { healthyEvent, isMonitor, xidEvent, type Monitor } from './health-events.js';
import { formatNodeRows, listNodeRows } from './nodes-command.js';
import { sendOverGrpc, sendOverHttp, type Transport } from './senders.js';
import { resolveEndpoints, type CliEndpoints } from './stack-endpoints.js';
import { knownXids, xidInfo } from './xid-catalog.js';

const USAGE = `usage: nvsentinel <command> [options]

commands:
  inject --node NAME --xid N      report XID N on a GPU of the node (fatal XIDs quarantine and drain it)
  inject --node NAME --healthy    report that the node's GPUs recovered (the node is un-quarantined)
      --via grpc|http             transport (default grpc, the unix socket monitors use)
      --gpu N                     GPU index (default 0; with --healthy: only that GPU recovered)
      --monitor syslog|gpu        send as syslog-health-monitor (SysLogsXIDError, default) or gpu-health-monitor (GpuXidError)
      --non-fatal                 send the XID as non-fatal (no rule matches it: stored, nothing else happens)
  nodes                           nodes: Ready, cordoned, NVSentinel state label, taints, quarantine annotation, maintenance CR and phase, pods
  cycle --node NAME               the node's break-fix timeline: fault stored, cordoned, drained, CR created, reboot signal sent,
                                  node Ready, healthy reported, uncordoned — with the time of each step
  events [--node NAME] [--limit N]  stored health events with their status fields (quarantine, eviction, remediation)
  maintenance schedule --node NAME --in 30s --duration 1m
                                  a simulated cloud maintenance window: quarantined before it starts, healthy a minute after it ends
  maintenance schedule --cancel WINDOW_ID   cancel a scheduled window (the node is released)
  maintenance list [--node NAME]  stored maintenance events (status, window) and windows not polled yet
  ${RULES_TEST_USAGE}
  watch                           stream node and pod changes (cordon, labels, taints, conditions, evictions)
  xids                            the XIDs this tool knows, with fatality and recommended action

where the stack is (default: read from .nvsentinel/stack.json written by \`npm start\`):
  --ingest-url URL  --socket PATH  --kubeconfig PATH`;

const OPTIONS = {
  node: { type: 'string' },
  xid: { type: 'string' },
  healthy: { type: 'boolean' },
  via: { type: 'string' },
  gpu: { type: 'string' },
  monitor: { type: 'string' },
  'non-fatal': { type: 'boolean' },
  limit: { type: 'string' },
  in: { type: 'string' },
  duration: { type: 'string' },
  cancel: { type: 'string' },
  config: { type: 'string' },
  events: { type: 'string' },
  rule: { type: 'string' },
  'ingest-url': { type: 'string' },
  socket: { type: 'string' },
  kubeconfig: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command || command === 'help') return void console.log(USAGE);
  const endpoints = resolveEndpoints({
    ...(values['ingest-url'] ? { ingestUrl: values['ingest-url'] } : {}),
    ...(values.socket ? { socket: values.socket } : {}),
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
  });
  switch (command) {
    case 'inject':
      return inject(values, endpoints);
    case 'nodes':
      return withKube(endpoints, async (kube) => console.log(formatNodeRows(await listNodeRows(kube))));
    case 'events':
      return events(values, endpoints);
    case 'cycle':
      return cycle(values, endpoints);
    case 'rules':
      if (positionals[1] !== 'test')
        throw new UsageError(`rules needs the subcommand test${positionals[1] ? `, got "${positionals[1]}"` : ''}`);
      return void console.log(
        await rulesTest({
          eventsPath: required(values.events, '--events'),
          ...(values.config ? { configPath: values.config } : {}),
          ...(values.rule ? { rule: values.rule } : {}),
        }),
      );
    case 'maintenance':
      return maintenance(positionals[1], values, endpoints);
    case 'watch':
      return withKube(endpoints, watch);
    case 'xids':
      return void console.log(
        knownXids()
          .map(
            (x) =>
              `${String(x).padStart(4)}  ${xidInfo(x).fatal ? 'fatal    ' : 'non-fatal'}  ${xidInfo(x).description}`,
          )
          .join('\n'),
      );
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function inject(values: Values, endpoints: CliEndpoints): Promise<void> {
  const node = required(values.node, '--node');
  const via = (values.via ?? 'grpc') as Transport;
  if (via !== 'grpc' && via !== 'http') throw new UsageError(`--via must be grpc or http, got "${values.via}"`);
  const monitor = values.monitor ?? 'syslog';
  if (!isMonitor(monitor)) throw new UsageError(`--monitor must be syslog or gpu, got "${monitor}"`);
  const gpu = values.gpu === undefined ? undefined : integer(values.gpu, '--gpu');
  if (Boolean(values.healthy) === (values.xid !== undefined))
    throw new UsageError('give exactly one of --xid N and --healthy');

  const event: HealthEvent = values.healthy
    ? healthyEvent({ node, monitor: monitor as Monitor, ...(gpu !== undefined ? { gpu } : {}) })
    : xidEvent({
        node,
        monitor: monitor as Monitor,
        xid: integer(values.xid!, '--xid'),
        gpu: gpu ?? 0,
        ...(values['non-fatal'] ? { fatal: false } : {}),
      });
  const result =
    via === 'grpc'
      ? await sendOverGrpc(endpoints.socketPath, [event])
      : await sendOverHttp(endpoints.ingestUrl, [event]);
  const what = event.isHealthy
    ? 'healthy'
    : `${event.isFatal ? 'fatal' : 'non-fatal'} XID ${event.errorCode[0]} (${xidInfo(Number(event.errorCode[0])).description})`;
  console.log(
    `stored: ${what} ${event.checkName} on ${node}${gpu !== undefined || !event.isHealthy ? ` GPU ${gpu ?? 0}` : ''} via ${result.transport}${result.ids.length ? ` (event ${result.ids.join(', ')})` : ''}`,
  );
  console.log(`follow it: nvsentinel nodes   |   nvsentinel events --node ${node}`);
}

async function events(values: Values, endpoints: CliEndpoints): Promise<void> {
  const limit = values.limit === undefined ? 20 : integer(values.limit, '--limit');
  const nodes = values.node
    ? [values.node]
    : await withKube(endpoints, async (kube) => (await kube.core.listNode()).items.map((n) => n.metadata?.name ?? ''));
  const all = (await Promise.all(nodes.map((n) => fetchNodeEvents(endpoints.ingestUrl, n, limit)))).flat();
  all.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  console.log(
    all.length
      ? formatEvents(all.slice(0, limit))
      : `no health events stored${values.node ? ` for ${values.node}` : ''}`,
  );
}

async function cycle(values: Values, endpoints: CliEndpoints): Promise<void> {
  const node = required(values.node, '--node');
  const [stored, maintenance] = await Promise.all([
    fetchNodeEvents(endpoints.ingestUrl, node, 1000),
    withKube(endpoints, (kube) => listMaintenanceFor(kube, node)),
  ]);
  console.log(formatCycle(node, [...eventSteps(stored), ...maintenance]));
}

async function maintenance(sub: string | undefined, values: Values, endpoints: CliEndpoints): Promise<void> {
  if (sub === 'schedule') {
    const result = await withKube(endpoints, (kube) =>
      maintenanceSchedule(kube, NVSENTINEL_NAMESPACE, {
        node: values.node ?? '',
        inSeconds: values.cancel ? 0 : parseDurationSeconds(values.in ?? '0s', '--in'),
        durationSeconds: values.cancel
          ? 0
          : parseDurationSeconds(required(values.duration, '--duration'), '--duration'),
        ...(values.cancel ? { cancel: values.cancel } : {}),
      }),
    );
    return void console.log(formatScheduleResult(result));
  }
  if (sub === 'list') {
    const listing = await withKube(endpoints, (kube) =>
      maintenanceList({
        ingestUrl: endpoints.ingestUrl,
        kube,
        namespace: NVSENTINEL_NAMESPACE,
        ...(values.node ? { node: values.node } : {}),
      }),
    );
    return void console.log(formatMaintenanceList(listing));
  }
  throw new UsageError(`maintenance needs a subcommand: schedule or list${sub ? `, got "${sub}"` : ''}`);
}

async function watch(kube: KubeClient): Promise<void> {
  console.log('watching nodes and pods (Ctrl+C to stop) …');
  const progress = await followCluster(kube, terminalSink());
  await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  await progress.stop();
}

async function withKube<T>(endpoints: CliEndpoints, use: (kube: KubeClient) => Promise<T>): Promise<T> {
  let kube: KubeClient;
  try {
    kube = createKubeClient({ kubeconfigPath: endpoints.kubeconfigPath, userAgent: 'nvsentinel-cli' });
  } catch (err) {
    throw new Error(
      `cannot use the kubeconfig ${endpoints.kubeconfigPath}: ${(err as Error).message} (is the stack running? start it with \`npm start\`)`,
      { cause: err },
    );
  }
  try {
    return await use(kube);
  } finally {
    kube.close();
  }
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required`);
  return value;
}

function integer(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer, got "${value}"`);
  return n;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) process.stderr.write(`nvsentinel: ${err.message}\n\n${USAGE}\n`);
  else {
    const message = (err as Error).message;
    const hint =
      /ECONNREFUSED/.test(message) && !/npm start/.test(message)
        ? ' (is the stack running? start it with `npm start`)'
        : '';
    process.stderr.write(`nvsentinel: ${message}${hint}\n`);
  }
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
