/**
 * The chat-pattern, edge-case and fault keys of a scenario file (core/scenario/pattern-fields.ts,
 * audience.ts, patterns.ts): what each normalises to with its defaults, that leaving them out
 * changes nothing, the rules between them, and that a wrong value is named at file:line:column.
 */
import { describe, expect, test } from 'vitest';
import { parseScenarioText } from '../../core/scenario/index.js';
import '../../runners/index.js';
import { problems, yaml } from '../helpers/scenario-issues.js';

const one = (text: string, opts: { target?: string } = {}) => {
  const [s] = parseScenarioText(text, 'patterns.yaml', opts).scenarios;
  if (s === undefined) throw new Error('no scenario');
  return s;
};

const PATTERN_KEYS = ['roomSizes', 'randomPeers', 'fanIn', 'topics', 'receiveMaximum', 'maxInFlight', 'session', 'presence', 'retained', 'offline', 'takeover', 'faults'];

test('without the new keys the spec holds none of them', () => {
  const s = one('scenarios: [{ name: a, rooms: { count: 2, members: 3 } }]\n');
  for (const key of PATTERN_KEYS) expect(s).not.toHaveProperty(key);
  // plain topics and a clean session written out are the defaults: nothing recorded
  const d = one('scenarios: [{ name: a, topics: plain, session: clean }]\n');
  expect(d).not.toHaveProperty('topics');
  expect(d).not.toHaveProperty('session');
});

describe('who writes to whom', () => {
  test('rooms as a list of sizes: rooms holds the total and the largest, roomSizes the list', () => {
    const s = one('scenarios: [{ name: a, users: 24, rooms: [{ count: 8, members: 3 }, { count: 2, members: 12 }] }]\n');
    expect(s.rooms).toEqual({ count: 10, members: 12 });
    expect(s.roomSizes).toEqual([{ count: 8, members: 3 }, { count: 2, members: 12 }]);
    // think time counts every member of every size as a sender: 8×3 + 2×12 = 48, one send per 2 s
    expect(one('scenarios: [{ name: a, users: 24, think: 2s, rooms: [{ count: 8, members: 3 }, { count: 2, members: 12 }] }]\n').rate).toBe(24);
  });

  test('a list in defaults: is whole; a scenario writing rooms itself replaces it', () => {
    const text = yaml('defaults: { users: 12, rooms: [{ count: 2, members: 2 }, { count: 1, members: 6 }] }', 'scenarios: [{ name: a }, { name: b, rooms: { count: 1, members: 4 } }]');
    const [a, b] = parseScenarioText(text, 'x.yaml').scenarios;
    expect(a?.roomSizes).toEqual([{ count: 2, members: 2 }, { count: 1, members: 6 }]);
    expect(b).not.toHaveProperty('roomSizes');
    expect(b?.rooms).toEqual({ count: 1, members: 4 });
  });

  test('randomPeers and fanIn: senders set the rate under think time; no rooms needed', () => {
    const peers = one('scenarios: [{ name: a, users: 10, rooms: { count: 0 }, randomPeers: 3, think: 1s }]\n');
    expect(peers).toMatchObject({ randomPeers: 3, rate: 30 });
    const desk = one('scenarios: [{ name: a, users: 31, rooms: { count: 0 }, fanIn: { receivers: 1 }, think: 1s }]\n');
    expect(desk).toMatchObject({ fanIn: { receivers: 1 }, rate: 30 });
  });
});

