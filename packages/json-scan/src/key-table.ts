import { asciiBytes, bytesEqual } from './json-scanner.js';

/**
 * A fixed set of ASCII keys, looked up by a key's bytes where they lie: one call per member finds
 * which key it is, instead of one comparison call per candidate. Keys are bucketed by length, so a
 * key of another length costs one array load.
 */
export class KeyTable {
  readonly keys: readonly string[];
  readonly #byLength: (readonly Uint8Array[] | undefined)[] = [];
  readonly #indexByLength: (readonly number[] | undefined)[] = [];

  constructor(keys: readonly string[]) {
    this.keys = keys;
    keys.forEach((key, index) => {
      const bytes = asciiBytes(key);
      const bucket = (this.#byLength[bytes.length] ?? []) as Uint8Array[];
      const indexes = (this.#indexByLength[bytes.length] ?? []) as number[];
      bucket.push(bytes);
      indexes.push(index);
      this.#byLength[bytes.length] = bucket;
      this.#indexByLength[bytes.length] = indexes;
    });
  }

  /** The index in `keys` of the key spelled by bytes[start, end), or -1. */
  indexOf(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const bucket = this.#byLength[length];
    const indexes = this.#indexByLength[length];
    if (bucket === undefined || indexes === undefined) return -1;
    for (let i = 0; i < bucket.length; i++) if (bytesEqual(bytes, start, end, bucket[i]!)) return indexes[i]!;
    return -1;
  }
}
