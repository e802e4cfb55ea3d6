import { describe, expect, it } from 'vitest';
import { topicNames, topicSpecs } from './topics.js';

describe('topics', () => {
  it('prefix every name', () => {
    expect(topicNames('t1.')).toEqual({
      raw: 't1.metrics.raw',
      samples: 't1.metrics.samples',
      deadLetter: 't1.metrics.dead-letter',
      types: 't1.metrics.types',
    });
  });

  it('take partitions and retention from settings; the types registry is compacted and kept', () => {
    const specs = topicSpecs(topicNames(), { partitions: 12, retentionHours: 24 });
    const raw = specs.find((s) => s.topic === 'metrics.raw')!;
    expect(raw.numPartitions).toBe(12);
    expect(raw.configEntries).toContainEqual({ name: 'retention.ms', value: String(24 * 3600 * 1000) });
    expect(raw.configEntries).toContainEqual({ name: 'max.message.bytes', value: String(25 * 1024 * 1024) });
    const types = specs.find((s) => s.topic === 'metrics.types')!;
    expect(types.configEntries).toContainEqual({ name: 'cleanup.policy', value: 'compact' });
    expect(types.numPartitions).toBe(1);
  });
});
