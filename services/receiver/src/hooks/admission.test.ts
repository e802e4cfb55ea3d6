import { describe, expect, it } from 'vitest';
import { BodyBudget } from './admission.js';

describe('BodyBudget', () => {
  it('admits while the bytes fit, then first come first served as bytes are given back', async () => {
    const budget = new BodyBudget(100);
    const a = await budget.acquire(60, 1000);
    const b = await budget.acquire(40, 1000);
    expect(budget.used).toBe(100);
    const order: string[] = [];
    const c = budget.acquire(50, 1000).then((release) => {
      order.push('c');
      return release;
    });
    // Small enough to fit after a's release, but behind c: it waits its turn.
    const d = budget.acquire(10, 1000).then((release) => {
      order.push('d');
      return release;
    });
    a!();
    a!(); // giving back twice gives back once
    const releaseC = await c;
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    expect(budget.used).toBe(100);
    b!();
    releaseC!();
    releaseD!();
    expect(budget.used).toBe(0);
  });

  it('gives up after the timeout, and lets the next in line through', async () => {
    const budget = new BodyBudget(100);
    const held = await budget.acquire(90, 1000);
    const late = await budget.acquire(50, 20);
    expect(late).toBeUndefined();
    const small = await budget.acquire(10, 20);
    expect(small).toBeTypeOf('function');
    held!();
    small!();
    expect(budget.used).toBe(0);
  });

  it('admits a body larger than the whole budget on its own', async () => {
    const budget = new BodyBudget(100);
    const big = await budget.acquire(500, 1000);
    expect(budget.used).toBe(100);
    big!();
    expect(budget.used).toBe(0);
  });
});
