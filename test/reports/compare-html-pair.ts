/**
 * A comparison for the compare HTML tests: the committed MQTT run (generator on schedule) as the
 * baseline, and a copy labelled XMPP as the current run, its room latency doubled (a regression)
 * and its wire and idle figures set so that some claims are supported, one is not, and the rest
 * are not measured.
 */
import type { RunResult, ScenarioResult } from '../../core/result/index.js';
import { compareResults, type Comparison } from '../../core/verdict/compare.js';
import { ENVELOPE, fixtureRun, onSchedule, scaleLatency, scenarioOf } from '../helpers/compare-fixtures.js';

function idle(s: ScenarioResult, bytes: number, keepAlive: number): void {
  s.wire.phases.idle = { bytesOut: bytes, bytesIn: bytes };
  const per = (bytes * 60) / (4 * 60);
  s.wire.idle = { seconds: 60, connections: 4, keepAliveSeconds: keepAlive, perConnectionPerMinute: { bytesOut: per, bytesIn: per } };
}

export function claimsPair(): { mqtt: RunResult; xmpp: RunResult; comparison: Comparison } {
  const mqtt = onSchedule(fixtureRun());
  mqtt.scenarios = mqtt.scenarios.filter((s) => s.name !== 'strict');
  idle(scenarioOf(mqtt, 'room'), 16, 30);
  const xmpp = structuredClone(mqtt);
  xmpp.runId = `${mqtt.runId}-x`;
  xmpp.target = { ...xmpp.target, protocol: 'xmpp', protocolVersion: '1.0', url: 'xmpp://127.0.0.1:5222', embedded: false };
  const room = scenarioOf(xmpp, 'room');
  room.latency = scaleLatency(room.latency, 2);
  room.wire.phases.steady = { bytesOut: 20_000, bytesIn: 70_000 }; // fewer bytes per room message than MQTT: not supported
  scenarioOf(xmpp, 'direct').wire.phases.steady = { bytesOut: 40_000, bytesIn: 40_000 }; // more per 1:1 message: supported
  idle(room, 96, 60);
  return { mqtt, xmpp, comparison: compareResults(mqtt, xmpp, ENVELOPE) };
}
