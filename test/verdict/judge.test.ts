/**
 * judge() (core/verdict/judge.ts): typed reasons, each with the evidence in fields and the
 * same fact in words; the status they lead to. Built on a real measured scenario (the
 * committed fixture) with one fact changed per case.
 */
import { describe, expect, it } from 'vitest';
import type { Reason, ScenarioResult } from '../../core/result/index.js';
import { judge, type Measured } from '../../core/verdict/judge.js';
import { fixtureRun, scenarioOf, variant } from '../helpers/compare-fixtures.js';
import { spec, thresholds } from '../helpers/scenario.js';

const real = fixtureRun();

/** The measured part of scenario `name` after `change`. */
function measured(name: string, change: (s: ScenarioResult) => void = () => undefined): Measured {
  const { status: _s, reasons: _r, thresholds: _t, ...m } = scenarioOf(variant(real, name, change), name);
  return m;
}
const kinds = (reasons: Reason[]) => reasons.map((r) => r.kind);
const plain = spec();

describe('judge', () => {
  it('passes a clean real scenario with no reasons, and evaluates its thresholds', () => {
    const result = judge({ ...plain, thresholds: thresholds('p99 < 10s', 'lost == 0') }, measured('room'), null);
    expect(result.status).toBe('passed');
    expect(result.reasons).toEqual([]);
    expect(result.thresholds.map((t) => [t.expression, t.passed])).toEqual([['p99 < 10s', true], ['lost == 0', true]]);
  });

  it('fails a threshold with a typed reason naming its expression, actual in its unit', () => {
    const m = measured('room', (s) => { s.scheduleLag = { ...s.scheduleLag, p99: 500 }; }); // the generator kept its schedule
    const result = judge({ ...plain, thresholds: thresholds('p99 < 1μs') }, m, null);
    expect(result.status).toBe('failed');
    // In the unit the latency tables pick for the value, with separators: what every report shows.
    const p99 = m.latency.p99 as number;
    const actual = p99 < 1000 ? `${p99} µs` : `${Number((p99 / 1000).toPrecision(6)).toLocaleString('en-US')} ms`;
    expect(result.reasons).toEqual([{ kind: 'threshold', expression: 'p99 < 1μs', message: `threshold p99 < 1μs: actual ${actual}` }]);
  });

  it('says in a failed threshold when chatbench itself fell behind its schedule, and only then', () => {
    const lagged = measured('room', (s) => { s.scheduleLag = { ...s.scheduleLag, count: 100, p99: 155_000 }; });
    const [reason] = judge({ ...plain, thresholds: thresholds('p99 < 1μs') }, lagged, null).reasons;
    expect(reason?.message).toMatch(/; chatbench itself fell behind \(schedule lag p99 155\.0 ms\), so this may be the tool's delay, not the server's$/);
    const onTime = measured('room', (s) => { s.scheduleLag = { ...s.scheduleLag, count: 100, p99: 900 }; });
    expect(judge({ ...plain, thresholds: thresholds('p99 < 1μs') }, onTime, null).reasons[0]?.message).not.toContain('fell behind');
  });

  it('counts as a delivery violation only what the level does not permit: QoS 0 may lose, QoS 1 may duplicate', () => {
    const qos1 = measured('room', (s) => { Object.assign(s.delivery.byQos['1']!, { lost: 3, duplicated: 4, violations: 3 }); });
    const result = judge(plain, qos1, null);
    expect(result.reasons).toEqual([{
      kind: 'delivery', level: 1, lost: 3, duplicated: 0, reordered: 0,
      message: 'QoS 1 delivery guarantee violated: 3 lost (lost: later messages of the same sender arrived on a connection that stayed up, and the server had acknowledged these)',
    }]);
    const qos2 = measured('direct', (s) => { Object.assign(s.delivery.byQos['2']!, { duplicated: 2, reordered: 1, violations: 3 }); });
    expect(judge(plain, qos2, null).reasons).toEqual([{ kind: 'delivery', level: 2, lost: 0, duplicated: 2, reordered: 1, message: 'QoS 2 delivery guarantee violated: 2 duplicated, 1 reordered' }]);
    const qos0 = measured('strict', (s) => { Object.assign(s.delivery.byQos['0']!, { lost: 7, undelivered: 9 }); });
    expect(judge(plain, qos0, null).status).toBe('passed');
  });

  it('fails on deliveries still outstanding, saying it is the server being slow, not a protocol violation', () => {
    const late = measured('room', (s) => {
      s.delivery.undelivered = 14_637;
      s.delivery.byQos['1']!.undelivered = 14_637;
      s.drain = { endedBy: 'cap', seconds: 0.5, owedAtStart: 602_749, owedAtEnd: 14_637 };
    });
    const result = judge(plain, late, null);
    expect(result.status).toBe('failed');
    expect(result.reasons).toEqual([{
      kind: 'undelivered', undelivered: 14_637,
      message: '14,637 owed deliveries were still outstanding when chatbench stopped waiting (the drain reached its cap of 500 ms): the server was too slow for this load — not a protocol violation',
    }]);
    expect(kinds(result.reasons)).not.toContain('delivery');
    const one = measured('room', (s) => { s.delivery.byQos['1']!.undelivered = 1; s.drain = { endedBy: 'quiet', seconds: 2.5, owedAtStart: 9, owedAtEnd: 1 }; });
    expect(judge(plain, one, null).reasons[0]?.message).toBe('1 owed delivery was still outstanding when chatbench stopped waiting (nothing arrived for 500 ms, after a drain of 2.5 s): the server was too slow for this load — not a protocol violation');
  });

  it('says a stalled server stopped responding, not that it was too slow', () => {
    const stalled = measured('room', (s) => {
      s.delivery.byQos['1']!.undelivered = 17_586;
      s.drain = { endedBy: 'stall', seconds: 0, owedAtStart: 17_586, owedAtEnd: 17_586 };
    });
    const result = judge(plain, stalled, { cause: 'stall', message: 'the server stopped responding for at least 5 s at t = 12.3 s' });
    expect(result.reasons.find((r) => r.kind === 'undelivered')?.message).toBe(
      '17,586 owed deliveries were still outstanding when chatbench stopped waiting (the server stopped responding, after a drain of 0 ms): the server stopped responding — not a protocol violation',
    );
  });

  it('names who closed lost connections', () => {
    const lost = measured('room', (s) => {
      s.connections.lost = 3;
      s.connections.lostBy = { server: 1, network: 0, chatbench: 2 };
      s.connections.ends = [
        { user: 'u1', by: 'chatbench', cause: 'chatbench closed it: keep-alive timeout (no PINGRESP within 1.5 × keep-alive)' },
        { user: 'u2', by: 'server', cause: 'server sent DISCONNECT: session taken over', code: 142 },
      ];
    });
    expect(judge(plain, lost, null).reasons).toEqual([{
      kind: 'connection', lost: 3, opened: 4,
      message: '3 of 4 connections were lost mid-run (1 closed by the server, 2 closed by chatbench: e.g. chatbench closed it: keep-alive timeout (no PINGRESP within 1.5 × keep-alive); server sent DISCONNECT: session taken over)',
    }]);
  });

  it('says what an unfinished send was missing and why chatbench stopped expecting it', () => {
    const sends = measured('room', (s) => {
      s.sends = { failed: 15, unfinished: [{ awaiting: 'PUBACK', because: 'connection-closed', count: 12 }, { awaiting: 'PUBACK', because: 'stopped-waiting', count: 3 }] };
    });
    expect(judge(plain, sends, null).reasons).toEqual([{ kind: 'send', failed: 15, message: '12 sends got no PUBACK before the connection closed; 3 sends got no PUBACK before chatbench stopped waiting' }]);
  });

  it('never passes a QoS 2 scenario whose flow was not QoS 2 (a PUBACK for a QoS 2 PUBLISH)', () => {
    const anomaly = measured('direct', (s) => {
      s.anomalies = [{ kind: 'qos2-answered-with-puback', detail: 'QoS 2 PUBLISH acknowledged with PUBACK: exactly-once was not exercised', seen: ['PUBLISH(qos 2)', 'PUBACK'], count: 20 }];
    });
    const result = judge(plain, anomaly, null);
    expect(result.status).toBe('failed');
    expect(result.reasons).toEqual([{
      kind: 'protocol', anomaly: 'qos2-answered-with-puback',
      message: 'the server broke the acknowledgement flow 20 times: QoS 2 PUBLISH acknowledged with PUBACK: exactly-once was not exercised (packets seen: PUBLISH(qos 2), PUBACK)',
    }]);
  });

  it('reports nothing measured when nothing was sent, but not on top of an abort', () => {
    const none = measured('room', (s) => { s.throughput.sent = 0; });
    expect(kinds(judge(plain, none, null).reasons)).toEqual(['nothing-measured']);
    const aborted = judge(plain, none, { cause: 'stall', message: 'the server stopped responding for 5 s at t = 12.3 s' });
    expect(aborted.status).toBe('aborted');
    expect(aborted.reasons).toEqual([{ kind: 'abort', cause: 'stall', message: 'the server stopped responding for 5 s at t = 12.3 s' }]);
  });

  it('keeps every other reason of an aborted scenario beside its abort', () => {
    const m = measured('room', (s) => { s.delivery.byQos['1']!.undelivered = 5; s.drain.endedBy = 'stall'; });
    const result = judge({ ...plain, thresholds: thresholds('p99 < 1us') }, m, { cause: 'stall', message: 'stalled' });
    expect(result.status).toBe('aborted');
    expect(kinds(result.reasons)).toEqual(['abort', 'threshold', 'undelivered']);
  });
});
