/**
 * Deliveries chatbench's own fault proxy (a `network` fault) duplicated on their way to a receiver
 * (DeliveryTracker.injected): each copy is owed until it arrives, then counted in `duplicated` and
 * in `injectedDuplicates`, which the violations leave out (delivery-levels.ts). A dropped delivery
 * is excused instead (absence-state.ts, excuse). The tracker keeps the owed total.
 */
import type { ReceiverState } from './receiver-state.js';

/** The proxy sent one more copy of `seq` to `r`: the caller owes one more delivery. */
export function addInjectedCopy(r: ReceiverState, seq: number): void {
  r.injectedPending ??= new Map();
  r.injectedPending.set(seq, (r.injectedPending.get(seq) ?? 0) + 1);
}

/** A duplicate of `seq` reached `r`: true if it was one of the proxy's copies (one less owed). */
export function takeInjectedCopy(r: ReceiverState, seq: number): boolean {
  const injected = r.injectedPending?.get(seq);
  if (injected === undefined) return false;
  if (injected > 1) r.injectedPending?.set(seq, injected - 1);
  else r.injectedPending?.delete(seq);
  r.injectedDuplicates++;
  return true;
}

/** `r` went away: the proxy's copies still on their way will not come. Returns how many stop being owed. */
export function forgetInjected(r: ReceiverState): number {
  if (r.injectedPending === undefined) return 0;
  let n = 0;
  for (const copies of r.injectedPending.values()) n += copies;
  r.injectedPending = undefined;
  return n;
}
