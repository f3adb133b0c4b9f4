import { describe, expect, test } from 'vitest';
import { InputError, formatIssue } from '../../core/errors.js';
import { parseScenarioText } from '../../core/scenario/index.js';
import { didYouMean, editDistance } from '../../core/scenario/suggest.js';

/** Lines joined with "\n": the array index + 1 is the line number used in the expectations. */
const yaml = (...lines: string[]) => lines.join('\n') + '\n';

/** The issues of a file that must fail, as "line:column path | message". */
function problems(text: string, opts: { target?: string } = {}): string[] {
  try {
    parseScenarioText(text, 'bad.yaml', opts);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    expect(error.message.split('\n')[0]).toBe('invalid scenario file bad.yaml');
    expect(error.exitCode).toBe(2);
    return error.issues.map((i) => `${i.line}:${i.column} ${i.path} | ${i.message}`);
  }
  throw new Error('expected the file to be rejected');
}

test('several problems in one file are all reported, each at its own line:column', () => {
  const text = yaml(
    'scenarios:', //                              1
    '  - name: fanout', //                        2
    '    users: 0', //                            3  col 12
    '    rate: fast', //                          4  col 11
    '    payload: 32', //                         5  col 14
    '    qos: 3', //                              6  col 10
    '    duratoin: 10s', //                       7  col 5 (the key)
    '  - users: 4', //                            8  col 5: missing name -> the map
    '    thresholds: ["p99 < 5", "lost == 0"]', //9  col 18
  );
  expect(problems(text)).toEqual([
    '3:12 scenarios[0].users | must be at least 1, got 0',
    '4:11 scenarios[0].rate | invalid rate "fast": write messages per time unit: 500/s, 30/min, 3600/h, or a number per second',
    '5:14 scenarios[0].payload | must be at least 64 bytes (the chatbench header is part of the payload), got 32',
    '6:10 scenarios[0].qos | expected 0 (at most once), 1 (at least once) or 2 (exactly once)',
    '7:5 scenarios[0].duratoin | unknown key "duratoin"; did you mean "duration"?',
    '8:5 scenarios[1].name | required key "name" is missing',
    '9:18 scenarios[1].thresholds[0] | threshold "p99 < 5": p99 is a latency: give a unit, e.g. 5ms (us, ms or s)',
  ]);
});

test('cross-field rules are checked even when another scenario has field errors', () => {
  // defaults: problems are reported against defaults: when the scenario does not set the key itself
  expect(problems(yaml('defaults: { warmup: 5s, duration: 3s }', 'scenarios: [{ name: a }, { name: b, warmup: 1s }]'))).toEqual([
    '1:21 defaults.warmup | warmup (5s) must be shorter than duration (3s) (in scenario "a")',
  ]);
  const text = yaml(
    'defaults:', //                               1
    '  warmup: 5s', //                            2
    'scenarios:', //                              3
    '  - name: a', //                             4
    '    rate: -1', //                            5  col 11
    '  - name: b', //                             6
    '    users: 4', //                            7
    '    rooms: { count: 2, members: 6 }', //     8  col 33
    '    directPairs: 3', //                      9  col 18
    '    duration: 5s', //                        10 col 15
    '    typo: 1', //                             11 col 5
    '  - name: a', //                             12 col 11
    '    rooms: { count: 0 }', //                 13 col 21
  );
  expect(problems(text)).toEqual([
    '5:11 scenarios[0].rate | rate must be greater than zero, got -1',
    '8:33 scenarios[1].rooms.members | rooms.members (6) is more than users (4)',
    '9:18 scenarios[1].directPairs | directPairs (3) needs 6 users, but users is 4',
    // warmup comes from defaults:, the scenario's own duration is the better place to point at
    '10:15 scenarios[1].duration | warmup (5s) must be shorter than duration (5s)',
    expect.stringMatching(/^11:5 scenarios\[1\]\.typo \| unknown key "typo"; valid keys here: name, description, users, rooms, /),
    '12:11 scenarios[2].name | duplicate scenario name "a" (also scenarios[0])',
    '13:21 scenarios[2].rooms.count | no one to deliver to: give a room at least 2 members, or set directPairs to 1 or more',
  ]);
});

