/**
 * What a scenario pays before its send clock starts (core/engine/settle.ts): the timing thread
 * is running and the heap has been collected, so neither lands in the first seconds of sending.
 * And the 65,536-buffer table mqtt-packet would build on its first packet is off once an MQTT
 * runner is loaded (runners/mqtt/packet-numbers.ts).
 */
import { describe, expect, it } from 'vitest';
import { workerScript } from '../../core/off-thread.js';
import { collectHeap, settleBeforeSending } from '../../core/engine/settle.js';
import { timingThreadRuns } from '../../core/engine/wake.js';
import mqttPacket from 'mqtt-packet';
import '../../runners/index.js';

const built = workerScript(new URL('../../core/engine/wake-worker.js', import.meta.url)) !== null;

describe('before the send clock starts', () => {
  it('collects the heap: garbage made before it is gone after it', async () => {
    let garbage: object | null = { payload: new Array(1_000).fill('x') };
    const ref = new WeakRef(garbage);
    garbage = null;
    // A WeakRef's target stays alive to the end of the current job.
    await new Promise((resolve) => setImmediate(resolve));
    expect(collectHeap()).toBe(true);
    expect(ref.deref()).toBeUndefined();
  });

  it.skipIf(!built)('starts the timing thread, held until the caller releases it', () => {
    expect(timingThreadRuns()).toBe(false);
    const wake = settleBeforeSending();
    expect(timingThreadRuns()).toBe(true);
    wake.release();
    wake.release(); // twice is harmless
    expect(timingThreadRuns()).toBe(false);
  });

  it('leaves mqtt-packet without its packet-identifier table once the MQTT runners are loaded', () => {
    // Read from mqtt-packet itself: loading the registry must be enough to switch it off.
    expect(mqttPacket.writeToStream.cacheNumbers).toBe(false);
  });
});
