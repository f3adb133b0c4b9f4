/**
 * Shared setup for the MQTT pattern-verb tests (test/runners/mqtt-*.test.ts): the same cases on
 * the embedded Aedes (3.1.1) and on a real mosquitto (3.1.1 and 5.0), users connected with the
 * pattern options, and a look at the MQTT.js client under a session for wire-level checks.
 */
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { ChatSession, ConnectionEnd, ConnectOptions, Driver, PresenceUpdate } from '../../core/driver.js';
import type { MqttTarget, MqttVersion } from '../../runners/mqtt/endpoint.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { createInbox, type Inbox } from '../helpers/chat.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';

export interface BrokerCase {
  /** "embedded 3.1.1", "mosquitto 5.0", ... */
  name: string;
  version: MqttVersion;
  mosquitto: boolean;
  target(): MqttTarget;
  /** A fresh driver (its own run id unless given) closed after the test. */
  driver(overrides?: Partial<MqttTarget>, extra?: DriverExtra): Driver;
  /** The running mosquitto (undefined on the embedded broker). */
  server(): Mosquitto | undefined;
}

export interface PatternUser {
  session: ChatSession;
  inbox: Inbox;
  presence: PresenceUpdate[];
  ends: ConnectionEnd[];
}

export interface DriverExtra {
  via?: { host: string; port: number };
  runId?: string;
}

let runs = 0;

/** A run id no other test of this process uses. */
export function freshRunId(): string {
  return `pv${process.pid}x${++runs}`;
}

/** Connects `user` with the pattern options given; collects messages, presence and connection ends. */
export async function connectPattern(driver: Driver, user: string, extra: Partial<ConnectOptions> = {}): Promise<PatternUser> {
  const inbox = createInbox();
  const presence: PresenceUpdate[] = [];
  const ends: ConnectionEnd[] = [];
  const session = await driver.connect({
    user,
    directLevel: 2,
    timeoutMs: 5000,
    onMessage: (m) => inbox.push(m),
    onPresence: (u) => void presence.push(u),
    onConnectionLost: (e) => void ends.push(e),
    ...extra,
  });
  return { session, inbox, presence, ends };
}

/** The MQTT.js client under a session: the tests watch its packets (not part of any API). */
export function mqttClientOf(session: ChatSession): MqttClient {
  return (session as unknown as { client: MqttClient }).client;
}

/**
 * Defines `body` once per broker: embedded Aedes (3.1.1 only) unless `mosquittoOnly`, and
 * mosquitto for each of `versions` (skipped where mosquitto is not installed).
 */
export function onBrokers(
  versions: readonly MqttVersion[],
  body: (broker: BrokerCase) => void,
  opts: { embedded?: boolean; websocket?: boolean; tls?: boolean; createDriver?: typeof createMqttDriver } = {},
): void {
  const drivers: Driver[] = [];
  const make = (target: () => MqttTarget) => (overrides: Partial<MqttTarget> = {}, extra: DriverExtra = {}): Driver => {
    const { via, runId = freshRunId() } = extra;
    const d = (opts.createDriver ?? createMqttDriver)({ ...target(), ...overrides }, { runId, ...(via ? { via } : {}) });
    drivers.push(d);
    return d;
  };
  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.close()));
  });

  if ((opts.embedded ?? true) && versions.includes('3.1.1')) {
    describe('embedded Aedes, MQTT 3.1.1', () => {
      let broker: EmbeddedBroker;
      beforeAll(async () => {
        broker = await startEmbeddedBroker();
      });
      afterAll(async () => {
        await broker?.close();
      });
      const target = (): MqttTarget => ({ url: broker.url, mqttVersion: '3.1.1' });
      body({ name: 'embedded 3.1.1', version: '3.1.1', mosquitto: false, target, driver: make(target), server: () => undefined });
    });
  }
  describeWithMosquitto('mosquitto', () => {
    let m: Mosquitto;
    beforeAll(async () => {
      m = await startMosquitto({ tls: opts.tls ?? false, websocket: opts.websocket ?? false });
    }, 20_000);
    afterAll(async () => {
      await m?.stop();
    });
    for (const version of versions) {
      describe(`MQTT ${version}`, () => {
        const target = (): MqttTarget => ({ url: m.url, mqttVersion: version });
        body({ name: `mosquitto ${version}`, version, mosquitto: true, target, driver: make(target), server: () => m });
      });
    }
  });
}
