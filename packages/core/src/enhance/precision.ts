import fs from 'node:fs';
import type { ModelSize, Precision, PrecisionSetting } from '../catalog.ts';

/**
 * Where int8 pays, measured over HTTP (bench/enhance, 512² → 2048², VNNI): the thick model
 * runs 2.7× faster; slim and medium do not (0.83× and 0.96×: their time is in the fp32
 * upsampling tail, and requantizing costs what the int8 convolutions save).
 */
const INT8_PAYS: Record<ModelSize, boolean> = { slim: false, medium: false, thick: true };

/**
 * Int8 convolution is 2.6–2.8× faster than fp32 on the thick model where the CPU has VNNI
 * (AVX512-VNNI or AVX-VNNI: one instruction multiplies and adds 8-bit pairs into 32 bits).
 * Without it onnxruntime's u8×s8 kernels fall back to 16-bit intermediate sums, which are
 * slower and saturate, so fp32 is the default there. Linux says which in /proc/cpuinfo; other
 * systems get fp32 unless the operator asks for int8.
 */
export function cpuHasVnni(cpuinfo: string | undefined = readCpuinfo()): boolean {
  const flags = /^flags\s*:(.*)$/m.exec(cpuinfo ?? '')?.[1]?.split(/\s+/) ?? [];
  return flags.includes('avx512_vnni') || flags.includes('avx_vnni');
}

let cpuinfo: string | null | undefined;
/** Read once per process: the config and every model's session ask. */
function readCpuinfo(): string | undefined {
  if (cpuinfo === undefined) {
    try {
      cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      cpuinfo = null;
    }
  }
  return cpuinfo ?? undefined;
}

export function resolvePrecision(setting: PrecisionSetting, vnni: boolean, model: ModelSize): { precision: Precision; reason: string } {
  if (setting === 'fp32') return { precision: 'fp32', reason: 'AIPHOTO_ENHANCE_PRECISION=fp32' };
  if (setting === 'int8') return { precision: 'int8', reason: vnni ? 'AIPHOTO_ENHANCE_PRECISION=int8' : 'AIPHOTO_ENHANCE_PRECISION=int8 (no VNNI: 7-bit weights, slower than fp32 here)' };
  if (!vnni) return { precision: 'fp32', reason: 'the CPU has no VNNI' };
  if (!INT8_PAYS[model]) return { precision: 'fp32', reason: `int8 is no faster for esrgan-${model}` };
  return { precision: 'int8', reason: 'the CPU has VNNI' };
}
