import { BatchV1Api, type V1Job, type V1Node } from '@kubernetes/client-node';
import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import { createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { eventually } from '@nvsentinel/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RebootFailedError } from '../errors.js';
import { bootIdOf } from '../node-facts.js';
import { RebootJobProvider } from './reboot-job-provider.js';

const NS = 'nvsentinel';

describe('generic provider: privileged reboot Jobs, readiness from a new bootID', () => {
  let sim: ClusterSim;
  let kube: KubeClient;
  let batch: BatchV1Api;
  let provider: RebootJobProvider;
  let kubelet: NodeJS.Timeout;
  const handled = new Set<string>();

  beforeAll(async () => {
    sim = await startClusterSim({
      nodes: 4,
      podsPerNode: 0,
      disruptionBudgets: false,
      daemonSets: false,
      timeScale: 20,
      namespaces: [NS],
    });
    kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1 });
    batch = kube.kubeConfig.makeApiClient(BatchV1Api);
    provider = new RebootJobProvider({
      name: 'generic',
      kube,
      namespace: NS,
      imagePullSecrets: ['regcred'],
      jobTtlSeconds: 600,
    });
    // The simulator has no Job controller or kubelet: play them. A reboot Job reboots its node; a
    // poweroff Job takes it down for good; a Job with a broken image gets a pod stuck pulling it.
    kubelet = setInterval(() => {
      for (const job of sim.state.list('batch/v1', 'Job', NS) as unknown as V1Job[]) {
        const name = job.metadata!.name!;
        if (handled.has(name)) continue;
        handled.add(name);
        const spec = job.spec!.template.spec!;
        const container = spec.containers[0]!;
        if (container.image === 'broken:image') {
          sim.state.create({
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: `${name}-x1`, namespace: NS, labels: { 'job-name': name } },
            spec: { nodeName: spec.nodeName, containers: [{ name: container.name, image: container.image }] },
            status: {
              phase: 'Pending',
              containerStatuses: [
                {
                  name: container.name,
                  image: container.image,
                  imageID: '',
                  ready: false,
                  restartCount: 0,
                  state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "broken:image"' } },
                },
              ],
            },
          });
        } else if (container.command?.includes('poweroff') || container.command?.join(' ').includes('echo o')) {
          sim.setNodeReady(spec.nodeName!, false);
        } else {
          void sim.rebootNode(spec.nodeName!, { downSeconds: 4 });
        }
      }
    }, 20);
  });
  afterAll(async () => {
    clearInterval(kubelet);
    kube?.close();
    await sim?.close();
  });

  const readNode = (name: string): Promise<V1Node> => kube.core.readNode({ name });
  const jobsOf = async (node: string) =>
    (await batch.listNamespacedJob({ namespace: NS, labelSelector: `nvsentinel.nvidia.com/reboot-node=${node}` }))
      .items;

  it('creates upstream’s reboot Job, is ready on the new bootID, then deletes the Job', async () => {
    const before = await readNode('gpu-node-0');
    const { requestRef } = await provider.sendRebootSignal(before);
    expect(requestRef).toBe(
      `csp=generic&bootID=${bootIdOf(before)}&job=${(await jobsOf('gpu-node-0'))[0]!.metadata!.name}`,
    );
    const [job] = await jobsOf('gpu-node-0');
    expect(job!.metadata!.name).toMatch(/^reboot-gpu-node-0-/);
    expect(job!.metadata!.labels).toMatchObject({
      'nvsentinel.nvidia.com/reboot-job': 'true',
      'nvsentinel.nvidia.com/reboot-node': 'gpu-node-0',
    });
    expect(job!.spec).toMatchObject({ backoffLimit: 0, ttlSecondsAfterFinished: 600 });
    const pod = job!.spec!.template.spec!;
    expect(pod).toMatchObject({
      nodeName: 'gpu-node-0',
      restartPolicy: 'Never',
      tolerations: [{ operator: 'Exists' }],
      imagePullSecrets: [{ name: 'regcred' }],
    });
    expect(pod.containers[0]).toMatchObject({
      image: 'busybox:1.37.0',
      command: ['chroot', '/host', 'reboot'],
      securityContext: { privileged: true },
    });
    expect(pod.volumes).toEqual([{ name: 'host-root', hostPath: { path: '/' } }]);

    // A repeated signal (at-least-once delivery) reuses the Job instead of rebooting twice.
    expect((await provider.sendRebootSignal(before)).requestRef).toBe(requestRef);
    expect(await jobsOf('gpu-node-0')).toHaveLength(1);

    expect(await provider.isNodeReady(before, requestRef)).toBe(false);
    await eventually(async () => provider.isNodeReady(await readNode('gpu-node-0'), requestRef), 'node rebooted');
    expect(await jobsOf('gpu-node-0')).toHaveLength(0);
  });

  it('reboots through sysrq when asked', async () => {
    const sysrq = new RebootJobProvider({ name: 'kind', kube, namespace: NS, useSysrq: true });
    const node = await readNode('gpu-node-1');
    const { requestRef } = await sysrq.sendRebootSignal(node);
    expect(requestRef).toMatch(/^csp=kind&/);
    const pod = (await jobsOf('gpu-node-1'))[0]!.spec!.template.spec!;
    expect(pod.containers[0]!.command).toEqual(['sh', '-c', 'echo b > /host-proc/sysrq-trigger']);
    expect(pod.volumes).toEqual([{ name: 'host-proc', hostPath: { path: '/proc' } }]);
    await eventually(async () => sysrq.isNodeReady(await readNode('gpu-node-1'), requestRef), 'node rebooted');
  });

  it('fails the request when the Job pod is stuck on its image, naming the reason', async () => {
    const broken = new RebootJobProvider({ name: 'generic', kube, namespace: NS, image: 'broken:image' });
    const node = await readNode('gpu-node-2');
    const { requestRef } = await broken.sendRebootSignal(node);
    const error = await eventually(
      () =>
        broken.isNodeReady(node, requestRef).then(
          () => undefined,
          (e: unknown) => e as Error,
        ),
      'stuck pod noticed',
    );
    expect(error).toBeInstanceOf(RebootFailedError);
    expect(error.message).toMatch(/stuck in ImagePullBackOff .*check GENERIC_REBOOT_IMAGE/);
  });

  it('terminates by powering the machine off; the node goes NotReady', async () => {
    const { requestRef } = await provider.sendTerminateSignal(await readNode('gpu-node-3'));
    expect(requestRef).toMatch(/^csp=generic&job=poweroff-gpu-node-3-.+&action=poweroff$/);
    const pod = (await jobsOf('gpu-node-3'))[0]!.spec!.template.spec!;
    expect(pod.containers[0]!.command).toEqual(['chroot', '/host', 'poweroff']);
    await eventually(
      async () =>
        (await readNode('gpu-node-3')).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'False',
      'node down',
    );
  });

  it('refuses a reference another provider issued', async () => {
    await expect(provider.isNodeReady(await readNode('gpu-node-0'), 'csp=aws&bootID=x')).rejects.toThrow(
      /not issued by the generic provider/,
    );
  });
});