describe('edge-case options', () => {
  test('topics: a word or a map; long pads to 1000 bytes by default', () => {
    expect(one('scenarios: [{ name: a, topics: long }]\n').topics).toEqual({ style: 'long', bytes: 1000 });
    expect(one('scenarios: [{ name: a, topics: { style: long, bytes: 4KiB } }]\n').topics).toEqual({ style: 'long', bytes: 4096 });
    expect(one('scenarios: [{ name: a, topics: unicode }]\n').topics).toEqual({ style: 'unicode' });
  });

  test('session: persistent (expiry 5m), or a map with expiry and message expiry', () => {
    expect(one('scenarios: [{ name: a, session: persistent }]\n').session).toEqual({ persistent: true, expiryMs: 300_000 });
    const target = 'mqtt://127.0.0.1:1883';
    const s = one('target: { mqttVersion: 5 }\nscenarios: [{ name: a, receiveMaximum: 10, maxInFlight: 100, session: { persistent: true, expiry: 1m, messageExpiry: 1h } }]\n', { target });
    expect(s.session).toEqual({ persistent: true, expiryMs: 60_000, messageExpiryMs: 3_600_000 });
    expect(s).toMatchObject({ receiveMaximum: 10, maxInFlight: 100 });
  });

  test('presence with its defaults; retained with one late joiner by default', () => {
    expect(one('scenarios: [{ name: a, presence: {} }]\n').presence).toEqual({ watchers: 3, offlineShare: 0.5, abruptShare: 0.5, awayMs: 500, waitMs: 5_000 });
    expect(one('scenarios: [{ name: a, presence: { watchers: 2, offline: 0.2, abrupt: 100%, away: 1s, wait: 3s } }]\n').presence)
      .toEqual({ watchers: 2, offlineShare: 0.2, abruptShare: 1, awayMs: 1_000, waitMs: 3_000 });
    expect(one('scenarios: [{ name: a, retained: {} }]\n').retained).toEqual({ lateJoiners: 1 });
    expect(one('scenarios: [{ name: a, retained: { lateJoiners: 2 } }]\n').retained).toEqual({ lateJoiners: 2 });
  });
});

describe('absences and faults', () => {
  test('offline and a reconnecting disconnect imply a persistent session, unless session: clean is written', () => {
    const offline = one('scenarios: [{ name: a, duration: 3s, offline: { share: 50%, at: 500ms, for: 1s } }]\n');
    expect(offline.offline).toEqual({ share: 0.5, atMs: 500, forMs: 1_000 });
    expect(offline.session).toEqual({ persistent: true, expiryMs: 300_000 });
    const storm = one('scenarios: [{ name: a, duration: 3s, faults: [{ disconnect: { share: 30%, at: 1s, reconnectWithin: 500ms } }] }]\n');
    expect(storm.session?.persistent).toBe(true);
    expect(one('scenarios: [{ name: a, duration: 3s, session: clean, offline: { share: 0.5, at: 1s, for: 1s } }]\n')).not.toHaveProperty('session');
    // a drop that never reconnects expects nothing queued
    expect(one('scenarios: [{ name: a, duration: 3s, faults: [{ disconnect: { share: 0.1, at: 1s, reconnectWithin: never } }] }]\n')).not.toHaveProperty('session');
  });

  test('every fault form normalises, with network defaults of 0', () => {
    const s = one(yaml(
      'scenarios:',
      '  - name: a',
      '    duration: 5s',
      '    takeover: { share: 10%, at: 500ms }',
      '    faults:',
      '      - disconnect: { share: 30%, at: 1s, reconnectWithin: 1s }',
      '      - disconnect: { rate: 5/s, at: 1s, for: 2s, reconnectWithin: never }',
      '      - slowConsumer: { users: 2, at: 1s, for: 1s }',
      '      - network: { delay: 20ms }',
    ));
    expect(s.takeover).toEqual({ share: 0.1, atMs: 500 });
    expect(s.faults).toEqual([
      { kind: 'disconnect', share: 0.3, atMs: 1_000, reconnectWithinMs: 1_000 },
      { kind: 'disconnect', rate: 5, atMs: 1_000, forMs: 2_000, reconnectWithinMs: null },
      { kind: 'slow-consumer', users: 2, atMs: 1_000, forMs: 1_000 },
      { kind: 'network', delayMs: 20, jitterMs: 0, loss: 0, duplicate: 0 },
    ]);
    expect(one('scenarios: [{ name: a, faults: [{ network: { delay: 20ms, jitter: 5ms, loss: 1%, duplicate: 0.01 } }] }]\n').faults)
      .toEqual([{ kind: 'network', delayMs: 20, jitterMs: 5, loss: 0.01, duplicate: 0.01 }]);
    // Loss alone: no delay added.
    expect(one('scenarios: [{ name: a, faults: [{ network: { loss: 5% } }] }]\n').faults)
      .toEqual([{ kind: 'network', delayMs: 0, jitterMs: 0, loss: 0.05, duplicate: 0 }]);
  });
});

