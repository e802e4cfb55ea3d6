import type { Tag } from '@pipeline/sample-model';
import { formatLabelKey } from './names.js';

/**
 * Longest label key after flattening, as in Loki and Mimir (1024). Flattening repeats a parent's
 * key in every child's key, so without a bound a small body of long, deeply nested keys would
 * expand into gigabytes of tags. It also bounds the recursion: each level adds at least '_'.
 */
export const MAX_LABEL_KEY_LENGTH = 1024;

export const KEY_TOO_LONG = -1;
export const NOT_ENCODABLE = -2;

/**
 * Adds the labels of one field to `tags` and returns how many fields it counts as after
 * flattening (a null counts: it was sent), or KEY_TOO_LONG / NOT_ENCODABLE.
 * Without `tags` it only checks and counts, exactly as it would with them.
 * `key` is already formatted. Only own keys are read, so `__proto__` is plain data.
 */
export function collectLabel(tags: Tag[] | undefined, key: string, value: unknown): number {
  if (key.length > MAX_LABEL_KEY_LENGTH) return KEY_TOO_LONG;
  switch (typeof value) {
    case 'string':
      tags?.push([key, value]);
      return 1;
    case 'number':
    case 'boolean':
      tags?.push([key, String(value)]);
      return 1;
    case 'object': {
      if (value === null) return 1;
      if (Array.isArray(value)) {
        const text = arrayText(value);
        if (text === undefined) return NOT_ENCODABLE;
        tags?.push([key, text]);
        return 1;
      }
      const child = value as Record<string, unknown>;
      let fields = 0;
      for (const childKey of Object.keys(child)) {
        const counted = collectLabel(tags, `${key}_${formatLabelKey(childKey)}`, child[childKey]);
        if (counted < 0) return counted;
        fields += counted;
      }
      return fields;
    }
    default:
      // JSON has no other kinds; anything else is not a label.
      return 0;
  }
}

/** JSON.stringify throws RangeError on arrays nested deeper than the stack allows. */
function arrayText(value: unknown[]): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
