import yargs from 'yargs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CHECK_EXIT,
  checkOptions,
  formatDuration,
  parseDuration,
  runCheck,
  type CheckDeps,
} from '../../src/cli/commands/check.js';
import { UsageError } from '../../src/cli/io.js';
import type { PollDeps } from '../../src/poll/poll-unit.js';
import { demoFleet, type SimUnit } from '../../tools/simulator/fleet.js';
import type { AtsDescription, UnitDescription } from '../../tools/simulator/profiles.js';
import { unitVarbinds } from '../../tools/simulator/profiles.js';
import { startFleet, type RunningFleet } from '../../tools/simulator/server.js';
import { ObjectType, SnmpRequestError, type SnmpSession, type Varbind } from '../../src/snmp/session.js';
import { captureIo } from '../helpers/capture-io.js';
import { main } from '../../src/cli/main.js';
import { AP7724 as RECORDED_AP7724 } from '../fixtures/units.js';
import { startFaultFleet, tableFromDescription, v as value, type FaultFleet } from '../helpers/fault-agent.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testPort } from '../helpers/test-net.js';
import { compareOids } from '../helpers/ber.js';

// The pre-upgrade gate in-process. Most tests run against fake units whose answers change with
// a fake clock (PollDeps injection: the simulator's own varbinds, served without a socket); one
// runs against the simulator on loopback (127.0.80.0/24), swapping the unit on its address
// while `--wait` is running, as a technician pulling the secondary feed would.

const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);
const demo = demoFleet();
const template = (name: string): AtsDescription => {
  const d = demo.find((u) => u.name === name)?.description;
  if (!d || d.kind !== 'ats') throw new Error(`no ATS template ${name}`);
  return d;
};

/** AP7722A, loaded, both inputs live: at risk. */
const AT_RISK = template('ap7722a-primary-a-loaded');
/** The same unit after its secondary (B) was pulled: safe to upgrade (procedure 1). */
const B_PULLED: AtsDescription = { ...AT_RISK, sourceStatus: { A: 'ok', B: 'fail' }, inputVolts: { A: 230, B: 0 } };
const FIRST_GEN = template('ap7722-first-gen');
const COMM_LOST = template('ap7723-comm-lost');

/** A session that answers from a unit description, as the simulator's agent would. */
function fakeSession(description: UnitDescription): SnmpSession {
  const varbinds = unitVarbinds(description).sort((a, b) => compareOids(a.oid, b.oid));
  const byOid = new Map(varbinds.map((v) => [v.oid, v]));
  return {
    get: async (oids) =>
      oids.map((oid): Varbind => {
        const v = byOid.get(oid);
        return v ? { oid, type: v.type, value: v.value } : { oid, type: ObjectType.NoSuchObject!, value: null };
      }),
    next: async (from, max) => {
      const after = varbinds.filter((v) => compareOids(v.oid, from) > 0).slice(0, max);
      return after.length ? after.map((v) => ({ oid: v.oid, type: v.type, value: v.value })) : [{ oid: from, type: ObjectType.EndOfMibView!, value: null }];
    },
    close: () => {},
  };
}

interface FakeUnit {
  /** What the unit serves `ms` after the check started; undefined: it does not answer. */
  readonly at: (ms: number) => UnitDescription | undefined;
}

