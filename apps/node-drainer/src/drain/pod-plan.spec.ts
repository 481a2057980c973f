import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parseDrainerConfig } from '../config/drainer-config.js';
import { DEVICES_ANNOTATION } from './gpu-devices.js';
import { planIsEmpty, planPods, type PlanInput } from './pod-plan.js';

const config = parseDrainerConfig(`
systemNamespaces = "^kube-system$"
notReadyTimeoutMinutes = 5
evictionTimeoutInSeconds = "60"
[[userNamespaces]]
name = "now"
mode = "Immediate"
[[userNamespaces]]
name = "later"
mode = "DeleteAfterTimeout"
[[userNamespaces]]
name = "wait"
mode = "AllowCompletion"
`);
const NOW = new Date('2026-01-01T12:00:00Z');

function pod(
  name: string,
  namespace: string,
  extra: { meta?: V1Pod['metadata']; spec?: Partial<V1Pod['spec']>; status?: V1Pod['status'] } = {},
): V1Pod {
  return {
    metadata: { name, namespace, uid: `uid-${name}`, ...extra.meta },
    spec: { containers: [{ name: 'main' }], ...extra.spec } as V1Pod['spec'],
    status: extra.status ?? { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

const names = (pods: V1Pod[]) => pods.map((p) => p.metadata!.name);
const plan = (pods: V1Pod[], overrides: Partial<PlanInput> = {}) =>
  planPods({ pods, config, scope: { kind: 'full' }, forceImmediate: false, now: NOW, ...overrides });

describe('planPods', () => {
  it('sorts pods by their namespace mode and ignores system and unconfigured namespaces', () => {
    const result = plan([
      pod('a', 'now'),
      pod('b', 'later'),
      pod('c', 'wait'),
      pod('d', 'kube-system'),
      pod('e', 'elsewhere'),
    ]);
    expect(names(result.toEvict)).toEqual(['a']);
    expect(names(result.deleteAfterTimeout)).toEqual(['b']);
    expect(names(result.allowCompletion)).toEqual(['c']);
  });

  it('skips DaemonSet pods and finished pods', () => {
    const ds = pod('ds', 'now', {
      meta: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'x', uid: 'u', controller: true }] },
    });
    const done = pod('done', 'now', { status: { phase: 'Succeeded' } });
    const failed = pod('failed', 'wait', { status: { phase: 'Failed' } });
    expect(planIsEmpty(plan([ds, done, failed]))).toBe(true);
  });

  it('waits for terminating Immediate pods without evicting them again, and gives up on stuck ones', () => {
    const terminating = pod('t', 'now', { meta: { deletionTimestamp: new Date(NOW.getTime() + 10_000) } });
    const stuck = pod('s', 'now', { meta: { deletionTimestamp: new Date(NOW.getTime() - 61_000) } });
    const result = plan([terminating, stuck]);
    expect(names(result.evicting)).toEqual(['t']);
    expect(result.toEvict).toEqual([]);
  });

  it('treats pods NotReady for longer than notReadyTimeoutMinutes as gone', () => {
    const notReady = (name: string, minutesAgo: number) =>
      pod(name, 'wait', {
        status: {
          phase: 'Running',
          conditions: [
            { type: 'Ready', status: 'False', lastTransitionTime: new Date(NOW.getTime() - minutesAgo * 60_000) },
          ],
        },
      });
    expect(names(plan([notReady('long', 6), notReady('recent', 4)]).allowCompletion)).toEqual(['recent']);
  });

  it('drainOverrides.force turns every user namespace Immediate but still spares system namespaces', () => {
    const result = plan([pod('b', 'later'), pod('c', 'wait'), pod('d', 'kube-system')], { forceImmediate: true });
    expect(names(result.toEvict)).toEqual(['b', 'c']);
  });

  it('drainGPUPods limits the drain to pods with the device annotation', () => {
    const gpuOnly = { ...config, drainGPUPods: true };
    const annotated = pod('gpu', 'now', { meta: { annotations: { [DEVICES_ANNOTATION]: 'GPU-abc' } } });
    expect(names(plan([annotated, pod('cpu', 'now')], { config: gpuOnly }).toEvict)).toEqual(['gpu']);
  });

  it('a GPU scope takes annotated pods on that GPU and unannotated GPU pods, never CPU-only or other-GPU pods', () => {
    const uuid = 'GPU-11111111-2222-3333-4444-555555555555';
    const onIt = pod('on', 'now', { meta: { annotations: { [DEVICES_ANNOTATION]: `["${uuid.toLowerCase()}"]` } } });
    const other = pod('other', 'now', {
      meta: { annotations: { [DEVICES_ANNOTATION]: 'GPU-99999999-0000-0000-0000-000000000000' } },
    });
    const unannotatedGpu = pod('unknown', 'now', {
      spec: { containers: [{ name: 'm', resources: { requests: { 'nvidia.com/gpu': '1' } } }] },
    });
    const cpu = pod('cpu', 'now');
    expect(names(plan([onIt, other, unannotatedGpu, cpu], { scope: { kind: 'gpu', gpuUuid: uuid } }).toEvict)).toEqual([
      'on',
      'unknown',
    ]);
  });

  it('pods a dry run already handled count as gone', () => {
    expect(planIsEmpty(plan([pod('a', 'now')], { dryRunHandled: new Set(['uid-a']) }))).toBe(true);
  });
});
