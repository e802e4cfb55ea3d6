export { asciiBytes, bytesEqual, JsonScanner, latin1, MAX_DEPTH } from './json-scanner.js';