/** Fake units by address, a fake clock, and a sleep that moves the clock. */
function fakeWorld(units: Record<string, FakeUnit>) {
  let now = T0;
  const sleeps: number[] = [];
  let polls = 0;
  const poll: PollDeps = {
    resolve: async (host) => ({ address: host, family: 4 }),
    open: (o) => {
      polls += 1;
      const description = units[o.address]?.at(now - T0);
      if (!description) {
        const fail = async (): Promise<never> => {
          throw new SnmpRequestError('timeout', `no answer after ${o.timeoutMs} ms × ${o.retries + 1} tries`);
        };
        return { get: fail, next: fail, close: () => {} };
      }
      return fakeSession(description);
    },
  };
  const deps: CheckDeps = {
    poll,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  return { deps, sleeps, polls: () => polls };
}

const always = (d: UnitDescription | undefined): FakeUnit => ({ at: () => d });
const changesAt = (ms: number, before: UnitDescription, after: UnitDescription): FakeUnit => ({ at: (t) => (t >= ms ? after : before) });

/** Runs `check` through a yargs parser built the way main.ts registers it. */
async function check(argv: string[], deps: CheckDeps, stdin?: string) {
  const cap = captureIo(stdin === undefined ? {} : { stdin });
  let code = -1;
  try {
    await yargs(['check', ...argv])
      .command('check [hosts..]', 'Pre-upgrade gate', checkOptions, async (a) => {
        code = await runCheck(a as Record<string, unknown>, cap.io, deps);
      })
      .strict()
      .exitProcess(false)
      .fail((msg, err) => {
        throw err ?? new UsageError(msg);
      })
      .parseAsync();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    cap.io.stderr.write(`ats-audit: ${e.message}\n`);
    code = 2;
  }
  return { code, stdout: cap.stdout(), stderr: cap.stderr() };
}

describe('check: one poll', () => {
  it('a unit already running on its primary alone: READY, exit 0', async () => {
    const w = fakeWorld({ '127.0.80.1': always(B_PULLED) });
    const r = await check(['127.0.80.1'], w.deps);
    expect(r.code).toBe(CHECK_EXIT.ready);
    expect(r.stdout).toMatch(/^READY  127\.0\.80\.1:161  dc1-r01-ats  AP7722A  \[safe-to-upgrade\]: a listed package may be flashed now/);
    expect(r.stdout).toContain('  why:     AP7722A is on FA156178; secondary Source B is not live and the unit runs on primary Source A alone');
    expect(r.stdout).toContain('  first:   Keep Source B disconnected until the update has finished (bulletin procedure 1).');
    expect(r.stdout).toMatch(/\n1 unit: 1 ready \(exit 0: every unit is ready\)\n$/);
    expect(w.sleeps).toEqual([]);
  });

  it('a loaded, redundant unit without --wait: NOT NOW, what to do first, exit 3', async () => {
    const w = fakeWorld({ '127.0.80.1': always(AT_RISK) });
    const r = await check(['127.0.80.1:16161'], w.deps);
    expect(r.code).toBe(CHECK_EXIT.atRisk);
    expect(r.stdout).toMatch(/^NOT NOW  127\.0\.80\.1:16161  dc1-r01-ats  AP7722A  \[at-risk\]: do not flash a listed package now/);
    expect(r.stdout).toContain('  first:   Disconnect Source B (secondary) and run on primary Source A only (procedure 1), or remove all loads (procedure 2)');
    expect(r.stdout).toMatch(/1 unit: 1 not now \(exit 3: at least one unit is at risk\)\n$/);
    expect(w.polls()).toBe(1);
  });

  it('at risk takes precedence over everything else; unreachable and not proven give 4', async () => {
    const w = fakeWorld({ '127.0.80.1': always(AT_RISK), '127.0.80.2': always(undefined), '127.0.80.3': always(COMM_LOST) });
    expect((await check(['127.0.80.1', '127.0.80.2', '127.0.80.3'], w.deps)).code).toBe(3);
    const r = await check(['127.0.80.2', '127.0.80.3'], w.deps);
    expect(r.code).toBe(CHECK_EXIT.incomplete);
    expect(r.stdout).toMatch(/^CANNOT TELL  127\.0\.80\.2:161  \[unreachable\]: the unit did not answer/);
    expect(r.stdout).toContain('CANNOT TELL  127.0.80.3:161  dc1-r05-ats  AP7723  [unknown]: the data do not prove it safe');
  });

  it('a first-generation AP7722 is not affected: exit 0 without --package', async () => {
    const w = fakeWorld({ '127.0.80.1': always(FIRST_GEN) });
    const r = await check(['127.0.80.1'], w.deps);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^READY  127\.0\.80\.1:161  dc2-r01-ats  AP7722  \[not-affected\]: the bulletin does not apply to this unit/);
  });

  it('shows what a unit sends escaped: its sysName cannot drive the terminal', async () => {
    const w = fakeWorld({ '127.0.80.1': always({ ...B_PULLED, sysName: 'r1\u001b[2J\u001b]0;pwned\u0007' }) });
    const r = await check(['127.0.80.1'], w.deps);
    expect(r.stdout).not.toMatch(/[\u001b\u0007]/);
    expect(r.stdout).toContain('r1\\x1b[2J\\x1b]0;pwned\\x07');
  });
});

