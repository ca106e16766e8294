import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The shell around ats-audit in examples/: the cron line and upgrade-window.sh, run by sh and
// bash with a stand-in `ats-audit` on PATH that records its arguments and writes (or does not
// write) a report, so the shell logic itself is what is tested.

const run = promisify(execFile);
const example = (f: string) => readFileSync(join(process.cwd(), 'examples', f), 'utf8');

/** A stand-in ats-audit: appends its arguments to $STUB_LOG, writes -o's file when STUB_WRITE=1, exits $STUB_EXIT. */
function stubDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ats-stub-'));
  const stub = join(dir, 'ats-audit');
  writeFileSync(
    stub,
    [
      '#!/bin/sh',
      'echo "$*" >> "$STUB_LOG"',
      'out=""; prev=""',
      'for a in "$@"; do [ "$prev" = "-o" ] && out="$a"; prev="$a"; done',
      'if [ "${STUB_WRITE:-0}" = 1 ] && [ -n "$out" ]; then echo "host,verdict" > "$out"; fi',
      'exit "${STUB_EXIT:-0}"',
      '',
    ].join('\n'),
  );
  chmodSync(stub, 0o755);
  return dir;
}

describe('examples/cron/ats-audit.cron', () => {
  const line = example('cron/ats-audit.cron')
    .split('\n')
    .find((l) => /^\d/.test(l))!;
  // Fields: five time fields, the user, then the command (cron turns \% into %; so does sh).
  const command = line.replace(/^(\S+\s+){6}/, '');

  it('archives a report only when the run wrote one', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ats-cron-'));
    for (const d of ['var', 'run', 'etc']) mkdirSync(join(root, d), { recursive: true });
    const local = command.replaceAll('/var/lib/ats-audit', join(root, 'var')).replaceAll('/run/lock', join(root, 'run')).replaceAll('/etc/ats-audit', join(root, 'etc'));
    const stubs = stubDir();
    const env = { PATH: `${stubs}:/usr/bin:/bin`, STUB_LOG: join(root, 'log') };
    const archives = () => readdirSync(join(root, 'var')).filter((f) => /^report-\d{4}-\d{2}-\d{2}\.csv$/.test(f));

    // A run that writes its report (exit 3: at risk found): report.csv and today's copy.
    const first = await run('sh', ['-c', local], { env: { ...env, STUB_WRITE: '1', STUB_EXIT: '3' } });
    expect(first.stdout).toContain('ats-audit exit 3');
    expect(readFileSync(join(root, 'var', 'report.csv'), 'utf8')).toBe('host,verdict\n');
    expect(archives()).toHaveLength(1);

    // A run that writes nothing (exit 2): no archive, yesterday's report untouched.
    for (const f of archives()) rmSync(join(root, 'var', f));
    writeFileSync(join(root, 'var', 'report.csv'), 'yesterday\n');
    const second = await run('sh', ['-c', local], { env: { ...env, STUB_WRITE: '0', STUB_EXIT: '2' } });
    expect(second.stdout).toContain('ats-audit exit 2');
    expect(archives()).toEqual([]);
    expect(readFileSync(join(root, 'var', 'report.csv'), 'utf8')).toBe('yesterday\n');
    expect(existsSync(join(root, 'var', 'report.csv.new'))).toBe(false);
  });
});

describe('examples/upgrade-window.sh', () => {
  const script = join(process.cwd(), 'examples', 'upgrade-window.sh');

  async function window(args: string[], env: Record<string, string>) {
    const stubs = stubDir();
    const log = join(stubs, 'log');
    writeFileSync(log, '');
    const r = await run('bash', [script, ...args], {
      env: { PATH: `${stubs}:/usr/bin:/bin`, HOME: stubs, STUB_LOG: log, UPGRADE_COMMAND: 'true', ...env },
    }).then(
      (x) => ({ code: 0, stdout: x.stdout, stderr: x.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    return { ...r, calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
  }

  it('passes --config and --profile to the gate and to the audit afterwards', async () => {
    const r = await window(['--config', '/etc/ats-audit/config.json', '--profile', 'secure', '10.20.1.15', 'apc_hw02_aos390_g2ats392.exe'], {});
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([
      'check 10.20.1.15 --config /etc/ats-audit/config.json --profile secure --package apc_hw02_aos390_g2ats392.exe --wait 15m --interval 10s',
      '10.20.1.15 --config /etc/ats-audit/config.json --profile secure --format table',
    ]);
  });

  it('still runs on $ATS_AUDIT_COMMUNITY alone', async () => {
    const r = await window(['10.20.1.15', 'apc_hw02_aos390_g2ats392.exe'], { ATS_AUDIT_COMMUNITY: 'public' });
    expect(r.code).toBe(0);
    expect(r.calls[0]).toBe('check 10.20.1.15 --package apc_hw02_aos390_g2ats392.exe --wait 15m --interval 10s');
  });

  it('refuses to start without any credential source, an unknown option or a missing argument (exit 2)', async () => {
    const none = await window(['10.20.1.15', 'apc_hw02_aos390_g2ats392.exe'], {});
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no credentials');
    expect(none.calls).toEqual([]);
    const unknown = await window(['--community', 'x', '10.20.1.15', 'p.exe'], { ATS_AUDIT_COMMUNITY: 'public' });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option --community');
    const missing = await window(['10.20.1.15'], { ATS_AUDIT_COMMUNITY: 'public' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('usage: upgrade-window.sh');
  });

  it('does not flash when the gate refuses', async () => {
    const r = await window(['10.20.1.15', 'apc_hw02_aos390_g2ats392.exe'], { ATS_AUDIT_COMMUNITY: 'public', STUB_EXIT: '3', UPGRADE_COMMAND: 'false' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('refused the upgrade of 10.20.1.15 (exit 3): not flashing');
    expect(r.calls).toHaveLength(1);
  });
});
