/**
 * janitor-provider as a service definition. Upstream configures it by environment only (CSP,
 * JANITOR_PROVIDER_PORT, TLS_*); every variable here also has a flag for local runs. The provider
 * is built in `create`, so a provider that cannot be set up (e.g. an unreadable OCI credentials
 * file) is a configuration error (exit 2), not a failure after the start.
 */
import { ConfigError, defineService } from '@nvsentinel/service-kit';
import { CspServerConfigError, UnknownProviderError } from '../providers/errors.js';
import { createProvider } from './provider-factory.js';
import { CLIENT_NAME, createCspProviderServer } from './server.js';
import { settingsSchema } from './settings.js';

const asConfigError = (err: unknown, source: string): unknown =>
  CspServerConfigError.is(err) || UnknownProviderError.is(err)
    ? new ConfigError([{ source, message: (err as Error).message }])
    : err;

export const janitorProviderService = defineService({
  name: CLIENT_NAME,
  description:
    'janitor-provider: serves CSPProviderService (reboot, terminate, readiness) over gRPC for the provider CSP names.',
  settings: settingsSchema,
  needs: { datastore: false, kube: true },
  kubeOptions: (settings) => ({ qps: settings.qps, burst: settings.burst }),
  async create({ settings, kube, logger, registry, namespace }) {
    const provider = await createProvider(settings.csp, settings, { kube, namespace, logger }).catch((err: unknown) => {
      throw asConfigError(err, 'CSP');
    });
    try {
      return createCspProviderServer({ kube, logger, registry, namespace, config: settings, provider });
    } catch (err) {
      throw asConfigError(err, 'TLS_CERT_PATH');
    }
  },
});
