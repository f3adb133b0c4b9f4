/**
 * The load-shape keys of a scenario file: arrival (constant, poisson), phases (steady, ramps),
 * think time, connect.rate, payloadSizes (uniform, weighted) and seed — what they normalise to, that leaving them out changes nothing,
 * and that a wrong value is named at its file:line:column.
 */
import { expect, test } from 'vitest';
import { parseScenarioText } from '../../core/scenario/index.js';
import '../../runners/index.js';
import { problems, yaml } from '../helpers/scenario-issues.js';

const one = (text: string) => {
  const [s] = parseScenarioText(text, 'shapes.yaml').scenarios;
  if (s === undefined) throw new Error('no scenario');
  return s;
};

test('without the new keys a scenario normalises exactly as before: no arrival, sizes or seed in the spec', () => {
  const s = one('scenarios: [{ name: a, payload: 256 }]\n');
  expect(s).not.toHaveProperty('arrival');
  expect(s).not.toHaveProperty('payloadSizes');
  expect(s).not.toHaveProperty('seed');
  expect(s.payloadBytes).toBe(256);
  // constant written out is the default: still nothing recorded
  expect(one('scenarios: [{ name: a, arrival: constant }]\n')).not.toHaveProperty('arrival');
});

test('arrival: poisson normalises, with the seed (default 1) where a draw is made', () => {
  expect(one('scenarios: [{ name: a, arrival: poisson }]\n')).toMatchObject({ arrival: { kind: 'poisson' }, seed: 1 });
  expect(one('scenarios: [{ name: a, arrival: poisson, seed: 42 }]\n')).toMatchObject({ seed: 42 });
  // from defaults: too
  expect(one(yaml('defaults: { arrival: poisson, seed: 7 }', 'scenarios: [{ name: a }]'))).toMatchObject({ arrival: { kind: 'poisson' }, seed: 7 });
});

test('phases: ramp up, steady, ramp down; duration their sum, rate their peak; the ramp draws nothing', () => {
  const s = one(yaml(
    'scenarios:',
    '  - name: a',
    '    phases:',
    '      - { duration: 10s, from: 0, to: 500/s }',
    '      - { duration: 30s, rate: 500/s }',
    '      - { duration: 5s, from: 500/s, to: 0/s }',
  ));
  expect(s.phases).toEqual([
    { durationMs: 10_000, fromRate: 0, toRate: 500 },
    { durationMs: 30_000, fromRate: 500, toRate: 500 },
    { durationMs: 5_000, fromRate: 500, toRate: 0 },
  ]);
  expect(s.durationMs).toBe(45_000);
  expect(s.rate).toBe(500);
  expect(s).not.toHaveProperty('seed');
  // with poisson: a Poisson process along the phases
  expect(one('scenarios: [{ name: a, arrival: poisson, phases: [{ duration: 2s, rate: 5/s }] }]\n')).toMatchObject({ arrival: { kind: 'poisson' }, rate: 5, durationMs: 2_000, seed: 1 });
  // phases in a scenario win over rate and duration from defaults:
  expect(one(yaml('defaults: { rate: 7/s, duration: 1s }', 'scenarios: [{ name: a, phases: [{ duration: 3s, rate: 9/s }] }]'))).toMatchObject({ rate: 9, durationMs: 3_000 });
});

test('think: the rate is senders / think; connect.rate ramps the connections', () => {
  // 1 room of 4 members (4 senders) + 1 direct pair (2 senders) = 6 senders, one send each per 2 s
  const s = one('scenarios: [{ name: a, users: 4, rooms: { count: 1, members: 4 }, directPairs: 1, think: 2s, connect: { rate: 20/s } }]\n');
  expect(s).toMatchObject({ thinkMs: 2_000, rate: 3, seed: 1, connect: { concurrency: 50, timeoutMs: 10_000, rate: 20 } });
  expect(one('scenarios: [{ name: a }]\n').connect).toEqual({ concurrency: 50, timeoutMs: 10_000 });
});

test('payloadSizes: uniform and weighted, with payloadBytes the largest size a draw can give', () => {
  const uniform = one('scenarios: [{ name: a, payloadSizes: { min: 100, max: 1KiB } }]\n');
  expect(uniform.payloadSizes).toEqual({ kind: 'uniform', min: 100, max: 1024 });
  expect(uniform.payloadBytes).toBe(1024);
  expect(uniform.seed).toBe(1);
  const weighted = one('scenarios: [{ name: a, payloadSizes: [{ size: 128, weight: 9 }, { size: 256KiB, weight: 1 }] }]\n');
  expect(weighted.payloadSizes).toEqual({ kind: 'weighted', choices: [{ bytes: 128, weight: 9 }, { bytes: 262_144, weight: 1 }] });
  expect(weighted.payloadBytes).toBe(262_144);
});

