import { describe, expect, it } from 'vitest';
import { createContactStore } from '../../src/extensions/contact-store.js';
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
});
