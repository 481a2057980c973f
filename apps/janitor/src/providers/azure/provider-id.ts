import { ProviderIdInvalidError } from '../errors.js';

/** A VM or a VMSS VM, as named in the node's providerID. */
export type AzureMachineRef =
  | { kind: 'vm'; subscription: string; resourceGroup: string; vmName: string }
  | { kind: 'vmss'; subscription: string; resourceGroup: string; scaleSet: string; instanceId: string };

const AZURE_PROVIDER_ID_FORMAT =
  'azure:///subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/virtualMachines/<vm> ' +
  'or …/virtualMachineScaleSets/<vmss>/virtualMachines/<instance-id>';

const SUBSCRIPTION = String.raw`^azure:///subscriptions/([0-9a-fA-F-]{36})`;
const PREFIX = String.raw`${SUBSCRIPTION}/resourceGroups/([-\w.()]+)/providers/Microsoft\.Compute/`;
const VM = new RegExp(`${PREFIX}virtualMachines/([-\\w.]+)$`, 'i');
const VMSS = new RegExp(`${PREFIX}virtualMachineScaleSets/([-\\w.]+)/virtualMachines/(\\d+)$`, 'i');

/** Subscription, resource group and machine come from the providerID itself (no IMDS lookup). */
export function parseAzureProviderId(node: string, providerId: string): AzureMachineRef {
  const vmss = VMSS.exec(providerId);
  if (vmss)
    return { kind: 'vmss', subscription: vmss[1]!, resourceGroup: vmss[2]!, scaleSet: vmss[3]!, instanceId: vmss[4]! };
  const vm = VM.exec(providerId);
  if (vm) return { kind: 'vm', subscription: vm[1]!, resourceGroup: vm[2]!, vmName: vm[3]! };
  throw new ProviderIdInvalidError(node, providerId, 'azure', AZURE_PROVIDER_ID_FORMAT);
}

export function describeMachine(ref: AzureMachineRef): string {
  return ref.kind === 'vm'
    ? `${ref.resourceGroup}/${ref.vmName}`
    : `${ref.resourceGroup}/${ref.scaleSet}/${ref.instanceId}`;
}
