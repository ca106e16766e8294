// What a unit sends must never crash the scanner, hang it, or mislead it. Each fault of
// test/helpers/fault-agent.ts is served by one unit; the unit is audited on its own (auditOne,
// 300 ms timeout, no retries) and then all of them together with healthy units in one scan
// through the command (main, in-process). For every fault the expected outcome is decided
// below, with the reason for the decision: a damaged or foreign answer makes the unit
// `unreachable` (nothing usable came back) with a reason that says what was wrong; wrong data
// in a well-formed answer makes it `unknown` (or keeps a verdict the wrong value cannot
// change) and the reason names the object; harmless oddities (duplicates, order, source port)
// leave the verdict as it is.
//
// Cases marked `bug` reproduce defects in src/ (see the final report of this work): they are
// written as the behaviour we want and run with `it.fails`, so they flip to failures - and
// should become plain `it` - once src/ is fixed. GARBAGE_SHOW_BUGS=1 runs them as plain tests,
// to see how they fail today.
//
// Addresses 127.0.70.1-254, port 16170 (this file only).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundledAdvisories } from '../../src/audit/advisory.js';
import type { AuditResult } from '../../src/audit/audit-result.js';
import { main } from '../../src/cli/main.js';
import type { Verdict } from '../../src/audit/finding.js';
import { MAX_TEXT } from '../../src/poll/poll-unit.js';
import { auditOne, type ScanOptions } from '../../src/scan/scan.js';
import type { Credentials } from '../../src/targets/target.js';
import { ERROR_STATUS } from '../helpers/ber.js';
import { captureIo } from '../helpers/capture-io.js';
import { AP7724 } from '../fixtures/units.js';
import {
  GOOD_TEMPLATES,
  startFaultFleet,
  tableFromDescription,
  trapListenerErrors,
  v,
  within,
  AgentTable,
  type Fault,
  type FaultFleet,
  type FaultUnit,
  type GoodTemplate,
} from '../helpers/fault-agent.js';
import { testPort } from '../helpers/test-net.js';

const PORT = testPort('e2e/garbage');
const BASE = '127.0.70';
const TIMEOUT_MS = 300;
const advisories = loadBundledAdvisories();
const SHOW_BUGS = process.env.GARBAGE_SHOW_BUGS === '1';

const template = (name: string): GoodTemplate => GOOD_TEMPLATES.find((t) => t.name === name)!;
const AP7722A_1U = template('ap7722a-1u-loaded');
const TABLE = tableFromDescription(AP7724);
/** AP7724 whose voltage instances are missing: forces a walk of the voltage column. */
const NO_VOLTAGE_INSTANCES = TABLE.without(['atsInputVoltageA', 'atsInputVoltageB']);
const VOLTAGE_COLUMN = '1.3.6.1.4.1.318.1.1.8.5.3.3.1.3';

interface Case {
  readonly name: string;
  readonly fault: Fault;
  /** Why this outcome is the right one. */
  readonly why: string;
  readonly expect: {
    readonly verdict: Verdict | readonly Verdict[];
    readonly reason?: RegExp;
    /** Most SNMP requests the unit may receive. */
    readonly requestsAtMost?: number;
    readonly check?: (r: AuditResult) => void;
  };
  readonly table?: AgentTable;
  readonly version?: '1' | '2c';
  readonly retries?: number;
  /** Community the agent accepts (and the audit uses). */
  readonly community?: string;
  readonly faultFrom?: number;
  readonly faultOn?: FaultUnit['faultOn'];
  /** A defect in src/: the test states the wanted behaviour and is expected to fail for now. */
  readonly bug?: string;
}

const UNREACHABLE_TIMEOUT = /no answer after 300 ms × 1 try from port 16170/;

