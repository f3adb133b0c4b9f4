/**
 * Shared setup of the lean client's tests against a scripted server (mqtt-lean-flows and
 * mqtt-lean-sessions): servers and lean drivers made for one test and closed after it, and the
 * packets of one kind a connection received.
 */
import { afterEach } from 'vitest';
import type { Packet } from 'mqtt-packet';
import type { Driver } from '../../core/driver.js';
import { createLeanDriver } from '../../runners/mqtt/lean/driver.js';
import { startScriptedBroker, type ScriptOptions, type ScriptedBroker, type ScriptedConnection } from '../helpers/scripted-broker.js';

export type Version = '3.1.1' | '5.0';

export interface ScriptedSetup {
  /** A scripted server for this test. */
  broker(options?: ScriptOptions): Promise<ScriptedBroker>;
  /** A lean driver on `b` for this test. */
  lean(b: ScriptedBroker, mqttVersion: Version, keepaliveSeconds?: number): Driver;
  /** Closes `d` after this test. */
  track(d: Driver): Driver;
}

/** Registers the cleanup (drivers, then servers, after each test) of the file that calls it. */
export function scriptedSetup(runId: string, disconnectTimeoutMs: number): ScriptedSetup {
  const brokers: ScriptedBroker[] = [];
  const drivers: Driver[] = [];
  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.close()));
    await Promise.all(brokers.splice(0).map((b) => b.close()));
  });
  const track = (d: Driver): Driver => (drivers.push(d), d);
  return {
    async broker(options = {}) {
      const b = await startScriptedBroker(options);
      brokers.push(b);
      return b;
    },
    lean: (b, mqttVersion, keepaliveSeconds) =>
      track(createLeanDriver({ url: b.url, mqttVersion }, { runId, disconnectTimeoutMs, ...(keepaliveSeconds ? { keepaliveSeconds } : {}) })),
    track,
  };
}

/** The packets of type `cmd` the server received on `conn`, in order. */
export const of = <C extends Packet['cmd']>(conn: ScriptedConnection, cmd: C) => conn.received.filter((p): p is Extract<Packet, { cmd: C }> => p.cmd === cmd);
