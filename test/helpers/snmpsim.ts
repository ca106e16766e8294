import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import {
  accessSync,
  chmodSync,
  chownSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  utimesSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import snmp from 'net-snmp';

// Runs Debian's `snmpsimd` (snmpsim 0.4.x) on loopback, serving .snmprec recordings for
// integration tests. snmpsimd maps a data file to the SNMPv1/v2c community equal to its path
// relative to --data-dir without the extension, so `foo.snmprec` answers community `foo`.
// The recordings are copied into a fresh temporary directory at start and removed at stop.
//
// snmpsimd runs under a small `sh` supervisor whose stdin is a pipe from this process: when
// this process goes away for any reason (even SIGKILL) the pipe closes and the supervisor
// terminates snmpsimd, so no simulator outlives the test run.

export interface SnmpsimOptions {
  /** .snmprec files to serve; each answers the community named after the file (no extension). */
  readonly files: readonly string[];
  /** Loopback IPv4 address to bind. */
  readonly host?: string;
  /** Give up if the simulator does not answer a GET within this time. */
  readonly startTimeoutMs?: number;
}

export interface Snmpsim {
  readonly host: string;
  readonly port: number;
  /** One per served file, in the order given. */
  readonly communities: readonly string[];
  /** snmpsimd's own log (stdout and stderr). */
  readonly logFile: string;
  /** From spawn to the first answered GET. */
  readonly startupMs: number;
  /** snmpsimd's own process id. */
  readonly pid: number;
  readLog(): string;
  /** Last lines of the log, for error messages. */
  logTail(lines?: number): string;
  /** Stops snmpsimd and removes the temporary directory; with keepLog the log file stays. */
  stop(options?: { keepLog?: boolean }): Promise<{ keptLog?: string }>;
}

const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
const PROBE_TIMEOUT_MS = 250;
const PROBE_PAUSE_MS = 50;
/** Attempts with a fresh port when the chosen one was taken between choosing and binding. */
const MAX_PORT_ATTEMPTS = 3;
const STOP_GRACE_MS = 3000;

/** snmpsimd's path, or undefined when it is not installed (Debian package `snmpsim`). */
export function findSnmpsimd(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of ['snmpsimd', 'snmpsimd.py']) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** Community under which snmpsimd serves a data file. */
export function communityOf(file: string): string {
  return basename(file).replace(/\.snmprec$/, '');
}

// Starts snmpsimd ($1) with the remaining arguments, writes its pid to $2, and ends it when
// stdin reaches end of file. The background job gets its stdin from an explicit fd (3),
// since a non-interactive shell points the stdin of background jobs at /dev/null.
const SUPERVISOR = [
  'bin="$1"; pidfile="$2"; shift 2',
  'exec 3<&0',
  '"$bin" "$@" </dev/null 3<&- & sim=$!',
  'echo "$sim" > "$pidfile"',
  '{ read -r _ <&3; kill -TERM "$sim" 2>/dev/null; } & watch=$!',
  'wait "$sim"; status=$?',
  'kill "$watch" 2>/dev/null',
  'exit "$status"',
].join('\n');

export async function startSnmpsim(options: SnmpsimOptions): Promise<Snmpsim> {
  const bin = findSnmpsimd();
  if (!bin) throw new Error('snmpsimd not found on PATH: install Debian package snmpsim');
  if (options.files.length === 0) throw new Error('startSnmpsim: no data files given');
  const host = options.host ?? '127.0.0.1';
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;

  const communities = options.files.map(communityOf);
  if (new Set(communities).size !== communities.length) throw new Error('startSnmpsim: two files map to the same community');

  const root = mkdtempSync(join(tmpdir(), 'ats-audit-snmpsim-'));
  const dataDir = join(root, 'data');
  const cacheDir = join(root, 'cache');
  const logFile = join(root, 'snmpsimd.log');
  const pidFile = join(root, 'snmpsimd.pid');
  mkdirSync(dataDir);
  mkdirSync(cacheDir);

  // snmpsimd treats an index as stale unless its mtime (whole seconds) is later than its data
  // file's, and rebuilds a stale one on the first request: backdating the copies keeps all
  // indexing at startup.
  const past = new Date(Date.now() - 3600_000);
  options.files.forEach((file, i) => {
    const copy = join(dataDir, `${communities[i]}.snmprec`);
    copyFileSync(file, copy);
    chmodSync(copy, 0o644);
    utimesSync(copy, past, past);
  });

  const privilegeArgs: string[] = [];
  if (process.getuid?.() === 0) {
    // As root snmpsimd refuses to start without dropping privileges; the unprivileged user
    // must be able to read the data and write the index cache.
    const group = groupExists('nogroup') ? 'nogroup' : 'nobody';
    privilegeArgs.push('--process-user=nobody', `--process-group=${group}`);
    chmodSync(root, 0o755);
    chmodSync(dataDir, 0o755);
    const uid = idOf('/etc/passwd', 'nobody');
    const gid = idOf('/etc/group', group);
    if (uid !== undefined && gid !== undefined) chownSync(cacheDir, uid, gid);
    else chmodSync(cacheDir, 0o777);
  }

  const started = Date.now();
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= MAX_PORT_ATTEMPTS; attempt++) {
    const port = await freeUdpPort(host);
    const args = [
      `--data-dir=${dataDir}`,
      `--cache-dir=${cacheDir}`,
      `--agent-udpv4-endpoint=${host}:${port}`,
      ...privilegeArgs,
    ];
    const logFd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn('sh', ['-c', SUPERVISOR, 'sh', bin, pidFile, ...args], {
        stdio: ['pipe', logFd, logFd],
        // HOME decides where snmpsimd looks for extra data and variation modules
        // (~/.snmpsim): point it at the temporary directory so only our files are served.
        env: { ...process.env, HOME: root },
      });
    } finally {
      closeSync(logFd);
    }
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const exitedPromise = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        exited = { code, signal };
        resolve();
      }),
    );
    // A write to a pipe whose reader has gone must not crash the test process.
    child.stdin?.on('error', () => {});

    const deadline = Date.now() + startTimeoutMs;
    const maxProbes = Math.ceil(startTimeoutMs / PROBE_PAUSE_MS);
    let ready = false;
    for (let i = 0; i < maxProbes && !exited && Date.now() < deadline; i++) {
      if (await probe(host, port, communities[0]!)) {
        ready = true;
        break;
      }
      if (!exited) await sleep(PROBE_PAUSE_MS);
    }
    const readLog = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
    const logTail = (lines = 30) => readLog().trimEnd().split('\n').slice(-lines).join('\n');

    const simPid = () => {
      try {
        const n = Number(readFileSync(pidFile, 'utf8').trim());
        return Number.isInteger(n) && n > 0 ? n : undefined;
      } catch {
        return undefined;
      }
    };
    const pid = simPid();
    // Last resort if this process exits without stop(): the closing pipe already tells the
    // supervisor, this also signals snmpsimd itself.
    const onExit = () => {
      if (pid !== undefined) tryKill(pid, 'SIGTERM');
      if (!exited) child.kill('SIGTERM');
    };
    process.once('exit', onExit);

    const halt = async () => {
      process.removeListener('exit', onExit);
      if (!exited) {
        child.stdin?.end();
        await within(exitedPromise, STOP_GRACE_MS);
      }
      if (!exited) {
        if (pid !== undefined) tryKill(pid, 'SIGKILL');
        child.kill('SIGKILL');
        await within(exitedPromise, STOP_GRACE_MS);
      }
    };

    if (ready && pid !== undefined) {
      const startupMs = Date.now() - started;
      let stopped = false;
      return {
        host,
        port,
        communities,
        logFile,
        startupMs,
        pid,
        readLog,
        logTail,
        stop: async ({ keepLog = false } = {}) => {
          if (stopped) return {};
          stopped = true;
          await halt();
          if (keepLog) {
            rmSync(dataDir, { recursive: true, force: true });
            rmSync(cacheDir, { recursive: true, force: true });
            return { keptLog: logFile };
          }
          rmSync(root, { recursive: true, force: true });
          return {};
        },
      };
    }

    await halt();
    const log = logTail();
    const how = exited ? `exited (${exited.signal ?? `code ${exited.code}`})` : `did not answer within ${startTimeoutMs} ms`;
    lastError = new Error(`snmpsimd on ${host}:${port} ${how}; log ${logFile}:\n${log}`);
    // Only a port taken between choosing it and binding it is worth another try.
    if (!exited || !/address already in use|EADDRINUSE|errno 98/i.test(log)) break;
  }
  throw lastError ?? new Error('snmpsimd did not start');
}

/** A UDP port free at the time of asking, chosen by the kernel. */
async function freeUdpPort(host: string): Promise<number> {
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, host, () => resolve());
    });
    return socket.address().port;
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

/** One SNMPv2c GET of sysDescr: true when the agent answered with a value. */
function probe(host: string, port: number, community: string): Promise<boolean> {
  return new Promise((resolve) => {
    const session = snmp.createSession(host, community, {
      port,
      version: snmp.Version2c,
      timeout: PROBE_TIMEOUT_MS,
      retries: 0,
    });
    session.on('error', () => {});
    session.get([SYS_DESCR], (error, varbinds) => {
      try {
        session.close();
      } catch {
        // already closed
      }
      const vb = varbinds?.[0];
      resolve(!error && vb !== undefined && !snmp.isVarbindError(vb));
    });
  });
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function idOf(file: string, name: string): number | undefined {
  try {
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
    const id = Number(line?.split(':')[2]);
    return Number.isInteger(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

function groupExists(name: string): boolean {
  return idOf('/etc/group', name) !== undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits for `p`, but no longer than `ms`; leaves no timer behind. */
async function within(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
