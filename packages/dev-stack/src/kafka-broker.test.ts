import { describe, expect, it } from 'vitest';
import { brokerJavaArgs, serverProperties } from './kafka-broker.js';

/** The last value of each key, as java.util.Properties reads the file. */
function read(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.includes('=')) continue;
    out.set(line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1));
  }
  return out;
}

describe('serverProperties', () => {
  it('sizes the request and network threads to the cores, within Kafka defaults', () => {
    const threads = (cores: number) => {
      const p = read(serverProperties('/tmp/k', 9092, 9093, {}, cores));
      return [p.get('num.io.threads'), p.get('num.network.threads')];
    };
    expect(threads(1)).toEqual(['2', '2']);
    expect(threads(2)).toEqual(['2', '2']);
    expect(threads(4)).toEqual(['4', '3']);
    expect(threads(64)).toEqual(['8', '3']);
  });

  it('lets given properties override its own (the last line of a key wins)', () => {
    const text = serverProperties(
      '/tmp/k',
      9092,
      9093,
      { 'num.io.threads': '8', 'log.retention.hours': '1' },
      2,
    );
    expect(read(text).get('num.io.threads')).toBe('8');
    expect(read(text).get('log.retention.hours')).toBe('1');
    expect(text.match(/^num\.io\.threads=/gm)).toHaveLength(1);
    expect(read(text).get('listeners')).toBe('PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093');
  });
});

describe('brokerJavaArgs', () => {
  it('puts given JVM options after its own, so a repeated flag takes the given value', () => {
    const args = brokerJavaArgs('/tmp/k', 'a.jar:b.jar', '/tmp/k/server.properties', [
      '-Xmx1g',
      '-XX:TieredStopAtLevel=1',
    ]);
    const heaps = args.filter((a) => a.startsWith('-Xmx'));
    expect(heaps).toEqual(['-Xmx768m', '-Xmx1g']);
    expect(args).toContain('-XX:TieredStopAtLevel=1');
    // Options before the main class: after it they would be the broker's arguments.
    expect(args.indexOf('-XX:TieredStopAtLevel=1')).toBeLessThan(args.indexOf('kafka.Kafka'));
    expect(args.slice(-2)).toEqual(['kafka.Kafka', '/tmp/k/server.properties']);
  });

  it("keeps dev-stack's heap and collector when no options are given", () => {
    const args = brokerJavaArgs('/tmp/k', 'a.jar', '/tmp/k/server.properties', []);
    expect(args.slice(0, 4)).toEqual(['-Xms256m', '-Xmx768m', '-XX:+UseG1GC', '-Djava.awt.headless=true']);
    expect(args[args.indexOf('-cp') + 1]).toBe('a.jar');
  });
});
