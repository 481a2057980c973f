/**
 * Start-up and the optional log collector, on PostgreSQL with the cluster simulator: the
 * resume-control cut-off (CREATE skips the backlog; later cold starts only look after the
 * cut-off) and the log-collector Job run before the CR (the test plays the Job controller).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigMapOps, RESUME_CONTROL_CONFIGMAP } from '@nvsentinel/k8s';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadLogCollectorSettings } from './config/log-collector-settings.js';
import {
  CONFIG_DIR,
  DEFAULT_TOML,
  Harness,
  NAMESPACE,
  eventually,
  metricValue,
  parseConfig,
  sleep,
} from './testing/harness.js';

const JOB_MANIFEST = readFileSync(join(CONFIG_DIR, 'log-collector-job.yaml'), 'utf8');

describe('fault-remediation start-up and log collector', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ scenario: { nodes: 6 } });
  });
  afterEach(async () => h.stopServices());
  afterAll(async () => h?.close());

  it('resume-control CREATE skips the backlog and records the cut-off; later cold starts only consider events after it', async () => {
    const configMaps = new ConfigMapOps(h.admin);
    const old = await h.drained('gpu-node-0');
    await configMaps.createOrUpdate(NAMESPACE, RESUME_CONTROL_CONFIGMAP, { 'fault-remediation': 'CREATE' });
    const fresh = await h.startService();
    const data = (await configMaps.get(NAMESPACE, RESUME_CONTROL_CONFIGMAP))!.data!;
    expect(data['fault-remediation']).toBe('RESUME');
    const cutoff = new Date(data['fault-remediation.coldStartAfter']!);
    expect(Number.isNaN(cutoff.getTime())).toBe(false);
    await sleep(300);
    expect((await h.event(old)).healthEventStatus.faultRemediated).toBeNull();
    expect(await metricValue(fresh, 'fault_remediation_events_replayed_total')).toBe(0);
    await h.stopServices();

    // Drained while no replica runs, after the cut-off: the next start's cold start finds it, not the old one.
    const late = await h.drained('gpu-node-1');
    const next = await h.startService();
    await h.waitForRemediated(late, true);
    expect(await metricValue(next, 'fault_remediation_events_replayed_total')).toBe(1);
    expect((await h.event(old)).healthEventStatus.faultRemediated).toBeNull();
    expect(h.crs('rebootnodes', 'gpu-node-0')).toEqual([]);
    await configMaps.createOrUpdate(NAMESPACE, RESUME_CONTROL_CONFIGMAP, { 'fault-remediation.coldStartAfter': '' });
  });

  it('the log collector runs one Job per event before the CR, waits for it, and counts its completion once', async () => {
    const node = 'gpu-node-2';
    const config = parseConfig(DEFAULT_TOML);
    const logCollector = loadLogCollectorSettings(
      { manifestPath: join(CONFIG_DIR, 'log-collector-job.yaml'), timeoutMs: 600_000, recheckMs: 50 },
      config,
    );
    expect(logCollector.manifest).toBe(JOB_MANIFEST);
    const service = await h.startService({ options: { logCollector } });
    const id = await h.drained(node);

    const jobs = () => h.sim.state.list('batch/v1', 'Job', NAMESPACE).map((j) => j as unknown as Record<string, any>);
    const job = await eventually(
      () => jobs().find((j) => j.metadata.labels?.['dgxc.nvidia.com/event-id'] === id),
      'log-collector Job',
    );
    expect(job.metadata.labels).toMatchObject({
      app: 'log-collector',
      'dgxc.nvidia.com/node-name': node,
      'dgxc.nvidia.com/event-id': id,
    });
    expect(job.metadata.name).toMatch(/^nvsentinel-log-collector-job-/);
    expect(job.spec.template.spec.nodeName).toBe(node);
    expect(job.spec.template.spec.containers[0].name).toBe('log-collector');

    // While the Job runs: no CR, the event waits.
    await sleep(300);
    expect(h.crs('rebootnodes', node)).toEqual([]);
    expect(jobs().filter((j) => j.metadata.labels?.['dgxc.nvidia.com/event-id'] === id)).toHaveLength(1);

    h.sim.state.updateStatus('batch/v1', 'Job', job.metadata.name, NAMESPACE, {
      conditions: [{ type: 'Complete', status: 'True' }],
    });
    await h.waitForRemediated(id, true);
    expect(h.crs('rebootnodes', node)).toHaveLength(1);
    expect(
      await metricValue(service, 'fault_remediation_log_collector_jobs_total', `node_name="${node}",status="Complete"`),
    ).toBe(1);
    await eventually(
      () =>
        jobs().find((j) => j.metadata.name === job.metadata.name)?.metadata.annotations?.[
          'dgxc.nvidia.com/logcollector-metrics-recorded'
        ] === 'true',
      'metrics-recorded annotation',
    );
  });

  it('a log-collector Job that does not finish in time does not hold the remediation back', async () => {
    const node = 'gpu-node-3';
    const logCollector = loadLogCollectorSettings(
      { manifestPath: join(CONFIG_DIR, 'log-collector-job.yaml'), timeoutMs: 1, recheckMs: 50 },
      parseConfig(DEFAULT_TOML),
    );
    const service = await h.startService({ options: { logCollector } });
    const id = await h.drained(node);
    await h.waitForRemediated(id, true);
    expect(h.crs('rebootnodes', node)).toHaveLength(1);
    expect(
      await metricValue(service, 'fault_remediation_log_collector_jobs_total', `node_name="${node}",status="Timeout"`),
    ).toBe(1);
  });

  it('a missing log-collector manifest is a configuration error naming the path and the fix', () => {
    expect(() =>
      loadLogCollectorSettings({ manifestPath: '/nonexistent/job.yaml', timeoutMs: 1 }, parseConfig(DEFAULT_TOML)),
    ).toThrow(/\/nonexistent\/job\.yaml.*LOG_COLLECTOR_MANIFEST_PATH/);
  });
});
