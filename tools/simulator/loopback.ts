// Loopback IPv4 addresses for simulated units. Linux routes all of 127.0.0.0/8 to `lo`,
// so any of them can be bound without setup; nothing here ever leaves that block.

function toInt(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function toAddress(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function isLoopbackV4(address: string): boolean {
  const n = toInt(address);
  return n !== undefined && Math.floor(n / 2 ** 24) === 127;
}

/**
 * `count` consecutive loopback addresses from `start`, skipping host bytes .0 and .255
 * (they look like network/broadcast addresses and confuse people reading reports).
 */
export function loopbackRange(start: string, count: number): string[] {
  const first = toInt(start);
  if (first === undefined || !isLoopbackV4(start)) throw new Error(`simulator: ${start} is not a 127.0.0.0/8 address`);
  const out: string[] = [];
  for (let n = first; out.length < count; n++) {
    const address = toAddress(n);
    if (!isLoopbackV4(address)) throw new Error(`simulator: ${count} addresses from ${start} run past 127.255.255.254`);
    const last = n % 256;
    if (last !== 0 && last !== 255) out.push(address);
  }
  return out;
}
