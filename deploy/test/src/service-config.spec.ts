/**
 * Every rendered container's args and env are accepted by the service's own settings parser
 * (service-kit's loadConfig over the service's settings schema plus the entry point's common
 * settings), and the config files the chart renders are accepted by the service's own config parser.
 *
 * The schemas are imported from the apps by file path at run time: tools may not depend on apps in
 * the Nx graph, and services still being written are skipped with a message until their
 * settings module exists.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as serviceKit from '@nvsentinel/service-kit';
import { loadConfig, type ConfigSchema } from '@nvsentinel/service-kit';
import { SCENARIOS, WORKSPACE_ROOT, find, renderChart, type KubeObject } from './support/helm.js';
import { podSpec, serviceContainer, workloadOf, type Container } from './support/services.js';

/** Where each container's settings schema lives (the first existing file wins). */
const CONTAINERS: Array<{ component: string; container: string; schemaFiles: string[] }> = [
  {
    component: 'platform-connectors',
    container: 'platform-connectors',
    schemaFiles: ['apps/platform-connectors/src/config/settings.ts'],
  },
  {
    component: 'fault-quarantine',
    container: 'fault-quarantine',
    schemaFiles: ['apps/fault-quarantine/src/config/settings.ts'],
  },
  { component: 'node-drainer', container: 'node-drainer', schemaFiles: ['apps/node-drainer/src/config/settings.ts'] },
  {
    component: 'fault-remediation',
    container: 'fault-remediation',
    schemaFiles: ['apps/fault-remediation/src/config/settings.ts'],
  },
  {
    component: 'health-events-analyzer',
    container: 'health-events-analyzer',
    schemaFiles: ['apps/health-events-analyzer/src/config/settings.ts'],
  },
  {
    component: 'csp-health-monitor',
    container: 'csp-health-monitor',
    schemaFiles: ['apps/csp-health-monitor/src/monitor/settings.ts'],
  },
  {
    component: 'csp-health-monitor',
    container: 'maintenance-notifier',
    schemaFiles: ['apps/csp-health-monitor/src/notifier/settings.ts'],
  },
  { component: 'janitor', container: 'janitor', schemaFiles: ['apps/janitor/src/config/settings.ts'] },
  {
    component: 'janitor-provider',
    container: 'janitor-provider',
    schemaFiles: ['apps/janitor/src/csp-server/settings.ts'],
  },
];

const common = (serviceKit as Record<string, unknown>).commonSettingsSchema as ConfigSchema | undefined;
const renders = new Map<string, KubeObject[]>();

beforeAll(async () => {
  for (const scenario of ['full', 'tilt-postgresql', 'tilt-mongodb'] as const)
    renders.set(scenario, await renderChart(SCENARIOS[scenario]));
});

async function importFile<T>(relative: string): Promise<T> {
  return (await import(/* @vite-ignore */ join(WORKSPACE_ROOT, relative))) as T;
}

/** The service's schema plus the common settings it does not declare itself (the entry point merges those). */
function withCommon(schema: ConfigSchema): ConfigSchema {
  const flags = new Set(Object.values(schema).map((s) => s.flag));
  const envs = new Set(Object.values(schema).map((s) => s.env));
  const extra = Object.fromEntries(
    Object.entries(common ?? {}).filter(([key, s]) => !(key in schema) && !flags.has(s.flag) && !envs.has(s.env)),
  );
  return { ...schema, ...extra };
}

/** The container's environment as the kubelet would build it (fieldRefs resolved to test values). */
function containerEnv(objects: KubeObject[], c: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of (c.envFrom ?? []) as Array<{ configMapRef?: { name: string } }>) {
    if (from.configMapRef)
      Object.assign(env, find(objects, 'ConfigMap', from.configMapRef.name).data as Record<string, string>);
  }
  for (const e of c.env ?? []) {
    const fieldPath = (e.valueFrom as { fieldRef?: { fieldPath: string } } | undefined)?.fieldRef?.fieldPath;
    env[e.name] =
      e.value ??
      (fieldPath === 'metadata.namespace' ? 'nvsentinel' : fieldPath === 'spec.nodeName' ? 'gpu-node-0' : '');
  }
  return env;
}

