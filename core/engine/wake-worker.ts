/**
 * The timing thread behind wake.ts: it sleeps in Atomics.wait until the deadline the main thread
 * wrote into the shared buffer (a futex wait with a sub-millisecond timeout, where the main
 * thread's timers only know whole milliseconds), then posts one small message, which wakes the
 * main thread's event loop. It never spins: every wait is a blocking wait, woken by the timeout
 * or by the main thread re-arming (a new deadline) or stopping it. It never returns to its own
 * event loop while running: it receives nothing, it only posts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { WAKE_SLOT, wakeViews } from './wake-layout.js';

const { control, deadline } = wakeViews(workerData as SharedArrayBuffer);
const nowMicros = (): bigint => process.hrtime.bigint() / 1000n;

while (Atomics.load(control, WAKE_SLOT.stop) === 0) {
  const armed = Atomics.load(control, WAKE_SLOT.armed);
  const due = Atomics.load(deadline, 0);
  if (due < 0n || Atomics.load(control, WAKE_SLOT.fired) === armed) {
    // Nothing armed, or this deadline already fired: sleep until the main thread re-arms or stops.
    Atomics.wait(control, WAKE_SLOT.armed, armed);
    continue;
  }
  const leftMicros = due - nowMicros();
  if (leftMicros > 0n) {
    // A timed wait may return a little early (clock rounding): the loop looks again, never fires early.
    Atomics.wait(control, WAKE_SLOT.armed, armed, Number(leftMicros) / 1000);
    continue;
  }
  Atomics.store(control, WAKE_SLOT.fired, armed);
  parentPort?.postMessage(armed);
}
