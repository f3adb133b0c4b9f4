/**
 * The stanzas behind the XMPP patterns, without a server: the presence a user sets (stamped
 * with its connection's tag and time), how a watcher reads presences back (a stamped status, a
 * server-made unavailable as the will of the connection its resource names), the XEP-0198
 * enable a connection asks for, and the features each scenario option makes the driver need.
 */
import { describe, expect, it } from 'vitest';
import { featuresNeeded } from '../../core/engine/features.js';
import { parsePresence, presenceXml, resourceFor, tagOfJid } from '../../runners/xmpp/presence.js';
import { enableXml } from '../../runners/xmpp/stream.js';
import { StreamParser, type XmlElement } from '../../runners/xmpp/xml.js';
import { spec } from '../helpers/scenario.js';

/** One stanza parsed the way a stream parses it. */
function stanza(xml: string): XmlElement {
  const got: XmlElement[] = [];
  const parser = new StreamParser({ onOpen: () => undefined, onElement: (el) => got.push(el), onEnd: () => undefined, onError: (e) => { throw e; } });
  parser.write(Buffer.from(`<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>${xml}`));
  expect(got).toHaveLength(1);
  return got[0]!;
}

describe('presence stanzas', () => {
  it('writes a status as XMPP shows it, stamped for watchers', () => {
    expect(presenceXml('online')).toBe('<presence/>');
    expect(presenceXml('away')).toBe('<presence><show>away</show></presence>');
    expect(presenceXml('in a meeting & busy')).toBe('<presence><status>in a meeting &amp; busy</status></presence>');
    expect(presenceXml('offline', { tag: 'u3:2', sentAt: 1234 }, 'room@muc/u3'))
      .toBe("<presence to='room@muc/u3' type='unavailable'><stamp xmlns='urn:chatbench:presence:0' tag='u3:2' at='1234'/></presence>");
  });

  it('reads back what it wrote: status, tag and send time, not a will', () => {
    for (const status of ['online', 'away', 'offline', 'coffee']) {
      const el = stanza(presenceXml(status, { tag: 'u1:4', sentAt: 99 }).replace('<presence', "<presence from='a@localhost/x'"));
      expect(parsePresence('u1', el, 5)).toEqual({ user: 'u1', status, will: false, tag: 'u1:4', sentAt: 99, receivedAt: 5, retained: false });
    }
  });

  it("reads a server-made unavailable presence as the will of the connection its resource names", () => {
    const resource = resourceFor('run7', 'u2:3');
    expect(resource).toBe('cb-run7~u2:3');
    expect(tagOfJid(`b@localhost/${resource}`)).toBe('u2:3');
    expect(tagOfJid('b@localhost/cb-run7')).toBe('');
    const will = parsePresence('u2', stanza(`<presence from='b@localhost/${resource}' type='unavailable'><status>Disconnected: closed</status></presence>`), 7);
    expect(will).toEqual({ user: 'u2', status: 'Disconnected: closed', will: true, tag: 'u2:3', receivedAt: 7, retained: false });
  });

  it('ignores subscription handshakes and errors', () => {
    for (const type of ['subscribe', 'subscribed', 'unsubscribed', 'probe', 'error']) {
      expect(parsePresence('u2', stanza(`<presence from='b@localhost' type='${type}'/>`), 1)).toBeUndefined();
    }
  });
});

describe('stream management request', () => {
  it('asks for resumption (with a window when given), or for none (a connection with a will)', () => {
    expect(enableXml({ resume: true })).toBe("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
    expect(enableXml({ resume: true, maxSeconds: 300 })).toBe("<enable xmlns='urn:xmpp:sm:3' resume='true' max='300'/>");
    expect(enableXml({ resume: false })).toBe("<enable xmlns='urn:xmpp:sm:3'/>");
  });
});

describe('features a scenario needs (DriverOptions.needs)', () => {
  it('lists each option\'s features once', () => {
    expect(featuresNeeded(spec())).toEqual([]);
    expect(featuresNeeded(spec({ retained: { lateJoiners: 2 } }))).toEqual(['retained']);
    expect(featuresNeeded(spec({ presence: { watchers: 2, offlineShare: 0.5, abruptShare: 0.5, awayMs: 100, waitMs: 1000 } }))).toEqual(['will', 'presence-watch']);
  });
});
