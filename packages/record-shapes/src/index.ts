export {
  type HoleReader,
  matchShape,
  RecordHoles,
  type RecordShape,
  RecordShapes,
  ShapeCursor,
  ShapeWalk,
  shapeHash,
} from './record-shapes.js';
