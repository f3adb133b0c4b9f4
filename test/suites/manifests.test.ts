/**
 * The MQTT statement manifests: complete, well-formed, in spec order, and honest about status.
 * Counts come from the standards themselves: MQTT 3.1.1 numbers 141 statements in its body
 * (its Appendix B lists 139, missing [MQTT-3.1.3-11] and [MQTT-3.1.4-1]); MQTT 5.0 numbers 251.
 */
import { describe, expect, it } from 'vitest';
import { sectionOf, type Statement, type StatementManifest } from '../../core/conform/statements.js';
import { MQTT_311 } from '../../suites/mqtt-3.1.1/statements.js';
import { MQTT_50 } from '../../suites/mqtt-5.0/statements.js';

const LEVELS = new Set(['MUST', 'MUST NOT', 'SHOULD', 'SHOULD NOT', 'MAY']);
const BINDS = new Set(['server', 'client', 'both']);
const ID = /^MQTT-(\d+)\.(\d+)\.(\d+)-(\d+)$/;

/** [1, 5, 4, 3] from "MQTT-1.5.4-3": the position of a statement in its spec. */
function position(id: string): number[] {
  const m = ID.exec(id);
  if (!m) throw new Error(`not a statement id: ${id}`);
  return m.slice(1).map(Number);
}

