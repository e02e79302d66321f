import { describe, expect, it } from 'vitest';
import { bindingAddress, createContactStore, sourceAddress } from '../../src/extensions/contact-store.js';
import { useRedis } from '../support/redis.js';

describe('extension contacts', () => {
  const ctx = useRedis();

  it('lists unexpired contacts, newest refresh first, and forgets unbound and expired ones', async () => {
    const contacts = createContactStore(ctx.redis, ctx.k);
    await contacts.bind('2460123', 'sip:2460123@10.0.0.5:5060', 3600);
    await contacts.bind('2460123', 'sip:2460123@10.0.0.6:5060', 7200);
    await contacts.bind('2460124', 'sip:2460124@10.0.0.7:5060', 1);
    expect(await contacts.contacts('2460123')).toEqual(['sip:2460123@10.0.0.6:5060', 'sip:2460123@10.0.0.5:5060']);
    await contacts.unbind('2460123', 'sip:2460123@10.0.0.6:5060');
    expect(await contacts.contacts('2460123')).toEqual(['sip:2460123@10.0.0.5:5060']);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await contacts.contacts('2460124')).toEqual([]);
    expect(await contacts.contacts('2480999')).toEqual([]);
  });

  it('knows who is registered at an address, in step with bind, unbind and expiry, newest first', async () => {
    const contacts = createContactStore(ctx.redis, ctx.k);
    // A phone with two lines registers both from one address; another phone elsewhere.
    await contacts.bind('2460123', 'sip:2460123@10.24.96.7:5060', 3600);
    await contacts.bind('2460124', 'sip:2460124@10.24.96.7:5060', 1);
    await contacts.bind('2460123', 'sip:2460123@10.24.96.8:5062;transport=tcp', 3600);
    const at = async (hostPort: string) =>
      (await contacts.at(hostPort)).map(({ extension, contact }) => ({ extension, contact }));
    expect(await at('10.24.96.7:5060')).toEqual([
      { extension: '2460123', contact: 'sip:2460123@10.24.96.7:5060' },
      { extension: '2460124', contact: 'sip:2460124@10.24.96.7:5060' },
    ]);
    expect(await at(sourceAddress('10.24.96.8', 5062))).toEqual([
      { extension: '2460123', contact: 'sip:2460123@10.24.96.8:5062;transport=tcp' },
    ]);
    await contacts.unbind('2460123', 'sip:2460123@10.24.96.7:5060');
    expect(await at('10.24.96.7:5060')).toEqual([{ extension: '2460124', contact: 'sip:2460124@10.24.96.7:5060' }]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await at('10.24.96.7:5060')).toEqual([]);
    // Keys live as long as their last binding: nothing is left of an address nobody registers from.
    expect(await ctx.redis.exists(ctx.k.contactsAt('10.24.96.7:5060'))).toBe(0);
    const ttl = await ctx.redis.pTTL(ctx.k.contactsAt('10.24.96.8:5062'));
    expect(ttl).toBeGreaterThan(3_590_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
  });

  it('names an address the way a binding and a request source both write it', () => {
    expect(bindingAddress('sip:2460123@10.24.96.7')).toBe('10.24.96.7:5060');
    expect(bindingAddress('sip:2460123@10.24.96.7;transport=tls')).toBe('10.24.96.7:5061');
    expect(bindingAddress('sip:2460123@[FD00::7]:5070')).toBe('[fd00::7]:5070');
    expect(sourceAddress('fd00::7', 5070)).toBe('[fd00::7]:5070');
  });
});