test('a YAML syntax error is reported at its position', () => {
  const text = yaml(
    'scenarios:', //          1
    '  - name: [oops', //     2 unterminated flow sequence
    'defaults: {}', //        3 col 1: where the parser notices
  );
  const found = problems(text);
  expect(found).toHaveLength(1);
  expect(found[0]).toMatch(/^3:1  \| Flow sequence in block collection must be sufficiently indented and end with a \]/);
});

test('a tab in indentation is a syntax error at the tab', () => {
  expect(problems('scenarios:\n\t- name: a\n')).toEqual([expect.stringMatching(/^2:1  \| .*tab/i)]);
});

test('duplicate keys are reported with their path, and the rest of the file is still checked', () => {
  const text = yaml(
    'scenarios:', //          1
    '  - name: a', //         2
    '    rate: 10/s', //      3
    '    rate: 20/s', //      4 col 5
    '    users: many', //     5 col 12
  );
  expect(problems(text)).toEqual([
    '4:5 scenarios[0].rate | duplicate key "rate"',
    '5:12 scenarios[0].users | expected a number, got "many"',
  ]);
});

test('unknown keys point at the key and suggest the closest one', () => {
  const text = yaml(
    'target:', //                       1
    '  url: mqtt://h', //               2
    '  password: secret', //            3 col 3
    'scenario:', //                     4 col 1
    '  - name: a', //                   5
  );
  expect(problems(text)).toEqual([
    '1:1 scenarios | required key "scenarios" is missing',
    '3:3 target.password | unknown key "password"; did you mean "passwordEnv"? (credentials come from environment variables: name the variable here)',
    '4:1 scenario | unknown key "scenario"; did you mean "scenarios"?',
  ]);
});

test('threshold parse errors point at the threshold', () => {
  const text = yaml(
    'scenarios:', //                  1
    '  - name: a', //                 2
    '    thresholds:', //             3
    '      - p95 < 10ms', //          4 col 9
    '      - "lost = 0"', //          5 col 9
    '      - lossRatio < 0.01', //    6 fine
  );
  expect(problems(text)).toEqual([
    expect.stringMatching(/^4:9 scenarios\[0\]\.thresholds\[0\] \| threshold "p95 < 10ms": unknown metric "p95" \(did you mean "p90"\?\); valid metrics: /),
    '5:9 scenarios[0].thresholds[1] | threshold "lost = 0": use "==" to compare for equality',
  ]);
});