describe('check --package', () => {
  it('a listed package on a unit that is ready: exit 0, and the bulletin is named', async () => {
    const w = fakeWorld({ '127.0.80.1': always(B_PULLED) });
    const r = await check(['127.0.80.1', '--package', '/home/tech/apc_hw02_aos390_g2ats392.exe'], w.deps);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[safe-to-upgrade]: apc_hw02_aos390_g2ats392.exe may be flashed now');
    expect(r.stdout).toContain("  package: apc_hw02_aos390_g2ats392.exe is listed in FA156178: the bulletin's rules apply");
  });

  it('a listed package on an at-risk unit: exit 3', async () => {
    const w = fakeWorld({ '127.0.80.1': always(AT_RISK) });
    const r = await check(['127.0.80.1', '--package', 'apc_hw02_aos374_g2ats371.exe'], w.deps);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('[at-risk]: do not flash apc_hw02_aos374_g2ats371.exe now');
  });

  it('an unlisted package is never called safe: CANNOT TELL, exit 4, even on a unit that is ready', async () => {
    const w = fakeWorld({ '127.0.80.1': always(B_PULLED) });
    const r = await check(['127.0.80.1', '--package', 'apc_hw02_aos391_g2ats393.exe'], w.deps);
    expect(r.code).toBe(CHECK_EXIT.incomplete);
    expect(r.stdout).toMatch(/^CANNOT TELL  .*\[safe-to-upgrade\]: apc_hw02_aos391_g2ats393\.exe is outside the bulletins; this tool cannot clear it/);
    expect(r.stdout).toContain(
      "  package: apc_hw02_aos391_g2ats393.exe is not listed in any bundled bulletin (checked: FA156178): this tool cannot judge it; follow the vendor's release notes",
    );
    expect(r.stdout).not.toMatch(/may be flashed/);
    expect(r.stdout).toMatch(/\(exit 4: at least one unit could not be cleared\)\n$/);
  });

  it('a 3.x package on a first-generation AP7722: WRONG PACKAGE, exit 5', async () => {
    const w = fakeWorld({ '127.0.80.1': always(FIRST_GEN) });
    const r = await check(['127.0.80.1', '--package', 'apc_hw02_aos390_g2ats392.exe'], w.deps);
    expect(r.code).toBe(CHECK_EXIT.wrongPackage);
    expect(r.stdout).toMatch(/^WRONG PACKAGE  127\.0\.80\.1:161  dc2-r01-ats  AP7722  \[not-affected\]: do not load apc_hw02_aos390_g2ats392\.exe on this unit/);
    expect(r.stdout).toMatch(/  package: wrong firmware for this hardware: AP7722 is a first-generation Rack ATS; its card runs AOS v2\.6\.4; its card is hardware hw01/);
    expect(r.stdout).toContain('  first:   Do not load apc_hw02_aos390_g2ats392.exe on AP7722.');
    expect(r.stdout).toMatch(/\(exit 5: the package is the wrong firmware for at least one unit\)\n$/);
  });

  it('another product line package: WRONG PACKAGE, exit 5; at risk still wins', async () => {
    const w = fakeWorld({ '127.0.80.1': always(B_PULLED), '127.0.80.2': always(AT_RISK) });
    const pdu = await check(['127.0.80.1', '--package', 'apc_hw05_aos682_rpdu2g680.exe'], w.deps);
    expect(pdu.code).toBe(5);
    expect(pdu.stdout).toContain('wrong product');
    expect((await check(['127.0.80.1', '127.0.80.2', '--package', 'apc_hw05_aos682_rpdu2g680.exe'], w.deps)).code).toBe(3);
  });

  it('a name that is not an APC package is a usage error: nothing is polled', async () => {
    const w = fakeWorld({ '127.0.80.1': always(B_PULLED) });
    const r = await check(['127.0.80.1', '--package', 'firmware-latest.exe'], w.deps);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ats-audit: --package: "firmware-latest\.exe" does not look like an APC firmware package: expected a name like apc_hw02_aos390_g2ats392\.exe/);
    expect(r.stdout).toBe('');
    expect(w.polls()).toBe(0);
  });
});

