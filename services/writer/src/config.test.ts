import { ConfigError } from '@pipeline/config';
import { describe, expect, it } from 'vitest';
import { loadWriterConfig } from './config.js';

describe('RETENTION_DAYS', () => {
  it('keeps everything by default (0)', () => {
    expect(loadWriterConfig({}).retentionDays).toBe(0);
    expect(loadWriterConfig({ RETENTION_DAYS: '' }).retentionDays).toBe(0);
  });

  it('takes a whole number of days', () => {
    expect(loadWriterConfig({ RETENTION_DAYS: '30' }).retentionDays).toBe(30);
    expect(loadWriterConfig({ RETENTION_DAYS: '30' }).variables.has('RETENTION_DAYS')).toBe(true);
  });

  it.each(['-1', '1.5', 'week', '99999'])('refuses %j, naming the variable', (value) => {
    expect(() => loadWriterConfig({ RETENTION_DAYS: value })).toThrow(ConfigError);
    expect(() => loadWriterConfig({ RETENTION_DAYS: value })).toThrow(/RETENTION_DAYS/);
  });
});
