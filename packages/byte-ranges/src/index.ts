export { sameBytes, viewOf } from './same-bytes.js';
