import { describe, expect, it } from 'vitest';
import { createMediaNodePool } from '../../src/sip-edge/media-nodes/media-node-pool.js';
import { type EdgeRoutingDeps, routeInvite } from '../../src/sip-edge/routing/route-invite.js';
import { sipHeaders } from '../../src/sip-edge/sip-request.js';
import { inviteText, sipRequest } from '../sip-edge/sip-text.js';

/**
 * The SIP edge's decisions on feature codes (sip-edge/routing/route-invite.ts), on drachtio-srf's
 * own requests parsed from raw SIP text. A feature code needs nothing but a healthy media node:
 * every other dependency fails the test if it is asked.
 */
function deps(healthy = ['ast-a:5060', 'ast-b:5060']): EdgeRoutingDeps {
  const media = createMediaNodePool(['ast-a:5060', 'ast-b:5060'], { now: () => 0 });
  for (const node of healthy) media.answered(node);
  const untouched = (what: string) => () => {
    throw new Error(`a feature code asked ${what}`);
  };
  return {
    findRoute: untouched('the directory'),
    directNumberTarget: untouched('the direct numbers'),
    contacts: untouched('the contacts'),
    absent: untouched('the hänvisning'),
    extension: untouched('the extensions'),
    mainNumber: untouched('the main numbers'),
    dialling: { decide: untouched('the dial policy'), admitExtensionCall: untouched('the daily cap') },
    emergencyCallerId: untouched('112’s caller ID'),
    media,
    trunkHost: 'carrier.example:5060',
    fallbackNumbers: ['+46701110001'],
  };
}

/** What the edge reads as dialled from an INVITE whose Request-URI user is `user`, as a phone sends it. */
const dialled = (user: string) => sipHeaders.dialled(sipRequest(inviteText(user)));
const phone = { from: 'phone', extension: '2460123' } as const;

describe('a feature code at the SIP edge', () => {
  it.each([
    ['*21*1400%23', 'sip:*21*1400%23@ast-a:5060'],
    ['*22*1*1400%23', 'sip:*22*1*1400%23@ast-a:5060'],
    ['%2321%23', 'sip:%2321%23@ast-a:5060'],
    // Some phones send `#` unescaped; it is escaped on the way on.
    ['#21#', 'sip:%2321%23@ast-a:5060'],
    ['*20', 'sip:*20@ast-a:5060'],
  ])('from an authenticated phone (%s) goes to a media node with the phone’s extension', async (user, uri) => {
    expect(await routeInvite(dialled(user), phone, deps())).toEqual({
      kind: 'media',
      node: 'ast-a:5060',
      uri,
      headers: { 'X-Extension': '2460123' },
      featureCode: true,
    });
  });

  it('goes to the next healthy node, and is refused 503 (no fallback numbers) with none', async () => {
    expect(await routeInvite(dialled('*20'), phone, deps(['ast-b:5060']))).toMatchObject({ node: 'ast-b:5060' });
    expect(await routeInvite(dialled('*20'), phone, deps([]))).toEqual({ kind: 'reject', status: 503 });
  });

  it('from the trunk is not a number of the region (404), whatever X-Extension it carries', async () => {
    const forged = sipRequest([...inviteText('*21*1400%23'), 'X-Extension: 2460123'], '192.0.2.10');
    expect(await routeInvite(sipHeaders.dialled(forged), { from: 'trunk' }, deps())).toEqual({
      kind: 'reject',
      status: 404,
    });
  });

  it('from a phone network without credentials is refused (403)', async () => {
    const unauthenticated = { from: 'phone-network', at: { address: '10.20.0.5', port: 5062 } } as const;
    expect(await routeInvite(dialled('#21%23'), unauthenticated, deps())).toEqual({ kind: 'reject', status: 403 });
  });

  it('is not read from a user part that is no code nor number', async () => {
    expect(dialled('*21*14a0')).toBeUndefined();
    expect(dialled('*21*1400%2')).toBeUndefined();
    expect(await routeInvite(dialled('*abc'), phone, deps())).toEqual({ kind: 'reject', status: 404 });
  });
});
