/**
 * `connect.sourceAddresses`: the local addresses the users' connections are spread over,
 * round-robin (core/engine/users.ts), so one machine can open more connections to one server
 * port than one source address has ports (about 28,000 with Linux's default
 * ip_local_port_range). Three forms, all expanded here into the list the engine uses:
 *
 *   sourceAddresses: 64               64 loopback addresses: 127.0.0.1, 127.0.0.2, … 127.0.0.64
 *                                     (counting on past .255: 127.0.1.0, …)
 *   sourceAddresses: 127.0.0.0/16     the block's host addresses (network and broadcast left out)
 *   sourceAddresses: [10.0.0.5, 10.0.0.6]   these IPv4 addresses, as written
 *
 * A count and a block are loopback only (inside 127.0.0.0/8: on Linux every address there is
 * the machine's own, with no setup); a list may name any IPv4 address of this machine. Both
 * expansions stop at MAX_SOURCE_ADDRESSES: 65,536 addresses hold far more ports than any run needs.
 */
import * as z from 'zod';

/** The largest count or block accepted: a /16 (65,534 hosts) fits; a /8 does not. */
export const MAX_SOURCE_ADDRESSES = 65_536;

/** 127.0.0.1 as a 32-bit number: where a count starts. */
const LOOPBACK_FIRST = 0x7f_00_00_01;

const OCTETS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** "127.0.0.1" -> 0x7f000001; undefined unless a dotted quad of octets 0-255 (no leading zeros). */
export function ipv4ToNumber(text: string): number | undefined {
  const match = OCTETS.exec(text);
  if (!match) return undefined;
  let value = 0;
  for (const part of match.slice(1)) {
    if (part.length > 1 && part.startsWith('0')) return undefined; // 010 reads as octal elsewhere
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function numberToIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

const isLoopback = (value: number): boolean => value >>> 24 === 127;

const range = (first: number, count: number): string[] => Array.from({ length: count }, (_, i) => numberToIpv4(first + i));

type Expanded = { ok: true; value: string[] } | { ok: false; error: string };

const tooMany = (what: string, n: number): Expanded => ({
  ok: false,
  error: `${what} gives ${n.toLocaleString('en-US')} addresses; at most ${MAX_SOURCE_ADDRESSES.toLocaleString('en-US')} (a /16) are allowed`,
});

/** `sourceAddresses: 64`: the first n loopback addresses from 127.0.0.1. */
export function countAddresses(n: number): Expanded {
  if (!Number.isInteger(n) || n < 1) return { ok: false, error: `expected a whole number of addresses of at least 1, got ${n}` };
  if (n > MAX_SOURCE_ADDRESSES) return tooMany(`a count of ${n}`, n);
  return { ok: true, value: range(LOOPBACK_FIRST, n) };
}

/** `127.0.0.0/16`: its host addresses (all of a /31 or /32); inside 127.0.0.0/8 only. */
export function blockAddresses(text: string): Expanded {
  const [base = '', prefixText = ''] = text.split('/');
  const address = ipv4ToNumber(base.trim());
  const prefix = /^\d{1,2}$/.test(prefixText.trim()) ? Number(prefixText.trim()) : Number.NaN;
  if (address === undefined || !(prefix >= 0 && prefix <= 32)) {
    return { ok: false, error: `invalid address block "${text}": write an IPv4 block such as 127.0.0.0/16` };
  }
  const size = 2 ** (32 - prefix);
  const network = address - (address % size);
  if (!isLoopback(network) || !isLoopback(network + size - 1)) {
    return { ok: false, error: `address block "${text}" is not inside 127.0.0.0/8: a block must be loopback; list other addresses one by one` };
  }
  // A /31 or /32 has no network or broadcast address to leave out (RFC 3021).
  const hosts = prefix >= 31 ? { first: network, count: size } : { first: network + 1, count: size - 2 };
  if (hosts.count > MAX_SOURCE_ADDRESSES) return tooMany(`"${text}"`, hosts.count);
  return { ok: true, value: range(hosts.first, hosts.count) };
}

/** One address of a list: a dotted-quad IPv4 address; undefined when it is one. */
export function listedAddressError(item: unknown): string | undefined {
  if (typeof item === 'string' && ipv4ToNumber(item.trim()) !== undefined) return undefined;
  return `expected an IPv4 address such as 127.0.0.2, got ${typeof item === 'string' ? JSON.stringify(item) : String(item)}`;
}

const HINT = 'expected a count of loopback addresses (64), a loopback block (127.0.0.0/16) or a list of IPv4 addresses';

/** The zod field: count | block | list, expanded into addresses; errors on a list item point at that item. */
export function sourceAddressesField() {
  return z
    .union([z.number(), z.string(), z.array(z.unknown())], { error: HINT })
    .meta({
      description:
        'spread the users\' connections over these local addresses, round-robin: a count of loopback addresses from 127.0.0.1 (64), a block inside 127.0.0.0/8 (127.0.0.0/16: its host addresses), or a list of IPv4 addresses; at most 65,536',
      examples: [64, '127.0.0.0/16', ['127.0.0.2', '127.0.0.3']],
    })
    .transform((input, ctx): readonly string[] => {
      const fail = (message: string, path: (string | number)[] = []): never => {
        ctx.issues.push({ code: 'custom', message, input, path });
        return z.NEVER;
      };
      if (typeof input === 'number') {
        const counted = countAddresses(input);
        return counted.ok ? counted.value : fail(counted.error);
      }
      if (typeof input === 'string') {
        const text = input.trim();
        if (text.includes('/')) {
          const block = blockAddresses(text);
          return block.ok ? block.value : fail(block.error);
        }
        // One address written alone: a list of one.
        const problem = listedAddressError(text);
        return problem === undefined ? [text] : fail(`${HINT}, got ${JSON.stringify(input)}`);
      }
      if (input.length === 0) return fail('lists no addresses; add at least one, or leave the key out');
      let bad = false;
      const seen = new Map<string, number>();
      input.forEach((item, i) => {
        const problem = listedAddressError(item);
        if (problem !== undefined) {
          bad = true;
          ctx.issues.push({ code: 'custom', message: problem, input: item, path: [i] });
          return;
        }
        const address = (item as string).trim();
        const first = seen.get(address);
        if (first !== undefined) {
          bad = true;
          ctx.issues.push({ code: 'custom', message: `${address} is listed twice (also item ${first + 1})`, input: item, path: [i] });
        } else {
          seen.set(address, i);
        }
      });
      if (input.length > MAX_SOURCE_ADDRESSES) return fail(`lists ${input.length} addresses; at most ${MAX_SOURCE_ADDRESSES.toLocaleString('en-US')} are allowed`);
      return bad ? z.NEVER : [...seen.keys()];
    });
}

/** The result's compact record of the addresses: how many, the first and the last (not 65,000 strings). */
export function sourcesRecord(addresses: readonly string[] | undefined): { count: number; first: string; last: string } | undefined {
  if (addresses === undefined || addresses.length === 0) return undefined;
  return { count: addresses.length, first: addresses[0] as string, last: addresses[addresses.length - 1] as string };
}
