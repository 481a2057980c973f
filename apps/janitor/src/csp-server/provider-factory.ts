/** Builds the provider CSP names, from janitor-provider's settings. */
import type { KubeClient } from '@nvsentinel/k8s';
import type { Logger } from '@nvsentinel/service-kit';
import { UnknownProviderError } from '../providers/errors.js';
import type { CspProvider } from '../providers/provider.js';
import type { RetryPolicy } from '../providers/retry.js';
import { AwsProvider, type AwsProviderOptions } from '../providers/aws/aws-provider.js';
import { GcpProvider, type GcpProviderOptions } from '../providers/gcp/gcp-provider.js';
import { SimProvider } from '../providers/sim/sim-provider.js';
import { CSP_NAMES, type CspName, type CspProviderSettings } from './settings.js';

export interface ProviderFactoryOptions {
  kube: KubeClient;
  /** janitor-provider's namespace (default namespace of generic reboot Jobs). */
  namespace: string;
  logger: Logger;
  /** Throttling retry policy of the cloud providers. */
  retry?: RetryPolicy;
  /** SDK credentials for tests (the SDK's default chain when unset). */
  aws?: Pick<AwsProviderOptions, 'credentials'>;
  /** A Google auth client for tests (Application Default Credentials when unset). */
  gcp?: Pick<GcpProviderOptions, 'authClient'>;
}

type Builder = (settings: CspProviderSettings, options: ProviderFactoryOptions) => CspProvider;

const BUILDERS: Partial<Record<CspName, Builder>> = {
  sim: (settings, { kube }) => new SimProvider({ kube, rebootDownSeconds: settings.simRebootDownSeconds }),
  aws: (settings, { retry, aws }) =>
    new AwsProvider({
      ...(settings.awsRegion ? { region: settings.awsRegion } : {}),
      ...(settings.awsEndpoint ? { endpoint: settings.awsEndpoint } : {}),
      ...(retry ? { retry } : {}),
      ...aws,
    }),
  gcp: (settings, { retry, gcp }) =>
    new GcpProvider({ ...(settings.gcpEndpoint ? { endpoint: settings.gcpEndpoint } : {}), ...(retry ? { retry } : {}), ...gcp }),
};

export function createProvider(csp: string, settings: CspProviderSettings, options: ProviderFactoryOptions): CspProvider {
  const build = BUILDERS[csp as CspName];
  if (!build) throw new UnknownProviderError(csp, CSP_NAMES.filter((name) => BUILDERS[name]).join(', '));
  return build(settings, options);
}
