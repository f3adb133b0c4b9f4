/**
 * Slicing a scenario into shards (core/engine/shard.ts), over random scenarios mixing rooms,
 * pairs, random peers and fan-in: the shards partition the users and streams exactly, a room
 * or a stream never spans two shards, the shards' sends are exactly the single run's (stream,
 * sequence and due time), and the same input gives the same slices.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { planScenario } from '../../core/engine/plan.js';
import { scheduleFor, type Schedule } from '../../core/engine/schedule.js';
import { checkShards, describeShard, sliceScenario, type Slice } from '../../core/engine/shard.js';
import type { ScenarioSpec } from '../../core/scenario/types.js';
import { spec } from '../helpers/scenario.js';

/** Random valid scenarios: 2..40 users, any mix of the planner's kinds, every schedule shape. */
const scenarios: fc.Arbitrary<ScenarioSpec> = fc
  .record({
    users: fc.integer({ min: 2, max: 40 }),
    roomCount: fc.integer({ min: 0, max: 5 }),
    members: fc.integer({ min: 2, max: 6 }),
    pairs: fc.integer({ min: 0, max: 20 }),
    peers: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    fanIn: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    rate: fc.integer({ min: 10, max: 2000 }),
    durationMs: fc.integer({ min: 100, max: 1500 }),
    messages: fc.option(fc.integer({ min: 1, max: 500 }), { nil: null }),
    shape: fc.constantFrom('constant', 'poisson', 'think' as const),
    seed: fc.integer({ min: 1, max: 1000 }),
  })
  .map((r) =>
    spec({
      users: r.users,
      rooms: { count: r.roomCount, members: Math.min(r.members, r.users) },
      directPairs: Math.min(r.pairs, Math.floor(r.users / 2)),
      ...(r.peers === undefined ? {} : { randomPeers: Math.min(r.peers, r.users - 1) }),
      ...(r.fanIn === undefined || r.fanIn >= r.users ? {} : { fanIn: { receivers: r.fanIn } }),
      rate: r.rate,
      durationMs: r.durationMs,
      messages: r.messages,
      seed: r.seed,
      ...(r.shape === 'poisson' ? { arrival: { kind: 'poisson' as const } } : {}),
      ...(r.shape === 'think' ? { thinkMs: 200 } : {}),
    }),
  )
  // A schedule needs a stream to send on.
  .filter((s) => planScenario(s).streams.length > 0);

interface Send {
  stream: number;
  seq: number;
  at: number;
}

/** Every send of a schedule over a plan's stream list, with the sequence number the sender gives it. */
function sendsOf(schedule: Schedule, streamIds: readonly number[]): Send[] {
  const seqs = new Map<number, number>();
  const out: Send[] = [];
  for (let i = 0; i < schedule.count; i++) {
    const stream = streamIds[schedule.stream?.(i) ?? i % streamIds.length] as number;
    const seq = seqs.get(stream) ?? 0;
    seqs.set(stream, seq + 1);
    out.push({ stream, seq, at: schedule.at(i) });
  }
  return out;
}

const byStreamSeq = (a: Send, b: Send) => a.stream - b.stream || a.seq - b.seq;

