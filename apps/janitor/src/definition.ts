/**
 * janitor as a service definition: its settings, its dependencies and how an instance is made.
 * `main.ts` hands this to service-kit's `runServiceMain`; tests and the local stack start it through
 * `launchService` the same way.
 *
 * The controllers reach janitor-provider as upstream's do: through `cspProviderHost` (and the CA,
 * insecure and token keys) of config.yaml, global or per controller. `--csp-provider-host` overrides
 * the address for a local run without editing the file.
 */
import { ConfigError, defineService } from '@nvsentinel/service-kit';
import type { CspProviderSettings, JanitorConfig } from './config/janitor-config.js';
import { settingsSchema } from './config/settings.js';
import { CspProviderClient } from './csp-server/client.js';
import { JanitorConfigError } from './errors.js';
import { CLIENT_NAME, createJanitor, janitorOptionsFromSettings, loadJanitorConfig } from './service.js';

/** The controllers that call janitor-provider (GPU resets and external remediations do not). */
function providerSettings(config: JanitorConfig): CspProviderSettings[] {
  return [config.rebootNode, config.terminateNode].filter((controller) => controller.enabled);
}

const sameProvider = (a: CspProviderSettings, b: CspProviderSettings): boolean =>
  a.cspProviderHost === b.cspProviderHost &&
  a.cspProviderCAPath === b.cspProviderCAPath &&
  Boolean(a.cspProviderInsecure) === Boolean(b.cspProviderInsecure) &&
  a.cspProviderTokenPath === b.cspProviderTokenPath;

/**
 * One gRPC client for the provider the config names. Upstream's chart sets `cspProviderInsecure`
 * exactly when janitor-provider serves without TLS, so insecure without a CA means plaintext;
 * with a CA path it is TLS against that CA.
 */
function providerClient(
  config: JanitorConfig,
  configPath: string,
  hostOverride: string | undefined,
): CspProviderClient | undefined {
  const [first, ...others] = providerSettings(config);
  if (!first) return undefined;
  if (others.some((other) => !sameProvider(first, other))) {
    throw new ConfigError([
      {
        source: configPath,
        message: `${configPath}: rebootNodeController and terminateNodeController name different CSP providers; this janitor talks to one janitor-provider, set the cspProvider* keys under global only`,
      },
    ]);
  }
  const address = hostOverride ?? first.cspProviderHost;
  if (!address) {
    throw new ConfigError([
      {
        source: configPath,
        message: `${configPath}: no janitor-provider address; set global.cspProviderHost (host:port) or pass --csp-provider-host`,
      },
    ]);
  }
  const plaintext = Boolean(first.cspProviderInsecure) && first.cspProviderCAPath === undefined;
  return new CspProviderClient({
    address,
    ...(plaintext ? { plaintext: true } : {}),
    ...(first.cspProviderCAPath ? { caPath: first.cspProviderCAPath } : {}),
    ...(first.cspProviderTokenPath ? { tokenPath: first.cspProviderTokenPath } : {}),
  });
}

/** A provider for a config without reboot/terminate controllers: any call is a programming error. */
const NO_PROVIDER = {
  name: 'none',
  sendRebootSignal: () =>
    Promise.reject(new Error('no CSP provider: the reboot and terminate controllers are disabled')),
  sendTerminateSignal: () =>
    Promise.reject(new Error('no CSP provider: the reboot and terminate controllers are disabled')),
  isNodeReady: () => Promise.reject(new Error('no CSP provider: the reboot and terminate controllers are disabled')),
};

export const janitorService = defineService({
  name: CLIENT_NAME,
  description:
    'janitor: runs the maintenance CRs (RebootNode, TerminateNode, GPUReset, ExternalRemediationRequest) through janitor-provider.',
  settings: settingsSchema,
  needs: { datastore: false, kube: true },
  kubeOptions: (settings) => ({ qps: settings.qps, burst: settings.burst }),
  async create({ settings, kube, logger, registry, namespace }) {
    let config: JanitorConfig;
    try {
      config = await loadJanitorConfig(settings.configPath);
    } catch (err) {
      // A bad config file is a configuration problem like a bad flag: exit 2, the message says what to fix.
      if (JanitorConfigError.is(err)) throw new ConfigError([{ source: '--config', message: (err as Error).message }]);
      throw err;
    }
    const client = providerClient(config, settings.configPath, settings.cspProviderHost);
    const janitor = createJanitor({
      kube,
      logger,
      registry,
      namespace,
      config,
      provider: client ?? NO_PROVIDER,
      options: janitorOptionsFromSettings(settings),
    });
    return {
      start: () => janitor.start(),
      async stop() {
        await janitor.stop();
        client?.close();
      },
      get done() {
        return janitor.done;
      },
      readinessChecks: () => janitor.readinessChecks(),
    };
  },
});
