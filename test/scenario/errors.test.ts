import { describe, expect, test } from 'vitest';
import { InputError, formatIssue } from '../../core/errors.js';
import { parseScenarioText } from '../../core/scenario/index.js';
import { didYouMean, editDistance } from '../../core/scenario/suggest.js';
import '../../runners/index.js'; // registers MQTT, whose target fields these files use

import { problems, yaml } from '../helpers/scenario-issues.js';

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
    '13:21 scenarios[2].rooms.count | no one to deliver to: give a room at least 2 members, or set directPairs, randomPeers or fanIn',
  ]);
});

test('a scenario with field errors still gets every cross-field rule whose own fields are valid', () => {
  const text = yaml(
    'scenarios:', //                              1
    '  - name: a', //                             2
    '    users: 5', //                            3
    '    rate: fast', //                          4  col 11
    '    rooms: { count: 1, members: 50 }', //    5  col 33
    '    directPairs: 4', //                      6  col 18
  );
  expect(problems(text)).toEqual([
    '4:11 scenarios[0].rate | invalid rate "fast": write messages per time unit: 500/s, 30/min, 3600/h, or a number per second',
    '5:33 scenarios[0].rooms.members | rooms.members (50) is more than users (5)',
    '6:18 scenarios[0].directPairs | directPairs (4) needs 8 users, but users is 5',
  ]);
});

test('a cross-field rule is skipped when one of its own fields is invalid (no guessing with defaults)', () => {
  const text = yaml(
    'defaults:', //                               1
    '  users: many', //                           2  col 10
    'scenarios:', //                              3
    '  - name: a', //                             4
    '    directPairs: 9', //                      5  users comes from the invalid defaults.users
    '    rooms: { count: 1, members: 50 }', //    6
    '  - name: b', //                             7
    '    users: 0', //                            8  col 12
    '    rooms: { count: 1, members: 50 }', //    9
    '    warmup: 2s', //                          10 col 13: unrelated to users, still checked
    '    duration: 1s', //                        11
    '  - rooms: { count: 0 }', //                 12 col 5 (no name), col 21
    '    users: 4', //                            13
    '    rate: 0.5', //                           14
    '    messages: two', //                       15 col 15
  );
  expect(problems(text)).toEqual([
    '2:10 defaults.users | expected a number, got "many"',
    '8:12 scenarios[1].users | must be at least 1, got 0',
    '10:13 scenarios[1].warmup | warmup (2s) must be shorter than duration (1s)',
    '12:5 scenarios[2].name | required key "name" is missing',
    '12:21 scenarios[2].rooms.count | no one to deliver to: give a room at least 2 members, or set directPairs, randomPeers or fanIn',
    '15:15 scenarios[2].messages | expected a number, got "two"',
  ]);
  // a rule pointing into defaults: names the scenario by index when it has no valid name
  expect(problems(yaml('defaults: { warmup: 15s }', 'scenarios: [{ name: "a b" }]'))).toEqual([
    '1:21 defaults.warmup | warmup (15s) must be shorter than duration (10s) (in scenarios[0])',
    '2:21 scenarios[0].name | may hold only letters, digits, ".", "_" and "-"',
  ]);
});

test('an unterminated flow collection is reported at its opening bracket, not where the parser gave up', () => {
  const text = yaml(
    'scenarios:', //          1
    '  - name: [oops', //     2 col 11: unterminated flow sequence
    'defaults: {}', //        3 col 1: where the parser notices
  );
  const found = problems(text);
  expect(found).toHaveLength(1);
  expect(found[0]).toMatch(/^2:11  \| Flow sequence in block collection must be sufficiently indented and end with a \]/);
});