const CASES: readonly Case[] = [
  // -- control -------------------------------------------------------------------------
  {
    name: 'good',
    fault: { kind: 'good' },
    why: 'control: a healthy AP7724 (values as recorded from a real one) is loaded and redundant',
    expect: { verdict: 'at-risk', reason: /load 7\.7 A and secondary Source A is live/, requestsAtMost: 1 },
  },
  {
    name: 'good-v1',
    fault: { kind: 'good' },
    version: '1',
    why: 'control under SNMPv1: one GET answers everything',
    expect: { verdict: 'at-risk', requestsAtMost: 1 },
  },

  // -- nothing usable on the wire: unreachable, with the reason saying what came back ---
  {
    name: 'silent',
    fault: { kind: 'silent' },
    why: 'no answer at all is the classic unreachable unit',
    expect: { verdict: 'unreachable', reason: UNREACHABLE_TIMEOUT },
  },
  {
    name: 'random-bytes',
    fault: { kind: 'random-bytes', length: 50 },
    why: 'noise is not an answer; the reason says replies came but could not be decoded',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: .+/ },
  },
  {
    name: 'random-bytes-one',
    fault: { kind: 'random-bytes', length: 1 },
    why: 'a single byte: the shortest datagram',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: / },
  },
  {
    name: 'truncated-half',
    fault: { kind: 'truncated', keep: 0.5 },
    why: 'half an answer: net-snmp reads the varbinds it can and then sees the count is wrong',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: Requested OIDs do not match response OIDs|undecodable/ },
  },
  {
    name: 'truncated-tail',
    fault: { kind: 'truncated', keep: 0.97 },
    why: 'an answer missing its last bytes is undecodable',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: / },
  },
  {
    name: 'wrong-request-id',
    fault: { kind: 'wrong-request-id', delta: 1 },
    why: 'an answer to some other request is not ours: it is ignored and the request times out',
    expect: { verdict: 'unreachable', reason: UNREACHABLE_TIMEOUT },
  },
  {
    name: 'pdu-get-request',
    fault: { kind: 'wrong-pdu-type', pdu: 'GetRequest' },
    why: 'a request sent back instead of a response',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: Unknown PDU type '160'/ },
  },
  {
    name: 'pdu-set-request',
    fault: { kind: 'wrong-pdu-type', pdu: 'SetRequest' },
    why: 'a SetRequest sent back instead of a response',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: Unknown PDU type '163'/ },
  },
  {
    name: 'pdu-getbulk-request',
    fault: { kind: 'wrong-pdu-type', pdu: 'GetBulkRequest' },
    why: 'a GetBulkRequest sent back instead of a response',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: Unknown PDU type '165'/ },
  },
  {
    name: 'pdu-inform',
    fault: { kind: 'wrong-pdu-type', pdu: 'InformRequest' },
    why: 'an inform sent back instead of a response',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: Unknown PDU type '166'/ },
  },
  {
    name: 'pdu-trap-v2',
    fault: { kind: 'wrong-pdu-type', pdu: 'TrapV2' },
    why: 'a v2 trap carrying our request id',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: Unknown PDU type '167'/ },
  },
  {
    name: 'pdu-trap-v1',
    fault: { kind: 'wrong-pdu-type', pdu: 'TrapV1' },
    why: 'a v1 trap has no request id: it answers nothing, so the request times out',
    expect: { verdict: 'unreachable', reason: UNREACHABLE_TIMEOUT },
  },
  {
    name: 'pdu-report',
    fault: { kind: 'wrong-pdu-type', pdu: 'Report' },
    why: 'a Report PDU (SNMPv3 only) in a v2c answer is an invalid response like any other wrong PDU type',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: |Report/ },
  },
  {
    name: 'wrong-version',
    fault: { kind: 'wrong-version' },
    why: 'a v1 answer to a v2c request',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: Version in request '1' does not match version in response '0'/ },
  },
  {
    name: 'wrong-version-v1',
    fault: { kind: 'wrong-version' },
    version: '1',
    why: 'a v2c answer to a v1 request',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: Version in request '0' does not match version in response '1'/ },
  },
  {
    name: 'wrong-community',
    fault: { kind: 'wrong-community', community: 'evil' },
    community: 'ro-s3cret-42',
    why: 'an answer under another community is refused; our community never appears in the reason',
    expect: {
      verdict: 'unreachable',
      reason: /malformed reply from the agent: Community '\*\*\*' in request does not match community 'evil'/,
      check: (r) => expect(r.finding.reason).not.toContain('ro-s3cret-42'),
    },
  },
  {
    name: 'extra-varbinds',
    fault: { kind: 'extra-varbinds', count: 3 },
    why: 'a GET answer must hold exactly the varbinds asked for (RFC 3416 4.2.1); extra ones make it invalid',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: Requested OIDs do not match response OIDs/ },
  },
  {
    name: 'many-varbinds',
    fault: { kind: 'extra-varbinds', count: 3000 },
    why: 'a ~60 KB answer with 3000 varbinds nobody asked for: refused, quickly',
    expect: { verdict: 'unreachable', reason: /Requested OIDs do not match response OIDs/ },
  },
  {
    name: 'empty-varbinds',
    fault: { kind: 'empty-varbinds' },
    why: 'an answer with no varbinds answers nothing',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: Requested OIDs do not match response OIDs/ },
  },
  {
    name: 'slow',
    fault: { kind: 'slow', delayMs: 600 },
    why: 'an answer after the timeout comes too late to count',
    expect: { verdict: 'unreachable', reason: UNREACHABLE_TIMEOUT },
  },
  {
    name: 'error-status-bogus-index',
    fault: { kind: 'error-status', status: ERROR_STATUS.noSuchName, index: 99 },
    why: 'noSuchName naming varbind 99 of 20: the agent refused without saying what; nothing to read',
    expect: { verdict: 'unreachable', reason: /NoSuchName/ },
  },
  {
    name: 'error-status-bogus-index-v1',
    fault: { kind: 'error-status', status: ERROR_STATUS.noSuchName, index: 0 },
    version: '1',
    why: 'under v1 a noSuchName with index 0 cannot be worked around object by object',
    expect: { verdict: 'unreachable', reason: /NoSuchName/, requestsAtMost: 2 },
  },
  {
    name: 'error-status-generr',
    fault: { kind: 'error-status', status: ERROR_STATUS.genErr, index: 0 },
    why: 'genErr: the agent failed; the reason names the error',
    expect: { verdict: 'unreachable', reason: /agent answered with error GeneralError/ },
  },
  {
    name: 'error-status-toobig',
    fault: { kind: 'error-status', status: ERROR_STATUS.tooBig, index: 0 },
    why: 'tooBig: the agent cannot answer one GET for everything',
    expect: { verdict: 'unreachable', reason: /agent answered with error TooBig/ },
  },
  {
    name: 'error-status-out-of-range',
    fault: { kind: 'error-status', status: 99, index: 0 },
    why: 'error-status 99 is not defined by SNMP: a failed request like any other error',
    expect: { verdict: 'unreachable', reason: /error/ },
  },

  // -- wrong data in well-formed answers --------------------------------------------------
  {
    name: 'type-secondary-status-string',
    fault: { kind: 'values', label: 'atsStatusSourceBStatus = "ok"', values: { atsStatusSourceBStatus: v.str('ok') } },
    table: tableFromDescription(AP7722A_1U.description),
    why: 'the secondary (B) status is the fact that decides; as a string it is unusable: unknown, and the reason names it',
    expect: {
      verdict: 'unknown',
      reason: /Source B \(secondary\) status is not reported.*atsStatusSourceBStatus sent a string where an integer belongs/,
    },
  },
  {
    name: 'type-primary-status-string',
    fault: { kind: 'values', label: 'atsStatusSourceBStatus = "ok" on a primary-B unit', values: { atsStatusSourceBStatus: v.str('ok') } },
    why: 'on the AP7724 B is the primary: with A (secondary) live and 7.7 A drawn the hazard stands whatever B says; the reason still names the bad object',
    expect: { verdict: 'at-risk', reason: /atsStatusSourceBStatus sent a string where an integer belongs/ },
  },
  {
    name: 'type-secondary-status-oid',
    fault: { kind: 'values', label: 'atsStatusSourceAStatus = OID', values: { atsStatusSourceAStatus: v.oid('1.3.6.1.4.1.318.2') } },
    why: 'an OID where the secondary status belongs: unknown',
    expect: { verdict: 'unknown', reason: /atsStatusSourceAStatus sent an OID where an integer belongs/ },
  },
  {
    name: 'type-comm-status-boolean',
    fault: { kind: 'values', label: 'atsStatusCommStatus = BOOLEAN', values: { atsStatusCommStatus: v.raw(0x01, Buffer.from([1])) } },
    why: 'without a usable comm status the status values may be stale: unknown',
    expect: { verdict: 'unknown', reason: /atsStatusCommStatus sent a Boolean where an integer belongs/ },
  },
  {
    name: 'type-load-counter64',
    fault: { kind: 'values', label: 'atsOutputBankCurrent = Counter64', values: { atsOutputBankCurrent: v.counter64(77) } },
    why: 'the load as a Counter64 is not the Gauge the MIB defines: load unknown',
    expect: { verdict: 'unknown', reason: /output load is not reported.*atsOutputBankCurrent sent a Counter64 where an integer belongs/ },
  },
  {
    name: 'type-load-string',
    fault: { kind: 'values', label: 'atsOutputBankCurrent = "0"', values: { atsOutputBankCurrent: v.str('0') } },
    why: 'a "0" string must not read as no load: unknown',
    expect: { verdict: 'unknown', reason: /atsOutputBankCurrent sent a string where an integer belongs/ },
  },
  {
    name: 'type-model-integer',
    fault: { kind: 'values', label: 'atsIdentModelNumber = INTEGER 7724', values: { atsIdentModelNumber: v.int(7724) } },
    why: 'an integer model is not a model (issue 9): sysDescr MN:AP7724 does not stand in for it, the unit is unknown',
    expect: {
      verdict: 'unknown',
      check: (r) => {
        expect(r.finding.reason).toMatch(/model cannot be trusted: atsIdentModelNumber sent an integer/);
        expect(r.identity?.model).toBeUndefined();
      },
    },
  },
  // -- issue 9: identity and signals must agree (AP7724: primary B, secondary A, 7.7 A) --
  {
    name: 'model-nul-padded',
    fault: { kind: 'values', label: 'atsIdentModelNumber = "AP7724\\0"', values: { atsIdentModelNumber: v.str('AP7724\0') } },
    why: 'trailing NUL padding is trimmed: still AP7724, loaded and redundant (was not-affected before issue 9)',
    expect: { verdict: 'at-risk', check: (r) => expect(r.identity?.model).toBe('AP7724') },
  },
  {
    name: 'model-formula',
    fault: { kind: 'values', label: 'atsIdentModelNumber = =HYPERLINK(...)', values: { atsIdentModelNumber: v.str('=HYPERLINK("http://x.example/","AP7722")') } },
    why: 'a formula is not a model: never not-affected',
    expect: { verdict: 'unknown', reason: /model cannot be trusted: atsIdentModelNumber: the model .* looks like a spreadsheet formula/ },
  },
  {
    name: 'model-mismatch',
    fault: { kind: 'values', label: 'atsIdentModelNumber = AP7722 beside MN:AP7724', values: { atsIdentModelNumber: v.str('AP7722') } },
    why: 'the two sources of the model disagree: unknown, both named',
    expect: { verdict: 'unknown', reason: /atsIdentModelNumber says "AP7722" but sysDescr MN: says "AP7724"/ },
  },
  {
    name: 'status-voltage-conflict',
    fault: {
      kind: 'values',
      label: 'secondary A status fail at 221 V',
      values: { atsStatusSourceAStatus: v.int(1), atsStatusRedundancyState: v.int(1) },
    },
    why: 'status says the secondary failed, its input reads line voltage: not proved dead, so not safe',
    expect: { verdict: 'unknown', reason: /secondary Source A status says failed, but its input reads 221 V \(line voltage\)/ },
  },
  {
    name: 'redundancy-conflict',
    fault: {
      kind: 'values',
      label: 'secondary A failed at 0 V, redundancy full',
      values: { atsStatusSourceAStatus: v.int(1), atsInputVoltageA: v.int(0), atsStatusRedundancyState: v.int(2) },
    },
    why: '"fully redundant" beside a failed secondary is a disagreement',
    expect: { verdict: 'unknown', reason: /atsStatusRedundancyState says fully redundant/ },
  },
  {
    name: 'all-signals-agree',
    fault: {
      kind: 'values',
      label: 'secondary A failed at 0 V, redundancy lost',
      values: { atsStatusSourceAStatus: v.int(1), atsInputVoltageA: v.int(0), atsStatusRedundancyState: v.int(1) },
    },
    why: 'control: every signal agrees the secondary is dead and the unit runs on primary B: safe stays safe',
    expect: { verdict: 'safe-to-upgrade', reason: /secondary Source A is not live and the unit runs on primary Source B alone/ },
  },
  {
    name: 'type-model-oid',
    fault: { kind: 'values', label: 'atsIdentModelNumber = OID', values: { atsIdentModelNumber: v.oid('1.3.6.1.4.1.318') } },
    why: 'an OID is not a model number: it must be ignored like the integer (model from sysDescr MN:AP7724), never read as model "1.3.6.1.4.1.318"',
    expect: {
      verdict: ['at-risk', 'unknown'],
      check: (r) => expect(r.identity?.model).not.toBe('1.3.6.1.4.1.318'),
    },
  },
  {
    name: 'type-unknown-tag',
    fault: { kind: 'values', label: 'sysName with tag 0x47', values: { sysName: v.raw(0x47, Buffer.from([1])) } },
    why: 'a type net-snmp cannot decode makes the whole answer undecodable',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: Unknown type '71' in response/ },
  },
  {
    name: 'type-integer-too-long',
    fault: { kind: 'values', label: 'atsStatusCommStatus with 9 content bytes', values: { atsStatusCommStatus: v.raw(0x02, Buffer.alloc(9, 1)) } },
    why: 'an INTEGER of 9 bytes cannot be read: undecodable',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: / },
  },
  {
    name: 'gauge-wraps-to-zero',
    fault: {
      kind: 'values',
      label: 'atsOutputBankCurrent = Gauge32 with 5 content bytes (2^32)',
      values: { atsOutputBankCurrent: v.raw(0x42, Buffer.from([1, 0, 0, 0, 0])) },
    },
    why: 'a Gauge32 of 2^32 does not exist; it must not be read as 0 A (no load) and turn a loaded unit safe',
    expect: { verdict: ['unknown', 'unreachable'] },
  },
  {
    name: 'enum-preferred-9',
    fault: { kind: 'values', label: 'atsConfigPreferredSource = 9', values: { atsConfigPreferredSource: v.int(9) } },
    why: 'primary unknown, but both inputs are live and 7.7 A is drawn: at risk whichever is primary; the reason names the bad value',
    expect: { verdict: 'at-risk', reason: /preferred source is not reported and both inputs are live.*atsConfigPreferredSource = 9 is not a defined value/ },
  },
  {
    name: 'enum-comm-status-7',
    fault: { kind: 'values', label: 'atsStatusCommStatus = 7', values: { atsStatusCommStatus: v.int(7) } },
    why: 'comm status 7 is undefined: the status values cannot be trusted',
    expect: { verdict: 'unknown', reason: /atsStatusCommStatus = 7 is not a defined value/ },
  },
  {
    name: 'enum-secondary-status-0',
    fault: { kind: 'values', label: 'atsStatusSourceAStatus = 0', values: { atsStatusSourceAStatus: v.int(0) } },
    why: 'the secondary status 0 is neither fail nor ok',
    expect: { verdict: 'unknown', reason: /atsStatusSourceAStatus = 0 is not a defined value/ },
  },
  {
    name: 'negative-current',
    fault: { kind: 'values', label: 'atsOutputBankCurrent = -5', values: { atsOutputBankCurrent: v.int(-5) } },
    why: 'a negative current (other than -1, unsupported) is garbage: load unknown',
    expect: { verdict: 'unknown', reason: /atsOutputBankCurrent = -5 is out of range/ },
  },
  {
    name: 'current-1u-negative',
    fault: { kind: 'values', label: 'atsOutputCurrent = -300', values: { atsOutputCurrent: v.int(-300) } },
    table: tableFromDescription(AP7722A_1U.description),
    why: 'the same on a 1U unit, whose bank column is then walked and found empty',
    expect: { verdict: 'unknown', reason: /atsOutputCurrent = -300 is out of range/, requestsAtMost: 2 },
  },
  {
    name: 'voltage-99999',
    fault: { kind: 'values', label: 'atsInputVoltageA = 99999', values: { atsInputVoltageA: v.int(99999) } },
    why: 'voltage is only a second signal: the verdict stands, the reason notes the impossible value',
    expect: { verdict: 'at-risk', reason: /atsInputVoltage = 99999 is out of range/ },
  },
  {
    name: 'huge-sysdescr',
    fault: { kind: 'values', label: 'sysDescr of 60 KB', values: { sysDescr: v.str(`APC Web/SNMP Management Card (MN:AP7724 ${'x'.repeat(60_000)})`) } },
    why: 'a 60 KB sysDescr is kept to its first MAX_TEXT characters and marked truncated; the verdict stands',
    expect: {
      verdict: 'at-risk',
      check: (r) => {
        const raw = r.raw?.reading.sysDescr;
        expect(raw?.type).toBe('string');
        expect(raw?.type === 'string' && raw.truncated).toBe(true);
        expect(raw?.type === 'string' && raw.value.length).toBe(MAX_TEXT);
      },
    },
  },

  // -- harmless oddities: the verdict stands ---------------------------------------------
  {
    name: 'duplicate',
    fault: { kind: 'duplicate', copies: 3 },
    why: 'the first copy answers the request; later copies match nothing pending and are dropped',
    expect: { verdict: 'at-risk', requestsAtMost: 1 },
  },
  {
    name: 'slow-within-timeout',
    fault: { kind: 'slow', delayMs: 120 },
    why: 'slow but within the timeout is just a slow card',
    expect: { verdict: 'at-risk' },
  },
  {
    name: 'slow-answer-to-first-try',
    fault: { kind: 'slow', delayMs: 450 },
    retries: 1,
    why: 'a retry resends the same request id, so the late answer to try 1 (arriving during try 2) is a valid answer',
    expect: { verdict: 'at-risk' },
  },
  {
    name: 'other-port',
    fault: { kind: 'other-port' },
    why:
      'an unconnected socket matches answers by request id only, so the answer is read (verdict stands); a socket connect()ed to ' +
      'the unit (src/snmp/connected-dgram.ts) never sees it, so the unit times out - nothing else can answer in its name. Both are safe',
    expect: { verdict: ['at-risk', 'unreachable'], reason: /AP7724 is on FA156178|no answer after 300 ms/ },
  },
  {
    name: 'reordered',
    fault: { kind: 'reordered' },
    why: 'varbinds are mapped by OID, so another order cannot swap values; refusing the answer (RFC 3416 says same order) would be right too',
    expect: { verdict: ['at-risk', 'unreachable'] },
  },
  {
    name: 'error-status-negative',
    fault: { kind: 'error-status', status: -1, index: 0 },
    why: 'a negative error-status is not an error (net-snmp tests > 0): the varbinds are read',
    expect: { verdict: 'at-risk' },
  },
  {
    name: 'substituted',
    fault: { kind: 'substituted', count: 3 },
    why: 'varbinds replaced by objects nobody asked for: those objects count as missing, nothing else changes meaning',
    expect: { verdict: ['at-risk', 'unknown', 'unreachable'] },
  },
  {
    name: 'shadowed',
    fault: { kind: 'shadowed', oid: 'atsStatusSourceAStatus', value: v.int(1) },
    why: 'one answer says Source A is ok (where it was asked) and failed (in the slot of another object): contradictory data must not prove procedure 1',
    expect: { verdict: ['at-risk', 'unknown', 'unreachable'] },
  },

  // -- walks ---------------------------------------------------------------------------
  {
    name: 'endless-walk',
    fault: { kind: 'endless-walk', value: v.int(221) },
    faultOn: ['GetBulkRequest'],
    table: NO_VOLTAGE_INSTANCES,
    why: 'a column that never ends (.1, .1.1, .1.1.1...) costs at most the walk budget (4 requests), then the verdict stands',
    expect: { verdict: 'at-risk', requestsAtMost: 5 },
  },
  {
    name: 'endless-walk-v1',
    fault: { kind: 'endless-walk', value: v.int(221) },
    faultOn: ['GetNextRequest'],
    table: NO_VOLTAGE_INSTANCES,
    version: '1',
    why: 'the same through SNMPv1 GETNEXT after the noSuchName fallbacks',
    expect: { verdict: 'at-risk', requestsAtMost: 5 + 4 },
  },
  {
    name: 'walk-stuck',
    fault: { kind: 'walk-stuck' },
    table: NO_VOLTAGE_INSTANCES,
    why: 'GETBULK answered with the very OID asked for: a walk that does not advance is a malformed reply, refused at once',
    expect: { verdict: 'unreachable', reason: /^malformed reply from the agent: walk of .* does not come after/, requestsAtMost: 2 },
  },
  {
    name: 'walk-backwards',
    fault: { kind: 'walk-backwards' },
    table: NO_VOLTAGE_INSTANCES,
    why: 'GETBULK answered with OIDs that go back: refused as a malformed reply after one request',
    expect: { verdict: 'unreachable', reason: /^malformed reply from the agent: walk of .* does not come after/, requestsAtMost: 2 },
  },
  {
    name: 'too-big',
    fault: { kind: 'too-big', maxVarbinds: 3 },
    why: 'tooBig for more than three objects: asked again in halves, the verdict is the healthy one',
    expect: { verdict: 'at-risk', reason: /load 7\.7 A and secondary Source A is live/ },
  },
  {
    name: 'v3-empty-engine-id',
    fault: { kind: 'v3-empty-engine-id' },
    why: 'an SNMPv3-only fault: a v2c poll is answered as a healthy agent would (SNMPv3 itself: test/snmp/wire-faults.test.ts)',
    expect: { verdict: 'at-risk', requestsAtMost: 1 },
  },
  {
    name: 'v3-endless-report',
    fault: { kind: 'v3-endless-report', report: 'unknown-engine' },
    why: 'an SNMPv3-only fault: a v2c poll is answered as a healthy agent would (SNMPv3 itself: test/snmp/wire-faults.test.ts)',
    expect: { verdict: 'at-risk', requestsAtMost: 1 },
  },
  {
    name: 'walk-rows-wrong-type',
    fault: { kind: 'good' },
    table: NO_VOLTAGE_INSTANCES.with({ [`${VOLTAGE_COLUMN}.1`]: v.str('221 V'), [`${VOLTAGE_COLUMN}.2`]: v.oid('1.3.6.1') }),
    why: 'walked rows of the wrong type are anomalies like direct ones; voltage is a second signal so the verdict stands',
    expect: { verdict: 'at-risk', reason: /atsInputVoltage sent a string where an integer belongs/ },
  },
  {
    name: 'walk-garbage',
    fault: { kind: 'random-bytes', length: 40 },
    faultOn: ['GetBulkRequest'],
    table: NO_VOLTAGE_INSTANCES,
    why: 'the GET is fine but the walk gets noise: the unit as a whole is not read',
    expect: { verdict: 'unreachable', reason: /malformed reply from the agent: / },
  },
  {
    name: 'empty-view',
    fault: { kind: 'good' },
    table: new AgentTable([]),
    why: 'an agent answering noSuchObject for everything (e.g. a community whose view hides all) identified nothing: it cannot be called "not an ATS" (a clear verdict, exit 0)',
    expect: { verdict: ['unknown', 'unreachable'] },
  },
  {
    name: 'v1-no-such-name-everything',
    fault: { kind: 'error-status', status: ERROR_STATUS.noSuchName, index: 1 },
    version: '1',
    why: 'a v1 agent refusing whichever object comes first, every time: the fallbacks drop everything and nothing is read',
    expect: { verdict: ['unknown', 'unreachable'], requestsAtMost: 10 },
  },
  {
    name: 'v1-missing-objects',
    fault: { kind: 'good' },
    table: NO_VOLTAGE_INSTANCES,
    version: '1',
    why: 'v1 noSuchName fallbacks (index named properly) drop the missing voltages and read the rest',
    expect: { verdict: 'at-risk', requestsAtMost: 7 },
  },
];

