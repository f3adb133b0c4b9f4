/**
 * connect.sourceAddresses: a count of loopback addresses, a block inside 127.0.0.0/8, or a list
 * of IPv4 addresses, expanded into the list the engine hands out round-robin; every wrong form
 * is an error at its line:column.
 */
import { describe, expect, test } from 'vitest';
import { parseScenarioText } from '../../core/scenario/index.js';
import { MAX_SOURCE_ADDRESSES, blockAddresses, countAddresses, ipv4ToNumber, numberToIpv4, sourcesRecord } from '../../core/scenario/sources.js';
import '../../runners/index.js';
import { problems, yaml } from '../helpers/scenario-issues.js';

function addressesOf(value: string): readonly string[] | undefined {
  const file = parseScenarioText(yaml('scenarios:', '  - name: a', `    connect: { sourceAddresses: ${value} }`), 'ok.yaml');
  return file.scenarios[0]?.connect.sourceAddresses;
}

describe('the three forms', () => {
  test('a count: that many loopback addresses from 127.0.0.1, counting on past .255', () => {
    const four = addressesOf('4');
    expect(four).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4']);
    const many = addressesOf('300');
    expect(many).toHaveLength(300);
    expect(many?.[254]).toBe('127.0.0.255');
    expect(many?.[255]).toBe('127.0.1.0');
    expect(many?.[299]).toBe('127.0.1.44');
  });

  test('a block: its host addresses, network and broadcast left out (all of a /31 and /32)', () => {
    expect(addressesOf('127.0.0.0/30')).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(addressesOf('127.1.2.3/24')).toHaveLength(254);
    expect(addressesOf('127.1.2.3/24')?.[0]).toBe('127.1.2.1');
    expect(addressesOf('127.0.0.8/31')).toEqual(['127.0.0.8', '127.0.0.9']);
    expect(addressesOf('127.0.0.9/32')).toEqual(['127.0.0.9']);
    const sixteen = addressesOf('127.0.0.0/16');
    expect(sixteen).toHaveLength(65_534);
    expect(sixteen?.[65_533]).toBe('127.0.255.254');
  });

  test('a list: any IPv4 addresses, as written; one address alone is a list of one', () => {
    expect(addressesOf('[10.1.2.3, 127.0.0.9]')).toEqual(['10.1.2.3', '127.0.0.9']);
    expect(addressesOf('127.0.0.7')).toEqual(['127.0.0.7']);
  });

  test('absent: no addresses (the system chooses), and defaults: gives them to every scenario', () => {
    expect(addressesOf('[127.0.0.2]')).toEqual(['127.0.0.2']);
    const plain = parseScenarioText(yaml('scenarios: [{ name: a }]'), 'ok.yaml');
    expect(plain.scenarios[0]?.connect.sourceAddresses).toBeUndefined();
    const inherited = parseScenarioText(yaml('defaults: { connect: { sourceAddresses: 2 } }', 'scenarios: [{ name: a }, { name: b, connect: { sourceAddresses: 127.0.0.5 } }]'), 'ok.yaml');
    expect(inherited.scenarios.map((s) => s.connect.sourceAddresses)).toEqual([['127.0.0.1', '127.0.0.2'], ['127.0.0.5']]);
  });
});

/** The issues of a file whose one scenario has `connect: { sourceAddresses: VALUE }` (the value at 3:33). */
const bad = (value: string) => problems(yaml('scenarios:', '  - name: a', `    connect: { sourceAddresses: ${value} }`));