test('every form of the vocabulary at once, as the issue writes it, loads (5.0 target)', () => {
  const s = one(yaml(
    'target: { url: "mqtt://127.0.0.1:1883", mqttVersion: 5 }',
    'scenarios:',
    '  - name: all',
    '    users: 40',
    '    duration: 4s',
    '    rooms: [{ count: 8, members: 3 }, { count: 2, members: 12 }]',
    '    randomPeers: 3',
    '    fanIn: { receivers: 1 }',
    '    topics: { style: long, bytes: 1000 }',
    '    receiveMaximum: 10',
    '    maxInFlight: 100',
    '    session: { persistent: true, expiry: 5m, messageExpiry: 1h }',
    '    presence: { watchers: 3, offline: 50%, abrupt: 50%, away: 500ms, wait: 5s, willDelay: 1s }',
    '    retained: { lateJoiners: 2 }',
    '    offline: { share: 50%, at: 500ms, for: 1s }',
    '    takeover: { share: 10%, at: 500ms }',
    '    faults:',
    '      - disconnect: { share: 30%, at: 1s, reconnectWithin: 1s }',
    '      - disconnect: { rate: 5/s, at: 1s, for: 2s, reconnectWithin: 500ms }',
    '      - slowConsumer: { users: 2, at: 1s, for: 1s }',
    '      - network: { delay: 20ms, jitter: 5ms, loss: 1%, duplicate: 1% }',
  ));
  for (const key of PATTERN_KEYS) expect(s).toHaveProperty(key);
  expect(s.faults).toHaveLength(4);
  expect(s.presence?.willDelayMs).toBe(1_000);
});

test('wrong values are each named at file:line:column', () => {
  const text = yaml(
    'scenarios:', //                                                               1
    '  - name: a', //                                                              2
    '    users: 4', //                                                             3
    '    duration: 2s', //                                                         4
    '    presence: { watchers: 2, offlin: 50% }', //                               5 col 30 (key)
    '    takeover: { share: 150%, at: 0s }', //                                    6 col 24
    '    faults:', //                                                              7
    '      - disconnect: { share: 30%, rate: 5/s, at: 1s, reconnectWithin: 1s }', // 8 col 21
    '      - { disconnect: { share: 1%, at: 0s, reconnectWithin: soon } }', //     9 col 61
    '      - { network: { delay: 1ms }, slowConsumer: { users: 1, at: 0s, for: 1s } }', // 10 col 9
    '  - name: b', //                                                             11
    '    topics: { style: unicode, bytes: 10 }', //                               12 col 38
    '    session: sometimes', //                                                  13 col 14
    '    retained: { lateJoiners: 0 }', //                                        14 col 30
    '    offline: { share: 0%, at: 0s, for: 1s }', //                             15 col 23
    '    rooms: [{ count: 2 }]', //                                               16 col 14
  );
  expect(problems(text)).toEqual([
    '5:30 scenarios[0].presence.offlin | unknown key "offlin"; did you mean "offline"?',
    '6:24 scenarios[0].takeover.share | a share is at most 100%, got 150%',
    '8:21 scenarios[0].faults[0].disconnect | give share (users at one moment) or rate (users per second over `for`), one of them',
    '8:41 scenarios[0].faults[0].disconnect.rate | with rate, give for: how long the drops go on',
    '9:61 scenarios[0].faults[1].disconnect.reconnectWithin | invalid duration "soon": write a number of seconds, or a number with a unit: 500ms, 10s, 2m, 1h, 1m30s',
    '10:9 scenarios[0].faults[2] | give one fault per item: disconnect, slowConsumer or network',
    '12:38 scenarios[1].topics.bytes | must be from 100 to 60000 bytes (a topic is at most 65,535 bytes [MQTT-1.5.3]), got 10',
    '13:14 scenarios[1].session | expected clean, persistent, or { persistent: true, expiry: 5m, messageExpiry: 1h }',
    '14:30 scenarios[1].retained.lateJoiners | must be at least 1, got 0',
    '15:23 scenarios[1].offline.share | must be more than 0%',
    '16:13 scenarios[1].rooms[0].members | required key "members" is missing',
  ]);
});

test('a misspelt fault or pattern key gets a suggestion, alone', () => {
  expect(problems(yaml(
    'scenarios:',
    '  - name: a',
    '    faults: [{ disconect: { share: 1%, at: 0s, reconnectWithin: 1s } }]',
    '    rooms: [{ count: 2, members: 3, membrs: 3 }]',
    '    session: { persistant: true }',
  ))).toEqual([
    '3:16 scenarios[0].faults[0].disconect | unknown key "disconect"; did you mean "disconnect"?',
    '4:37 scenarios[0].rooms[0].membrs | unknown key "membrs"; did you mean "members"?',
    '5:16 scenarios[0].session.persistant | unknown key "persistant"; did you mean "persistent"?',
  ]);
});

