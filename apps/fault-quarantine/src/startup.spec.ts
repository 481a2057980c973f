/** Start-up: rule errors fail fast and clearly; the embedded datastore works like PostgreSQL. */
import { QuarantineStatus } from '@nvsentinel/health-model';
import { createKubeClient } from '@nvsentinel/k8s';
import { createLogger } from '@nvsentinel/service-kit';
import type { DataStore } from '@nvsentinel/store-client';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH } from './config/default-config.js';
import { loadConfigFile, parseConfigText } from './config/parse-config.js';
import { createFaultQuarantine } from './service.js';
import { fatalGpuEvent } from './testing/events.js';
import { Harness } from './testing/harness.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'http://127.0.0.1:1', insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

describe('start-up', () => {
  it('an invalid rule expression fails before anything connects, naming the rule set, expression and parser error', () => {
    const config = parseConfigText(`
      [[rule-sets]]
      name = "Broken GPU rule"
        [[rule-sets.match.all]]
        kind = "HealthEvent"
        expression = "event.isFatal &&"
    `);
    const unusedStore = {} as DataStore; // never touched: compilation fails first
    const start = () =>
      createFaultQuarantine({
        dataStore: unusedStore,
        kube: createKubeClient({ kubeconfig: KUBECONFIG }),
        logger: createLogger({ name: 'test', level: 'fatal', pretty: false }),
        config,
        options: { namespace: 'nvsentinel' },
      });
    expect(start).toThrow(
      /Rule set 'Broken GPU rule' \(match\.all\[0\]\) has an invalid CEL expression `event\.isFatal &&`: \S/,
    );
  });

  it('quarantines through the embedded (PGlite) datastore', async () => {
    const h = await Harness.start({
      datastore: { provider: 'embedded', connection: { host: '', port: 0, database: 'nvsentinel' }, options: {} },
      sim: { nodes: 2 },
      config: loadConfigFile(DEFAULT_CONFIG_PATH),
      options: { circuitBreakerEnabled: false },
    });
    try {
      const [id] = await h.insert(fatalGpuEvent('gpu-node-1'));
      expect(await h.waitForStatus(id!)).toBe(QuarantineStatus.Quarantined);
      expect((await h.node('gpu-node-1')).spec?.unschedulable).toBe(true);
    } finally {
      await h.close();
    }
  });
});