describe('check --wait', () => {
  it('at risk, then the secondary is pulled: the change is printed with its time, READY once a second poll agrees, exit 0', async () => {
    const w = fakeWorld({ '127.0.80.1': changesAt(12_000, AT_RISK, B_PULLED) });
    const r = await check(['127.0.80.1', '--wait', '10m', '--interval', '5s'], w.deps);
    expect(r.code).toBe(0);
    expect(w.sleeps).toEqual([5000, 5000, 5000, 5000]);
    expect(r.stdout).toMatch(
      /^2024-05-01T10:00:00Z  waiting up to 10m for 1 unit to be ready \(polling every 5s; ready when 2 polls in a row agree; Ctrl-C stops\)\nNOT NOW  /,
    );
    expect(r.stdout).toContain(
      '2024-05-01T10:00:15Z  127.0.80.1:161  dc1-r01-ats  AP7722A: at-risk -> safe-to-upgrade (READY on 1 of 2 polls): AP7722A is on FA156178; secondary Source B is not live',
    );
    expect(r.stdout).toContain('2024-05-01T10:00:20Z  every unit is ready (after 20s, confirmed by 2 polls 5s apart)');
    // The final state is shown again, with what to keep doing.
    expect(r.stdout).toMatch(/every unit is ready \(after 20s, confirmed by 2 polls 5s apart\)\n\nREADY  127\.0\.80\.1:161/);
    expect(r.stdout).toMatch(/1 unit: 1 ready \(exit 0: every unit is ready\)\n$/);
  });

  it('only real changes are printed: a load moving from 4.2 A to 4.3 A is not news', async () => {
    const moving: FakeUnit = {
      at: (t) => (t >= 20_000 ? B_PULLED : { ...AT_RISK, output: { form: '1U', tenths: 42 + Math.floor(t / 5000) } }),
    };
    const w = fakeWorld({ '127.0.80.1': moving });
    const r = await check(['127.0.80.1', '--wait', '1m'], w.deps);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/ -> |still /g)).toEqual([' -> ']);
  });

  it('time runs out: exit 3 with the last state, and the polls stay within the wait', async () => {
    const w = fakeWorld({ '127.0.80.1': always(AT_RISK) });
    const r = await check(['127.0.80.1', '--wait', '20s', '--interval', '5s'], w.deps);
    expect(r.code).toBe(3);
    expect(w.sleeps).toEqual([5000, 5000, 5000, 5000]);
    expect(w.polls()).toBe(5);
    expect(r.stdout).toContain('2024-05-01T10:00:20Z  time is up (--wait 20s): not every unit is ready; last state:\n\nNOT NOW  127.0.80.1:161');
    expect(r.stdout).toMatch(/1 unit: 1 not now \(exit 3: at least one unit is at risk\)\n$/);
  });

  it('the last poll is cut to the time left; a unit that stops answering is reported as a change', async () => {
    const w = fakeWorld({ '127.0.80.1': { at: (t) => (t >= 10_000 ? undefined : COMM_LOST) } });
    const r = await check(['127.0.80.1', '--wait', '12s', '--interval', '5s'], w.deps);
    expect(r.code).toBe(4);
    expect(w.sleeps).toEqual([5000, 5000, 2000]);
    expect(r.stdout).toContain('2024-05-01T10:00:10Z  127.0.80.1:161: unknown -> unreachable (CANNOT TELL): no answer after');
  });

  it('stops even if the clock stands still (bounded by the number of polls the wait allows)', async () => {
    const w = fakeWorld({ '127.0.80.1': always(AT_RISK) });
    const frozen: CheckDeps = { ...w.deps, sleep: async () => {} };
    const r = await check(['127.0.80.1', '--wait', '30s', '--interval', '10s'], frozen);
    expect(r.code).toBe(3);
    expect(w.polls()).toBe(4);
  });

  it('several units: waits for the last one, printing only the ones that change', async () => {
    const w = fakeWorld({
      '127.0.80.1': always(B_PULLED),
      '127.0.80.2': changesAt(7_000, { ...AT_RISK, sysName: 'dc1-r02-ats' }, { ...B_PULLED, sysName: 'dc1-r02-ats' }),
    });
    const r = await check(['127.0.80.1', '127.0.80.2', '--wait', '1m', '--package', 'apc_hw02_aos390_g2ats392.exe'], w.deps);
    expect(r.code).toBe(0);
    const changes = r.stdout.split('\n').filter((l) => l.includes(' -> '));
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatch(/^2024-05-01T10:00:10Z  127\.0\.80\.2:161  dc1-r02-ats  AP7722A: at-risk -> safe-to-upgrade \(READY on 1 of 2 polls\)/);
    expect(r.stdout).toMatch(/2 units: 2 ready \(exit 0/);
  });
});

