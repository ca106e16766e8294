import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { demoFleet, type SimUnit } from '../../tools/simulator/fleet.js';
import { startFleet, type RunningFleet } from '../../tools/simulator/server.js';
import { ALL_SIM_V3_USERS, SIM_V3_USERS } from '../../tools/simulator/v3-users.js';
import { captureIo } from '../helpers/capture-io.js';
import { BIN_NOTE } from '../helpers/built-bin.js';
import { testPort } from '../helpers/test-net.js';

// Secrets never leak: every output of every kind of run (each format, to stdout and to files,
// --verbose, errors of every sort, check, list-targets) is searched for every secret in use.

const PORT = testPort('e2e/secrets');
const COMMUNITY = 'c0mmunity-S3CRET-dc1';
const INLINE = 'inline-S3CRET-legacy';
const WRONG_COMMUNITY = 'wr0ng-S3CRET-community';
const V3 = SIM_V3_USERS.aes;
const WRONG_AUTH = 'wr0ng-S3CRET-auth-key';
const SECRETS = [COMMUNITY, INLINE, WRONG_COMMUNITY, V3.authKey, V3.privKey, WRONG_AUTH];

let fleet: RunningFleet;
let units: SimUnit[];
let dir: string;
const hostPort = (u: SimUnit) => `${u.host}:${u.port}`;

beforeAll(async () => {
  // The demo fleet, every agent accepting our community and the v3 test users.
  units = demoFleet({ baseAddress: '127.0.58.1', port: PORT, community: COMMUNITY }).map((u) =>
    u.behaviour === 'agent' ? { ...u, v3: { users: ALL_SIM_V3_USERS } } : u,
  );
  fleet = await startFleet(units);
  dir = mkdtempSync(join(tmpdir(), 'ats-audit-secrets-'));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      defaultProfile: 'dc1',
      profiles: {
        dc1: { version: '2c', communityEnv: 'DC1_COMMUNITY' },
        legacy: { version: '1', community: INLINE },
        secure: { version: '3', level: 'authPriv', user: V3.user, authProtocol: V3.authProtocol, authKeyEnv: 'V3_AUTH', privProtocol: V3.privProtocol, privKeyFile: 'v3.priv' },
        broken: { version: '3', level: 'authPriv', user: V3.user, authProtocol: V3.authProtocol, authKeyEnv: 'V3_WRONG', privProtocol: V3.privProtocol, privKeyFile: 'v3.priv' },
      },
    }),
  );
  chmodSync(config, 0o600);
  writeFileSync(join(dir, 'v3.priv'), `${V3.privKey}\n`);
  chmodSync(join(dir, 'v3.priv'), 0o600);
  const rows = units.map((u, i) => `${u.host},${u.port},${['', 'legacy', 'secure', 'broken'][i % 4]},${i === 5 ? WRONG_COMMUNITY : ''}`);
  writeFileSync(join(dir, 'fleet.csv'), `host,port,profile,community\n${rows.join('\n')}\n127.0.58.250,${PORT},nosuch,\nbad host!,,,\n`);
});
afterAll(async () => fleet?.stop());

const env = () => ({ DC1_COMMUNITY: COMMUNITY, V3_AUTH: V3.authKey, V3_WRONG: WRONG_AUTH });
const FAST = ['--timeout', '400', '--retries', '0'];

function expectNoSecret(text: string, where: string) {
  for (const s of SECRETS) expect(text.includes(s), `${where} contains a secret`).toBe(false);
}

