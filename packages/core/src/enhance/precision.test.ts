import { describe, expect, it } from 'vitest';
import { cpuHasVnni, resolvePrecision } from './precision.ts';

const cpuinfo = (flags: string) => `processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse2 avx2 ${flags}\nbugs\t\t: spectre_v1\n`;

describe('int8 support', () => {
  it('is read from the CPU flags: AVX512-VNNI or AVX-VNNI', () => {
    expect(cpuHasVnni(cpuinfo('avx512f avx512_vnni'))).toBe(true);
    expect(cpuHasVnni(cpuinfo('avx_vnni'))).toBe(true);
    expect(cpuHasVnni(cpuinfo('avx512f avx512bw'))).toBe(false);
    // A flag's name inside another is not the flag.
    expect(cpuHasVnni(cpuinfo('avx512_vnni_x'))).toBe(false);
    expect(cpuHasVnni('')).toBe(false);
  });

  it('chooses int8 only with VNNI and for the model it makes faster, unless the operator says otherwise, and says why', () => {
    expect(resolvePrecision('auto', true, 'thick')).toEqual({ precision: 'int8', reason: 'the CPU has VNNI' });
    expect(resolvePrecision('auto', false, 'thick')).toEqual({ precision: 'fp32', reason: 'the CPU has no VNNI' });
    expect(resolvePrecision('auto', true, 'slim')).toEqual({ precision: 'fp32', reason: 'int8 is no faster for esrgan-slim' });
    expect(resolvePrecision('auto', true, 'medium').precision).toBe('fp32');
    expect(resolvePrecision('fp32', true, 'thick')).toEqual({ precision: 'fp32', reason: 'AIPHOTO_ENHANCE_PRECISION=fp32' });
    expect(resolvePrecision('int8', true, 'slim').precision).toBe('int8');
    expect(resolvePrecision('int8', false, 'thick')).toEqual({ precision: 'int8', reason: expect.stringContaining('no VNNI') });
  });
});
