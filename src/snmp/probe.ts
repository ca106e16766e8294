import { ArrayQueue } from '../array-queue.js';
import type { UdpTarget } from './connected-dgram.js';
import { noAnswer, SnmpRequestError } from './errors.js';
import { encodeGet, type CommunityCredentials } from './request-bytes.js';
import { socketError } from './session.js';
import type { SharedListener, SharedSocket } from './shared-dgram.js';

// Sweeps: before a unit on the shared socket gets a net-snmp session, one GET, encoded once per
// version and community, is sent to its address, and the prober waits for any datagram from that
// address and port, with the unit's timeout and tries. Only a unit that answers gets a session,
// which asks again and judges what it is told: nothing of the probe's answer is read, so a
// forged one costs a session, never a verdict. A silent address costs one small object, an
// entry in one queue and its place on the shared socket: no session, no request, no promise,
// no timer of its own. SNMPv1/v2c over IPv4 only (the caller's to check: SNMPv3 needs engine
// discovery per unit, and replies on the shared socket are matched by IPv4 source).

export interface ProbeOptions {
  /** The wait after each datagram: one value for the whole prober, so deadlines come in send order. */
  readonly timeoutMs: number;
  /** Datagrams sent in all: retries + 1. */
  readonly retries: number;
  /** The objects asked for. */
  readonly oids: readonly string[];
  /** Once aborted nothing more is sent: a probe due for another try ends as `interrupted`. */
  readonly signal?: AbortSignal;
  /** Awaited before every datagram (the scan's --rate); may reject once `signal` aborts. */
  readonly pace?: (signal?: AbortSignal) => Promise<void>;
}

/**
 * How a probe ended, told once per probe: `error` undefined when anything answered; else an
 * SnmpRequestError (`timeout` after every try, `socket`/`refused`/... from the socket,
 * `interrupted`). `sent`: the datagrams it sent.
 */
export type ProbeEnd<T> = (tag: T, sent: number, error?: SnmpRequestError) => void;

/** Distinct communities' encoded GETs kept at most; past it the cache starts again (an inventory may hold one per row). */
const MAX_ENCODINGS = 256;

const interruptedError = () => new SnmpRequestError('interrupted', 'interrupted: nothing more is sent');

/** The probes of one scan. `T`: what the caller gets back with each end (its unit). */
export class Prober<T> {
  /** Probes waiting, in the order of their deadlines (send order); ended ones are skipped. */
  private readonly queue = new ArrayQueue<Probe<T>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly encodings = new Map<string, Buffer>();
  private lastCredentials: CommunityCredentials | undefined;
  private lastEncoding: Buffer | undefined;
  private closed = false;
  private waiting = 0;
  /** One error for every silent probe: its words are the same for all. */
  private readonly silent: SnmpRequestError;

  constructor(
    private readonly shared: SharedSocket,
    private readonly o: ProbeOptions,
    private readonly onEnd: ProbeEnd<T>,
  ) {
    this.silent = new SnmpRequestError('timeout', noAnswer(o.timeoutMs, o.retries));
  }

  /** Probes waiting for an answer now. */
  get pending(): number {
    return this.waiting;
  }

  /** Starts probing one unit; `onEnd` is called once for it, never before this returns. */
  probe(target: UdpTarget, credentials: CommunityCredentials, tag: T): void {
    const p = new Probe(target.address, target.port, this.encoding(credentials), tag);
    this.waiting++;
    if (this.closed || this.o.signal?.aborted) return void queueMicrotask(() => this.end(p, interruptedError()));
    this.shared.attach(p, p);
    p.prober = this;
    this.transmit(p);
  }

  /** Ends every probe still waiting as `interrupted` and stops the timer; later probes end so at once. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const interrupted = interruptedError();
    for (const p of this.queue.drain()) this.end(p, interrupted);
  }

  /** Ends one probe (answered when `error` is undefined); only the first end counts. */
  end(p: Probe<T>, error?: SnmpRequestError): void {
    if (p.done) return;
    p.done = true;
    this.waiting--;
    if (p.prober) this.shared.detach(p, p);
    this.onEnd(p.tag, p.sent, error);
  }

  private encoding(c: CommunityCredentials): Buffer {
    // A scan hands most units the same credentials object: no key to build for them.
    if (c === this.lastCredentials) return this.lastEncoding!;
    const key = `${c.version}\0${c.community}`;
    let bytes = this.encodings.get(key);
    if (bytes === undefined) {
      if (this.encodings.size >= MAX_ENCODINGS) this.encodings.clear();
      bytes = encodeGet(c, this.o.oids);
      this.encodings.set(key, bytes);
    }
    this.lastCredentials = c;
    this.lastEncoding = bytes;
    return bytes;
  }

  /** Sends the probe's next datagram (after --rate, unless interrupted), then queues its deadline. */
  private transmit(p: Probe<T>): void {
    const pace = this.o.pace;
    if (!pace) return this.send(p);
    pace(this.o.signal).then(
      () => this.send(p),
      () => this.end(p, interruptedError()),
    );
  }

  private send(p: Probe<T>): void {
    if (p.done) return;
    if (this.closed || this.o.signal?.aborted) return this.end(p, interruptedError());
    p.sent++;
    this.shared.send(p.bytes, 0, p.bytes.length, p, (error) => {
      if (error) this.end(p, socketError(error, p.port) ?? new SnmpRequestError('socket', error.message));
    });
    // Whole milliseconds: a small integer is stored in the object itself, a fraction would take a box of its own.
    p.due = Math.ceil(performance.now()) + this.o.timeoutMs;
    this.queue.enqueue(p);
    this.timer ??= this.arm();
  }

  private arm(): NodeJS.Timeout | undefined {
    while (this.queue.peek()?.done) this.queue.dequeue();
    const first = this.queue.peek();
    if (!first) return undefined;
    return setTimeout(() => this.expire(), Math.max(1, first.due - performance.now()));
  }

  /** Probes past their deadline: another try, or the end as silent. */
  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    for (let p = this.queue.peek(); p && (p.done || p.due <= now); p = this.queue.peek()) {
      this.queue.dequeue();
      if (p.done) continue;
      if (p.sent < this.o.retries + 1) this.transmit(p);
      else this.end(p, this.silent);
    }
    this.timer ??= this.arm();
  }
}

/** One unit being probed: its place on the shared socket (as listener and as target) and in the queue. */
class Probe<T> implements SharedListener, UdpTarget {
  sent = 0;
  due = 0;
  done = false;
  /** Set once attached to the shared socket. */
  prober: Prober<T> | undefined;

  constructor(
    readonly address: string,
    readonly port: number,
    readonly bytes: Buffer,
    readonly tag: T,
  ) {}

  deliver(): void {
    this.prober?.end(this);
  }

  failed(error: Error): void {
    this.prober?.end(this, socketError(error, this.port) ?? new SnmpRequestError('socket', error.message));
  }
}
