import { ProviderIdInvalidError } from '../errors.js';

const OCI_PROVIDER_ID_FORMAT = 'an instance OCID, e.g. ocid1.instance.oc1.phx.anyhqljt… (optionally prefixed oci://)';

/** OKE writes the instance OCID itself as providerID (some installers prefix `oci://`). */
export function parseOciProviderId(node: string, providerId: string): string {
  const ocid = providerId.replace(/^oci:\/\//, '');
  if (!/^ocid1\.instance\.[a-z0-9-]+\.[a-z0-9-]*\.[a-z0-9]+$/.test(ocid)) {
    throw new ProviderIdInvalidError(node, providerId, 'oci', OCI_PROVIDER_ID_FORMAT);
  }
  return ocid;
}