let fleet: FaultFleet;
let trap: ReturnType<typeof trapListenerErrors>;
const hostOf = (i: number) => `${BASE}.${i + 1}`;

beforeAll(async () => {
  trap = trapListenerErrors();
  fleet = await startFaultFleet(
    CASES.map((c, i) => ({
      name: c.name,
      host: hostOf(i),
      port: PORT,
      community: c.community ?? 'public',
      table: c.table ?? TABLE,
      fault: c.fault,
      faultFrom: c.faultFrom,
      faultOn: c.faultOn,
      seed: 1000 + i,
    })),
  );
});
afterAll(async () => {
  await fleet?.stop();
  trap?.restore();
});

function options(c: Case): ScanOptions {
  return { timeoutMs: TIMEOUT_MS, retries: c.retries ?? 0, concurrency: 1, advisories };
}

async function audit(c: Case): Promise<AuditResult> {
  const i = CASES.indexOf(c);
  const credentials: Credentials = { version: c.version ?? '2c', community: c.community ?? 'public' };
  // Worst legitimate case: a GET and three column walks of 4 requests, each timing out.
  const bound = c.bug ? 2500 : 13 * TIMEOUT_MS * ((c.retries ?? 0) + 1) + 1500;
  return within(auditOne({ target: { host: hostOf(i), port: PORT, origin: c.name }, credentials }, options(c)), bound, c.name);
}

