/**
 * Turns a scenario into users, rooms and message streams.
 *
 * Users are u0..u(n-1). Rooms r0..r(k-1) take their members round-robin from the user
 * list, so every user is in about the same number of rooms. Every member of a room sends
 * to it (one stream per member and room) and every other member receives. Direct pairs
 * are (u0,u1), (u2,u3), ...: each side sends to the other (one stream per direction).
 */
import type { DeliveryLevel } from '../driver.js';
import type { ScenarioSpec } from '../scenario/types.js';
import { scheduleFor } from './schedule.js';

export type Destination = { kind: 'room'; room: string } | { kind: 'direct'; user: string };

export interface Stream {
  id: number;
  sender: string;
  destination: Destination;
  receivers: readonly string[];
  level: DeliveryLevel;
}

export interface Plan {
  users: readonly string[];
  /** room name -> member users */
  rooms: ReadonlyMap<string, readonly string[]>;
  /** user -> rooms it joins */
  memberships: ReadonlyMap<string, readonly string[]>;
  streams: readonly Stream[];
}

export function planScenario(spec: ScenarioSpec): Plan {
  const users = Array.from({ length: spec.users }, (_, i) => `u${i}`);
  const rooms = new Map<string, string[]>();
  const memberships = new Map<string, string[]>(users.map((u) => [u, []]));
  let cursor = 0;
  for (let r = 0; r < spec.rooms.count; r++) {
    const room = `r${r}`;
    const members: string[] = [];
    for (let m = 0; m < spec.rooms.members; m++) {
      const user = users[cursor % users.length] as string;
      cursor++;
      members.push(user);
      memberships.get(user)?.push(room);
    }
    rooms.set(room, members);
  }

  const streams: Stream[] = [];
  for (const [room, members] of rooms) {
    for (const sender of members) {
      const receivers = members.filter((m) => m !== sender);
      if (receivers.length === 0) continue;
      streams.push({ id: streams.length, sender, destination: { kind: 'room', room }, receivers, level: spec.qos });
    }
  }
  for (let p = 0; p < spec.directPairs; p++) {
    const a = users[2 * p] as string;
    const b = users[2 * p + 1] as string;
    streams.push({ id: streams.length, sender: a, destination: { kind: 'direct', user: b }, receivers: [b], level: spec.qos });
    streams.push({ id: streams.length, sender: b, destination: { kind: 'direct', user: a }, receivers: [a], level: spec.qos });
  }
  return { users, rooms, memberships, streams };
}

/** Sends the scenario schedules (constant: rate x duration), capped by `messages`; schedule.ts. */
export function plannedSends(spec: ScenarioSpec): number {
  return scheduleFor(spec, spec.thinkMs === undefined ? undefined : planScenario(spec).streams.length).count;
}
