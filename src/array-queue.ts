// A first-in, first-out queue on one array and a read index: the scan's deadline and waiting
// queues (scan/scan.ts, snmp/probe.ts), which hold up to a sweep's 65,536 units at once.
//
// Not yocto-queue (already installed, under p-limit): its linked list makes one node per item,
// and with it a 65,536-target sweep (1 % live, 3 alternating runs each) peaked 6–8 MB higher and
// used 2–4 % more CPU. Here an item costs one array slot; the consumed front is cut off once it
// is over half the array (and over 1,024 slots), so a long scan's array does not grow forever.

export class ArrayQueue<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  enqueue(item: T): void {
    this.items.push(item);
  }

  /** The first item, left in place; undefined when empty. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Takes the first item out; undefined when empty. */
  dequeue(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as T; // let it go now, not at the next cut
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }

  /** Empties the queue, handing back what it held, first to last. */
  drain(): T[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }
}
