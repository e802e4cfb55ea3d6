import { afterEach, describe, expect, it, vi } from 'vitest';
import { processOpenObservePayload } from './process-payload.js';
import { createOpenObserveShapes, statusBodies } from './scan-json.js';
import { context } from './test-support.js';

const cpu = (host: string, value: string, timestamp = '1700000000') =>
  `{"__name__":"cpu","__type__":"gauge","host":"${host}","value":${value},"_timestamp":${timestamp}}`;
const mem = (host: string, value: string) =>
  `{"__name__":"mem","__type__":"counter","host":"${host}","value":${value}}`;

/** A scrape's body: the same series in the same order, the values and timestamp given. */
const scrape = (values: readonly string[], timestamp = '1700000000', more: readonly string[] = []) =>
  Buffer.from(
    `[${[
      cpu('a', values[0]!, timestamp),
      cpu('b', values[1]!, timestamp),
      mem('a', values[2]!),
      cpu('c', values[3]!, timestamp),
      ...more,
    ].join(',')}]`,
  );

const statusCtx = { ...context(), statusOnly: true } as const;

/** Processes the body with the shapes and checks it against the walk without them; returns the result. */
function expectSameWithShapes(
  body: Buffer,
  shapes: ReturnType<typeof createOpenObserveShapes<never>>,
  ctx: typeof statusCtx = statusCtx,
) {
  const result = processOpenObservePayload(body, ctx, shapes);
  expect(result).toEqual(processOpenObservePayload(body, ctx));
  return result;
}

/** How many bodies were read as a body shape since the spies were set. */
const found = (get: { mock: { results: { value: unknown }[] } }) =>
  get.mock.results.filter((r) => r.value !== undefined).length;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('bodies in an order met before, read as their body shape (record-shapes BodyShapes)', () => {
  it('counts a scrape read again as the walk counts it, whatever its values and timestamp', () => {
    const shapes = createOpenObserveShapes<never>();
    const get = vi.spyOn(statusBodies, 'get');
    // New shapes, then every record predicted (the body shape learned), then read in one loop.
    const timestamps = ['1700000000', '1700000010', '1700000010.5', '1700000020000', '1700000030000000'];
    for (const [pass, timestamp] of timestamps.entries()) {
      const body = scrape([`${pass}`, `${pass}.5`, `${pass * 1000}`, `-${pass}e2`], timestamp);
      expect(expectSameWithShapes(body, shapes)).toMatchObject({
        ok: true,
        records: 4,
        streams: [
          { name: 'cpu', successful: 3, failed: 0 },
          { name: 'mem', successful: 1, failed: 0 },
        ],
      });
    }
    expect(found(get)).toBe(3);
  });

  it('walks a known body whose record fails a check, and forgets its body shape', () => {
    const shapes = createOpenObserveShapes<never>();
    const failed = vi.spyOn(statusBodies, 'failed');
    const get = vi.spyOn(statusBodies, 'get');
    // A value that is a string, one too large to be finite, a timestamp that does not resolve:
    // each after a good scrape, which learns the body shape (again), and a third read of it.
    for (const bad of [
      scrape(['1', '"2"', '3', '4']),
      scrape(['1', '2', '3', '1e400']),
      Buffer.from(`[${[cpu('a', '1'), cpu('b', '2', '-1'), mem('a', '3'), cpu('c', '4')].join(',')}]`),
    ]) {
      for (let pass = 0; pass < 3; pass++) expectSameWithShapes(scrape(['1', '2', '3', '4']), shapes);
      const result = expectSameWithShapes(bad, shapes);
      expect(result.ok && result.rejected.length).toBeGreaterThan(0);
    }
    // Each bad body was tried against the body shape, and failed.
    expect(failed).toHaveBeenCalledTimes(3);
    expect(get.mock.results.at(-1)?.value).toBeDefined();
  });

  it('refuses a known body’s type by the registry as the walk does, keeping its body shape', () => {
    const shapes = createOpenObserveShapes<never>();
    for (let pass = 0; pass < 3; pass++) expectSameWithShapes(scrape(['1', '2', '3', '4']), shapes);
    const failed = vi.spyOn(statusBodies, 'failed');
    const conflicting = { ...context({ known: { cpu: 'counter' } }), statusOnly: true } as const;
    expect(expectSameWithShapes(scrape(['1', '2', '3', '4']), shapes, conflicting)).toMatchObject({
      streams: [
        { name: 'cpu', successful: 0, failed: 3 },
        { name: 'mem', successful: 1, failed: 0 },
      ],
    });
    // A body whose first record is within a lower limit of fields and the others not: refused
    // record by record, as the walk refuses them.
    const mixed = Buffer.from(`[${[mem('a', '1'), cpu('a', '2'), cpu('b', '3')].join(',')}]`);
    for (let pass = 0; pass < 3; pass++) expectSameWithShapes(mixed, shapes);
    const limited = { ...context({ maxFields: 4 }), statusOnly: true } as const;
    expect(expectSameWithShapes(mixed, shapes, limited)).toMatchObject({
      streams: [
        { name: 'mem', successful: 1, failed: 0 },
        { name: 'cpu', successful: 0, failed: 2 },
      ],
    });
    expect(failed).not.toHaveBeenCalled();
    const get = vi.spyOn(statusBodies, 'get');
    expectSameWithShapes(scrape(['1', '2', '3', '4']), shapes);
    expect(found(get)).toBe(1);
  });

  it('learns no body with anything but commas between its records', () => {
    const shapes = createOpenObserveShapes<never>();
    const get = vi.spyOn(statusBodies, 'get');
    const records = [cpu('a', '1'), cpu('b', '2'), mem('a', '3')];
    for (const text of [
      ` [${records.join(',')}]`,
      `[${records.join(', ')}]`,
      `[${records.join(',\n')}]`,
      `[ ${records.join(',')}]`,
      `[${records.join(',')} ]`,
      `\ufeff[${records.join(',')}]\n`,
    ]) {
      for (let pass = 0; pass < 3; pass++) expectSameWithShapes(Buffer.from(text), shapes);
    }
    // Only the last, whose byte order mark and trailing newline lie outside the array: its records'
    // shapes and order were known from the bodies before, so it was learned at once and read so twice.
    expect(found(get)).toBe(2);
  });

  it('stops trying body shapes for bodies that begin alike but differ, after three', () => {
    const shapes = createOpenObserveShapes<never>();
    const failed = vi.spyOn(statusBodies, 'failed');
    const get = vi.spyOn(statusBodies, 'get');
    const values = ['1', '2', '3', '4'];
    for (let pass = 0; pass < 12; pass++) {
      // Every other body has one series more at its end.
      const body = scrape(values, '1700000000', pass % 2 === 1 ? [cpu('d', '5')] : []);
      expectSameWithShapes(body, shapes);
    }
    expect(failed).toHaveBeenCalledTimes(3);
    expect(found(get)).toBe(3);
  });
});