describe('YAML syntax errors point at the unterminated token, never past the file', () => {
  test('an unclosed " at 2:11 of a 3-line file (was 4:1, a line that does not exist)', () => {
    const text = yaml(
      'scenarios:', //            1
      '  - name: "oops', //       2 col 11
      '    users: 4', //          3
    );
    expect(problems(text)).toEqual(['2:11  | Missing closing "quote']);
  });

  test('an unclosed [ at 3:12 (was 4:5, where the parser gave up)', () => {
    const text = yaml(
      'scenarios:', //            1
      '  - name: a', //           2
      '    rooms: [oops', //      3 col 12
      '    drain: 1s', //         4
    );
    expect(problems(text)).toEqual([expect.stringMatching(/^3:12  \| Flow sequence in block collection must be sufficiently indented and end with a \]/)]);
  });

  test('single quotes, escaped quotes, flow maps and nested collections', () => {
    expect(problems("scenarios:\n  - name: 'it''s\n")).toEqual(["2:11  | Missing closing 'quote"]);
    expect(problems('scenarios:\n  - { name: "a\\"b\n')).toEqual([
      '2:5  | Flow map in block collection must be sufficiently indented and end with a }',
      '2:13  | Missing closing "quote',
    ]);
    // the inner [a] is closed: the error belongs to the outer [
    expect(problems('scenarios: [[a]')).toEqual([expect.stringMatching(/^1:12  \| Flow sequence .* end with a \]/)]);
    expect(problems('a: [1, {b: [2\n')).toEqual([
      expect.stringMatching(/^1:4  \| Flow sequence .* end with a \]/),
      expect.stringMatching(/^1:8  \| Flow map .* end with a \}/),
      expect.stringMatching(/^1:12  \| Flow sequence .* end with a \]/),
    ]);
  });

  test('an error the parser reports after the end of the file is clamped to the last line', () => {
    // "%YAML 1.2" needs a "---" line after it; the parser reports it at 2:1, past the 1-line file
    expect(problems('%YAML 1.2\n')).toEqual(['1:9  | Missing directives-end indicator line']);
    expect(problems('%YAML 1.2\n\n\n')).toEqual(['3:1  | Missing directives-end indicator line']);
  });
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

const MQTT_31 = 'MQTT 3.1 (protocol level 3) is not supported: use 3.1.1 (protocol level 4) or 5.0';
const DRAIN_ZERO = 'drain must be greater than zero: messages still in flight when sending stops would count as undelivered';

