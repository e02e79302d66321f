import { describe, expect, it } from 'vitest';
import { createCapacity } from '../../src/media/arrival/capacity.js';

describe('a media node’s capacity (media/arrival/capacity.ts)', () => {
  it('refuses a new caller while as many are being set up as the limit allows, and admits again once a set-up is over', () => {
    const capacity = createCapacity({ settingUp: 2, held: 10 });
    expect(capacity.admit('a')).toBeUndefined();
    expect(capacity.admit('b')).toBeUndefined();
    expect(capacity.admit('c')).toBe('setting-up');
    capacity.setUpOver('a');
    expect(capacity.admit('c')).toBeUndefined();
    expect(capacity.state()).toEqual({ settingUp: 2, held: 3 });
  });

  it('refuses a new caller while the node holds as many as it may, whatever is being set up, until one leaves', () => {
    const capacity = createCapacity({ settingUp: 10, held: 2 });
    for (const id of ['a', 'b']) {
      expect(capacity.admit(id)).toBeUndefined();
      capacity.setUpOver(id);
    }
    expect(capacity.admit('c')).toBe('held');
    capacity.left('a');
    expect(capacity.admit('c')).toBeUndefined();
    expect(capacity.state()).toEqual({ settingUp: 1, held: 2 });
  });

  it('counts callers found again after a start without refusing them, and forgets each once, however often it is told', () => {
    const capacity = createCapacity({ settingUp: 1, held: 1 });
    capacity.holding('old-1');
    capacity.holding('old-2');
    expect(capacity.state()).toEqual({ settingUp: 0, held: 2 });
    expect(capacity.admit('new')).toBe('held');
    capacity.left('old-1');
    capacity.left('old-1');
    capacity.left('old-2');
    expect(capacity.admit('new')).toBeUndefined();
    expect(capacity.state()).toEqual({ settingUp: 1, held: 1 });
  });

  it('while draining refuses every new caller, with room or without, and keeps counting those held until they leave', () => {
    const capacity = createCapacity({ settingUp: 10, held: 10 });
    expect(capacity.admit('a')).toBeUndefined();
    capacity.stopAdmitting();
    expect(capacity.admit('b')).toBe('draining');
    capacity.holding('found-again');
    expect(capacity.state()).toEqual({ settingUp: 1, held: 2 });
    capacity.left('a');
    capacity.left('found-again');
    expect(capacity.state()).toEqual({ settingUp: 0, held: 0 });
    expect(capacity.admit('c')).toBe('draining');
  });
});