describe('check: bad input is refused before any packet', () => {
  const cases: Array<[argv: string[], message: RegExp]> = [
    [['127.0.80.1', '--wait', '10'], /--wait "10": expected a duration such as 90s, 10m, 1h or 1m30s \(add a unit: 10s or 10m\)/],
    [['127.0.80.1', '--wait', '10 m'], /--wait "10 m": expected a duration/],
    [['127.0.80.1', '--wait', '5m10m'], /--wait "5m10m"/],
    [['127.0.80.1', '--wait', '0s'], /--wait 0s: expected between 1s and 24h/],
    [['127.0.80.1', '--wait', '25h'], /--wait 25h: expected between 1s and 24h/],
    [['127.0.80.1', '--wait', '1m', '--interval', '500'], /--interval "500"/],
    [['127.0.80.1', '--interval', '5s'], /--interval only applies with --wait or --confirm/],
    [['127.0.80.1', '--wait', '1m', '--wait', '2m'], /--wait: give it once/],
    [['127.0.80.1', '--package', ''], /--package/],
    [['127.0.80.1', '--timeout', '0'], /--timeout "0": expected between 10ms and 10m/],
    [['127.0.80.1', '--port', '70000'], /--port "70000"/],
    [['10.0.0.300'], /argument 1: "10\.0\.0\.300"/],
    [['10.0.0.0/20'], /check: 4094 units named; at most 256/],
    [[], /check: name the unit\(s\) about to be upgraded/],
    [['127.0.80.1', '--no-such-option'], /Unknown argument/],
  ];
  for (const [argv, message] of cases) {
    it(`check ${argv.join(' ')}`, async () => {
      const w = fakeWorld({});
      const r = await check(argv, w.deps);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(w.polls()).toBe(0);
    });
  }

  it('parses and prints durations', () => {
    expect(parseDuration('90s', 'wait')).toBe(90_000);
    expect(parseDuration('10m', 'wait')).toBe(600_000);
    expect(parseDuration('1h30m', 'wait')).toBe(5_400_000);
    expect(parseDuration('2m30s', 'wait')).toBe(150_000);
    expect(() => parseDuration('1.5m', 'wait')).toThrow(UsageError);
    expect(() => parseDuration('-5s', 'wait')).toThrow(UsageError);
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(65_000)).toBe('1m5s');
    expect(formatDuration(0)).toBe('0s');
  });
});

describe('check --wait against the simulator on loopback', () => {
  const PORT = testPort('e2e/check-agents');
  let fleet: RunningFleet | undefined;
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });

  it('the unit on 127.0.80.10 is replaced by one with its secondary failed: exit 0 with the change', async () => {
    const [atRisk] = demoFleet({ baseAddress: '127.0.80.10', port: PORT }).filter((u) => u.name === 'ap7722a-primary-a-loaded');
    const unit = atRisk!;
    const pulled: SimUnit = { ...unit, name: `${unit.name}-b-pulled`, description: B_PULLED };
    fleet = await startFleet([unit]);
    let now = T0;
    let swapped = false;
    const deps: CheckDeps = {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
        if (!swapped && now - T0 >= 10_000) {
          // The technician pulls the secondary feed: same address, new answers.
          await fleet!.stop();
          fleet = await startFleet([pulled]);
          swapped = true;
        }
      },
    };
    const r = await check([`${unit.host}:${PORT}`, '--wait', '2m', '--timeout', '500', '--retries', '0'], deps);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nNOT NOW  127\.0\.80\.10:16280  dc1-r01-ats  AP7722A  \[at-risk\]/);
    expect(r.stdout).toContain('2024-05-01T10:00:10Z  127.0.80.10:16280  dc1-r01-ats  AP7722A: at-risk -> safe-to-upgrade (READY on 1 of 2 polls)');
    expect(r.stdout).toContain('every unit is ready (after 15s, confirmed by 2 polls 5s apart)');
  });
});

// ---------------------------------------------------------------------------------------
// Issue 9: a clean verdict needs agreement, and READY needs consecutive agreeing polls.

/** Loaded (4.2 A) AP7724 on primary A with both inputs live, its atsIdentModelNumber as given. */
const withModel = (model: string): AtsDescription => ({
  ...AT_RISK,
  model: 'AP7724',
  overrides: [{ oid: 'atsIdentModelNumber', type: ObjectType.OctetString!, value: model }],
});

