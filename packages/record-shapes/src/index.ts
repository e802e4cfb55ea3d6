export { type RecordShape, RecordShapes, shapeHash } from './record-shapes.js';