describe('file-level problems', () => {
  test.each<[string, string, string]>([
    ['empty file', '', '1:1  | the file is empty: expected a map with a "scenarios" list'],
    ['comment only', '# nothing\n', '1:1  | the file is empty: expected a map with a "scenarios" list'],
    ['zero scenarios', 'scenarios: []\n', '1:12 scenarios | lists no scenarios; add at least one'],
    ['a list at the top', '- name: a\n', '1:1  | expected a map such as { scenarios: [...] }'],
    ['scenarios not a list', 'scenarios:\n  name: a\n', '2:3 scenarios | expected a list, got a map'],
    ['a scenario that is not a map', 'scenarios: [fanout]\n', '1:13 scenarios[0] | expected a map such as { name: room-fanout, users: 50 }'],
    ['bad name', 'scenarios: [{ name: "a b" }]\n', '1:21 scenarios[0].name | may hold only letters, digits, ".", "_" and "-"'],
    ['empty rooms value', 'scenarios:\n  - name: a\n    rooms:\n', '3:5 scenarios[0].rooms | expected { count: 5, members: 10 }, or a list of sizes such as [{ count: 8, members: 3 }, { count: 2, members: 12 }]'],
    ['bad url scheme', 'target: { url: "http://h" }\nscenarios: [{ name: a }]\n', '1:16 target.url | unsupported URL scheme "http://" in "http://h"; use mqtt://, mqtts://, ws://, wss://, xmpp:// or xmpps://'],
    ['bad mqttVersion', 'target: { url: "mqtt://h", mqttVersion: 6 }\nscenarios: [{ name: a }]\n', '1:41 target.mqttVersion | expected 3.1.1 or 5.0'],
    ['mqttVersion 3 (MQTT 3.1)', 'target: { url: "mqtt://h", mqttVersion: 3 }\nscenarios: [{ name: a }]\n', `1:41 target.mqttVersion | ${MQTT_31}`],
    ['mqttVersion "3" (MQTT 3.1)', 'target: { url: "mqtt://h", mqttVersion: "3" }\nscenarios: [{ name: a }]\n', `1:41 target.mqttVersion | ${MQTT_31}`],
    ['mqttVersion 3.1', 'target: { url: "mqtt://h", mqttVersion: 3.1 }\nscenarios: [{ name: a }]\n', `1:41 target.mqttVersion | ${MQTT_31}`],
    ['drain zero', 'scenarios: [{ name: a, drain: 0s }]\n', `1:31 scenarios[0].drain | ${DRAIN_ZERO}`],
    ['drain zero in defaults:', 'defaults: { drain: 0 }\nscenarios: [{ name: a }]\n', `1:20 defaults.drain | ${DRAIN_ZERO}`],
    [
      'every send in the warm-up',
      'scenarios: [{ name: a, messages: 50, rate: 200/s, warmup: 500ms }]\n',
      '1:34 scenarios[0].messages | every one of the 50 messages is sent during the warm-up (rate × warmup = 100): nothing would be measured; lower the warm-up or raise messages',
    ],
    [
      'every send in the warm-up, messages from defaults:',
      'defaults: { messages: 3 }\nscenarios: [{ name: a, rate: 30/min, warmup: 7s }]\n',
      '1:23 defaults.messages | every one of the 3 messages is sent during the warm-up (rate × warmup = 3.5): nothing would be measured; lower the warm-up or raise messages (in scenario "a")',
    ],
    [
      'no send after the warm-up',
      'scenarios: [{ name: a, rate: 6/min, duration: 10s, warmup: 1s }]\n',
      '1:30 scenarios[0].rate | no message is sent after the warm-up (rate × (duration − warmup) = 0.9): nothing would be measured; raise the rate or the duration, or lower the warm-up',
    ],
    [
      'no send after the warm-up, all built-in but the rate',
      'scenarios: [{ name: a, rate: 3/min }]\n',
      '1:30 scenarios[0].rate | no message is sent after the warm-up (rate × (duration − warmup) = 0.45): nothing would be measured; raise the rate or the duration, or lower the warm-up',
    ],
    ['a password in an unparseable target url is not echoed', 'target: { url: "mqtt://user:secret@[::1" }\nscenarios: [{ name: a }]\n', '1:16 target.url | "mqtt://user:***@[::1" is not a URL; write e.g. mqtt://127.0.0.1:1883'],
    ['a password in a target url with a bad scheme is not echoed', 'target: { url: "http://user:secret@x" }\nscenarios: [{ name: a }]\n', '1:16 target.url | unsupported URL scheme "http://" in "http://user:***@x"; use mqtt://, mqtts://, ws://, wss://, xmpp:// or xmpps://'],
    ['secret instead of env name', 'target: { url: "mqtt://h", usernameEnv: "hunter 2" }\nscenarios: [{ name: a }]\n', '1:41 target.usernameEnv | must be the name of an environment variable (e.g. CHAT_USER), not the credential itself'],
    ['tls on a plain url', 'target: { url: "mqtt://h", tls: { ca: ca.pem } }\nscenarios: [{ name: a }]\n', '1:33 target.tls | tls is set but target.url uses mqtt://; use mqtts:// or wss://'],
    ['cert without key', 'target: { url: "mqtts://h", tls: { cert: c.pem } }\nscenarios: [{ name: a }]\n', '1:42 target.tls.cert | cert and key go together: set both or neither'],
    ['3.1.1 password without user', 'target: { url: "mqtt://h", mqttVersion: 3.1.1, passwordEnv: P }\nscenarios: [{ name: a }]\n', '1:61 target.passwordEnv | a password needs a user name: chatbench\'s MQTT client (MQTT.js) cannot send a password without one, and MQTT 3.1.1 forbids it [MQTT-3.1.2-22]: set usernameEnv too'],
    ['warmup not shorter than duration', 'scenarios: [{ name: a, warmup: 3s, duration: 2s }]\n', '1:32 scenarios[0].warmup | warmup (3s) must be shorter than duration (2s)'],
    ['one user, nobody to talk to', 'scenarios: [{ name: a, users: 1 }]\n', '1:31 scenarios[0].users | no one to deliver to: give a room at least 2 members, or set directPairs, randomPeers or fanIn'],
    ['payload too large', 'scenarios: [{ name: a, payload: 1GiB }]\n', "1:33 scenarios[0].payload | payload (1GiB = 1,073,741,824 bytes) is more than one MQTT message can carry: at most 268,434,423 bytes (the protocol's largest packet, less its headers)"],
    ['messages must be a whole number', 'scenarios: [{ name: a, messages: 2.5 }]\n', '1:34 scenarios[0].messages | expected a whole number, got 2.5'],
    ['duration zero', 'scenarios: [{ name: a, duration: 0 }]\n', '1:34 scenarios[0].duration | must be longer than zero'],
    ['duration as a list', 'scenarios: [{ name: a, duration: [1] }]\n', '1:34 scenarios[0].duration | expected a duration such as 10s, 500ms or 2m'],
    ['a required duration left out', 'scenarios: [{ name: a, faults: [{ disconnect: { share: 30%, at: 1s } }] }]\n', '1:47 scenarios[0].faults[0].disconnect.reconnectWithin | missing: give a duration such as 1s, or never'],
  ])('%s', (_, text, expected) => {
    expect(problems(text)).toEqual([expected]);
  });

  test('--target with TLS options left in the file for a plain URL names the flag', () => {
    const text = 'target: { url: "mqtts://h", tls: { ca: ca.pem } }\nscenarios: [{ name: a }]\n';
    expect(problems(text, { target: 'mqtt://other' })).toEqual(['1:34 target.tls | tls is set but --target uses mqtt://; use mqtts:// or wss://']);
  });

  test('a value given by --target or --mqtt-version is reported as the flag, at no line of the file', () => {
    const file = yaml('target:', '  url: "mqtt://h"', 'scenarios: [{ name: a }]');
    const thrown = (opts: { target?: string; targetFields?: Record<string, unknown> }, text = file): InputError => {
      try {
        parseScenarioText(text, 'scenarios.yaml', opts);
      } catch (error) {
        if (error instanceof InputError) return error;
        throw error;
      }
      throw new Error('expected the flags to be rejected');
    };
    // A password without a user name in the --target URL [MQTT-3.1.2-22]: the URL is the flag's, not target.url's.
    const noUser = thrown({ target: 'mqtt://:pw@127.0.0.1:1883' });
    expect(noUser.message).toMatch(/^invalid --target: a password needs a user name: .*: write user:password@ in the URL$/);
    expect(noUser.message).not.toContain('scenarios.yaml');
    expect(noUser.issues).toEqual([]);
    expect(noUser.exitCode).toBe(2);
    // A runner field set by a flag the target's runner does not take.
    const version = thrown({ target: 'mqtt://h', targetFields: { mqttVersion: '6' } });
    expect(version.message).toMatch(/^invalid --mqtt-version: mqttVersion from the command line: /);
    expect(version.issues).toEqual([]);
    // Both wrong: the flag first, then the file's issues at their positions.
    const both = thrown({ target: 'mqtt://:pw@h' }, yaml('scenarios: [{ name: a, qos: 5 }]'));
    expect(both.message.split('\n').slice(0, 2)).toEqual([expect.stringMatching(/^invalid --target: a password needs a user name/), 'invalid scenario file scenarios.yaml']);
    expect(both.issues.map((i) => `${i.line}:${i.column} ${i.path}`)).toEqual(['1:29 scenarios[0].qos']);
    // The same URL written in the file is still the file's, at its line.
    expect(problems(yaml('target:', '  url: "mqtt://:pw@h"', 'scenarios: [{ name: a }]'))).toEqual([
      expect.stringMatching(/^2:8 target\.url \| a password needs a user name/),
    ]);
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
