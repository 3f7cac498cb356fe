import { EventEmitter } from 'node:events';
import { CallerGoneError } from '@aiphoto/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { Lifecycle } from './lifecycle.ts';

/** The parts of a response the lifecycle reads: whether it is gone, whether it was sent, its 'close'. */
function response(state: { destroyed: boolean; writableFinished: boolean }) {
  return Object.assign(new EventEmitter(), state);
}

const signalFor = (raw: ReturnType<typeof response>) => new Lifecycle().signalFor({ id: 'req-1' } as FastifyRequest, { raw } as unknown as FastifyReply);

describe('Lifecycle.signalFor', () => {
  it('aborts when the caller hangs up before the answer is sent', () => {
    const raw = response({ destroyed: false, writableFinished: false });
    const signal = signalFor(raw);
    expect(signal.aborted).toBe(false);
    raw.destroyed = true;
    raw.emit('close');
    expect(signal.reason).toBeInstanceOf(CallerGoneError);
  });

  it('does not abort when the connection closes after the answer was sent', () => {
    const raw = response({ destroyed: false, writableFinished: false });
    const signal = signalFor(raw);
    raw.writableFinished = true;
    raw.emit('close');
    expect(signal.aborted).toBe(false);
  });

  it('starts aborted when made after the caller already hung up (a signal is made on first use)', () => {
    const signal = signalFor(response({ destroyed: true, writableFinished: false }));
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(CallerGoneError);
  });
});
