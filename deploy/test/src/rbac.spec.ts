/**
 * Least-privilege RBAC. The table (support/rbac-table.ts) lists, per service, the API calls it makes
 * (verb, resource) and why, derived from the code: libs/k8s's operations and the services' use of
 * them. Two checks tie it to the code by grep:
 *   1. the rendered ClusterRole + Role of each service allow exactly the table's calls;
 *   2. every use of a libs/k8s operation found in a service's sources (CALL_SITES) needs calls the
 *      table lists, and each library call the table relies on is still in libs/k8s.
 * rbac-recorded.spec.ts records every service's calls against the simulator and checks the
 * other direction: each rule granted was exercised or is listed with its reason.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS, WORKSPACE_ROOT, renderChart, type KubeObject } from './support/helm.js';

import { API_CALLS, JANITOR_PROVIDER_BY_CSP, all, call, type Call } from './support/rbac-table.js';

/**
 * Library operations → the calls they make. `library` must still be found in libs/k8s (so the
 * mapping follows the code), `use` is searched for in each service's sources.
 */
const CALL_SITES: Array<{ use: RegExp; needs: Call[]; library: [string, RegExp] }> = [
  {
    use: /new NodeCache\b/,
    needs: all(['list', 'watch'], ['nodes']),
    library: ['libs/k8s/src/nodes/node-cache.ts', /listNode\(/],
  },
  {
    use: /\.(cordon|uncordon|addTaints|removeTaints|setLabels|setAnnotations)\(/,
    needs: all(['get', 'patch'], ['nodes']),
    library: ['libs/k8s/src/nodes/node-ops.ts', /core\.patchNode\(/],
  },
  {
    use: /\.(setNodeCondition|removeNodeCondition)\(/,
    needs: [call('get', 'nodes'), call('patch', 'nodes/status')],
    library: ['libs/k8s/src/nodes/node-ops.ts', /patchNodeStatus\(/],
  },
  { use: /\.readNode\(/, needs: [call('get', 'nodes')], library: ['libs/k8s/src/nodes/node-ops.ts', /readNode\(/] },
  {
    use: /\.deleteNode\(/,
    needs: [call('delete', 'nodes')],
    library: ['libs/k8s/src/nodes/node-ops.ts', /readNode\(/],
  },
  {
    use: /new EventRecorder\b/,
    needs: all(['create', 'patch'], ['events']),
    library: ['libs/k8s/src/events/event-recorder.ts', /createNamespacedEvent\(/],
  },
  {
    use: /\.evictPod\(/,
    needs: [call('create', 'pods/eviction')],
    library: ['libs/k8s/src/pods/pod-ops.ts', /createNamespacedPodEviction\(/],
  },
  {
    use: /\.deletePod\(/,
    needs: [call('delete', 'pods')],
    library: ['libs/k8s/src/pods/pod-ops.ts', /deleteNamespacedPod\(/],
  },
  {
    use: /\.(podListOnNode|listPodsOnNode)\(/,
    needs: [call('list', 'pods')],
    library: ['libs/k8s/src/pods/pod-ops.ts', /listPodForAllNamespaces\(/],
  },
  {
    use: /path: '\/api\/v1\/pods'/,
    needs: all(['list', 'watch'], ['pods']),
    library: ['libs/k8s/src/client/throttled-watch.ts', /makeInformer/],
  },
  {
    use: /new ConfigMapOps\b|decideStart\(/,
    needs: all(['get', 'create', 'update'], ['configmaps']),
    library: ['libs/k8s/src/configmaps/configmap-ops.ts', /replaceNamespacedConfigMap\(/],
  },
  {
    use: /\.createTokenReview\(/,
    needs: [call('create', 'tokenreviews', 'authentication.k8s.io')],
    library: ['libs/k8s/src/index.ts', /./],
  },
  {
    use: /\.createNamespacedLease\(|new NodeLocks\b/,
    needs: all(['get', 'create', 'update', 'delete'], ['leases'], 'coordination.k8s.io'),
    library: ['libs/k8s/src/leases/node-locks.ts', /createNamespacedLease\(/],
  },
];

/** Source folders of each service (janitor-provider is apps/janitor's csp-server). */
const SOURCES: Record<string, { dir: string; exclude?: string }> = {
  'platform-connectors': { dir: 'apps/platform-connectors/src' },
  'fault-quarantine': { dir: 'apps/fault-quarantine/src' },
  'node-drainer': { dir: 'apps/node-drainer/src' },
  'fault-remediation': { dir: 'apps/fault-remediation/src' },
  'health-events-analyzer': { dir: 'apps/health-events-analyzer/src' },
  // the `sim` CSP (its schedule ConfigMap) is for the local stack; the chart offers gcp, aws, lambda
  'csp-health-monitor': { dir: 'apps/csp-health-monitor/src', exclude: 'sim' },
  janitor: { dir: 'apps/janitor/src', exclude: 'csp-server' },
  'janitor-provider': { dir: 'apps/janitor/src/csp-server' },
};

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

let objects: KubeObject[];
beforeAll(async () => {
  objects = await renderChart(SCENARIOS.full);
});

function allowed(kind: 'ClusterRole' | 'Role', component: string): Call[] {
  const role = objects.find((o) => o.kind === kind && o.metadata.name === `nvsentinel-${component}`);
  const rules = (role?.rules as Rule[] | undefined) ?? [];
  return rules.flatMap((r) =>
    r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => call(v, res, g)))),
  );
}

function sourceText(component: string): string {
  const { dir, exclude } = SOURCES[component]!;
  const root = join(WORKSPACE_ROOT, dir);
  if (!existsSync(root)) return '';
  const texts: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'testing' && name !== 'gen' && name !== exclude) walk(path);
      } else if (name.endsWith('.ts') && !name.endsWith('.spec.ts')) texts.push(readFileSync(path, 'utf8'));
    }
  };
  walk(root);
  return texts.join('\n');
}

describe('RBAC per service', () => {
  for (const [component, calls] of Object.entries(API_CALLS)) {
    it(`${component}: the ClusterRole and Role allow exactly the calls it makes`, () => {
      expect(allowed('ClusterRole', component).sort(), 'ClusterRole').toEqual([...calls.cluster].sort());
      expect(allowed('Role', component).sort(), 'Role (release namespace)').toEqual([...calls.namespace].sort());
      const bound = objects.filter(
        (o) =>
          (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') &&
          o.metadata.name === `nvsentinel-${component}`,
      );
      expect(bound.length).toBe((calls.cluster.length ? 1 : 0) + (calls.namespace.length ? 1 : 0));
      for (const b of bound)
        expect(b.subjects).toEqual([
          { kind: 'ServiceAccount', name: `nvsentinel-${component}`, namespace: 'nvsentinel' },
        ]);
    });

    it(`${component}: every libs/k8s operation its code uses is covered by the table`, (ctx) => {
      const text = sourceText(component);
      if (!text) return ctx.skip(`${SOURCES[component]!.dir} has no sources yet`);
      const granted = new Set([...calls.cluster, ...calls.namespace]);
      const missing = CALL_SITES.filter((site) => site.use.test(text)).flatMap((site) =>
        site.needs.filter((c) => !granted.has(c)).map((c) => `${c} (for ${site.use.source})`),
      );
      expect(missing).toEqual([]);
    });
  }

  it('maps library operations to calls that libs/k8s still makes', () => {
    for (const site of CALL_SITES) {
      const [file, pattern] = site.library;
      expect(readFileSync(join(WORKSPACE_ROOT, file), 'utf8'), `${file} ${pattern.source}`).toMatch(pattern);
    }
  });

  it('gives janitor-provider what its CSP calls: sim patches and deletes nodes, generic runs reboot Jobs', async () => {
    for (const [csp, extra] of Object.entries(JANITOR_PROVIDER_BY_CSP)) {
      const rendered = await renderChart(SCENARIOS.full, [`janitor-provider.csp.provider=${csp}`]);
      const rules = (kind: string) =>
        (
          (rendered.find((o) => o.kind === kind && o.metadata.name === 'nvsentinel-janitor-provider')?.rules ??
            []) as Rule[]
        ).flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => call(v, res, g)))));
      const base = API_CALLS['janitor-provider']!;
      expect(rules('ClusterRole').sort(), csp).toEqual([...base.cluster, ...extra.cluster].sort());
      expect(rules('Role').sort(), csp).toEqual([...base.namespace, ...extra.namespace].sort());
    }
  });

  it('gives node-drainer list and watch on pods (its pod watch) and nothing on other namespaces\u2019 ConfigMaps', () => {
    expect(allowed('ClusterRole', 'node-drainer')).toEqual(
      expect.arrayContaining([call('list', 'pods'), call('watch', 'pods')]),
    );
    for (const component of Object.keys(API_CALLS)) {
      expect(
        allowed('ClusterRole', component).some((c) => c.endsWith('/configmaps') || c.endsWith('/secrets')),
        component,
      ).toBe(false);
    }
  });
});
