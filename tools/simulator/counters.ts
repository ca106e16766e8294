// What one simulated unit saw: requests by PDU type, rejections, answers, and how many
// requests it was holding at once. Tests use it to prove "one GET per unit", "never a SET".

import type { PeekedMessage, RequestPduName } from './pdu-peek.js';

export interface UnitCounters {
  /** SNMP request PDUs received (any community, answered or not). */
  readonly requests: number;
  readonly byType: Readonly<Record<RequestPduName, number>>;
  /** Requests carrying a community the unit does not accept (never answered; a silent unit accepts none). */
  readonly rejected: number;
  /** Datagrams that were not a v1/v2c request: garbage, v3, traps, responses. */
  readonly other: number;
  /** Responses the agent sent. */
  readonly responses: number;
  /** Most requests received and not yet answered at the same time (needs latencyMs > 0 to exceed 1). */
  readonly peakInFlight: number;
}

/** Requests held by all the units of a fleet at once: bounds a client's concurrency from the wire side. */
export class FleetGauge {
  inFlight = 0;
  peak = 0;

  add(delta: 1 | -1): void {
    this.inFlight = Math.max(0, this.inFlight + delta);
    this.peak = Math.max(this.peak, this.inFlight);
  }

  /** The peak restarts from what is in flight now. */
  reset(): void {
    this.peak = this.inFlight;
  }
}

export class CounterState {
  private readonly byType: Record<RequestPduName, number> = { GetRequest: 0, GetNextRequest: 0, GetBulkRequest: 0, SetRequest: 0 };
  private requests = 0;
  private rejected = 0;
  private other = 0;
  private responses = 0;
  private inFlight = 0;
  private peakInFlight = 0;

  constructor(private readonly fleet?: FleetGauge) {}

  /** Counts a datagram; returns true when the agent will answer it (the caller then awaits `answered`). */
  received(message: PeekedMessage | undefined, accepts: string | undefined): boolean {
    if (!message?.pdu) {
      this.other++;
      return false;
    }
    this.requests++;
    this.byType[message.pdu]++;
    if (accepts === undefined || message.community !== accepts) {
      this.rejected++;
      return false;
    }
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    this.fleet?.add(1);
    return true;
  }

  /** The agent finished a request: it answered (`responded`) or dropped it after all. */
  settled(responded: boolean): void {
    if (responded) this.responses++;
    // Clamped: a datagram the peek accepted but net-snmp could not parse settles without a request.
    if (this.inFlight > 0) this.fleet?.add(-1);
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  snapshot(): UnitCounters {
    return {
      requests: this.requests,
      byType: { ...this.byType },
      rejected: this.rejected,
      other: this.other,
      responses: this.responses,
      peakInFlight: this.peakInFlight,
    };
  }

  reset(): void {
    for (const k of Object.keys(this.byType) as RequestPduName[]) this.byType[k] = 0;
    this.requests = this.rejected = this.other = this.responses = this.peakInFlight = 0;
    // In-flight requests are still real; only the peak restarts from them.
    this.peakInFlight = this.inFlight;
  }
}

/** Sum of several units' counters (peak = highest single unit). */
export function sumCounters(all: Iterable<UnitCounters>): UnitCounters {
  const total = { requests: 0, rejected: 0, other: 0, responses: 0, peakInFlight: 0 };
  const byType: Record<RequestPduName, number> = { GetRequest: 0, GetNextRequest: 0, GetBulkRequest: 0, SetRequest: 0 };
  for (const c of all) {
    total.requests += c.requests;
    total.rejected += c.rejected;
    total.other += c.other;
    total.responses += c.responses;
    total.peakInFlight = Math.max(total.peakInFlight, c.peakInFlight);
    for (const k of Object.keys(byType) as RequestPduName[]) byType[k] += c.byType[k];
  }
  return { ...total, byType };
}