describe('secrets never appear in any output', () => {
  it('scan: every format, stdout and files, --verbose, bad rows and failing units', async () => {
    const base = ['-i', join(dir, 'fleet.csv'), '--config', join(dir, 'config.json'), ...FAST];
    let audited = 0;
    for (const format of ['table', 'csv', 'json', 'ndjson', 'prometheus', 'html']) {
      for (const extra of [[], ['--verbose'], ['-o', join(dir, `report.${format}`)]]) {
        const cap = captureIo({ env: env(), tty: format === 'table' });
        await main([...base, '-f', format, ...extra], cap.io);
        expectNoSecret(cap.stdout(), `${format} ${extra.join(' ')} stdout`);
        expectNoSecret(cap.stderr(), `${format} ${extra.join(' ')} stderr`);
        audited++;
      }
    }
    for (const f of readdirSync(dir).filter((x) => x.startsWith('report.'))) expectNoSecret(readFileSync(join(dir, f), 'utf8'), f);
    expect(audited).toBe(18);
    // The run really used the secrets: units behind every profile were audited.
    const csv = readFileSync(join(dir, 'report.csv'), 'utf8');
    expect(csv).toMatch(/^"127\.0\.58\.1",.*AP7722A/m); // default profile (community from the environment)
    expect(csv).toMatch(/^"127\.0\.58\.3",.*AP7750A/m); // SNMPv3 authPriv profile
    expect(csv).toMatch(/SNMPv3: authentication failed or wrong key/);
    expect(csv).toMatch(/unknown profile ""nosuch""/); // CSV doubles the quotes
  });

  it('errors about credentials and config name the variable or file, never the value', async () => {
    const cases: string[][] = [
      ['--config', join(dir, 'config.json'), '--profile', 'nosuch'],
      ['--community', COMMUNITY, '--community-file', join(dir, 'missing')],
      ['--community', ''],
    ];
    for (const args of cases) {
      const cap = captureIo({ env: {} });
      expect(await main([hostPort(units[0]!), ...FAST, ...args], cap.io)).toBe(2);
      expectNoSecret(cap.stdout() + cap.stderr(), args.join(' '));
    }
    // A config file readable by others, holding an inline secret, is refused.
    const open = join(dir, 'open.json');
    writeFileSync(open, JSON.stringify({ profiles: { x: { version: '2c', community: INLINE } } }));
    chmodSync(open, 0o644);
    const cap = captureIo({ env: {} });
    expect(await main([hostPort(units[0]!), '--config', open], cap.io)).toBe(2);
    expect(cap.stderr()).toMatch(/readable by other users \(mode 0644\).*chmod 600/);
    expectNoSecret(cap.stderr(), 'open config');
  });

  it('check and --list-targets', async () => {
    for (const args of [
      ['check', hostPort(units[0]!), '--config', join(dir, 'config.json'), '--profile', 'secure', ...FAST],
      ['check', hostPort(units[0]!), '--config', join(dir, 'config.json'), '--profile', 'broken', ...FAST],
      ['-i', join(dir, 'fleet.csv'), '--config', join(dir, 'config.json'), '--list-targets', '--verbose'],
    ]) {
      const cap = captureIo({ env: env() });
      await main(args, cap.io);
      expectNoSecret(cap.stdout() + cap.stderr(), args.join(' '));
    }
  });

  const bin = join(process.cwd(), 'dist', 'bin', 'ats-audit.js');
  it.skipIf(!existsSync(bin))(`a community typed on the command line is gone from the process list while it runs${BIN_NOTE}`, async () => {
    const silent = units.find((u) => u.behaviour === 'silent')!;
    const child = spawn(process.execPath, [bin, hostPort(silent), '--community', WRONG_COMMUNITY, '--timeout', '4000', '--retries', '0', '-q'], {
      stdio: 'ignore',
    });
    const cmdline = await cmdlineWhileRunning(child.pid!, WRONG_COMMUNITY);
    const ps = await promisify(execFile)('ps', ['-o', 'args=', '-p', String(child.pid)]).then((r) => r.stdout, () => '');
    child.kill('SIGKILL');
    expect(cmdline).not.toContain(WRONG_COMMUNITY);
    expect(ps).not.toContain(WRONG_COMMUNITY);
  });

  /**
   * /proc/PID/cmdline once the secret is gone from it (or after 3 s), while the process still
   * runs. With `started`, only once the process shows that text: a child just forked still
   * shows its parent's command line, or nothing while it execs.
   */
  async function cmdlineWhileRunning(pid: number, secret: string, started?: string): Promise<string> {
    let text = '';
    for (let i = 0; i < 60; i++) {
      text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (text !== '' && !text.includes(secret) && (started === undefined || text.includes(started))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // Read again: the process must still be there (its cmdline readable and not empty).
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toBe('');
    return text;
  }

  it.skipIf(!existsSync(bin))('every spelling the parser accepts is masked in /proc/PID/cmdline for the whole run', async () => {
    const silent = units.find((u) => u.behaviour === 'silent')!;
    const spellings: Array<[args: string[], shown: string]> = [
      [['--community', WRONG_COMMUNITY], '--community ***'],
      [[`--community=${WRONG_COMMUNITY}`], '--community=***'],
      [['-c', WRONG_COMMUNITY], '-c ***'],
      [[`-c=${WRONG_COMMUNITY}`], '-c=***'],
      [['-qc', WRONG_COMMUNITY], '-qc ***'],
      [[`-qc=${WRONG_COMMUNITY}`], '-qc=***'],
    ];
    const children = spellings.map(([args]) =>
      spawn(process.execPath, [bin, hostPort(silent), ...args, '--timeout', '4000', '--retries', '0', '-q'], { stdio: 'ignore' }),
    );
    try {
      for (const [i, [args, shown]] of spellings.entries()) {
        const cmdline = await cmdlineWhileRunning(children[i]!.pid!, WRONG_COMMUNITY);
        expect(cmdline, args.join(' ')).not.toContain(WRONG_COMMUNITY);
        expect(cmdline, args.join(' ')).toContain(shown);
      }
    } finally {
      for (const c of children) c.kill('SIGKILL');
    }
  });

  it.skipIf(!existsSync(bin))('DES profiles: neither the parent nor the child restarted with --openssl-legacy-provider shows the secret', async () => {
    const live = units.find((u) => u.behaviour === 'agent' && u.expect.verdict === 'at-risk') ?? units.find((u) => u.behaviour === 'agent')!;
    const silent = units.find((u) => u.behaviour === 'silent')!;
    const des = SIM_V3_USERS.des;
    const config = join(dir, 'des-config.json');
    writeFileSync(
      config,
      JSON.stringify({
        profiles: {
          old: { version: '3', level: 'authPriv', user: des.user, authProtocol: des.authProtocol, authKeyEnv: 'DES_AUTH', privProtocol: 'des', privKeyEnv: 'DES_PRIV' },
        },
      }),
    );
    chmodSync(config, 0o600);
    const out = join(dir, 'des-report.json');
    // The community only on the command line, in a spelling the old rewrite missed.
    const parent = spawn(
      process.execPath,
      [bin, hostPort(live), hostPort(silent), `-qc=${COMMUNITY}`, '--config', config, '--timeout', '1500', '--retries', '0', '-o', out],
      { stdio: 'ignore', env: { ...process.env, DES_AUTH: des.authKey, DES_PRIV: des.privKey } },
    );
    const exit = new Promise<number | null>((r) => parent.on('exit', (code) => r(code)));
    let childPid: number | undefined;
    for (let i = 0; i < 60 && childPid === undefined; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const kids = readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim();
      if (kids) childPid = Number(kids.split(/\s+/)[0]);
    }
    expect(childPid, 'the DES parent started a child').toBeDefined();
    const childLine = await cmdlineWhileRunning(childPid!, COMMUNITY, '--openssl-legacy-provider');
    expect(childLine).toContain('--openssl-legacy-provider');
    expect(childLine).not.toContain(COMMUNITY);
    expect(await cmdlineWhileRunning(parent.pid!, COMMUNITY)).not.toContain(COMMUNITY);
    // The child did get the real community: the live unit was audited with it.
    expect(await exit).toBe(live.expect.verdict === 'at-risk' ? 3 : 4);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { units: Array<{ host: string; verdict: string }> };
    expect(report.units.find((u) => u.host === live.host)?.verdict).toBe(live.expect.verdict);
    expectNoSecret(readFileSync(out, 'utf8'), 'DES run report');
  });
});
