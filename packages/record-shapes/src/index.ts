export {
  type BodyReader,
  type BodyShape,
  BodyShapes,
  joinShapes,
  matchBody,
  type ShapeRun,
} from './body-shapes.js';
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