describe('errors, each at its line:column', () => {
  test('a count written on its own line points at the value', () => {
    expect(problems(yaml('scenarios:', '  - name: a', '    connect:', '      sourceAddresses: 0'))).toEqual([
      '4:24 scenarios[0].connect.sourceAddresses | expected a whole number of addresses of at least 1, got 0',
    ]);
  });

  const HINT = 'expected a count of loopback addresses (64), a loopback block (127.0.0.0/16) or a list of IPv4 addresses';
  test.each([
    ['2.5', 'expected a whole number of addresses of at least 1, got 2.5'],
    ['70000', 'a count of 70000 gives 70,000 addresses; at most 65,536 (a /16) are allowed'],
    ['10.0.0.0/24', 'address block "10.0.0.0/24" is not inside 127.0.0.0/8: a block must be loopback; list other addresses one by one'],
    ['127.0.0.0/8', '"127.0.0.0/8" gives 16,777,214 addresses; at most 65,536 (a /16) are allowed'],
    ['127.0.0.0/33', 'invalid address block "127.0.0.0/33": write an IPv4 block such as 127.0.0.0/16'],
    ['[]', 'lists no addresses; add at least one, or leave the key out'],
    ['many', `${HINT}, got "many"`],
    ['{ a: 1 }', HINT],
  ])('sourceAddresses: %s', (value, message) => {
    expect(bad(value)).toEqual([`3:33 scenarios[0].connect.sourceAddresses | ${message}`]);
  });

  test('a list item that is not an IPv4 address, or listed twice, points at that item', () => {
    const text = yaml(
      'scenarios:', //                           1
      '  - name: a', //                          2
      '    connect:', //                         3
      '      sourceAddresses:', //               4
      '        - 127.0.0.2', //                  5
      '        - 127.0.0.256', //                6  col 11
      '        - localhost', //                  7  col 11
      '        - 127.0.0.2', //                  8  col 11
      '        - 7', //                          9  col 11
    );
    expect(problems(text)).toEqual([
      '6:11 scenarios[0].connect.sourceAddresses[1] | expected an IPv4 address such as 127.0.0.2, got "127.0.0.256"',
      '7:11 scenarios[0].connect.sourceAddresses[2] | expected an IPv4 address such as 127.0.0.2, got "localhost"',
      '8:11 scenarios[0].connect.sourceAddresses[3] | 127.0.0.2 is listed twice (also item 1)',
      '9:11 scenarios[0].connect.sourceAddresses[4] | expected an IPv4 address such as 127.0.0.2, got 7',
    ]);
  });

  test('a bad sourceAddresses leaves the other connect keys checked', () => {
    expect(problems(yaml('scenarios:', '  - name: a', '    connect: { concurrency: 0, sourceAddresses: 0 }'))).toEqual([
      '3:29 scenarios[0].connect.concurrency | must be at least 1, got 0',
      '3:49 scenarios[0].connect.sourceAddresses | expected a whole number of addresses of at least 1, got 0',
    ]);
  });
});

describe('the pieces', () => {
  test('dotted quads only: octets 0-255, no leading zeros', () => {
    expect(ipv4ToNumber('127.0.0.1')).toBe(0x7f000001);
    expect(ipv4ToNumber('255.255.255.255')).toBe(0xffffffff);
    expect(numberToIpv4(0xffffffff)).toBe('255.255.255.255');
    for (const bad of ['127.0.0', '127.0.0.1.2', '127.0.0.01', '1.2.3.256', '::1', ' 127.0.0.1x']) expect(ipv4ToNumber(bad)).toBeUndefined();
  });

  test('the largest count and block are accepted, one more is not', () => {
    const max = countAddresses(MAX_SOURCE_ADDRESSES);
    expect(max.ok && max.value.at(-1)).toBe('127.1.0.0');
    expect(countAddresses(MAX_SOURCE_ADDRESSES + 1).ok).toBe(false);
    expect(blockAddresses('127.0.0.0/15').ok).toBe(false);
  });

  test('the result records the addresses compactly: count, first, last', () => {
    expect(sourcesRecord(['127.0.0.1', '127.0.0.2', '127.0.0.3'])).toEqual({ count: 3, first: '127.0.0.1', last: '127.0.0.3' });
    expect(sourcesRecord(undefined)).toBeUndefined();
  });
});
