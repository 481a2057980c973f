import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { formatChildLogLine } from './child-log.js';
import { describeNodeChange } from './cluster-progress.js';
import type { ProgressLine } from './progress-line.js';

function node(
  spec: Partial<V1Node['spec']> = {},
  labels: Record<string, string> = {},
  conditions: Array<{ type: string; status: string }> = [],
): V1Node {
  return { metadata: { name: 'gpu-node-3', labels }, spec, status: { conditions } };
}

function changes(before: V1Node, after: V1Node): string[] {
  const lines: ProgressLine[] = [];
  describeNodeChange(before, after, (line) => lines.push(line));
  return lines.map((l) => l.text);
}

describe('node progress lines', () => {
  it('reports cordon, state label, taints and a condition turning True', () => {
    const after = node(
      { unschedulable: true, taints: [{ key: 'nvidia.com/gpu-xid', value: '79', effect: 'NoSchedule' }] },
      { 'dgxc.nvidia.com/nvsentinel-state': 'quarantined' },
      [{ type: 'SysLogsXIDError', status: 'True' }],
    );
    expect(changes(node(), after)).toEqual([
      'cordoned',
      'dgxc.nvidia.com/nvsentinel-state: (none) → quarantined',
      'taint added nvidia.com/gpu-xid=79:NoSchedule',
      'condition SysLogsXIDError=True',
    ]);
  });

  it('reports the way back, and nothing for an unchanged node', () => {
    const quarantined = node({ unschedulable: true }, { 'dgxc.nvidia.com/nvsentinel-state': 'drain-succeeded' }, [
      { type: 'SysLogsXIDError', status: 'True' },
    ]);
    expect(changes(quarantined, node({}, {}, [{ type: 'SysLogsXIDError', status: 'False' }]))).toEqual([
      'uncordoned',
      'dgxc.nvidia.com/nvsentinel-state: drain-succeeded → (none)',
      'condition SysLogsXIDError=False',
    ]);
    expect(changes(quarantined, quarantined)).toEqual([]);
  });
});

describe('service log lines', () => {
  it('turns pino JSON into one readable line and leaves other text alone', () => {
    const json = JSON.stringify({
      level: 40,
      time: 1,
      pid: 7,
      hostname: 'h',
      module: 'fq',
      msg: 'node updated',
      node: 'gpu-node-3',
      effects: { cordoned: true },
    });
    expect(formatChildLogLine('fault-quarantine', json)).toBe(
      '[fault-quarantine] WARN node updated  node=gpu-node-3 effects={"cordoned":true}',
    );
    expect(formatChildLogLine('node-drainer', 'plain text')).toBe('[node-drainer] plain text');
  });
});
