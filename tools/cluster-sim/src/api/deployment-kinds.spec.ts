import { AppsV1Api, CoreV1Api, NetworkingV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSim } from '../start-cluster-sim.js';
import { apiFailure, startWithClient } from '../testing/client.js';

/** The stored-only kinds a Helm chart installs (deploy/helm/nvsentinel is applied to the simulator). */
describe('deployment kinds (stored only)', () => {
  let sim: ClusterSim;
  let apps: AppsV1Api;
  let core: CoreV1Api;
  let rbac: RbacAuthorizationV1Api;
  let networking: NetworkingV1Api;

  beforeAll(async () => {
    const started = await startWithClient({ namespaces: ['nvsentinel'] });
    sim = started.sim;
    apps = started.kc.makeApiClient(AppsV1Api);
    core = started.kc.makeApiClient(CoreV1Api);
    rbac = started.kc.makeApiClient(RbacAuthorizationV1Api);
    networking = started.kc.makeApiClient(NetworkingV1Api);
  });
  afterAll(() => sim.close());

  it('stores a Deployment and a StatefulSet with generation, and starts no pods for them', async () => {
    const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'x', image: 'x:1' }] } };
    const deployment = await apps.createNamespacedDeployment({
      namespace: 'nvsentinel',
      body: { metadata: { name: 'x' }, spec: { selector: { matchLabels: { app: 'x' } }, template } },
    });
    expect(deployment.metadata?.generation).toBe(1);
    await apps.createNamespacedStatefulSet({
      namespace: 'nvsentinel',
      body: {
        metadata: { name: 'db' },
        spec: { serviceName: 'db', selector: { matchLabels: { app: 'x' } }, template },
      },
    });
    expect(
      (await apps.listNamespacedDeployment({ namespace: 'nvsentinel' })).items.map((d) => d.metadata?.name),
    ).toEqual(['x']);
    expect((await apps.readNamespacedStatefulSet({ name: 'db', namespace: 'nvsentinel' })).spec?.serviceName).toBe(
      'db',
    );
    expect((await core.listNamespacedPod({ namespace: 'nvsentinel' })).items).toEqual([]);
  });

  it('stores ServiceAccounts, Secrets and Services in a namespace', async () => {
    await core.createNamespacedServiceAccount({
      namespace: 'nvsentinel',
      body: { metadata: { name: 'sa' }, automountServiceAccountToken: false },
    });
    await core.createNamespacedSecret({
      namespace: 'nvsentinel',
      body: { metadata: { name: 's' }, data: { k: 'dg==' } },
    });
    await core.createNamespacedService({
      namespace: 'nvsentinel',
      body: { metadata: { name: 'svc' }, spec: { selector: { app: 'x' }, ports: [{ port: 443 }] } },
    });
    expect((await core.readNamespacedSecret({ name: 's', namespace: 'nvsentinel' })).data).toEqual({ k: 'dg==' });
    expect((await core.readNamespacedService({ name: 'svc', namespace: 'nvsentinel' })).spec?.ports?.[0]?.port).toBe(
      443,
    );
    expect(
      (
        await apiFailure(
          core.createNamespacedServiceAccount({ namespace: 'missing', body: { metadata: { name: 'sa' } } }),
        )
      ).code,
    ).toBe(404);
  });

  it('stores cluster-scoped RBAC and namespaced Roles, RoleBindings and NetworkPolicies', async () => {
    await rbac.createClusterRole({
      body: { metadata: { name: 'reader' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: 'nvsentinel' }],
      },
    });
    await rbac.createNamespacedRole({
      namespace: 'nvsentinel',
      body: { metadata: { name: 'cm' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: 'nvsentinel',
      body: {
        metadata: { name: 'cm' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm' },
        subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: 'nvsentinel' }],
      },
    });
    await networking.createNamespacedNetworkPolicy({
      namespace: 'nvsentinel',
      body: { metadata: { name: 'np' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
    });
    expect((await rbac.readClusterRole({ name: 'reader' })).rules?.[0]?.verbs).toEqual(['get']);
    expect(
      (await rbac.listNamespacedRoleBinding({ namespace: 'nvsentinel' })).items.map((b) => b.roleRef.name),
    ).toEqual(['cm']);
    expect((await networking.listNamespacedNetworkPolicy({ namespace: 'nvsentinel' })).items).toHaveLength(1);
  });

  it('lists the new groups in discovery', async () => {
    const rbacGroup = (await (await fetch(`${sim.url}/apis/rbac.authorization.k8s.io/v1`)).json()) as {
      resources: { name: string; namespaced: boolean }[];
    };
    expect(rbacGroup.resources.map((r) => `${r.name}:${r.namespaced}`).sort()).toEqual([
      'clusterrolebindings:false',
      'clusterroles:false',
      'rolebindings:true',
      'roles:true',
    ]);
  });
});