const verdicts = (v: Verdict | readonly Verdict[]): readonly Verdict[] => (typeof v === 'string' ? [v] : v);

describe('one faulty unit at a time', () => {
  for (const c of CASES) {
    const test = c.bug && !SHOW_BUGS ? it.fails : it;
    test(`${c.name}: ${verdicts(c.expect.verdict).join(' or ')}${c.bug ? ` (known bug: ${c.bug})` : ''}`, async () => {
      fleet.agent(c.name).reset();
      trap.take();
      const r = await audit(c);
      expect(trap.take(), 'nothing thrown inside a socket listener (would kill the process)').toEqual([]);
      expect(verdicts(c.expect.verdict), `${c.why}\nreason: ${r.finding.reason}`).toContain(r.finding.verdict);
      expect(r.finding.reason.trim()).not.toBe('');
      if (c.expect.reason) expect(r.finding.reason).toMatch(c.expect.reason);
      const received = fleet.agent(c.name).stats().received.length;
      if (c.expect.requestsAtMost !== undefined) expect(received, 'requests received').toBeLessThanOrEqual(c.expect.requestsAtMost);
      expect(r.requests, 'requests counted by the poller').toBeLessThanOrEqual(Math.max(received, 1));
      c.expect.check?.(r);
    });
  }
});

