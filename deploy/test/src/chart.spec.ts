/**
 * The Helm chart rendered by the real helm for each provider and the Tilt overlays: lint, schema
 * validation of every object, and what each service's pod gets.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadDatastoreConfig } from '@nvsentinel/store-client';
import {
  CHART_DIR,
  SCENARIOS,
  WORKSPACE_ROOT,
  find,
  helm,
  renderChart,
  valuesArgs,
  type KubeObject,
} from './support/helm.js';
import { UNMODELLED_GROUPS, validateObject } from './support/schemas.js';
import { SERVICES, podSpec, serviceContainer, workloadOf } from './support/services.js';

const rendered = new Map<string, KubeObject[]>();
beforeAll(async () => {
  // Sequential on purpose: the machine is shared; each render is a separate helm process.
  for (const [name, files] of Object.entries(SCENARIOS)) rendered.set(name, await renderChart(files));
});
const objects = (scenario: keyof typeof SCENARIOS) => rendered.get(scenario)!;

describe.each(Object.entries(SCENARIOS))('scenario %s', (scenario, files) => {
  it('passes helm lint --strict', async () => {
    const { stdout } = await helm(['lint', '--strict', CHART_DIR, ...valuesArgs(files)]);
    expect(stdout).toContain('0 chart(s) failed');
  });

  it('renders only objects valid against the Kubernetes schemas', async () => {
    const problems: string[] = [];
    let validated = 0;
    for (const object of objects(scenario as keyof typeof SCENARIOS)) {
      const result = await validateObject(object);
      if (result === undefined) continue;
      validated++;
      if (result) problems.push(result);
    }
    expect(problems).toEqual([]);
    expect(validated).toBeGreaterThan(5);
  });

  it('gives every object a name, and every namespaced object the release namespace', () => {
    for (const object of objects(scenario as keyof typeof SCENARIOS)) {
      expect(object.metadata.name, `${object.kind} without a name`).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      if (object.metadata.namespace !== undefined) expect(object.metadata.namespace).toBe('nvsentinel');
    }
  });
});

describe('workloads', () => {
  it('runs one workload per enabled service: platform-connectors as a DaemonSet, the rest as Deployments', () => {
    const all = objects('full');
    for (const service of SERVICES) {
      const workloads = all.filter(
        (o) =>
          (o.kind === 'Deployment' || o.kind === 'DaemonSet') &&
          o.metadata.labels?.['app.kubernetes.io/name'] === service.component,
      );
      expect(
        workloads.map((w) => w.kind),
        service.component,
      ).toEqual([service.component === 'platform-connectors' ? 'DaemonSet' : 'Deployment']);
    }
    const names = all
      .filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet')
      .map((o) => o.metadata.labels?.['app.kubernetes.io/name'])
      .sort();
    expect(names).toEqual(SERVICES.map((s) => s.component).sort());
  });

  it('deploys only the platform connector with the default values (upstream: components are opt-in)', () => {
    const kinds = objects('defaults')
      .filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet')
      .map((o) => o.metadata.name);
    expect(kinds).toEqual(['nvsentinel-platform-connectors']);
  });

  it('mounts the node socket directory into platform-connectors, the analyzer and the notifier sidecar', () => {
    const all = objects('full');
    const ds = workloadOf(all, 'platform-connectors');
    const hostPaths = (o: KubeObject) =>
      podSpec(o)
        .volumes.filter((v) => v.hostPath)
        .map((v) => v.hostPath!.path);
    expect(hostPaths(ds)).toEqual(['/var/run/nvsentinel']);
    expect(serviceContainer(ds, 'platform-connectors').args).toContain('--socket=unix:///var/run/nvsentinel.sock');
    expect(hostPaths(workloadOf(all, 'health-events-analyzer'))).toEqual(['/var/run/nvsentinel']);
    const csp = workloadOf(all, 'csp-health-monitor');
    expect(podSpec(csp).containers.map((c) => c.name)).toEqual(['csp-health-monitor', 'maintenance-notifier']);
    expect(serviceContainer(csp, 'maintenance-notifier').args).toContain('--uds-path=/var/run/nvsentinel.sock');
  });

  it('runs every container as a non-root user with a read-only root filesystem and probes on /healthz and /readyz', () => {
    for (const service of SERVICES) {
      const workload = workloadOf(objects('full'), service.component);
      const spec = podSpec(workload);
      expect(spec.securityContext?.runAsNonRoot, service.component).toBe(true);
      for (const c of spec.containers) {
        expect(c.securityContext?.readOnlyRootFilesystem, `${service.component}/${c.name}`).toBe(true);
        expect(c.securityContext?.capabilities?.drop).toEqual(['ALL']);
        expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
        expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
        expect(c.resources?.limits?.memory, `${service.component}/${c.name} memory limit`).toBeTruthy();
        expect(c.image).toMatch(/^[^:]+:[^:]+$/);
        expect(c.command?.[0]).toBe('node');
        expect(c.command?.[1]).toMatch(/^apps\/[a-z-]+\/dist\/([a-z-]+\/)?[a-z-]+\.js$/);
      }
    }
  });

  it('runs node --watch with a writable root filesystem only under Tilt (live update)', () => {
    for (const service of SERVICES) {
      const tilt = serviceContainer(workloadOf(objects('tilt-postgresql'), service.component), service.component);
      expect(tilt.command?.slice(0, 2), service.component).toEqual(['node', '--watch']);
      expect(tilt.securityContext?.readOnlyRootFilesystem).toBe(false);
      const prod = serviceContainer(
        workloadOf(
          objects('postgresql'),
          service.component === 'platform-connectors' ? service.component : 'platform-connectors',
        ),
        'platform-connectors',
      );
      expect(prod.command).not.toContain('--watch');
    }
  });

  it('starts each container at an entry point the app has', () => {
    const entries = new Set<string>();
    for (const o of objects('full').filter((x) => x.kind === 'Deployment' || x.kind === 'DaemonSet')) {
      for (const c of podSpec(o).containers) entries.add(c.command!.at(-1)!);
    }
    expect(entries.size).toBe(9); // seven services, the notifier sidecar, the CSP provider server
    const missing = [...entries].filter(
      (e) => !existsSync(join(WORKSPACE_ROOT, e.replace('/dist/', '/src/').replace(/\.js$/, '.ts'))),
    );
    expect(missing, 'set <component>.entrypoint in values.yaml if the app uses another file').toEqual([]);
  });

  it('passes global.dryRun to every consumer as --dry-run', async () => {
    const dry = await renderChart(['values-full.yaml'], ['global.dryRun=true']);
    for (const component of ['fault-quarantine', 'node-drainer', 'fault-remediation']) {
      expect(serviceContainer(workloadOf(dry, component), component).args, component).toContain('--dry-run=true');
      expect(serviceContainer(workloadOf(objects('full'), component), component).args).toContain('--dry-run=false');
    }
  });
});

describe('datastore configuration', () => {
  it('renders upstream keys for PostgreSQL, and store-client reads them as the services will', () => {
    const cm = find(objects('postgresql'), 'ConfigMap', 'nvsentinel-datastore-config');
    const data = cm.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(
      [
        'DATASTORE_DATABASE',
        'DATASTORE_HOST',
        'DATASTORE_PORT',
        'DATASTORE_PROVIDER',
        'DATASTORE_SSLCERT',
        'DATASTORE_SSLKEY',
        'DATASTORE_SSLMODE',
        'DATASTORE_SSLROOTCERT',
        'DATASTORE_USERNAME',
        'MONGODB_ENABLE_CERT_ROTATION',
        'datastore.yaml',
      ].sort(),
    );
    const config = loadDatastoreConfig({ ...envOnly(data) });
    expect(config.provider).toBe('postgresql');
    expect(config.connection).toMatchObject({
      host: 'nvsentinel-postgresql.nvsentinel.svc.cluster.local',
      port: 5432,
      database: 'nvsentinel',
      username: 'postgresql',
      sslmode: 'verify-full',
    });
    const fromYaml = loadDatastoreConfig({ DATASTORE_YAML: data['datastore.yaml'] });
    expect(fromYaml.connection).toMatchObject({
      host: config.connection.host,
      port: 5432,
      database: 'nvsentinel',
      sslmode: 'verify-full',
    });
  });

  it('builds MONGODB_URI from extraParams for MongoDB, and store-client connects with those options', async () => {
    const objects = await renderChart(
      [],
      [
        'global.datastore.provider=mongodb',
        'global.datastore.connection.host=mongo.example.com',
        'global.datastore.connection.extraParams.replicaSet=rs0',
        'global.datastore.connection.extraParams.tls=true',
        'global.datastore.connection.extraParams.authMechanism=MONGODB-X509',
      ],
    );
    const data = find(objects, 'ConfigMap', 'nvsentinel-datastore-config').data as Record<string, string>;
    expect(data.MONGODB_URI).toBe(
      'mongodb://mongo.example.com:27017/?authMechanism=MONGODB-X509&replicaSet=rs0&tls=true',
    );
    expect(data).toMatchObject({
      DATASTORE_PROVIDER: 'mongodb',
      MONGODB_DATABASE_NAME: 'HealthEventsDatabase',
      MONGODB_COLLECTION_NAME: 'HealthEvents',
      MONGODB_TOKEN_COLLECTION_NAME: 'ResumeTokens',
    });
    expect(data).not.toHaveProperty('DATASTORE_SSLMODE');
    const config = loadDatastoreConfig(envOnly(data));
    expect(config.provider).toBe('mongodb');
    expect(config.connection.uri).toBe(data.MONGODB_URI);
    expect(config.connection.database).toBe('HealthEventsDatabase');
  });

  it('leaves MONGODB_URI to the credentials Secret when one is named', async () => {
    const objects = await renderChart(
      [],
      [
        'global.datastore.provider=mongodb',
        'global.datastore.connection.host=mongo',
        'global.datastore.credentialsFromSecret.name=mongo-creds',
      ],
    );
    expect(find(objects, 'ConfigMap', 'nvsentinel-datastore-config').data).not.toHaveProperty('MONGODB_URI');
    const envFrom = serviceContainer(workloadOf(objects, 'platform-connectors'), 'platform-connectors').envFrom;
    expect(envFrom).toEqual([
      { configMapRef: { name: 'nvsentinel-datastore-config' } },
      { secretRef: { name: 'mongo-creds' } },
    ]);
  });

  it('uses the in-chart MongoDB mongodb-config ConfigMap when global.datastore is unset (upstream default)', () => {
    const all = objects('tilt-mongodb');
    const cm = find(all, 'ConfigMap', 'mongodb-config').data as Record<string, string>;
    expect(cm.MONGODB_URI).toMatch(
      /^mongodb:\/\/nvsentinel-mongodb-0\.nvsentinel-mongodb-headless\.nvsentinel\.svc\.cluster\.local:27017,.*replicaSet=rs0&tls=true$/,
    );
    expect(loadDatastoreConfig(cm).connection.uri).toBe(cm.MONGODB_URI);
    expect(all.some((o) => o.kind === 'ConfigMap' && o.metadata.name === 'nvsentinel-datastore-config')).toBe(false);
    for (const service of SERVICES.filter((s) => s.datastore)) {
      expect(serviceContainer(workloadOf(all, service.component), service.component).envFrom).toEqual([
        { configMapRef: { name: 'mongodb-config' } },
      ]);
    }
    const rsInit = find(all, 'Job', 'nvsentinel-mongodb-rs-init');
    expect(rsInit.metadata.annotations?.['helm.sh/hook']).toBe('post-install,post-upgrade');
    expect(find(all, 'StatefulSet', 'nvsentinel-mongodb').spec).toMatchObject({ replicas: 3 });
  });

  it('fails the render with a clear message for an unknown provider or a missing host', async () => {
    await expect(
      renderChart([], ['global.datastore.provider=mysql', 'global.datastore.connection.host=x']),
    ).rejects.toThrow(/provider must be mongodb or postgresql, not "mysql"/);
    await expect(renderChart([], ['global.datastore.provider=postgresql'])).rejects.toThrow(
      /connection.host is required/,
    );
  });
});

describe('PostgreSQL client certificates and schema', () => {
  it('adds the key-permission init container only on PostgreSQL, and passes the cert mount path', () => {
    for (const service of SERVICES.filter((s) => s.datastore)) {
      const pg = podSpec(workloadOf(objects('tilt-postgresql'), service.component));
      expect(
        pg.initContainers?.map((c) => c.name),
        service.component,
      ).toContain('fix-cert-permissions');
      const container = serviceContainer(workloadOf(objects('tilt-postgresql'), service.component), service.component);
      const mountPath = service.component === 'platform-connectors' ? '/etc/ssl/client-certs' : '/etc/ssl/client-certs';
      expect(container.args).toContain(`--database-client-cert-mount-path=${mountPath}`);
      expect(container.volumeMounts?.find((m) => m.name === 'client-certs')?.mountPath).toBe(mountPath);
      const mongo = podSpec(workloadOf(objects('tilt-mongodb'), service.component));
      expect(mongo.initContainers?.map((c) => c.name) ?? [], service.component).not.toContain('fix-cert-permissions');
    }
    const init = podSpec(workloadOf(objects('tilt-postgresql'), 'node-drainer')).initContainers!.find(
      (c) => c.name === 'fix-cert-permissions',
    )!;
    expect(init.command!.join(' ')).toContain('chmod 600 /certs/tls.key');
  });

  it('drops the flag and the mount when clientCertMountPath is blank (password auth)', async () => {
    const objects = await renderChart(
      ['values-postgresql.yaml'],
      ['node-drainer.clientCertMountPath=', 'global.nodeDrainer.enabled=true'],
    );
    const container = serviceContainer(workloadOf(objects, 'node-drainer'), 'node-drainer');
    expect(container.args!.some((a) => a.startsWith('--database-client-cert-mount-path'))).toBe(false);
    expect(podSpec(workloadOf(objects, 'node-drainer')).initContainers ?? []).toEqual([]);
  });

  it('runs the schema migration as a hook Job: post-install with the in-chart server, pre-install with an external one', async () => {
    const inChart = find(objects('postgresql'), 'Job', 'nvsentinel-migrate');
    expect(inChart.metadata.annotations?.['helm.sh/hook']).toBe('post-install,pre-upgrade');
    const spec = podSpec(inChart);
    expect(spec.containers[0]!.command).toEqual(['node', 'libs/store-client/dist/cli/migrate.js']);
    const yamlEnv = spec.containers[0]!.env!.find((e) => e.name === 'DATASTORE_YAML')!.value!;
    expect(loadDatastoreConfig({ DATASTORE_YAML: yamlEnv }).connection.host).toBe(
      'nvsentinel-postgresql.nvsentinel.svc.cluster.local',
    );
    expect(existsSync(join(WORKSPACE_ROOT, 'libs/store-client/src/cli/migrate.ts'))).toBe(true);
    const external = await renderChart(
      ['values-postgresql.yaml'],
      ['postgresql.enabled=false', 'global.datastore.tls.clientCertSecretName=my-client-cert'],
    );
    expect(find(external, 'Job', 'nvsentinel-migrate').metadata.annotations?.['helm.sh/hook']).toBe(
      'pre-install,pre-upgrade',
    );
    expect(external.some((o) => o.kind === 'StatefulSet')).toBe(false);
    expect(
      podSpec(find(external, 'Job', 'nvsentinel-migrate')).volumes.find((v) => v.name === 'client-certs-source')?.secret
        ?.secretName,
    ).toBe('my-client-cert');
    expect(objects('tilt-mongodb').some((o) => o.kind === 'Job' && o.metadata.name === 'nvsentinel-migrate')).toBe(
      false,
    );
  });

  it('builds the cert-manager hierarchies for PostgreSQL, MongoDB and janitor', () => {
    const names = (scenario: keyof typeof SCENARIOS) =>
      objects(scenario)
        .filter((o) => o.apiVersion.startsWith('cert-manager.io/'))
        .map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names('tilt-postgresql')).toEqual(
      expect.arrayContaining([
        'Issuer/selfsigned-ca-issuer',
        'Certificate/postgresql-root-ca',
        'Issuer/postgresql-ca-issuer',
        'Certificate/postgresql-server-cert',
        'Certificate/postgresql-client-cert',
        'Issuer/janitor-selfsigned-issuer',
        'Certificate/janitor-webhook-cert',
        'Certificate/janitor-provider-grpc-cert',
      ]),
    );
    expect(names('tilt-mongodb')).toEqual(
      expect.arrayContaining([
        'Issuer/mongo-selfsigned-issuer',
        'Certificate/mongo-root-ca',
        'Issuer/mongo-ca-issuer',
        'Certificate/mongo-server-cert',
        'Certificate/mongo-app-client-cert',
      ]),
    );
    const client = find(objects('tilt-postgresql'), 'Certificate', 'postgresql-client-cert').spec as {
      commonName: string;
      issuerRef: { name: string };
    };
    expect(client).toMatchObject({ commonName: 'postgresql', issuerRef: { name: 'postgresql-ca-issuer' } });
    for (const o of objects('tilt-postgresql').filter((x) =>
      UNMODELLED_GROUPS.some((g) => x.apiVersion.startsWith(`${g}/`)),
    )) {
      expect(o.apiVersion, `${o.kind}/${o.metadata.name}`).toMatch(/^(cert-manager\.io|monitoring\.coreos\.com)\/v1$/);
      expect(o.spec, `${o.kind}/${o.metadata.name}`).toBeTruthy();
    }
  });
});

describe('janitor', () => {
  it('gets its webhook Service and a ValidatingWebhookConfiguration with the CA injected by cert-manager', () => {
    const all = objects('full');
    const vwc = find(all, 'ValidatingWebhookConfiguration', 'nvsentinel-janitor-validating');
    expect(vwc.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe('nvsentinel/janitor-webhook-cert');
    const hooks = vwc.webhooks as Array<{
      clientConfig: { service: { name: string } };
      rules: Array<{ resources: string[] }>;
    }>;
    expect(hooks.flatMap((h) => h.rules.flatMap((r) => r.resources)).sort()).toEqual([
      'externalremediationrequests',
      'gpuresets',
      'rebootnodes',
      'terminatenodes',
    ]);
    const service = find(all, 'Service', hooks[0]!.clientConfig.service.name);
    expect((service.spec as { ports: Array<{ targetPort: string }> }).ports[0]!.targetPort).toBe('webhook');
    find(all, 'Service', 'nvsentinel-janitor-provider');
    const config = parseYaml(find(all, 'ConfigMap', 'nvsentinel-janitor').data!['config.yaml' as never]) as {
      global: { cspProviderHost: string };
    };
    expect(config.global.cspProviderHost).toBe('nvsentinel-janitor-provider.nvsentinel.svc:50051');
  });

  it('ships the janitor CRDs, equal to the app copy when apps/janitor/crds exists', (ctx) => {
    const chartCrds = readdirSync(join(CHART_DIR, 'crds')).sort();
    expect(chartCrds.length).toBe(4);
    const appDir = join(WORKSPACE_ROOT, 'apps/janitor/crds');
    if (!existsSync(appDir)) {
      ctx.skip(
        `apps/janitor/crds does not exist yet; copy it to ${join(CHART_DIR, 'crds')} when it does and this test compares them`,
      );
      return;
    }
    const appCrds = readdirSync(appDir)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    expect(chartCrds).toEqual(appCrds);
    for (const file of appCrds)
      expect(readFileSync(join(CHART_DIR, 'crds', file), 'utf8'), file).toBe(readFileSync(join(appDir, file), 'utf8'));
  });
});

describe('fault-remediation log collector', () => {
  it('is off by default: no manifest, no ServiceAccount', () => {
    const config = find(objects('full'), 'ConfigMap', 'nvsentinel-fault-remediation');
    expect(Object.keys(config.data ?? {})).not.toContain('log-collector-job.yaml');
    expect(objects('full').some((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'log-collector-job')).toBe(
      false,
    );
  });

  it('when enabled, mounts upstream\u2019s Job manifest where the service reads it and creates the Job ServiceAccount', async () => {
    const all = await renderChart(SCENARIOS.full, ['fault-remediation.logCollector.enabled=true']);
    const config = find(all, 'ConfigMap', 'nvsentinel-fault-remediation');
    const manifest = config.data!['log-collector-job.yaml' as never] as string;
    expect(manifest).toBe(
      readFileSync(join(WORKSPACE_ROOT, 'apps/fault-remediation/config/log-collector-job.yaml'), 'utf8'),
    );
    const job = parseYaml(manifest) as { kind: string; spec: { template: { spec: { serviceAccountName: string } } } };
    expect(job.kind).toBe('Job');
    const account = find(all, 'ServiceAccount', job.spec.template.spec.serviceAccountName);
    expect(account.metadata.namespace).toBe('nvsentinel');
    const args = serviceContainer(workloadOf(all, 'fault-remediation'), 'fault-remediation').args ?? [];
    expect(args).toContain('--enable-log-collector=true');
    expect(args).toContain('--config-path=/etc/config/config.toml');
    // The service reads <template-mount-path>/log-collector-job.yaml; the chart mounts the ConfigMap there.
    const mounts = serviceContainer(workloadOf(all, 'fault-remediation'), 'fault-remediation').volumeMounts ?? [];
    expect(mounts.some((m) => m.mountPath === '/etc/config' && !(m as { subPath?: string }).subPath)).toBe(true);
  });
});

describe('monitoring and network', () => {
  it('ships the dashboard with the Grafana sidecar label, using metric names the services export', () => {
    const cm = find(objects('full'), 'ConfigMap', 'nvsentinel-dashboard-fault-pipeline');
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    const dashboard = JSON.parse((cm.data as Record<string, string>)['nvsentinel-fault-pipeline.json']!) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    const rule = find(objects('full'), 'PrometheusRule', 'nvsentinel-nvsentinel').spec as {
      groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
    };
    const alerts = rule.groups.flatMap((g) => g.rules);
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining([
        'NVSentinelConsumerLagging',
        'NVSentinelCircuitBreakerTripped',
        'NVSentinelChangelogHorizonStalled',
        'NVSentinelIngestRefusing',
      ]),
    );
    const exported = exportedMetricNames();
    const used = new Set(
      [...exprs, ...alerts.map((a) => a.expr)]
        .flatMap((e) => e.match(/\b[a-z_]+(?=[{[(\s)]|$)/g) ?? [])
        .filter(
          (n) =>
            /_(total|seconds|state|nodes|available|count|events|utilization|flight|timeout)$/.test(n) ||
            n.endsWith('_bucket'),
        ),
    );
    const upstreamOnly = ['fault_remediation_events_processed_total', 'janitor_actions_count']; // services being written now
    const missing = [...used]
      .map((n) => n.replace(/_bucket$/, ''))
      .filter((n) => !exported.has(n) && !upstreamOnly.includes(n));
    expect(missing).toEqual([]);
  });

  it('limits ingress with NetworkPolicies and scrapes every pod through one PodMonitor', () => {
    const policies = objects('full').filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.length).toBe(4);
    const provider = find(objects('full'), 'NetworkPolicy', 'nvsentinel-janitor-provider').spec as {
      ingress: Array<{ from: Array<{ podSelector: { matchLabels: Record<string, string> } }> }>;
    };
    expect(provider.ingress[0]!.from[0]!.podSelector.matchLabels['app.kubernetes.io/name']).toBe('janitor');
    const pm = find(objects('full'), 'PodMonitor', 'nvsentinel-nvsentinel').spec as {
      podMetricsEndpoints: Array<{ port: string }>;
    };
    expect(pm.podMetricsEndpoints.map((e) => e.port)).toEqual(['metrics', 'notif-metrics']);
  });
});

/** ConfigMap data minus the file entries, i.e. what envFrom puts into the environment. */
function envOnly(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).filter(([k]) => /^[A-Z_][A-Z0-9_]*$/.test(k)));
}

/** Metric names registered in the services' metrics modules and service-kit's consumer metrics. */
function exportedMetricNames(): Set<string> {
  const names = new Set<string>();
  const files = readdirSync(join(WORKSPACE_ROOT, 'apps'))
    .map((app) => join(WORKSPACE_ROOT, 'apps', app, 'src/metrics.ts'))
    .filter((f) => existsSync(f));
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const prefix = /const p = '([a-z_]+)'/.exec(text)?.[1] ?? '';
    for (const m of text.matchAll(/name: [`']([^`']+)[`']/g)) names.add(m[1]!.replace('${p}', prefix));
  }
  const consumer = readFileSync(join(WORKSPACE_ROOT, 'libs/service-kit/src/consumer/consumer-metrics.ts'), 'utf8');
  const prefix = /options\.prefix \?\? '([a-z_]+)'/.exec(consumer)![1]!;
  for (const m of consumer.matchAll(/name: `\$\{p\}([a-z_]+)`/g)) names.add(`${prefix}${m[1]}`);
  return names;
}
