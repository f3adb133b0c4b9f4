/**
 * The annotated hex dump (reports/hex.ts): offsets, two groups of eight, the ASCII column, the
 * limit with what it left out, and text that is not hex shown as it is.
 */
import { describe, expect, it } from 'vitest';
import { dump, hexBytes, hexHtml, hexText } from '../../reports/hex.js';
import { parseXml } from '../helpers/xml.js';
import { BAD_CONNECT } from '../helpers/conform-results.js';

describe('hex dump', () => {
  it('writes offset, two groups of eight bytes and printable ASCII, 16 bytes to a row', () => {
    const hex = `${BAD_CONNECT}${'41'.repeat(20)}`; // 15 + 20 bytes
    const d = dump(hex, 1024);
    expect(d.bytes).toBe(35);
    expect(d.rows.map((r) => r.offset)).toEqual(['0000', '0010', '0020']);
    expect(d.rows[0]).toEqual({ offset: '0000', hex: '10 0d 00 04 4d 51 54 54  04 03 00 3c 00 01 61 41', ascii: '....MQTT...<..aA' });
    expect(d.rows[2]).toEqual({ offset: '0020', hex: '41 41 41', ascii: 'AAA' });
    expect(hexText({ label: 'sent +0 ms', hex: BAD_CONNECT }, 1024, '  ')).toEqual([
      '  sent +0 ms (15 bytes)',
      '    0000  10 0d 00 04 4d 51 54 54  04 03 00 3c 00 01 61    |....MQTT...<..a|',
    ]);
  });

  it('stops at the limit and says how many bytes it left out', () => {
    const lines = hexText({ label: 'big', hex: 'ff'.repeat(100) }, 32);
    expect(lines[0]).toBe('big (100 bytes)');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('  … 68 more bytes not shown (the result JSON has them all)');
    expect(hexText({ label: 'none', hex: '' }, 32)).toEqual(['none (no bytes)']);
  });

  it('shows text that is not hex as it is, and says so, never guessing at bytes', () => {
    expect(hexBytes('abc')).toBeNull();
    expect(hexBytes('zz')).toBeNull();
    expect(hexBytes('0A0b')?.toString('hex')).toBe('0a0b');
    expect(hexText({ label: 'odd', hex: '<x>' }, 32)).toEqual(['odd (not hex; shown as recorded)', '  <x>']);
  });

  it('is a strict-XML table in HTML, with markup in labels and ASCII escaped', () => {
    const table = parseXml(hexHtml({ label: 'sent <b>', hex: '3c2f74643e' }, 1024));
    expect(table.name).toBe('table');
    expect(table.children[0]?.text).toBe('sent <b> ');
    const row = table.children[1]?.children[0];
    expect(row?.children.map((c) => c.text)).toEqual(['0000', '3c 2f 74 64 3e', '</td>']);
  });
});
