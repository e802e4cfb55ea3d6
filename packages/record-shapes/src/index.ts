export { RecordHoles, type RecordShape, RecordShapes, ShapeWalk, shapeHash } from './record-shapes.js';
