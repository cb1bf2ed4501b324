import { describe, expect, it } from 'vitest';
import { envFromFlags } from './run-script.js';

describe('envFromFlags', () => {
  it('sets the variable of each flag given, a switch as "true", and leaves the others to the environment', () => {
    const names = { config: 'ALERTING_CONFIG_FILE', dryRun: 'NOTIFIER_DRY_RUN', port: 'CONSOLE_PORT' };
    expect(envFromFlags({ config: 'routing.yml', dryRun: true }, names)).toEqual({
      ALERTING_CONFIG_FILE: 'routing.yml',
      NOTIFIER_DRY_RUN: 'true',
    });
    expect(envFromFlags({ dryRun: false, port: '' }, names)).toEqual({});
  });
});
