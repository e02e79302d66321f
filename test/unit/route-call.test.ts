import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegionConfig } from '../../src/config/load-region.js';
import type { NumberLookup } from '../../src/routing/route-call.js';
import { routeCall } from '../../src/routing/route-call.js';
import { buildRoutingTable, tableLookup } from '../../src/routing/routing-table.js';

let lookup: NumberLookup;
beforeAll(async () => {
  lookup = tableLookup(buildRoutingTable(await loadRegionConfig(resolve('config/region.yaml'))));
});

describe('routeCall with the shipped region config', () => {
  it.each([
    ['093214000', '2403'],
    ['093014000', '2401'],
    ['093414000', '2409'],
    ['090161000', '2480'],
    ['093314000', '2404'],
    ['093514100', '2460'],
    ['066088000', '2284'],
    ['+4693514100', '2460'],
  ])('sends main number %s to the queue of %s', async (dialled, municipalityId) => {
    expect(await routeCall(dialled, lookup)).toMatchObject({ action: 'queue', municipalityId, reason: 'main-number' });
  });

  it('keeps the called number as E.164 for the record', async () => {
    expect(await routeCall('0935-141 00', lookup)).toMatchObject({ calledNumber: '+4693514100' });
  });

  it('sends the regional number to the menu, with the default municipality for no choice', async () => {
    expect(await routeCall('093214090', lookup)).toMatchObject({
      action: 'menu',
      municipalityId: '2403',
      calledNumber: '+4693214090',
    });
  });

  it('sends a direct-dial number given to an extension to that extension, others of the range to the queue', async () => {
    const owner = async (e164: string) => (e164 === '+4693514155' ? '2460155' : undefined);
    expect(await routeCall('093514155', lookup, owner)).toEqual({
      action: 'extension',
      municipalityId: '2460',
      calledNumber: '+4693514155',
      extension: '2460155',
    });
    expect(await routeCall('093514156', lookup, owner)).toMatchObject({
      action: 'queue',
      reason: 'unassigned-direct-number',
    });
    // A main number is never looked up as a direct number.
    expect(await routeCall('093514100', lookup, async () => '2460100')).toMatchObject({
      action: 'queue',
      reason: 'main-number',
    });
  });

  it('sends an unassigned direct-dial number to its own municipality, saying why', async () => {
    expect(await routeCall('093514155', lookup)).toMatchObject({
      action: 'queue',
      municipalityId: '2460',
      reason: 'unassigned-direct-number',
    });
    expect(await routeCall('090169999', lookup)).toMatchObject({ municipalityId: '2480' });
  });

  it('rejects a valid number that is not the region’s', async () => {
    expect(await routeCall('0701234567', lookup)).toMatchObject({ action: 'reject', cause: 'unknown-number' });
    // Just outside Bjurholm's direct-dial range (…140 01–140 89) and not the regional number.
    expect(await routeCall('093214095', lookup)).toMatchObject({ action: 'reject', cause: 'unknown-number' });
  });

  it('rejects what is not a phone number at all', async () => {
    expect(await routeCall('s', lookup)).toMatchObject({ action: 'reject', cause: 'invalid-number' });
    expect(await routeCall('0935-14', lookup)).toMatchObject({ action: 'reject', cause: 'invalid-number' });
  });
});
