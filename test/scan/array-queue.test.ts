import { describe, expect, it } from 'vitest';
import { ArrayQueue } from '../../src/array-queue.js';

// The scan's FIFO (src/array-queue.ts): order kept across the cuts of its consumed front.

describe('ArrayQueue', () => {
  it('hands items back first in, first out, and says undefined when empty', () => {
    const q = new ArrayQueue<string>();
    expect(q.peek()).toBeUndefined();
    expect(q.dequeue()).toBeUndefined();
    q.enqueue('a');
    q.enqueue('b');
    expect(q.peek()).toBe('a');
    expect(q.size).toBe(2);
    expect(q.dequeue()).toBe('a');
    q.enqueue('c');
    expect([q.dequeue(), q.dequeue(), q.dequeue()]).toEqual(['b', 'c', undefined]);
    expect(q.size).toBe(0);
  });

  it('keeps the order over many items taken while more come in (the front is cut off on the way)', () => {
    const q = new ArrayQueue<number>();
    const out: number[] = [];
    let next = 0;
    // Three in, two out: the queue grows while its front is consumed, past every cut.
    for (let round = 0; round < 5000; round++) {
      for (let k = 0; k < 3; k++) q.enqueue(next++);
      out.push(q.dequeue()!, q.dequeue()!);
    }
    expect(q.size).toBe(5000);
    for (let x = q.dequeue(); x !== undefined; x = q.dequeue()) out.push(x);
    expect(out).toEqual(Array.from({ length: 15000 }, (_, i) => i));
  });

  it('drains what is left, in order, and is empty after', () => {
    const q = new ArrayQueue<number>();
    for (let i = 0; i < 2000; i++) q.enqueue(i);
    for (let i = 0; i < 1500; i++) q.dequeue();
    expect(q.drain()).toEqual(Array.from({ length: 500 }, (_, i) => 1500 + i));
    expect(q.size).toBe(0);
    expect(q.peek()).toBeUndefined();
  });
});