/** All n shards, or the InputError that says the scenario cannot be split n ways. */
function shardsOf(s: ScenarioSpec, n: number): Slice[] | InputError {
  try {
    return Array.from({ length: n }, (_, index) => sliceScenario(s, { index, count: n }));
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
}

describe('sliceScenario', () => {
  it('partitions users, rooms and streams, keeps groups whole, and makes exactly the single run\'s sends', () => {
    fc.assert(
      fc.property(scenarios, fc.integer({ min: 1, max: 6 }), (s, n) => {
        const whole = planScenario(s);
        const slices = shardsOf(s, n);
        if (slices instanceof InputError) {
          // Refused only when there are fewer groups than shards, and it says how many would work.
          const most = Number(/at most (\d+) ways?/.exec(slices.message)?.[1]);
          expect(most).toBeLessThan(n);
          expect(shardsOf(s, most)).not.toBeInstanceOf(InputError);
          return;
        }
        // Users: every one in exactly one shard; no shard empty.
        const owner = new Map<string, number>();
        slices.forEach((slice, k) => {
          expect(slice.plan.users.length).toBeGreaterThan(0);
          for (const u of slice.plan.users) {
            expect(owner.has(u)).toBe(false);
            owner.set(u, k);
          }
        });
        expect([...owner.keys()].sort()).toEqual([...whole.users].sort());
        // Rooms whole, with the shard of their members.
        const roomOwner = new Map<string, number>();
        slices.forEach((slice, k) => {
          for (const [room, members] of slice.plan.rooms) {
            expect(members).toEqual(whole.rooms.get(room));
            for (const m of members) expect(owner.get(m)).toBe(k);
            roomOwner.set(room, k);
          }
          for (const u of slice.plan.users) expect(slice.plan.memberships.get(u)).toEqual(whole.memberships.get(u));
        });
        expect(roomOwner.size).toBe(whole.rooms.size);
        // Streams: ids kept, each in one shard with its sender and every receiver.
        const streamIds = slices.flatMap((slice, k) =>
          slice.plan.streams.map((st) => {
            expect(st).toEqual(whole.streams[st.id]);
            expect(owner.get(st.sender)).toBe(k);
            for (const r of st.receivers) expect(owner.get(r)).toBe(k);
            return st.id;
          }),
        );
        expect(streamIds.sort((a, b) => a - b)).toEqual(whole.streams.map((st) => st.id));
        // Sends: the union of the shards' schedules is the single schedule, stream, seq and time.
        const single = sendsOf(scheduleFor(s, whole.streams.length), whole.streams.map((st) => st.id)).sort(byStreamSeq);
        // (A poisson schedule reads forward only, once: each shard's sends are taken once.)
        const perShard = slices.map((slice) => sendsOf(slice.schedule, slice.plan.streams.map((st) => st.id)));
        const union = perShard.flat().sort(byStreamSeq);
        expect(union).toEqual(single);
        expect(slices.reduce((sum, slice) => sum + slice.schedule.count, 0)).toBe(single.length);
        // Within a shard, due times never go back (the pacer reads them in order).
        for (const sends of perShard) sends.forEach((x, i) => i === 0 || expect(x.at).toBeGreaterThanOrEqual((sends[i - 1] as Send).at));
        // Deterministic: slicing again gives the same users and streams.
        const again = shardsOf(s, n) as Slice[];
        expect(again.map((slice) => [slice.plan.users, slice.plan.streams.map((st) => st.id)])).toEqual(
          slices.map((slice) => [slice.plan.users, slice.plan.streams.map((st) => st.id)]),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('a shard past the last send reads where the single schedule ends (the window end)', () => {
    const s = spec({ users: 8, rooms: { count: 0, members: 1 }, directPairs: 4, rate: 100, durationMs: 1000 });
    const [a] = [sliceScenario(s, { index: 1, count: 2 })];
    expect(a?.schedule.at(a.schedule.count)).toBe(scheduleFor(s).at(100));
  });

  it('balances by sends: the largest group first, each to the shard with the fewest sends (ties: fewest users, lowest index)', () => {
    // Rooms r0 = u0..u3 and r1 = u4..u7 (4 streams each), then 10 pairs (u0,u1)..(u18,u19): the first
    // four tie themselves to the rooms, six stand alone. 1,000 sends round-robin over 28 streams: ids 0..19 send 36, 20..27 send 35.
    const s = spec({ users: 20, rooms: { count: 2, members: 4 }, directPairs: 10, rate: 1000, durationMs: 1000 });
    const slices = [0, 1, 2].map((index) => sliceScenario(s, { index, count: 3 }));
    // r0's group 288 -> shard 0, r1's 288 -> 1; pairs of 72, 72, 70, 70, 70 -> shard 2 (354); the last 70 -> shard 0 (tie with 1, lower index).
    expect(slices.map((slice) => slice.shard?.mine.sends)).toEqual([358, 288, 354]);
    expect(slices.map((slice) => [...slice.plan.rooms.keys()])).toEqual([['r0'], ['r1'], []]);
    expect(slices[0]?.plan.users).toEqual(['u0', 'u1', 'u2', 'u3', 'u18', 'u19']);
    expect(slices[2]?.plan.users).toEqual(['u8', 'u9', 'u10', 'u11', 'u12', 'u13', 'u14', 'u15', 'u16', 'u17']);
    const shard = slices[0]?.shard;
    expect(shard && describeShard(shard)).toBe("shard 0/3: 6 users, 1 room, 6 direct streams of the scenario's 20 users, 2 rooms, 20 direct streams; 358 of 1,000 sends");
  });

  it('refuses more shards than indivisible groups, naming the scenario, the groups and the most that works', () => {
    // One room of all 6 users: one group.
    const s = spec({ name: 'one-room', users: 6, rooms: { count: 1, members: 6 } });
    expect(() => checkShards([s], { index: 0, count: 2 })).toThrow(InputError);
    expect(() => sliceScenario(s, { index: 1, count: 2 })).toThrow(
      'scenario "one-room" cannot be split into 2 shards: its 6 users form 1 indivisible group (a room and its members, a pair, fan-in receivers with their senders stay together; the biggest has 6 users); it can be split at most 1 way',
    );
    expect(() => checkShards([s], { index: 0, count: 1 })).not.toThrow();
    expect(() => sliceScenario(s, { index: 1, count: 1 })).toThrow(/index from 0 to count - 1/);
  });

  it('without a shard, the slice is the whole plan and schedule', () => {
    const s = spec({ users: 6, rooms: { count: 2, members: 3 } });
    const slice = sliceScenario(s);
    expect(slice.plan).toEqual(planScenario(s));
    expect(slice.shard).toBeUndefined();
    expect(slice.schedule.count).toBe(scheduleFor(s).count);
  });
});