test('wrong load-shape values are each named at file:line:column', () => {
  const text = yaml(
    'scenarios:', //                                            1
    '  - name: a', //                                           2
    '    arrival: bursty', //                                   3 col 14
    '    seed: -1', //                                          4 col 11
    '  - name: b', //                                           5
    '    phases: [{ duration: 1s, from: fast, to: 1 }]', //    6 col 36
    '    payloadSizes: { min: 2KiB, max: 1KiB }', //            7 col 37 (max)
    '  - name: c', //                                           8
    '    payload: 256', //                                      9
    '    payloadSizes: [{ size: 32, weight: 1 }]', //          10 col 28
    '  - name: d', //                                          11
    '    payload: 256', //                                     12
    '    payloadSizes: [{ size: 128, weight: 1 }]', //         13 col 19
    '  - name: e', //                                          14
    '    payloadSizes: [{ size: 128, weight: 0 }]', //         15 col 41
    '  - name: f', //                                          16
    '    payloadSizes: [{ size: 512MiB, weight: 1 }]', //      17 col 19
    '  - name: g', //                                          18
    '    rate: 5/s', //                                        19
    '    phases: [{ duration: 2s, rate: 0 }]', //              20 col 13
    '  - name: h', //                                          21
    '    think: 1s', //                                        22 col 12
    '    rate: 5/s', //                                        23
    '    arrival: poisson', //                                 24 col 14
    '    connect: { rate: 0 }', //                             25 col 22
  );
  expect(problems(text)).toEqual([
    '3:14 scenarios[0].arrival | expected constant (evenly spaced sends) or poisson (seeded exponential gaps)',
    '4:11 scenarios[0].seed | must be at least 0, got -1',
    expect.stringMatching(/^6:36 scenarios\[1\]\.phases\[0\]\.from \| invalid rate "fast"/),
    '7:37 scenarios[1].payloadSizes.max | min must not be more than max',
    '10:28 scenarios[2].payloadSizes[0].size | must be at least 64 bytes (the chatbench header is part of the payload), got 32',
    '13:19 scenarios[3].payloadSizes | payloadSizes and payload both set: give one (payloadSizes draws a size per message)',
    '15:41 scenarios[4].payloadSizes[0].weight | must be greater than 0, got 0',
    expect.stringMatching(/^17:19 scenarios\[5\]\.payloadSizes \| payload \(512MiB = 536,870,912 bytes\) is more than one MQTT message can carry/),
    '20:13 scenarios[6].phases | phases and rate both set: phases give the rate of each stretch (write rate: inside a phase)',
    '20:13 scenarios[6].phases | every phase has rate 0: nothing would be sent',
    '22:12 scenarios[7].think | think and rate both set: with think time every sender sends once per think, which sets the rate',
    '24:14 scenarios[7].arrival | arrival: poisson and think both set: think time spaces each sender evenly from a random start; give one',
    expect.stringMatching(/^25:22 scenarios\[7\]\.connect\.rate \| rate must be greater than zero/),
  ]);
});

test('pacing: poll is recorded with its window (600 µs, or { poll: 2ms }); sleep, the default, is not; a bad value is named at file:line:column', () => {
  expect(one('scenarios: [{ name: a, pacing: poll }]\n')).toMatchObject({ pacing: { pollWithinMicros: 600 } });
  expect(one('scenarios: [{ name: a, pacing: { poll: 2ms } }]\n')).toMatchObject({ pacing: { pollWithinMicros: 2000 } });
  expect(one('scenarios: [{ name: a, pacing: { poll: 250us } }]\n')).toMatchObject({ pacing: { pollWithinMicros: 250 } });
  expect(one('scenarios: [{ name: a, pacing: sleep }]\n')).not.toHaveProperty('pacing');
  expect(one(yaml('defaults: { pacing: poll }', 'scenarios: [{ name: a }]'))).toMatchObject({ pacing: { pollWithinMicros: 600 } });
  expect(problems(yaml('scenarios:', '  - name: a', '    pacing: spin'))).toEqual([
    expect.stringMatching(/^3:13 .*expected sleep .*, poll .* or \{ poll: 2ms \}/),
  ]);
  expect(problems(yaml('scenarios:', '  - name: a', '    pacing: { poll: 2 }'))).toEqual([expect.stringMatching(/^3:21 .*give a unit, e.g. 2us or 2ms/)]);
  expect(problems(yaml('scenarios:', '  - name: a', '    pacing: { poll: 0us }'))).toEqual([expect.stringMatching(/^3:21 .*must be longer than zero/)]);
  expect(problems(yaml('scenarios:', '  - name: a', '    pacing: { poll: 1s }'))).toEqual([expect.stringMatching(/^3:21 .*at most 100 ms/)]);
  expect(problems(yaml('scenarios:', '  - name: a', '    pacing: { wait: 1ms }'))).toEqual([expect.stringMatching(/^3:13 /)]);
});