describe.each(['full', 'tilt-postgresql', 'tilt-mongodb'])('rendered args and env (%s)', (scenario) => {
  for (const { component, container, schemaFiles } of CONTAINERS)
    it(`${component}/${container} are accepted by its settings schema`, async (ctx) => {
      const file = schemaFiles.find((f) => existsSync(join(WORKSPACE_ROOT, f)));
      if (!file)
        return ctx.skip(
          `${component}/${container}: no settings module yet (${schemaFiles.join(' or ')}); the test runs once it exists`,
        );
      if (!common)
        return ctx.skip("@nvsentinel/service-kit exports no commonSettingsSchema yet (the entry point's shared flags)");
      let settingsSchema: ConfigSchema;
      try {
        ({ settingsSchema } = await importFile<{ settingsSchema: ConfigSchema }>(file));
      } catch (err) {
        // The app's own module is broken (its tests report that); this test is about the chart's args.
        return ctx.skip(
          `${file} does not load (${(err as Error).message}); fix the app, then this test checks the chart's args`,
        );
      }
      const objects = renders.get(scenario)!;
      const c = serviceContainer(workloadOf(objects, component), container);
      const env = containerEnv(objects, c);
      const settings = loadConfig(withCommon(settingsSchema), { argv: c.args ?? [], env }) as Record<string, unknown>;
      expect(settings.metricsPort).toBe(container === 'maintenance-notifier' ? 2113 : 2112);
      const certFlag = c.args?.find((a) => a.startsWith('--database-client-cert-mount-path='));
      if (certFlag) {
        expect(settings.databaseClientCertMountPath).toBe(certFlag.split('=')[1]);
        expect(c.volumeMounts?.find((m) => m.name === 'client-certs')?.mountPath).toBe(certFlag.split('=')[1]);
      }
      if ('dryRun' in settings) expect(settings.dryRun).toBe(false);
    });
});

describe('rendered config files', () => {
  it('platform-connectors accepts its config.json and transformer TOMLs', async () => {
    const { parseConnectorConfig } = await importFile<{
      parseConnectorConfig: (
        json: unknown,
        source: string,
        read: (p: string) => string,
        exists: (p: string) => boolean,
      ) => { k8sEnabled: boolean; qps?: number; pipeline: unknown[] };
    }>('apps/platform-connectors/src/config/connector-config.ts');
    const data = find(renders.get('full')!, 'ConfigMap', 'nvsentinel-platform-connectors').data as Record<
      string,
      string
    >;
    const files = (path: string) => data[path.replace(/^\/etc\/config\//, '')];
    const config = parseConnectorConfig(
      JSON.parse(data['config.json']!),
      '/etc/config/config.json',
      (p) => files(p)!,
      (p) => files(p) !== undefined,
    );
    expect(config).toMatchObject({ k8sEnabled: true, qps: 5 });
  });

  it('node-drainer accepts its TOML', async () => {
    const { parseDrainerConfig } = await importFile<{
      parseDrainerConfig: (text: string) => { deleteAfterTimeoutMinutes?: number };
    }>('apps/node-drainer/src/config/drainer-config.ts');
    const toml = (find(renders.get('full')!, 'ConfigMap', 'nvsentinel-node-drainer').data as Record<string, string>)[
      'config.toml'
    ]!;
    expect(() => parseDrainerConfig(toml)).not.toThrow();
    expect(toml).toContain('mode = "AllowCompletion"');
  });

  it('fault-quarantine accepts its TOML, which carries the shipped default rule sets', async () => {
    const { parseConfigText } = await importFile<{
      parseConfigText: (text: string) => { ruleSets: Array<{ name: string }> };
    }>('apps/fault-quarantine/src/config/parse-config.ts');
    const toml = (
      find(renders.get('full')!, 'ConfigMap', 'nvsentinel-fault-quarantine').data as Record<string, string>
    )['config.toml']!;
    const parsed = parseConfigText(toml);
    const shipped = parseConfigText(
      (await import('node:fs')).readFileSync(
        join(WORKSPACE_ROOT, 'apps/fault-quarantine/config/default-config.toml'),
        'utf8',
      ),
    );
    expect(parsed.ruleSets.map((r) => r.name)).toEqual(shipped.ruleSets.map((r) => r.name));
    expect(parsed.ruleSets.length).toBeGreaterThan(0);
  });

  it('keeps the chart copy of the fault-quarantine defaults equal to the app file', async () => {
    const { readFileSync } = await import('node:fs');
    expect(
      readFileSync(join(WORKSPACE_ROOT, 'deploy/helm/nvsentinel/files/fault-quarantine-default-config.toml'), 'utf8'),
    ).toBe(readFileSync(join(WORKSPACE_ROOT, 'apps/fault-quarantine/config/default-config.toml'), 'utf8'));
  });

  it('mounts each service config where the service reads it', () => {
    const all = renders.get('full')!;
    for (const [component, path] of [
      ['fault-quarantine', '/etc/config'],
      ['node-drainer', '/etc/config'],
      ['janitor', '/etc/nvsentinel/janitor'],
    ] as const) {
      const c = serviceContainer(workloadOf(all, component), component);
      expect(c.volumeMounts?.find((m) => m.name === 'config')?.mountPath, component).toBe(path);
      expect(podSpec(workloadOf(all, component)).volumes.find((v) => v.name === 'config')?.configMap?.name).toBe(
        `nvsentinel-${component}`,
      );
    }
  });
});
