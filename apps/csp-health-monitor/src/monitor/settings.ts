/** Flags and environment variables of the csp-health-monitor process (upstream's flag names). */
import { defineConfigSchema, setting } from '@nvsentinel/service-kit';

export const settingsSchema = defineConfigSchema({
  configPath: setting.string({
    env: 'CONFIG_PATH',
    flag: 'config',
    aliases: ['config-path'],
    default: '/etc/config/config.toml',
    doc: 'csp-health-monitor TOML configuration (upstream format, shared with maintenance-notifier)',
  }),
});
