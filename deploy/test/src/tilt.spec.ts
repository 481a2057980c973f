/**
 * The Tiltfile cannot run here (no cluster, no Tilt), so this checks what it refers to: values
 * files, resource names (Tilt names resources after the rendered workloads and Jobs), certificate
 * objects, live-update paths against the image layout, and the KWOK node generator.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS, WORKSPACE_ROOT, renderChart, type KubeObject } from './support/helm.js';
import { parseDockerfile } from './support/dockerfile.js';
import { validateObject } from './support/schemas.js';

const tiltfile = readFileSync(join(WORKSPACE_ROOT, 'Tiltfile'), 'utf8');
const renders: Record<'mongodb' | 'postgresql', KubeObject[]> = { mongodb: [], postgresql: [] };

beforeAll(async () => {
  renders.mongodb = await renderChart(SCENARIOS['tilt-mongodb'], [
    'global.image.repository=nvsentinel',
    'global.image.tag=dev',
  ]);
  renders.postgresql = await renderChart(SCENARIOS['tilt-postgresql'], [
    'global.image.repository=nvsentinel',
    'global.image.tag=dev',
  ]);
});

/** The string list assigned to NAME = [...] in the Tiltfile. */
function list(name: string): string[] {
  const body = new RegExp(`^${name} = \\[([^\\]]*)\\]`, 'm').exec(tiltfile)?.[1];
  if (body === undefined) throw new Error(`Tiltfile has no ${name} = [...]`);
  return [...body.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
}

describe('Tiltfile', () => {
  it('uses values files that exist, MongoDB by default and PostgreSQL with USE_POSTGRESQL=1', () => {
    for (const file of ['values.yaml', 'values-tilt.yaml', 'values-tilt-postgresql.yaml', 'values-tilt-mongodb.yaml']) {
      expect(tiltfile).toContain(`'/${file}'`);
      expect(existsSync(join(WORKSPACE_ROOT, 'deploy/helm/nvsentinel', file)), file).toBe(true);
    }
    expect(tiltfile).toMatch(/'\/values-tilt-postgresql\.yaml' if use_postgresql else '\/values-tilt-mongodb\.yaml'/);
  });

  it('wires resources that the render really produces', () => {
    const names = [...tiltfile.matchAll(/k8s_resource\('([^']+)'[,)]/g)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(4);
    const concat = [...tiltfile.matchAll(/k8s_resource\('nvsentinel-' \+ app/g)].length;
    expect(concat).toBe(1);
    const workloads = (objects: KubeObject[]) =>
      new Set(
        objects
          .filter((o) => ['Deployment', 'DaemonSet', 'StatefulSet', 'Job'].includes(o.kind))
          .map((o) => o.metadata.name),
      );
    const pg = workloads(renders.postgresql);
    const mongo = workloads(renders.mongodb);
    for (const name of names) expect(pg.has(name) || mongo.has(name), `k8s_resource('${name}')`).toBe(true);
    const loop = /for app in \[([^\]]*)\]/.exec(tiltfile)![1]!;
    for (const app of [...loop.matchAll(/'([^']+)'/g)].map((m) => m[1]!)) {
      expect(pg.has(`nvsentinel-${app}`) && mongo.has(`nvsentinel-${app}`), app).toBe(true);
    }
    for (const [obj, kind] of [...tiltfile.matchAll(/'([a-z0-9-]+):(issuer|certificate)'/g)].map((m) => [
      m[1]!,
      m[2]!,
    ])) {
      const all = [...renders.postgresql, ...renders.mongodb];
      expect(
        all.some((o) => o.metadata.name === obj && o.kind.toLowerCase() === kind),
        `${kind} ${obj}`,
      ).toBe(true);
    }
  });

  it('live-updates the compiled output of existing projects into the image layout', () => {
    const workdir = parseDockerfile(readFileSync(join(WORKSPACE_ROOT, 'deploy/Dockerfile'), 'utf8'))
      .stages.at(-1)!
      .instructions.find((i) => i.keyword === 'WORKDIR')!.args;
    expect(tiltfile).toContain(`sync(d, '${workdir}/' + d)`);
    for (const lib of list('LIBS'))
      expect(existsSync(join(WORKSPACE_ROOT, 'libs', lib, 'package.json')), lib).toBe(true);
    for (const app of list('APPS'))
      expect(existsSync(join(WORKSPACE_ROOT, 'apps', app, 'package.json')), app).toBe(true);
    expect(tiltfile).toContain('--build-arg APP_OWNER=1000:1000');
    const image = renders.mongodb.find((o) => o.kind === 'DaemonSet')!;
    expect(JSON.stringify(image)).toContain('"image":"nvsentinel:dev"');
  });

  it('generates KWOK GPU nodes from the cluster-sim scenario generator', async () => {
    const { kwokNodes, KWOK_ANNOTATION } = (await import(
      /* @vite-ignore */ join(WORKSPACE_ROOT, 'deploy/tilt/kwok-nodes.mjs')
    )) as {
      kwokNodes: (o: { nodes: number; seed?: number }) => KubeObject[];
      KWOK_ANNOTATION: string;
    };
    const nodes = kwokNodes({ nodes: 3, seed: 4 });
    expect(nodes.map((n) => n.metadata.name)).toEqual(['kwok-gpu-node-0', 'kwok-gpu-node-1', 'kwok-gpu-node-2']);
    for (const node of nodes) {
      expect(await validateObject(node)).toBe('');
      expect(node.metadata.annotations?.[KWOK_ANNOTATION]).toBe('fake');
      expect(node.metadata.labels?.['nvidia.com/gpu.present']).toBe('true');
      expect((node.spec as { taints: Array<{ key: string; effect: string }> }).taints).toContainEqual({
        key: KWOK_ANNOTATION,
        value: 'fake',
        effect: 'NoSchedule',
      });
      expect(node.metadata).not.toHaveProperty('uid');
    }
    expect(kwokNodes({ nodes: 3, seed: 4 }).map((n) => (n.spec as { providerID: string }).providerID)).toEqual(
      nodes.map((n) => (n.spec as { providerID: string }).providerID),
    );
  });
});
