export { scanElements, scanLines, startAfterBom } from './documents.js';
export {
  bytesEqual,
  isNumberStart,
  JsonScanner,
  latin1,
  MAX_DEPTH,
  rangesEqual,
  sameRange,
} from './json-scanner.js';
export { KeyTable } from './key-table.js';
