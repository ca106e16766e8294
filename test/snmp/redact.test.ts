import { describe, expect, it } from 'vitest';
import { redact } from '../../src/snmp/session.js';

describe('redact', () => {
  it('hides secrets given one by one or as a list', () => {
    expect(redact('community s3cret on row 4', 's3cret')).toBe('community *** on row 4');
    expect(redact('a=k1 b=k2 c=k3', ['k1', 'k2'], 'k3')).toBe('a=*** b=*** c=***');
    expect(redact('nothing here', [], '')).toBe('nothing here');
  });

  it('takes a list longer than a call can carry as arguments (a community per inventory row)', () => {
    const many = Array.from({ length: 300_000 }, (_, i) => `community-${i}`);
    // Spread into arguments, this many would throw RangeError: Maximum call stack size exceeded.
    expect(() => Math.max(...many.map((s) => s.length))).toThrow(RangeError);
    expect(redact('row 299999 uses community-299999', many)).toBe('row 299999 uses ***');
  });
});

describe('redact, secrets that begin other secrets', () => {
  it('replaces the longer one whole, whichever order they come in', () => {
    expect(redact('community public-dc2', 'public', 'public-dc2')).toBe('community ***');
    expect(redact('community public-dc2', ['public', 'public-dc2'])).toBe('community ***');
  });
});

describe('redact, a list and single secrets together', () => {
  it('still replaces the longest first', () => {
    expect(redact('key public-dc2', ['public'], 'public-dc2')).toBe('key ***');
    expect(redact('key public-dc2', ['public-dc2'], 'public')).toBe('key ***');
  });
});
