/**
 * Builds the provider CSP names, from janitor-provider's settings. Each provider's SDK is loaded
 * only when that provider is chosen (the cloud SDKs together take seconds to import).
 */
import type { Agent } from 'node:http';
import type { AwsProviderOptions } from '../providers/aws/aws-provider.js';
import type { TokenCredential } from '@azure/core-auth';
import type { KubeClient } from '@nvsentinel/k8s';
import type { Logger } from '@nvsentinel/service-kit';
import type { AuthClient } from 'google-auth-library';
import { UnknownProviderError } from '../providers/errors.js';
import type { CspProvider } from '../providers/provider.js';
import type { RetryPolicy } from '../providers/retry.js';
import type { OciAuthProvider } from '../providers/oci/oci-provider.js';
import { CSP_NAMES, type CspName, type CspProviderSettings } from './settings.js';

export interface ProviderFactoryOptions {
  kube: KubeClient;
  /** janitor-provider's namespace (default namespace of generic reboot Jobs). */
  namespace: string;
  logger: Logger;
  /** Throttling retry policy of the cloud providers. */
  retry?: RetryPolicy;
  /** Static AWS credentials (tests); the SDK's default chain (IRSA, instance profile) when unset. */
  awsCredentials?: AwsProviderOptions['credentials'];
  /** A Google auth client (tests); Application Default Credentials (Workload Identity) when unset. */
  gcpAuthClient?: AuthClient;
  /** An Azure credential (tests); DefaultAzureCredential (workload / managed identity) when unset. */
  azureCredential?: TokenCredential;
  /** HTTP agent for ARM (tests trusting a local CA). */
  azureAgent?: Agent;
  /** An OCI authentication provider (tests); OCI_CREDENTIALS_FILE or instance principals when unset. */
  ociAuth?: OciAuthProvider;
}

type Builder = (settings: CspProviderSettings, options: ProviderFactoryOptions) => Promise<CspProvider>;

const retryOf = (options: ProviderFactoryOptions) => (options.retry ? { retry: options.retry } : {});

const BUILDERS: Record<CspName, Builder> = {
  sim: async (settings, { kube }) => {
    const { SimProvider } = await import('../providers/sim/sim-provider.js');
    return new SimProvider({ kube, rebootDownSeconds: settings.simRebootDownSeconds });
  },
  kind: async (settings, options) => rebootJobProvider('kind', settings, options),
  generic: async (settings, options) => rebootJobProvider('generic', settings, options),
  aws: async (settings, options) => {
    const { AwsProvider } = await import('../providers/aws/aws-provider.js');
    return new AwsProvider({
      ...(settings.awsRegion ? { region: settings.awsRegion } : {}),
      ...(settings.awsEndpoint ? { endpoint: settings.awsEndpoint } : {}),
      ...(options.awsCredentials ? { credentials: options.awsCredentials } : {}),
      ...retryOf(options),
    });
  },
  gcp: async (settings, options) => {
    const { GcpProvider } = await import('../providers/gcp/gcp-provider.js');
    return new GcpProvider({
      ...(settings.gcpEndpoint ? { endpoint: settings.gcpEndpoint } : {}),
      ...(options.gcpAuthClient ? { authClient: options.gcpAuthClient } : {}),
      ...retryOf(options),
    });
  },
  azure: async (settings, options) => {
    const { AzureProvider } = await import('../providers/azure/azure-provider.js');
    const credential = options.azureCredential ?? new (await import('@azure/identity')).DefaultAzureCredential();
    return new AzureProvider({
      credential,
      ...(settings.azureEndpoint ? { endpoint: settings.azureEndpoint } : {}),
      ...(options.azureAgent ? { agent: options.azureAgent } : {}),
      ...retryOf(options),
    });
  },
  oci: async (settings, options) => {
    const { OciProvider, defaultOciAuth } = await import('../providers/oci/oci-provider.js');
    return new OciProvider({
      auth: options.ociAuth ?? (await defaultOciAuth(settings.ociCredentialsFile, settings.ociProfile)),
      ...(settings.ociRegion ? { region: settings.ociRegion } : {}),
      ...(settings.ociEndpoint ? { endpoint: settings.ociEndpoint } : {}),
      hardReset: settings.ociHardReset,
      ...retryOf(options),
    });
  },
};

async function rebootJobProvider(
  flavour: 'kind' | 'generic',
  settings: CspProviderSettings,
  options: ProviderFactoryOptions,
): Promise<CspProvider> {
  const { RebootJobProvider } = await import('../providers/generic/reboot-job-provider.js');
  const pullSecrets = (settings.genericRebootImagePullSecrets ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return new RebootJobProvider({
    name: flavour,
    kube: options.kube,
    namespace: settings.genericRebootJobNamespace ?? options.namespace,
    image: settings.genericRebootImage,
    imagePullSecrets: pullSecrets,
    useSysrq: settings.genericRebootUseSysrq,
    jobTtlSeconds: settings.genericRebootJobTtl,
  });
}

export async function createProvider(
  csp: string,
  settings: CspProviderSettings,
  options: ProviderFactoryOptions,
): Promise<CspProvider> {
  const build = BUILDERS[csp as CspName];
  if (!build) throw new UnknownProviderError(csp, CSP_NAMES.join(', '));
  return build(settings, options);
}
