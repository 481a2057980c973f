/** Flags and environment variables of the maintenance-notifier process (upstream's flag names). */
import { defineConfigSchema, setting } from '@nvsentinel/service-kit';

export const settingsSchema = defineConfigSchema({
  configPath: setting.string({
    env: 'CONFIG_PATH',
    flag: 'config',
    aliases: ['config-path'],
    default: '/etc/config/config.toml',
    doc: 'csp-health-monitor TOML configuration (upstream format, shared with csp-health-monitor)',
  }),
  udsPath: setting.string({
    env: 'UDS_PATH',
    flag: 'uds-path',
    default: '/run/nvsentinel/nvsentinel.sock',
    doc: 'platform-connectors gRPC unix socket the triggers are sent to',
  }),
  processingStrategy: setting.enum({
    env: 'PROCESSING_STRATEGY',
    flag: 'processing-strategy',
    values: ['EXECUTE_REMEDIATION', 'STORE_ONLY', 'STORE_AND_ANALYSE'],
    default: 'EXECUTE_REMEDIATION',
    doc: 'processingStrategy of the CSPMaintenance health events',
  }),
  sendRetries: setting.int({
    env: 'UDS_MAX_RETRIES',
    flag: 'uds-max-retries',
    min: 0,
    max: 100,
    default: 5,
    doc: 'Retries of one trigger send when platform-connectors is unavailable (upstream udsMaxRetries)',
  }),
  sendRetryDelay: setting.duration({
    env: 'UDS_RETRY_DELAY',
    flag: 'uds-retry-delay',
    default: '5s',
    minMs: 1,
    doc: 'Wait between trigger send retries (upstream udsRetryDelay)',
  }),
});
