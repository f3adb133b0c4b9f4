/**
 * A scenario for shard and worker tests: rooms r0 = u0..u3 and r1 = u4..u7, and 12 pairs
 * (u0,u1)..(u22,u23), of which the first four tie themselves to the rooms: 2 room groups and
 * 8 lone pairs, so it splits up to ten ways. 1 s at 300/s after a 100 ms warm-up: 270 measured sends.
 */
export const MIX = `
scenarios:
  - name: mix
    users: 24
    rooms: { count: 2, members: 4 }
    directPairs: 12
    rate: 300/s
    duration: 1s
    warmup: 100ms
    drain: 2s
    qos: 1
`;