test('rules between keys are each named at the key that breaks them', () => {
  const text = yaml(
    'scenarios:', //                                                               1
    '  - name: a', //                                                              2
    '    users: 4', //                                                             3
    '    duration: 2s', //                                                         4
    '    randomPeers: 4', //                                                       5 col 18
    '    fanIn: { receivers: 4 }', //                                              6 col 25
    '    presence: { watchers: 4 }', //                                            7 col 15
    '    offline: { share: 50%, at: 1s, for: 2s }', //                             8 col 14
    '    takeover: { share: 10%, at: 2s }', //                                     9 col 15
    '    faults:', //                                                             10
    '      - network: { delay: 1ms }', //                                         11
    '      - network: { delay: 2ms }', //                                         12
    '      - slowConsumer: { users: 9, at: 1500ms, for: 1s }', //                 13 col 9
    '      - disconnect: { rate: 1/s, at: 0s, for: 3s, reconnectWithin: 1s }', // 14 col 9
    '  - name: b', //                                                             15
    '    rooms: [{ count: 2, members: 9 }]', //                                   16 col 12
    '    users: 5', //                                                            17
    '  - name: c', //                                                             18
    '    rooms: { count: 0 }', //                                                 19 col 14
    '    directPairs: 1', //                                                      20
    '    retained: { lateJoiners: 1 }', //                                        21 col 15
  );
  expect(problems(text)).toEqual([
    '5:18 scenarios[0].randomPeers | randomPeers (4) must be fewer than users (4): each user\'s partners are other users',
    '6:25 scenarios[0].fanIn.receivers | fanIn.receivers (4) must be fewer than users (4): someone has to write to them',
    '7:15 scenarios[0].presence | presence.watchers (4) must be fewer than users (4): a user\'s watchers are other users',
    '8:14 scenarios[0].offline | offline from 1s for 2s ends after the send phase (2s)',
    '9:15 scenarios[0].takeover | takeover at 2s is not inside the send phase (2s): it would never happen',
    '12:9 scenarios[0].faults[1] | a second network fault: one proxy runs between chatbench and the target; give delay, jitter, loss and duplicate in one',
    '13:9 scenarios[0].faults[2] | the slowConsumer fault from 1.5s for 1s ends after the send phase (2s)',
    '13:9 scenarios[0].faults[2] | slowConsumer.users (9) is more than users (4)',
    '14:9 scenarios[0].faults[3] | the disconnect fault from 0ms for 3s ends after the send phase (2s)',
    '16:12 scenarios[1].rooms.members | rooms.members (9) is more than users (5)',
    '21:15 scenarios[2].retained | retained needs rooms: a room\'s last message is what late joiners must see',
  ]);
});

describe('MQTT 5 options on a 3.1.1 target', () => {
  const FIVE_ONLY = 'scenarios: [{ name: a, receiveMaximum: 10, session: { messageExpiry: 1h }, presence: { willDelay: 1s } }]\n';

  test('are refused on the embedded broker (3.1.1), each named', () => {
    expect(problems(FIVE_ONLY)).toEqual([
      '1:40 scenarios[0].receiveMaximum | receiveMaximum is not available on MQTT 3.1.1 (the embedded server): it is an MQTT 5 property; use a 5.0 target (mqttVersion: 5.0)',
      '1:53 scenarios[0].session | session.messageExpiry is not available on MQTT 3.1.1 (the embedded server): it is an MQTT 5 property; use a 5.0 target (mqttVersion: 5.0)',
      '1:86 scenarios[0].presence | presence.willDelay is not available on MQTT 3.1.1 (the embedded server): it is an MQTT 5 property; use a 5.0 target (mqttVersion: 5.0)',
    ]);
  });

  test('are refused on a target that says 3.1.1, and accepted on 5.0', () => {
    const on311 = problems(`target: { url: "mqtt://127.0.0.1:1883", mqttVersion: 3.1.1 }\n${FIVE_ONLY}`);
    expect(on311).toHaveLength(3);
    expect(on311[0]).toMatch(/^2:40 scenarios\[0\]\.receiveMaximum \| receiveMaximum is not available on MQTT 3\.1\.1: /);
    const s = one(`target: { url: "mqtt://127.0.0.1:1883", mqttVersion: 5 }\n${FIVE_ONLY}`);
    expect(s).toMatchObject({ receiveMaximum: 10, session: { persistent: true, messageExpiryMs: 3_600_000 }, presence: { willDelayMs: 1_000 } });
  });
});