describe('check: issue 9, identity and signals must agree', () => {
  it('"AP7724\\0" (NUL padding) is AP7724: loaded with both inputs live, NOT NOW with the listed package, exit 3', async () => {
    const w = fakeWorld({ '127.0.80.1': always(withModel('AP7724\0')) });
    const r = await check(['127.0.80.1', '--package', 'apc_hw02_aos390_g2ats392.exe'], w.deps);
    expect(r.code).toBe(CHECK_EXIT.atRisk);
    expect(r.stdout).toMatch(/^NOT NOW  127\.0\.80\.1:161  dc1-r01-ats  AP7724  \[at-risk\]/);
    expect(r.stdout).not.toContain('READY');
  });

  it('"=HYPERLINK(...)" as the model: never READY, never exit 0; CANNOT TELL with the reason, exit 4', async () => {
    const w = fakeWorld({ '127.0.80.1': always(withModel('=HYPERLINK("http://x.example/","AP7722")')) });
    const r = await check(['127.0.80.1', '--package', 'apc_hw02_aos390_g2ats392.exe'], w.deps);
    expect(r.code).toBe(CHECK_EXIT.incomplete);
    expect(r.stdout).toMatch(/^CANNOT TELL  127\.0\.80\.1:161  dc1-r01-ats  \[unknown\]/);
    expect(r.stdout).toMatch(/model cannot be trusted: atsIdentModelNumber: the model .*HYPERLINK.* looks like a spreadsheet formula/);
    expect(r.stdout).not.toMatch(/^READY/m);
  });

  it('a first-generation model beside a listed sysDescr MN: is CANNOT TELL (both named), not "the bulletin does not apply"', async () => {
    const w = fakeWorld({ '127.0.80.1': always(withModel('AP7722')) });
    const r = await check(['127.0.80.1'], w.deps);
    expect(r.code).toBe(CHECK_EXIT.incomplete);
    expect(r.stdout).toContain('model cannot be trusted: atsIdentModelNumber says "AP7722" but sysDescr MN: says "AP7724"');
  });

  it('secondary status failed but its input reads 208 V: CANNOT TELL naming both, exit 4', async () => {
    const w = fakeWorld({ '127.0.80.1': always({ ...B_PULLED, inputVolts: { A: 208, B: 208 } }) });
    const r = await check(['127.0.80.1', '--package', 'apc_hw02_aos390_g2ats392.exe'], w.deps);
    expect(r.code).toBe(CHECK_EXIT.incomplete);
    expect(r.stdout).toContain('secondary Source B status says failed, but its input reads 208 V (line voltage): the signals disagree');
  });
});

