/**
 * The protocol-neutral case runner with hand-made cases (no server): each verdict kind and what
 * it says, cleanups after every outcome, SHOULD/MAY choices never failing a case, bounded
 * concurrency, unique client ids and topics, and an interrupted run starting no more cases.
 */
import { describe, expect, it } from 'vitest';
import type { CaseContext, ConformCase } from '../../core/conform/case.js';
import { clientIdFor, runCases, type SuiteBinding } from '../../core/conform/runner.js';

const binding: SuiteBinding<CaseContext> = { unmet: () => undefined, context: (base) => base };

function kase(id: string, run: ConformCase['run'], extra: Partial<ConformCase> = {}): ConformCase {
  return { id, title: `${id} title`, layer: 'raw', statements: { '5': ['MQTT-3.1.0-2', 'MQTT-3.1.2-1'] }, run, ...extra };
}

async function one(c: ConformCase, b: SuiteBinding<CaseContext> = binding) {
  const [v] = await runCases([{ case: c, version: '5' }], b, { runId: 'r1' });
  if (v === undefined) throw new Error('no verdict');
  return v;
}

describe('runCases', () => {
  it('passes a case whose checks all hold, with its statements and section', async () => {
    const v = await one(kase('a.ok', async (ctx) => void ctx.check('MQTT-3.1.0-2', true, 'x', 'x')));
    expect(v).toMatchObject({ id: 'a.ok', version: '5', verdict: 'pass', reason: null, section: '3.1.0', statements: ['MQTT-3.1.0-2', 'MQTT-3.1.2-1'], failures: [] });
  });

  it('fails on a failed check with statement, expected and observed, and goes on after check but not after require', async () => {
    const steps: string[] = [];
    const v = await one(kase('a.fail', async (ctx) => {
      ctx.check('MQTT-3.1.0-2', false, 'the connection closed', 'a CONNACK');
      steps.push('after check');
      ctx.require('MQTT-3.1.2-1', false, 'a refusal', 'nothing');
      steps.push('after require');
    }));
    expect(v.verdict).toBe('fail');
    expect(v.failures).toEqual([
      { statement: 'MQTT-3.1.0-2', expected: 'the connection closed', observed: 'a CONNACK' },
      { statement: 'MQTT-3.1.2-1', expected: 'a refusal', observed: 'nothing' },
    ]);
    expect(steps).toEqual(['after check']);
  });

  it('times out saying chatbench stopped waiting, not that the server failed, and aborts the case signal', async () => {
    let signal: AbortSignal | undefined;
    const v = await one(kase('a.slow', (ctx) => {
      signal = ctx.signal;
      return new Promise<void>(() => undefined);
    }, { timeoutMs: 50 }));
    expect(v.verdict).toBe('timeout');
    expect(v.reason).toContain('chatbench stopped waiting after 50 ms');
    expect(v.reason).toContain('not a verdict on the server');
    expect(v.failures).toEqual([]);
    expect(signal?.aborted).toBe(true);
  });

  it('skips with the reason a case gives, and with the binding\'s unmet capability before running', async () => {
    const v = await one(kase('a.skip', async (ctx) => {
      ctx.check('MQTT-3.1.0-2', false, 'x', 'y');
      ctx.skip('the server has no retained messages');
    }));
    expect(v).toMatchObject({ verdict: 'skip', reason: 'the server has no retained messages', failures: [] });
    let ran = false;
    const unmet = await one(kase('a.needs', async () => void (ran = true), { needs: ['retain'] }), { ...binding, unmet: () => 'no retain' });
    expect(unmet).toMatchObject({ verdict: 'skip', reason: 'no retain' });
    expect(ran).toBe(false);
  });

  it('reports an exception as chatbench\'s error, not the server\'s', async () => {
    const v = await one(kase('a.bug', async () => {
      throw new Error('EMFILE: too many open files');
    }));
    expect(v.verdict).toBe('error');
    expect(v.reason).toBe('chatbench could not complete the case: EMFILE: too many open files');
  });

  it('runs cleanups newest first after a pass, a failure, a timeout and an error', async () => {
    for (const [run, timeoutMs] of [
      [async () => undefined, undefined],
      [async (ctx: CaseContext) => ctx.require('MQTT-3.1.0-2', false, 'a', 'b'), undefined],
      [() => new Promise<void>(() => undefined), 40],
      [async () => { throw new Error('boom'); }, undefined],
    ] as const) {
      const order: string[] = [];
      const c = kase('a.clean', async (ctx) => {
        ctx.cleanup(() => void order.push('first registered'));
        ctx.cleanup(async () => { order.push('second registered'); });
        await run(ctx);
      }, timeoutMs === undefined ? {} : { timeoutMs });
      const v = await one(c);
      expect(order, v.verdict).toEqual(['second registered', 'first registered']);
    }
  });

  it('keeps a failing cleanup from changing the verdict', async () => {
    const v = await one(kase('a.badclean', async (ctx) => ctx.cleanup(() => { throw new Error('already closed'); })));
    expect(v.verdict).toBe('pass');
  });

  it('records SHOULD / MAY choices and never fails a case for them', async () => {
    const v = await one(kase('a.choice', async (ctx) => {
      ctx.chose('MQTT-3.1.2-1', 'closed the connection without a CONNACK');
    }));
    expect(v.verdict).toBe('pass');
    expect(v.choices).toEqual([{ statement: 'MQTT-3.1.2-1', behaviour: 'closed the connection without a CONNACK' }]);
  });

  it('keeps the evidence of failing cases only', async () => {
    const exchanges = [{ dir: 'sent' as const, atMs: 0, hex: '100c' }, { dir: 'received' as const, atMs: 1, hex: '20020000' }];
    const failing = await one(kase('a.ev', async (ctx) => {
      ctx.evidence('client', () => exchanges);
      ctx.check('MQTT-3.1.0-2', false, 'closed', 'open');
    }));
    expect(failing.evidence).toEqual([{ connection: 'client', exchanges }]);
    const passing = await one(kase('a.ev2', async (ctx) => ctx.evidence('client', () => exchanges)));
    expect(passing.evidence).toEqual([]);
  });

  it('runs at most `concurrency` cases at once, verdicts in plan order', async () => {
    let running = 0;
    let most = 0;
    const cases = Array.from({ length: 9 }, (_, i) => kase(`c.n${i}`, async () => {
      running += 1;
      most = Math.max(most, running);
      // Yield a few turns so other workers get to start theirs while this one runs.
      for (let t = 0; t < 5; t++) await new Promise((r) => setImmediate(r));
      running -= 1;
    }));
    const verdicts = await runCases(cases.map((c) => ({ case: c, version: '5' })), binding, { runId: 'r1', concurrency: 3 });
    expect(most).toBe(3);
    expect(verdicts.map((v) => v.id)).toEqual(cases.map((c) => c.id));
  });

  it('gives each case its own client ids (23 characters at most [MQTT-3.1.3-5]) and topics', async () => {
    const seen: { ids: string[]; topic: string }[] = [];
    const cases = ['a.one', 'a.two'].map((id) => kase(id, async (ctx) => void seen.push({ ids: [ctx.clientId('publisher'), ctx.clientId('publisher')], topic: ctx.topic('t') })));
    await runCases(cases.map((c) => ({ case: c, version: '5' })), binding, { runId: 'run42', concurrency: 2 });
    const ids = seen.flatMap((s) => s.ids);
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(23);
    expect(seen.map((s) => s.topic).sort()).toEqual(['chatbench/run42/a_one-5/t', 'chatbench/run42/a_two-5/t']);
    expect(clientIdFor('abcdefghij', 300, 2, 'a-very-long-suffix-indeed')).toHaveLength(23);
  });

  it('starts no case once the run is interrupted: the rest are skips saying so', async () => {
    const stop = new AbortController();
    const started: string[] = [];
    const cases = ['s.one', 's.two', 's.three'].map((id) => kase(id, async () => {
      started.push(id);
      stop.abort('SIGINT');
    }));
    const verdicts = await runCases(cases.map((c) => ({ case: c, version: '5' })), binding, { runId: 'r1', concurrency: 1, signal: stop.signal });
    expect(started).toEqual(['s.one']);
    expect(verdicts.map((v) => v.verdict)).toEqual(['pass', 'skip', 'skip']);
    expect(verdicts[1]?.reason).toBe('the run was interrupted before this case started');
  });
});
