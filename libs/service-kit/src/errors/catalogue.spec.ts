import { describe, expect, it } from 'vitest';
import { NvsError } from '@nvsentinel/errors';
import { ConfigError } from './catalogue.js';

describe('service-kit catalogue', () => {
  it('lets a subclass add structured data (ConfigError)', () => {
    const err = new ConfigError([
      { source: 'A', message: "A='x': expected an integer" },
      { source: '--b', message: '--b: unknown flag' },
    ]);
    expect(err.code).toBe('NVS_ERR_CONFIG_INVALID');
    expect(err.name).toBe('ConfigError');
    expect(err.problems).toHaveLength(2);
    expect(err.message).toBe(
      "Invalid configuration (2 problems):\n  - A='x': expected an integer\n  - --b: unknown flag",
    );
    expect(ConfigError.is(err)).toBe(true);
    expect(err).toBeInstanceOf(NvsError);
  });
});
