/**
 * The rendered chart applied with the real kubectl (`apply --validate=false`, as the simulator
 * serves no OpenAPI) to tools/cluster-sim over HTTP: every object is accepted, a second apply
 * changes nothing, and the stored objects are what the chart rendered. cert-manager's and
 * prometheus-operator's CRDs are applied first, as they would be installed on a real cluster.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import { SCENARIOS, WORKSPACE_ROOT, k8sTools, renderChart, type KubeObject } from './support/helm.js';

const run = promisify(execFile);
const work = join(WORKSPACE_ROOT, 'tmp/deploy-tests/kubectl');
let sim: ClusterSim;
let kubeconfig: string;

/** Minimal CRDs for the third-party kinds the chart renders (real clusters install the operators). */
function prerequisiteCrds(): KubeObject[] {
  const crd = (group: string, kind: string, plural: string) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  });
  return [
    crd('cert-manager.io', 'Certificate', 'certificates'),
    crd('cert-manager.io', 'Issuer', 'issuers'),
    crd('monitoring.coreos.com', 'PodMonitor', 'podmonitors'),
    crd('monitoring.coreos.com', 'PrometheusRule', 'prometheusrules'),
  ] as KubeObject[];
}

async function kubectl(args: string[]): Promise<string> {
  const { kubectl: bin } = await k8sTools();
  const { stdout } = await run(bin, ['--kubeconfig', kubeconfig, '--cache-dir', join(work, 'cache'), ...args], {
    env: { ...process.env, HOME: work },
    maxBuffer: 32 * 1024 * 1024,
  });
  return stdout;
}

async function applyObjects(name: string, objects: KubeObject[]): Promise<string> {
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
  return kubectl(['apply', '--validate=false', '-f', file]);
}

describe.each(['full', 'tilt-postgresql', 'tilt-mongodb'] as const)(
  'kubectl apply of the %s render to cluster-sim',
  (scenario) => {
    let objects: KubeObject[];
    // a fresh cluster per scenario: each is a first install
    beforeAll(async () => {
      mkdirSync(work, { recursive: true });
      kubeconfig = join(work, `kubeconfig-${scenario}`);
      sim = await startClusterSim({ nodes: 2, podsPerNode: 0, namespaces: ['nvsentinel'], kubeconfigPath: kubeconfig });
      await applyObjects('prerequisites', prerequisiteCrds());
      objects = await renderChart(SCENARIOS[scenario]);
    });
    afterAll(() => sim?.close());

    it('accepts every object', async () => {
      const output = await applyObjects(scenario, objects);
      const lines = output.trim().split('\n');
      expect(lines).toHaveLength(objects.length);
      for (const line of lines) expect(line).toMatch(/ (created|configured|unchanged)$/);
    });

    it('changes nothing on a second apply', async () => {
      const output = await applyObjects(scenario, objects);
      const changed = output
        .trim()
        .split('\n')
        .filter((l) => !l.endsWith(' unchanged'));
      expect(changed).toEqual([]);
    });

    it('stores the workloads and RBAC the chart rendered', async () => {
      const names = (kind: string) =>
        objects
          .filter((o) => o.kind === kind)
          .map((o) => o.metadata.name)
          .sort();
      const stored = async (resource: string, namespaced = true) =>
        (
          JSON.parse(await kubectl(['get', resource, ...(namespaced ? ['-n', 'nvsentinel'] : []), '-o', 'json'])) as {
            items: KubeObject[];
          }
        ).items
          .filter((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] === 'nvsentinel')
          .map((o) => o.metadata.name)
          .sort();
      expect(await stored('deployments')).toEqual(names('Deployment'));
      expect(await stored('daemonsets')).toEqual(names('DaemonSet'));
      expect(await stored('clusterroles', false)).toEqual(expect.arrayContaining(names('ClusterRole')));
      expect(await stored('certificates')).toEqual(expect.arrayContaining(names('Certificate')));
      const drainer = JSON.parse(
        await kubectl(['get', 'deployment', 'nvsentinel-node-drainer', '-n', 'nvsentinel', '-o', 'json']),
      ) as KubeObject;
      const rendered = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'nvsentinel-node-drainer')!;
      expect((drainer.spec as { template: unknown }).template).toEqual(
        (rendered.spec as { template: unknown }).template,
      );
    });
  },
);