describe('a mixed fleet in one scan', () => {
  it('reports every target exactly once; healthy units keep their verdicts; faulty ones get theirs', async () => {
    const good = await startGood();
    try {
      // Everything that runs through one v2c scan with the default community and no retries.
      const faulty = CASES.filter((c) => !c.bug && (c.version ?? '2c') === '2c' && !c.community && !c.retries);
      const targets = [...faulty.map((c) => `${hostOf(CASES.indexOf(c))}:${PORT}`), ...good.map(({ target }) => target)];
      const cap = captureIo();
      const started = Date.now();
      const code = await within(main([...targets, '--timeout', String(TIMEOUT_MS), '--retries', '0', '-j', '64', '-f', 'json'], cap.io), 15_000, 'scan');
      const elapsed = Date.now() - started;
      expect(trap.take()).toEqual([]);
      const report = JSON.parse(cap.stdout()) as { units: Array<{ host: string; port: number; verdict: Verdict; reason: string }> };
      expect(report.units).toHaveLength(targets.length);
      const seen = new Set(report.units.map((u) => `${u.host}:${u.port}`));
      expect([...seen].sort()).toEqual([...targets].sort());
      const unitAt = (target: string) => report.units.find((x) => `${x.host}:${x.port}` === target)!;
      for (const { target, template: g } of good) {
        const u = unitAt(target);
        expect(u.verdict, `${g.name}: ${u.reason}`).toBe(g.verdict);
      }
      for (const c of faulty) {
        const u = unitAt(`${hostOf(CASES.indexOf(c))}:${PORT}`);
        expect(verdicts(c.expect.verdict), `${c.name}: ${u.reason}`).toContain(u.verdict);
        if (c.expect.reason) expect(u.reason, c.name).toMatch(c.expect.reason);
      }
      expect(code, 'at-risk units present').toBe(3);
      // All in parallel: a few timeouts deep at most, not one per unit.
      expect(elapsed).toBeLessThan(6_000);
    } finally {
      await goodFleet?.stop();
    }
  });
});

