/** `nvsentinel rules test`: a history file replayed through the shipped rules on an embedded datastore. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  healthEventsToProtoJson,
  RecommendedAction,
  sampleHealthEvent,
  type HealthEvent,
} from '@nvsentinel/health-model';
import { rulesTest } from './rules-command.js';

const T = Math.floor(Date.now() / 1000) - 7200;
const xid31 = (ts: number, gpu = 'GPU-aaaa'): HealthEvent =>
  sampleHealthEvent({
    nodeName: 'gpu-node-1',
    agent: 'syslog-health-monitor',
    checkName: 'SysLogsXIDError',
    componentClass: 'GPU',
    errorCode: ['31'],
    isFatal: false,
    isHealthy: false,
    message: 'XID 31',
    recommendedAction: RecommendedAction.NONE,
    entitiesImpacted: [
      { entityType: 'GPU', entityValue: '0' },
      { entityType: 'GPU_UUID', entityValue: gpu },
    ],
    generatedTimestamp: { seconds: ts, nanos: 0 },
  });

// Each test opens an in-memory PGlite; its WASM start-up alone takes 30 s on the shared 2-core machine.
describe('nvsentinel rules test', { timeout: 120_000 }, () => {
  let dir: string;
  const file = async (name: string, content: unknown) => {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rules-test-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('two XID 31 bursts on one GPU fire RepeatedXID31OnSameGPU on the second event, with what the pipeline returned', async () => {
    const events = await file('two-bursts.json', healthEventsToProtoJson([xid31(T), xid31(T + 1000)]));
    const out = await rulesTest({ eventsPath: events, rule: 'RepeatedXID31OnSameGPU' });
    expect(out).toMatch(/2 events replayed, 2 analysed.*1 rules/);
    expect(out).toMatch(/RepeatedXID31OnSameGPU\s+MATCH ×1\s+#2/);
    expect(out).toContain('RepeatedXID31OnSameGPU fired on event #2 (node gpu-node-1, SysLogsXIDError, error 31)');
  });

  it('one burst does not fire it; a bare array is accepted too', async () => {
    const events = await file(
      'one-burst.json',
      (healthEventsToProtoJson([xid31(T), xid31(T + 60)]) as { events: unknown[] }).events,
    );
    const out = await rulesTest({ eventsPath: events, rule: 'RepeatedXID31OnSameGPU' });
    expect(out).toMatch(/RepeatedXID31OnSameGPU\s+no match/);
    expect(out).not.toContain('fired on');
  });

  it('without --rule every enabled rule of the file runs', async () => {
    const events = await file('all.json', healthEventsToProtoJson([xid31(T), xid31(T + 1000)]));
    const out = await rulesTest({ eventsPath: events });
    expect(out).toMatch(/22 rules/);
    expect(out).toMatch(/RepeatedXID31OnSameGPU\s+MATCH/);
    expect(out).toMatch(/XID74Reg2Bit13Set\s+no match/);
  });

  it('a rules file, a rule name or an events file that is wrong is an error naming it', async () => {
    const events = await file('ok.json', healthEventsToProtoJson([xid31(T)]));
    await expect(rulesTest({ eventsPath: events, rule: 'NoSuchRule' })).rejects.toThrow(
      /NoSuchRule.*known rules: .*RepeatedXID31OnSameGPU/,
    );
    await expect(rulesTest({ eventsPath: join(dir, 'absent.json') })).rejects.toThrow(
      /--events .*absent\.json cannot be read/,
    );
    await expect(rulesTest({ eventsPath: await file('bad.json', '{not json') })).rejects.toThrow(/is not JSON/);
    await expect(rulesTest({ eventsPath: await file('nonode.json', [{ agent: 'x' }]) })).rejects.toThrow(
      /--events .*nonode\.json/,
    );
    await expect(rulesTest({ eventsPath: events, configPath: join(dir, 'none.toml') })).rejects.toThrow(/none\.toml/);
  });
});
