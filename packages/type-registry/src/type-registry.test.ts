import { describe, expect, it } from 'vitest';
import { readRegistration, registrationMessage, TypeRegistry } from './type-registry.js';

describe('TypeRegistry', () => {
  it('keeps the first type of a stream', () => {
    const registry = new TypeRegistry();
    expect(registry.register('o', 'cpu', 'gauge')).toBe('gauge');
    expect(registry.register('o', 'cpu', 'counter')).toBe('gauge');
    expect(registry.get('o', 'cpu')).toBe('gauge');
  });

  it('keeps orgs apart', () => {
    const registry = new TypeRegistry();
    registry.register('a', 'cpu', 'gauge');
    expect(registry.forOrg('b').get('cpu')).toBeUndefined();
    expect(registry.forOrg('a').get('cpu')).toBe('gauge');
  });

  it('gives one live view per org: registrations after it was taken show through it', () => {
    const registry = new TypeRegistry();
    const view = registry.forOrg('a');
    expect(view.get('cpu')).toBeUndefined();
    registry.register('a', 'cpu', 'counter');
    registry.register('b', 'mem', 'gauge');
    expect(view.get('cpu')).toBe('counter');
    expect(view.get('mem')).toBeUndefined();
    expect(registry.forOrg('a')).toBe(view);
    expect(registry.forOrg('b').get('mem')).toBe('gauge');
  });

  it('treats __proto__ and constructor as stream names', () => {
    const registry = new TypeRegistry();
    registry.register('o', '__proto__', 'counter');
    expect(registry.get('o', '__proto__')).toBe('counter');
    expect(registry.get('o', 'constructor')).toBeUndefined();
  });
});

describe('registration messages', () => {
  it('round-trip', () => {
    const m = registrationMessage('acme', 'http_requests_total', 'counter');
    expect(readRegistration({ key: Buffer.from(m.key!), value: Buffer.from(m.value) })).toEqual({
      org: 'acme',
      stream: 'http_requests_total',
      type: 'counter',
    });
  });

  it('ignore what is not a registration', () => {
    expect(
      readRegistration({ key: Buffer.from('no-separator'), value: Buffer.from('gauge') }),
    ).toBeUndefined();
    expect(readRegistration({ key: Buffer.from('o\u0000s'), value: Buffer.from('bogus') })).toBeUndefined();
    expect(readRegistration({ key: null, value: null })).toBeUndefined();
  });
});
