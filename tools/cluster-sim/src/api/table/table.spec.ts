import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusterSim, type ClusterSim } from '../../start-cluster-sim.js';
import { humanDuration } from './human-duration.js';

const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

interface Table {
  kind: string;
  columnDefinitions: { name: string; priority: number }[];
  rows: { cells: unknown[]; object?: { kind?: string; metadata?: { name?: string } } }[];
}

describe('Table output (kubectl get)', () => {
  let sim: ClusterSim;
  const table = async (path: string): Promise<Table> =>
    (await (await fetch(`${sim.url}${path}`, { headers: { accept: TABLE_ACCEPT } })).json()) as Table;

  beforeAll(async () => {
    sim = await startClusterSim({ nodes: 2, podsPerNode: 1, daemonSets: false, seed: 5 });
  });
  afterAll(() => sim.close());

  it('lists nodes with the columns kubectl shows, marking cordoned nodes', async () => {
    const nodes = await table('/api/v1/nodes');
    expect(nodes.kind).toBe('Table');
    expect(nodes.columnDefinitions.filter((column) => column.priority === 0).map((column) => column.name)).toEqual([
      'Name',
      'Status',
      'Roles',
      'Age',
      'Version',
    ]);
    expect(nodes.rows.map((row) => row.cells.slice(0, 3))).toEqual([
      ['gpu-node-0', 'Ready', '<none>'],
      ['gpu-node-1', 'Ready', '<none>'],
    ]);
    expect(nodes.rows[0]!.object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'gpu-node-0' } });
  });

  it('carries full objects with includeObject=Object and serves a single object as a one-row table', async () => {
    const pods = await table('/api/v1/pods?includeObject=Object');
    expect(pods.rows).toHaveLength(2);
    expect(
      pods.rows.every((row) => row.cells[1] === '1/1' && row.cells[2] === 'Running' && row.object?.kind === 'Pod'),
    ).toBe(true);
    const one = await table('/api/v1/nodes/gpu-node-0');
    expect(one.rows.map((row) => row.cells[0])).toEqual(['gpu-node-0']);
  });

  it('gives custom resources Name and Age', async () => {
    sim.state.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Cluster',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true }],
      },
    });
    sim.state.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } });
    const widgets = await table('/apis/example.com/v1/widgets');
    expect(widgets.columnDefinitions.map((column) => column.name)).toEqual(['Name', 'Age']);
    expect(widgets.rows[0]!.cells[0]).toBe('w');
  });
});

describe('humanDuration', () => {
  it('formats like kubectl', () => {
    expect(
      [
        5_000,
        150_000,
        600_000,
        4 * 3_600_000 + 60_000,
        30 * 3_600_000,
        3 * 86_400_000 + 3_600_000,
        30 * 86_400_000,
        -1_000,
      ].map(humanDuration),
    ).toEqual(['5s', '2m30s', '10m', '4h1m', '30h', '3d1h', '30d', '<invalid>']);
  });
});
