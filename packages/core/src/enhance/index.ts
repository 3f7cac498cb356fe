// The enhance engine on its own, for the benchmarks that measure it outside the service.
export { EnhanceEngine, TILE_OVERLAP } from './enhance-engine.ts';
export { decodeUpload, resizeLanczos } from './image-io.ts';
