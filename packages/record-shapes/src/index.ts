export { PendingRows, RecordHoles, type RecordShape, RecordShapes, shapeHash } from './record-shapes.js';
