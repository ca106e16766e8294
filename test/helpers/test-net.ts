// Where each test file's network peers live: one UDP port and the loopback /24 blocks (127.a.b.*)
// its agents bind. Test files run in parallel, so two files must never share a port on the same
// block; test/helpers/test-net.test.ts checks this table, and that no test file picks a port of
// its own. Peers on 127.0.0.x use ports the kernel picks (bind to 0), so that block is free for all.

export interface TestNet {
  /** The UDP port the file's simulated or faulty agents listen on. */
  readonly port: number;
  /** The /24 blocks (first three octets) its agents bind. */
  readonly blocks: readonly string[];
}

export const TEST_NETS = {
  'e2e/garbage': { port: 16170, blocks: ['127.0.70'] },
  'e2e/garbage-fuzz': { port: 16171, blocks: ['127.0.71'] },
  'tools/simulator': { port: 16171, blocks: ['127.0.42', '127.0.43'] },
  'e2e/hostile-text': { port: 16172, blocks: ['127.0.72'] },
  'e2e/readonly': { port: 16173, blocks: ['127.0.72'] },
  'e2e/cli': { port: 16181, blocks: ['127.0.50', '127.0.51'] },
  'e2e/examples': { port: 16182, blocks: ['127.0.55'] },
  'e2e/interrupt': { port: 16183, blocks: ['127.0.56', '127.0.57', '127.0.96'] },
  'e2e/secrets': { port: 16184, blocks: ['127.0.58'] },
  'serve/exporter': { port: 16230, blocks: ['127.0.130', '127.0.131'] },
  'e2e/serve-prometheus': { port: 16233, blocks: ['127.0.132', '127.0.133'] },
  'snmp/transport': { port: 16266, blocks: ['127.0.66'] },
  'snmp/snmpv3': { port: 16267, blocks: ['127.0.67'] },
  'scan/scan-scale': { port: 16267, blocks: ['127.6.0', '127.6.1', '127.6.2', '127.6.3', '127.6.4', '127.6.5', '127.6.6', '127.6.7'] },
  'scan/scan-speed': { port: 16268, blocks: ['127.0.68', '127.0.69'] },
  'e2e/check-agents': { port: 16280, blocks: ['127.0.80'] },
  'e2e/check-agents-2': { port: 16281, blocks: ['127.0.80'] },
  'snmp/net-snmp-internals': { port: 16290, blocks: ['127.0.90'] },
  'e2e/xlsx-cli': { port: 16291, blocks: ['127.0.91'] },
  'snmp/wire-faults': { port: 16293, blocks: ['127.0.93'] },
  'scan/sweep': { port: 16295, blocks: ['127.0.94', '127.95.0'] },
} as const satisfies Record<string, TestNet>;

export type TestNetName = keyof typeof TEST_NETS;

/** The port of one file's agents. */
export function testPort(name: TestNetName): number {
  return TEST_NETS[name].port;
}
