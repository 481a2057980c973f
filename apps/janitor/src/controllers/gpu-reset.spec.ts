import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GpuOperatorPlayer } from '../testing/gpu-operator.js';
import { Harness, NAMESPACE, eventually } from '../testing/harness.js';
import { ConditionType, GPU_RESETS, type GpuReset, REBOOT_NODES, Reason, findCondition } from './api.js';
import { GPU_RESET_FINALIZER, SAVED_LABELS_ANNOTATION } from './gpu-reset.js';

const DEPLOY_LABEL = 'nvidia.com/gpu.deploy.dcgm-exporter';
const CONFIG = `
gpuResetController:
  timeout: 20s
  serviceManager:
    name: gpu-operator
    namespace: gpu-operator
    deployLabels: [${DEPLOY_LABEL}]
    podApps: [nvidia-dcgm-exporter]
    teardownTimeout: 1s
    restoreTimeout: 5s
  resetJob:
    imageConfig:
      image: ghcr.io/nvidia/nvsentinel/gpu-reset:test
`;

describe('GPUReset controller', () => {
  let h: Harness;
  let operator: GpuOperatorPlayer;
  beforeEach(async () => {
    h = await Harness.start({
      scenario: { nodes: [{ name: 'dgx-0', labels: { [DEPLOY_LABEL]: 'true' } }, { name: 'dgx-1' }] },
    });
    operator = new GpuOperatorPlayer(h.sim, {
      components: { [DEPLOY_LABEL]: 'nvidia-dcgm-exporter' },
      jobNamespace: NAMESPACE,
    });
  });
  afterEach(async () => {
    operator.stop();
    await h.close();
  });

  const exporterPods = (node: string) =>
    h.sim.state.pods(node).filter((pod) => pod.metadata.labels?.app === 'nvidia-dcgm-exporter');
  const reset = (name: string, node: string, uuids = ['GPU-1']) =>
    h.createCr<GpuReset>(GPU_RESETS, 'GPUReset', name, { nodeName: node, selector: { uuids } });

  it('tears down the services, runs the reset Job on the node, restores the services: phase Succeeded', async () => {
    const janitor = await h.startJanitor({ yaml: CONFIG });
    expect(exporterPods('dgx-0')).toHaveLength(1);
    await reset('reset-ok', 'dgx-0');
    const done = await h.waitForCondition<GpuReset>(GPU_RESETS, 'reset-ok', ConditionType.Complete, 'True');
    expect(done.status?.phase).toBe('Succeeded');
    expect(findCondition(done.status?.conditions, ConditionType.Complete)?.reason).toBe(Reason.GPUResetSucceeded);
    for (const type of [
      ConditionType.Ready,
      ConditionType.ServicesTornDown,
      ConditionType.ResetJobCreated,
      ConditionType.ResetJobCompleted,
      ConditionType.ServicesRestored,
    ]) {
      expect(findCondition(done.status?.conditions, type)?.status, type).toBe('True');
    }
    expect(done.metadata?.finalizers).toContain(GPU_RESET_FINALIZER);
    expect(done.status?.jobRef).toMatchObject({ kind: 'Job', namespace: NAMESPACE, name: 'gpureset-reset-ok' });
    const job = h.sim.state.get('batch/v1', 'Job', 'gpureset-reset-ok', NAMESPACE)!;
    const podSpec = (
      job.spec as {
        template: {
          spec: {
            nodeName: string;
            runtimeClassName: string;
            containers: Array<{ image: string; env: Array<{ name: string; value: string }> }>;
          };
        };
      }
    ).template.spec;
    expect(podSpec.nodeName).toBe('dgx-0');
    expect(podSpec.runtimeClassName).toBe('nvidia');
    expect(podSpec.containers[0]!.image).toBe('ghcr.io/nvidia/nvsentinel/gpu-reset:test');
    expect(podSpec.containers[0]!.env).toContainEqual({ name: 'GPU_UUIDS', value: 'GPU-1' });
    // Services back as they were: the label restored, the pod running, the saved record gone.
    expect(h.node('dgx-0').metadata.labels?.[DEPLOY_LABEL]).toBe('true');
    expect(h.node('dgx-0').metadata.annotations?.[SAVED_LABELS_ANNOTATION]).toBeUndefined();
    expect(exporterPods('dgx-0')).toHaveLength(1);
    await eventually(() => !h.leases().includes('dgx-0'), 'lock released');
    expect(await janitor.registry.getSingleMetricAsString('gpu_reset_requests_completed_total')).toMatch(
      /status="succeeded"\} 1/,
    );
    expect(await janitor.registry.getSingleMetricAsString('gpu_reset_active_requests')).toMatch(/ 0$/m);
  });

  it('a failing reset Job ends Failed (ResetJobFailed) and still restores the services', async () => {
    operator.jobOutcome = 'fail';
    const janitor = await h.startJanitor({ yaml: CONFIG });
    await reset('reset-fail', 'dgx-0');
    const done = await h.waitForCondition<GpuReset>(GPU_RESETS, 'reset-fail', ConditionType.Complete, 'False');
    await eventually(
      async () => (await h.get<GpuReset>(GPU_RESETS, 'reset-fail'))?.status?.phase === 'Failed',
      'phase Failed',
    );
    const final = (await h.get<GpuReset>(GPU_RESETS, 'reset-fail'))!;
    expect(findCondition(final.status?.conditions, ConditionType.Complete)?.reason).toBe(Reason.ResetJobFailed);
    expect(findCondition(final.status?.conditions, ConditionType.ResetJobCompleted)).toMatchObject({
      status: 'False',
      reason: Reason.ResetJobFailed,
    });
    expect(findCondition(final.status?.conditions, ConditionType.ServicesRestored)?.status).toBe('True');
    expect(final.status?.completionTime).toBeDefined();
    expect(done).toBeDefined();
    expect(h.node('dgx-0').metadata.labels?.[DEPLOY_LABEL]).toBe('true');
    expect(exporterPods('dgx-0')).toHaveLength(1);
    expect(await janitor.registry.getSingleMetricAsString('gpu_reset_failure_reasons_total')).toMatch(
      /reason="ResetJobFailed"\} 1/,
    );
  });

  it('services that do not stop in time fail with ServiceTeardownTimeoutExceeded, without a reset Job', async () => {
    operator.honourTeardown = false;
    await h.startJanitor({ yaml: CONFIG });
    await reset('reset-stuck', 'dgx-0');
    await eventually(
      async () => (await h.get<GpuReset>(GPU_RESETS, 'reset-stuck'))?.status?.phase === 'Failed',
      'phase Failed',
    );
    const final = (await h.get<GpuReset>(GPU_RESETS, 'reset-stuck'))!;
    expect(findCondition(final.status?.conditions, ConditionType.ServicesTornDown)).toMatchObject({
      status: 'False',
      reason: Reason.ServiceTeardownTimeoutExceeded,
    });
    expect(findCondition(final.status?.conditions, ConditionType.Complete)?.reason).toBe(
      Reason.ServiceTeardownTimeoutExceeded,
    );
    expect(h.sim.state.list('batch/v1', 'Job', NAMESPACE)).toHaveLength(0);
    expect(h.node('dgx-0').metadata.labels?.[DEPLOY_LABEL]).toBe('true');
  });

  it('waits for the node lock (Ready=False/ResourceContention) while another CR holds the node', async () => {
    await h.startJanitor({ yaml: `${CONFIG}\nrebootNodeController:\n  manualMode: true\n` });
    await h.createCr(REBOOT_NODES, 'RebootNode', 'holder', { nodeName: 'dgx-1', force: false });
    await h.waitForCondition(REBOOT_NODES, 'holder', ConditionType.ManualMode, 'True');
    await reset('reset-wait', 'dgx-1');
    const waiting = await h.waitForCondition<GpuReset>(GPU_RESETS, 'reset-wait', ConditionType.Ready, 'False');
    expect(findCondition(waiting.status?.conditions, ConditionType.Ready)?.reason).toBe(Reason.ResourceContention);
    expect(waiting.status?.phase).toBe('Pending');
    // The holder goes away: the reset proceeds (dgx-1 runs no dcgm-exporter deploy label, so teardown is quick).
    await h.objects.delete(REBOOT_NODES, 'holder');
    await h.waitForCondition<GpuReset>(GPU_RESETS, 'reset-wait', ConditionType.Complete, 'True');
  });

  it('deleting a GPUReset mid-reset restores the services, removes the Job and the finalizer (phase Terminating)', async () => {
    operator.jobOutcome = 'hang';
    await h.startJanitor({ yaml: CONFIG });
    await reset('reset-deleted', 'dgx-0');
    await h.waitForCondition<GpuReset>(GPU_RESETS, 'reset-deleted', ConditionType.ResetJobCreated, 'True');
    expect(h.node('dgx-0').metadata.labels?.[DEPLOY_LABEL]).toBe('false');
    await h.objects.delete(GPU_RESETS, 'reset-deleted');
    await eventually(async () => (await h.get(GPU_RESETS, 'reset-deleted')) === undefined, 'GPUReset gone');
    expect(h.node('dgx-0').metadata.labels?.[DEPLOY_LABEL]).toBe('true');
    expect(h.sim.state.get('batch/v1', 'Job', 'gpureset-reset-deleted', NAMESPACE)).toBeUndefined();
    expect(h.leases()).not.toContain('dgx-0');
  });
});
