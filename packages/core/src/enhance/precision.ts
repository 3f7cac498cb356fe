import fs from 'node:fs';
import type { Precision, PrecisionSetting } from '../catalog.ts';

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

function readCpuinfo(): string | undefined {
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
}

export function resolvePrecision(setting: PrecisionSetting, vnni: boolean): { precision: Precision; reason: string } {
  if (setting === 'fp32') return { precision: 'fp32', reason: 'AIPHOTO_ENHANCE_PRECISION=fp32' };
  if (setting === 'int8') return { precision: 'int8', reason: vnni ? 'AIPHOTO_ENHANCE_PRECISION=int8' : 'AIPHOTO_ENHANCE_PRECISION=int8 (no VNNI: 7-bit weights, slower than fp32 here)' };
  return vnni ? { precision: 'int8', reason: 'the CPU has VNNI' } : { precision: 'fp32', reason: 'the CPU has no VNNI' };
}