function before(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

function byId(m: StatementManifest, id: string): Statement {
  const s = m.statements.find((st) => st.id === id);
  if (!s) throw new Error(`${id} missing from ${m.version}`);
  return s;
}

function countIn(m: StatementManifest, section: string): number {
  return m.statements.filter((s) => sectionOf(s.id) === section).length;
}

/** Numbers the standard itself skips: MQTT 5.0 has no [MQTT-2.2.1-1] (its 2.2.1 starts at -2). */
const CASES: [string, StatementManifest, number, string[]][] = [
  ['3.1.1', MQTT_311, 141, []],
  ['5', MQTT_50, 251, ['MQTT-2.2.1-1']],
];

describe.each(CASES)('MQTT %s statement manifest', (version, manifest, count, skipped) => {
  it('names its protocol, version and spec', () => {
    expect(manifest.protocol).toBe('mqtt');
    expect(manifest.version).toBe(version);
    expect(manifest.spec).toMatch(/^MQTT Version .*OASIS Standard/);
  });

  it(`holds every numbered statement: ${count}`, () => {
    expect(manifest.statements).toHaveLength(count);
  });

  it('has well-formed, unique ids', () => {
    const ids = manifest.statements.map((s) => s.id);
    for (const id of ids) expect(id, id).toMatch(ID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lists statements in spec order', () => {
    const out: string[] = [];
    manifest.statements.forEach((s, i) => {
      const prev = manifest.statements[i - 1];
      if (prev && !before(position(prev.id), position(s.id))) out.push(`${prev.id} before ${s.id}`);
    });
    expect(out).toEqual([]);
  });

  it('numbers each section from 1 without gaps, except where the standard skips a number', () => {
    const missing: string[] = [];
    const ids = new Set(manifest.statements.map((s) => s.id));
    for (const s of manifest.statements) {
      const n = position(s.id)[3] ?? 0;
      for (let k = 1; k < n; k++) {
        const earlier = `MQTT-${sectionOf(s.id)}-${k}`;
        if (!ids.has(earlier) && !missing.includes(earlier)) missing.push(earlier);
      }
    }
    expect(missing).toEqual(skipped);
  });

  it('gives every statement a known level and binding', () => {
    for (const s of manifest.statements) {
      expect(LEVELS.has(s.level), `${s.id} level ${s.level}`).toBe(true);
      expect(BINDS.has(s.binds), `${s.id} binds ${s.binds}`).toBe(true);
    }
  });

  it('keeps status consistent with whom a statement binds', () => {
    for (const s of manifest.statements) {
      // Only a statement binding clients alone is client-only; one binding the server never is.
      expect(s.status.kind === 'client-only', `${s.id}: binds ${s.binds}, status ${s.status.kind}`).toBe(s.binds === 'client');
      if (s.status.kind === 'untestable') expect(s.status.reason.trim().length, `${s.id} reason`).toBeGreaterThan(20);
    }
  });

  it('summarises each statement in one short line of its own words', () => {
    for (const s of manifest.statements) {
      expect(s.summary.trim().length, s.id).toBeGreaterThan(10);
      expect(s.summary.length, `${s.id}: ${s.summary}`).toBeLessThanOrEqual(140);
      expect(s.summary, s.id).not.toMatch(/\n/);
      // The level field carries the keyword; a summary repeating it is likely the spec's sentence.
      expect(s.summary, s.id).not.toMatch(/\b(MUST|SHOULD|MAY)\b/);
    }
    const summaries = manifest.statements.map((s) => s.summary);
    // Statements worded alike in the spec (e.g. Reason String vs User Property size limits) still differ here.
    expect(new Set(summaries).size).toBe(summaries.length);
  });

  it('keeps most statements testable against a server', () => {
    const testable = manifest.statements.filter((s) => s.status.kind === 'server').length;
    expect(testable / count).toBeGreaterThan(0.6);
  });
});

describe('MQTT 3.1.1 manifest content', () => {
  it('has the section sizes of the standard', () => {
    expect(countIn(MQTT_311, '3.1.2')).toBe(24);
    expect(countIn(MQTT_311, '3.1.3')).toBe(11);
    expect(countIn(MQTT_311, '3.3.1')).toBe(12);
    expect(countIn(MQTT_311, '4.6.0')).toBe(6);
  });

  it('writes the ids the appendix misprints in their regular form, and keeps those only the body numbers', () => {
    for (const id of ['MQTT-3.1.2-7', 'MQTT-3.8.3-4', 'MQTT-4.1.0-1', 'MQTT-4.3.2-2', 'MQTT-6.0.0-4', 'MQTT-3.1.3-11', 'MQTT-3.1.4-1']) {
      expect(byId(MQTT_311, id).id).toBe(id);
    }
  });

  it('classifies statements by who is bound and what can be seen', () => {
    expect(byId(MQTT_311, 'MQTT-3.1.0-1').status.kind).toBe('client-only');
    expect(byId(MQTT_311, 'MQTT-3.1.0-2').status.kind).toBe('server');
    expect(byId(MQTT_311, 'MQTT-3.1.2-14').level).toBe('MUST NOT');
    expect(byId(MQTT_311, 'MQTT-4.8.0-2').status.kind).toBe('untestable');
    expect(MQTT_311.statements.some((s) => s.id.startsWith('MQTT-4.13'))).toBe(false);
  });
});

describe('MQTT 5.0 manifest content', () => {
  it('has the section sizes of the standard', () => {
    expect(countIn(MQTT_50, '3.1.2')).toBe(30);
    expect(countIn(MQTT_50, '3.2.2')).toBe(22);
    expect(countIn(MQTT_50, '3.3.2')).toBe(20);
    expect(countIn(MQTT_50, '4.3.3')).toBe(13);
    expect(countIn(MQTT_50, '3.15.2')).toBe(3);
  });

  it('uses the regular form of the transport statement and has no 3.1.1-only sections', () => {
    expect(byId(MQTT_50, 'MQTT-4.2.0-1').binds).toBe('both');
    expect(MQTT_50.statements.some((s) => s.id.startsWith('MQTT-7.') || s.id.startsWith('MQTT-4.8.0'))).toBe(false);
  });

  it('classifies statements by who is bound and what can be seen', () => {
    expect(byId(MQTT_50, 'MQTT-3.1.4-3').status.kind).toBe('server');
    expect(byId(MQTT_50, 'MQTT-3.3.4-7').status.kind).toBe('client-only');
    expect(byId(MQTT_50, 'MQTT-2.2.1-4').status.kind).toBe('server');
    expect(byId(MQTT_50, 'MQTT-4.7.3-3').status.kind).toBe('untestable');
    expect(byId(MQTT_50, 'MQTT-3.8.3-3').level).toBe('MUST NOT');
  });
});
