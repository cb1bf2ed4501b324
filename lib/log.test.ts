import { describe, expect, it } from 'vitest';
import { notifierEnvSchema } from '../alerting/config.js';
import { consoleSchema } from '../console/config.js';
import { sentimentConfigSchema } from '../producers/social/config.js';
import { collectorConfigSchema } from '../producers/user/config.js';
import { configSchema } from './config/config.js';
import { secretNames } from './config/env.js';
import { secretFields } from './log.js';

describe('log redaction', () => {
  it('redacts every variable a service marks secret()', () => {
    const schemas = [
      configSchema,
      consoleSchema,
      sentimentConfigSchema,
      collectorConfigSchema,
      notifierEnvSchema,
    ];
    const marked = schemas.flatMap((schema) => secretNames(schema));
    expect(marked.length).toBeGreaterThan(3);
    expect(marked.filter((name) => !secretFields.includes(name))).toEqual([]);
  });
});
