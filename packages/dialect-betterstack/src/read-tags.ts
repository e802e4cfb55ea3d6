import type { Tag } from '@pipeline/sample-model';
import { isPlainObject, keyForReason } from './value-shape.js';

const NO_TAGS: readonly Tag[] = Object.freeze([]);

/**
 * Reads `tags` into pairs, or returns the reason the record is invalid. Only own keys are read and
 * they are never assigned onto an object, so `__proto__` or `constructor` are ordinary labels.
 */
export function readTags(tags: unknown): readonly Tag[] | string {
  if (tags === undefined || tags === null) return NO_TAGS;
  if (!isPlainObject(tags)) return 'tags must be an object of string values';
  const keys = Object.keys(tags);
  const out: Tag[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = tags[key];
    switch (typeof value) {
      case 'string':
        out[i] = [key, value];
        break;
      case 'number':
      case 'boolean':
      case 'bigint':
        out[i] = [key, String(value)];
        break;
      default:
        return `tags.${keyForReason(key)} must be a string, number or boolean`;
    }
  }
  return out;
}