describe('file-level problems', () => {
  test.each<[string, string, string]>([
    ['empty file', '', '1:1  | the file is empty: expected a map with a "scenarios" list'],
    ['comment only', '# nothing\n', '1:1  | the file is empty: expected a map with a "scenarios" list'],
    ['zero scenarios', 'scenarios: []\n', '1:12 scenarios | lists no scenarios; add at least one'],
    ['a list at the top', '- name: a\n', '1:1  | expected a map such as { scenarios: [...] }'],
    ['scenarios not a list', 'scenarios:\n  name: a\n', '2:3 scenarios | expected a list, got a map'],
    ['a scenario that is not a map', 'scenarios: [fanout]\n', '1:13 scenarios[0] | expected a map such as { name: room-fanout, users: 50 }'],
    ['bad name', 'scenarios: [{ name: "a b" }]\n', '1:21 scenarios[0].name | may hold only letters, digits, ".", "_" and "-"'],
    ['empty rooms value', 'scenarios:\n  - name: a\n    rooms:\n', '3:5 scenarios[0].rooms | expected a map such as { count: 5, members: 10 }'],
    ['bad url scheme', 'target: { url: "http://h" }\nscenarios: [{ name: a }]\n', '1:16 target.url | unsupported URL scheme "http://" in "http://h"; use mqtt://, mqtts://, ws:// or wss://'],
    ['bad mqttVersion', 'target: { url: "mqtt://h", mqttVersion: 3.1 }\nscenarios: [{ name: a }]\n', '1:41 target.mqttVersion | expected 3.1.1 or 5.0'],
    ['secret instead of env name', 'target: { url: "mqtt://h", usernameEnv: "hunter 2" }\nscenarios: [{ name: a }]\n', '1:41 target.usernameEnv | must be the name of an environment variable (e.g. CHAT_USER), not the credential itself'],
    ['tls on a plain url', 'target: { url: "mqtt://h", tls: { ca: ca.pem } }\nscenarios: [{ name: a }]\n', '1:33 target.tls | tls is set but target.url uses mqtt://; use mqtts:// or wss://'],
    ['cert without key', 'target: { url: "mqtts://h", tls: { cert: c.pem } }\nscenarios: [{ name: a }]\n', '1:42 target.tls.cert | cert and key go together: set both or neither'],
    ['3.1.1 password without user', 'target: { url: "mqtt://h", mqttVersion: 3.1.1, passwordEnv: P }\nscenarios: [{ name: a }]\n', '1:61 target.passwordEnv | MQTT 3.1.1 sends a password only with a user name [MQTT-3.1.2-22]: set usernameEnv too'],
    ['warmup not shorter than duration', 'scenarios: [{ name: a, warmup: 3s, duration: 2s }]\n', '1:32 scenarios[0].warmup | warmup (3s) must be shorter than duration (2s)'],
    ['one user, nobody to talk to', 'scenarios: [{ name: a, users: 1 }]\n', '1:31 scenarios[0].users | no one to deliver to: give a room at least 2 members, or set directPairs to 1 or more'],
    ['payload too large', 'scenarios: [{ name: a, payload: 1GiB }]\n', '1:33 scenarios[0].payload | must be at most 256MiB, got 1GiB'],
    ['messages must be a whole number', 'scenarios: [{ name: a, messages: 2.5 }]\n', '1:34 scenarios[0].messages | expected a whole number, got 2.5'],
    ['duration zero', 'scenarios: [{ name: a, duration: 0 }]\n', '1:34 scenarios[0].duration | must be longer than zero'],
    ['duration as a list', 'scenarios: [{ name: a, duration: [1] }]\n', '1:34 scenarios[0].duration | expected a duration such as 10s, 500ms or 2m'],
  ])('%s', (_, text, expected) => {
    expect(problems(text)).toEqual([expected]);
  });

  test('--target with TLS options left in the file for a plain URL names the flag', () => {
    const text = 'target: { url: "mqtts://h", tls: { ca: ca.pem } }\nscenarios: [{ name: a }]\n';
    expect(problems(text, { target: 'mqtt://other' })).toEqual(['1:34 target.tls | tls is set but --target uses mqtt://; use mqtts:// or wss://']);
  });
});

test('issues format as file:line:column: path: message', () => {
  const error = (() => {
    try {
      parseScenarioText('scenarios: [{ name: a, qos: 5 }]\n', 'x.yaml');
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  expect(error).toBeInstanceOf(InputError);
  const issue = (error as InputError).issues[0];
  expect(issue && formatIssue(issue)).toBe('x.yaml:1:29: scenarios[0].qos: expected 0 (at most once), 1 (at least once) or 2 (exactly once)');
  expect((error as InputError).message).toBe(`invalid scenario file x.yaml\n  ${issue ? formatIssue(issue) : ''}`);
});

test('did-you-mean: close keys are suggested, far ones are not', () => {
  expect(editDistance('kitten', 'sitting')).toBe(3);
  expect(editDistance('', 'abc')).toBe(3);
  expect(didYouMean('durtion', ['duration', 'drain'])).toBe('duration');
  expect(didYouMean('Users', ['users', 'rooms'])).toBe('users');
  expect(didYouMean('payloadBytes', ['payload', 'qos'])).toBe('payload');
  expect(didYouMean('colour', ['users', 'rooms', 'rate'])).toBeUndefined();
  expect(didYouMean('x', ['qos'])).toBeUndefined();
});
