/** Kept apart from runtimes.ts so reading the config never loads onnxruntime. */
export const RUNTIMES = ['onnx', 'tfjs'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];