describe('a mixed fleet with the units that hit (or hit) bugs', () => {
  // A unit answering with a Report PDU or an undefined error-status used to take the whole scan
  // down (uncaught exception inside net-snmp's socket listener) or stall it for ever (the
  // request never settled). Every other unit must still be reported.
  it('still finishes and reports every target once', async () => {
    const good = await startGood();
    try {
      const bad = CASES.filter((c) => c.bug && (c.version ?? '2c') === '2c' && !c.community && !c.retries);
      const targets = [...bad.map((c) => `${hostOf(CASES.indexOf(c))}:${PORT}`), ...good.map(({ target }) => target)];
      const cap = captureIo();
      trap.take();
      await within(main([...targets, '--timeout', String(TIMEOUT_MS), '--retries', '0', '-f', 'json'], cap.io), 3_000, 'scan');
      expect(trap.take(), 'exceptions inside socket listeners').toEqual([]);
      const report = JSON.parse(cap.stdout()) as { units: Array<{ host: string; port: number }> };
      expect(report.units.map((u) => `${u.host}:${u.port}`).sort()).toEqual([...targets].sort());
    } finally {
      await goodFleet?.stop();
    }
  });
});

let goodFleet: FaultFleet | undefined;
/** Healthy units of every template, on 127.0.70.201 and up. */
async function startGood() {
  const placed = GOOD_TEMPLATES.map((template, i) => ({ template, host: `${BASE}.${201 + i}` }));
  goodFleet = await startFaultFleet(
    placed.map(({ template, host }) => ({
      name: `good-${template.name}`,
      host,
      port: PORT,
      table: tableFromDescription(template.description),
      fault: { kind: 'good' } as const,
    })),
  );
  return placed.map(({ template, host }) => ({ template, target: `${host}:${PORT}` }));
}

// Keep the list honest: every fault kind the agent offers is exercised above.
it('covers every fault kind of the agent', () => {
  const kinds = new Set(CASES.map((c) => c.fault.kind));
  const all: ReadonlyArray<Fault['kind']> = [
    'good', 'silent', 'random-bytes', 'truncated', 'wrong-request-id', 'wrong-pdu-type', 'wrong-version', 'wrong-community',
    'values', 'extra-varbinds', 'duplicate', 'slow', 'other-port', 'error-status', 'empty-varbinds', 'reordered',
    'substituted', 'shadowed', 'walk-stuck', 'endless-walk',
    // Wire faults (test/helpers/fault-agent.ts, their own block):
    'v3-empty-engine-id', 'v3-endless-report', 'too-big', 'walk-backwards',
  ];
  expect([...kinds].sort()).toEqual([...all].sort());
});