describe('check --wait --confirm: READY only after consecutive agreeing polls', () => {
  /** Ready on even 5 s slots, at risk on odd ones: a flapping unit. */
  const flapping: FakeUnit = { at: (t) => (Math.floor(t / 5000) % 2 === 0 ? B_PULLED : AT_RISK) };

  it('a unit that flaps between ready and at risk never opens the gate', async () => {
    const w = fakeWorld({ '127.0.80.1': flapping });
    const r = await check(['127.0.80.1', '--wait', '30s', '--interval', '5s'], w.deps);
    expect(r.stdout).not.toMatch(/every unit is ready \(after/);
    expect(r.stdout).toContain('time is up (--wait 30s): not every unit is ready');
    expect(r.stdout).not.toMatch(/^READY /m);
    expect(r.code).not.toBe(0);
    expect(w.polls()).toBe(7);
  });

  it('ready on the last poll only when time runs out: CANNOT TELL "not yet confirmed", exit 4', async () => {
    const w = fakeWorld({ '127.0.80.1': changesAt(20_000, AT_RISK, B_PULLED) });
    const r = await check(['127.0.80.1', '--wait', '20s', '--interval', '5s'], w.deps);
    expect(r.code).toBe(CHECK_EXIT.incomplete);
    expect(r.stdout).toMatch(/CANNOT TELL  127\.0\.80\.1:161  dc1-r01-ats  AP7722A  \[safe-to-upgrade\]: ready on 1 of 2 consecutive polls: not yet confirmed \(--confirm 2\)/);
  });

  it('polls closer than --interval do not confirm each other (the last poll cut short by the deadline)', async () => {
    const w = fakeWorld({ '127.0.80.1': changesAt(5_000, AT_RISK, B_PULLED) });
    const r = await check(['127.0.80.1', '--wait', '7s', '--interval', '5s'], w.deps);
    expect(w.sleeps).toEqual([5000, 2000]);
    expect(r.code).toBe(CHECK_EXIT.incomplete);
    expect(r.stdout).toContain('ready on 1 of 2 consecutive polls: not yet confirmed');
  });

  it('--confirm 3: three agreeing polls; --confirm 1 restores one read', async () => {
    const w3 = fakeWorld({ '127.0.80.1': always(B_PULLED) });
    const r3 = await check(['127.0.80.1', '--wait', '1m', '--confirm', '3'], w3.deps);
    expect(r3.code).toBe(0);
    expect(w3.polls()).toBe(3);
    expect(r3.stdout).toContain('every unit is ready (after 10s, confirmed by 3 polls 5s apart)');
    const w1 = fakeWorld({ '127.0.80.1': always(B_PULLED) });
    expect((await check(['127.0.80.1', '--wait', '1m', '--confirm', '1'], w1.deps)).code).toBe(0);
    expect(w1.polls()).toBe(1);
  });

  it('--confirm without --wait: that many polls --interval apart, stopping at the first that is not ready', async () => {
    const ok = fakeWorld({ '127.0.80.1': always(B_PULLED) });
    const r = await check(['127.0.80.1', '--confirm', '2', '--interval', '2s'], ok.deps);
    expect(r.code).toBe(0);
    expect(ok.sleeps).toEqual([2000]);
    const flap = fakeWorld({ '127.0.80.1': changesAt(2_000, B_PULLED, AT_RISK) });
    const f = await check(['127.0.80.1', '--confirm', '3', '--interval', '2s'], flap.deps);
    expect(f.code).toBe(CHECK_EXIT.atRisk);
    expect(flap.polls()).toBe(2);
  });

  it('refuses a wait too short to confirm, and a bad --confirm, before any packet', async () => {
    const w = fakeWorld({});
    const short = await check(['127.0.80.1', '--wait', '3s', '--interval', '5s'], w.deps);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/--wait 3s: too short to confirm: 2 polls 5s apart take 5s/);
    const bad = await check(['127.0.80.1', '--confirm', '0'], w.deps);
    expect(bad.stderr).toMatch(/--confirm 0: expected a whole number 1-10/);
    expect(w.polls()).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------
// Issue 14: check takes what scan takes.

describe('check: inventories, stdin, formats, -q, and errors that point to check --help', () => {
  const inventory = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-audit-check-'));
    const file = join(dir, 'units.csv');
    writeFileSync(file, text);
    return file;
  };

  it('-i FILE (CSV with name and site) and a host on the line: both units, in that order', async () => {
    const w = fakeWorld({ '127.0.80.1': always(B_PULLED), '127.0.80.2': always(AT_RISK) });
    const file = inventory('host,port,name,site\n127.0.80.2,,rack-2,DC1\n');
    const r = await check(['127.0.80.1', '-i', file], w.deps);
    expect(r.code).toBe(CHECK_EXIT.atRisk);
    expect(r.stdout).toMatch(/^READY  127\.0\.80\.1:161/);
    expect(r.stdout).toContain('NOT NOW  127.0.80.2:161  rack-2  AP7722A');
  });

  it('stdin (- on the command line, through main) is an inventory', async () => {
    const w = fakeWorld({ '127.0.80.1': always(B_PULLED), '127.0.80.2': always(B_PULLED) });
    const cap = captureIo({ stdin: '127.0.80.1\n127.0.80.2\n' });
    const code = await main(['check', '-'], cap.io, w.deps.poll);
    expect(cap.stderr()).toBe('');
    expect(code).toBe(0);
    expect(cap.stdout()).toMatch(/2 units: 2 ready \(exit 0/);
  });

  it('a bad inventory row stops the gate before any packet, naming the line', async () => {
    const w = fakeWorld({});
    const file = inventory('host\n127.0.80.1\n10.0.0.300\n');
    const r = await check(['-i', file], w.deps);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/units\.csv:3/);
    expect(w.polls()).toBe(0);
  });

  it('-f json: the scan report, with the gate at the head of each reason; summary on stderr; exit code unchanged', async () => {
    const w = fakeWorld({ '127.0.80.1': always(B_PULLED), '127.0.80.2': always(AT_RISK) });
    const r = await check(['127.0.80.1', '127.0.80.2', '-f', 'json', '--package', 'apc_hw02_aos390_g2ats392.exe'], w.deps);
    expect(r.code).toBe(CHECK_EXIT.atRisk);
    const report = JSON.parse(r.stdout) as { units: Array<{ host: string; verdict: string; reason: string; action: string }> };
    const byHost = new Map(report.units.map((u) => [u.host, u]));
    expect(byHost.get('127.0.80.1')?.reason).toMatch(/^READY: apc_hw02_aos390_g2ats392\.exe may be flashed now.*package: apc_hw02_aos390_g2ats392\.exe is listed in FA156178/);
    expect(byHost.get('127.0.80.2')).toMatchObject({ verdict: 'at-risk' });
    expect(byHost.get('127.0.80.2')?.reason).toMatch(/^NOT NOW: do not flash/);
    expect(r.stderr).toMatch(/2 units: 1 ready, 1 not now \(exit 3/);
  });

  it('-f csv and -f ndjson: one row per unit; -q leaves stderr empty', async () => {
    const w = fakeWorld({ '127.0.80.1': always(B_PULLED) });
    const csv = await check(['127.0.80.1', '-f', 'csv', '-q'], w.deps);
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\n')[0]).toMatch(/^"host","port","name","site","verdict","reason"/);
    expect(csv.stdout).toContain('READY: a listed package may be flashed now');
    expect(csv.stderr).toBe('');
    const nd = await check(['127.0.80.1', '-f', 'ndjson', '-q'], w.deps);
    const lines = nd.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ host: '127.0.80.1', verdict: 'safe-to-upgrade' });
  });

  it('-q with --wait in text: no header or change lines, only the final state', async () => {
    const w = fakeWorld({ '127.0.80.1': changesAt(5_000, AT_RISK, B_PULLED) });
    const r = await check(['127.0.80.1', '--wait', '1m', '-q'], w.deps);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/waiting up to| -> /);
    expect(r.stdout).toMatch(/^READY  127\.0\.80\.1:161/);
  });

  it('check --help lists the scan inputs and does not show the hosts as "[default: []]"', async () => {
    const cap = captureIo();
    expect(await main(['check', '--help'], cap.io)).toBe(0);
    expect(cap.stdout()).toMatch(/-i, --inventory/);
    expect(cap.stdout()).toMatch(/-f, --format/);
    expect(cap.stdout()).toMatch(/--confirm/);
    expect(cap.stdout()).not.toContain('[default: []]\n      --version');
    expect(cap.stdout().split('Options:')[0]).not.toContain('[default: []]');
  });

  it('errors from the parser and from check point to "ats-audit check --help"', async () => {
    for (const argv of [['check', '127.0.80.1', '--no-such-option'], ['check', '127.0.80.1', '--wait', '10'], ['check']]) {
      const cap = captureIo();
      expect(await main(argv, cap.io), argv.join(' ')).toBe(2);
      expect(cap.stderr(), argv.join(' ')).toContain('Run "ats-audit check --help" for usage.');
    }
  });
});

describe('check against the fault agent on loopback (issue 9, the seen failure)', () => {
  const PORT = testPort('e2e/check-agents-2');
  let fleet: FaultFleet | undefined;
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });

  it('a loaded AP7724 with both inputs live whose model reads "AP7724\\0" or "=HYPERLINK(...)": never READY, never exit 0', async () => {
    const table = tableFromDescription(RECORDED_AP7724);
    fleet = await startFaultFleet([
      { name: 'nul', host: '127.0.80.21', port: PORT, table, fault: { kind: 'values', label: 'NUL', values: { atsIdentModelNumber: value.str('AP7724\0') } }, seed: 1 },
      {
        name: 'formula',
        host: '127.0.80.22',
        port: PORT,
        table,
        fault: { kind: 'values', label: 'formula', values: { atsIdentModelNumber: value.str('=HYPERLINK("http://x.example/","AP7722")') } },
        seed: 2,
      },
    ]);
    for (const [host, code, gate] of [
      ['127.0.80.21', CHECK_EXIT.atRisk, 'NOT NOW'],
      ['127.0.80.22', CHECK_EXIT.incomplete, 'CANNOT TELL'],
    ] as const) {
      const cap = captureIo();
      const got = await main(['check', `${host}:${PORT}`, '--package', 'apc_hw02_aos390_g2ats392.exe', '--timeout', '1000', '--retries', '1'], cap.io);
      expect(got, cap.stdout()).toBe(code);
      expect(cap.stdout()).toMatch(new RegExp(`^${gate}  ${host.replace(/\./g, '\\.')}:${PORT}`));
      expect(cap.stdout()).not.toMatch(/^READY/m);
    }
  });
});
