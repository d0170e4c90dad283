import { jsonDepthExceeds, jsonTextDepthExceeds } from '../../src/http/json-depth.js';

/** An object nested `levels` deep: {a:{a:...{}}}, the outermost object being level 1. */
function nested(levels: number, inArrays = false): unknown {
  let value: unknown = {};
  for (let i = 1; i < levels; i += 1) value = inArrays ? [value] : { a: value };
  return value;
}

describe('jsonDepthExceeds', () => {
  it.each([
    [19, false],
    [20, false],
    [21, true],
  ])('objects nested %i deep against a limit of 20 -> %s', (levels, exceeds) => {
    expect(jsonDepthExceeds(nested(levels), 20)).toBe(exceeds);
  });

  it('counts arrays as levels like objects', () => {
    expect(jsonDepthExceeds(nested(20, true), 20)).toBe(false);
    expect(jsonDepthExceeds(nested(21, true), 20)).toBe(true);
  });

  it('finds the deep branch among shallow siblings, and ignores scalars', () => {
    const doc = { a: 1, b: 'x', c: null, d: [1, 2, { e: true }], deep: nested(20) };
    expect(jsonDepthExceeds(doc, 20)).toBe(true);
    expect(jsonDepthExceeds(doc, 21)).toBe(false);
    expect(jsonDepthExceeds('scalar', 1)).toBe(false);
    expect(jsonDepthExceeds(null, 1)).toBe(false);
  });

  it('walks a very deep document without overflowing the stack', () => {
    expect(jsonDepthExceeds(nested(200_000), 1_000_000)).toBe(false);
    expect(jsonDepthExceeds(nested(200_000), 64)).toBe(true);
  });
});

describe('jsonTextDepthExceeds (the same check on the UTF-8 text, before parsing)', () => {
  const text = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));

  it('agrees with the check on the parsed document', () => {
    for (const doc of [nested(20), nested(21), nested(20, true), nested(21, true), { a: 1, d: [1, 2, { e: true }], deep: nested(20) }, 'scalar', null, []]) {
      for (const limit of [1, 19, 20, 21]) expect(jsonTextDepthExceeds(text(doc), limit)).toBe(jsonDepthExceeds(doc, limit));
    }
  });

  it('does not count brackets inside strings, escaped quotes included, nor in multi-byte text', () => {
    expect(jsonTextDepthExceeds(text({ a: '[[[[{{{{', b: 'quote \" then [[[[', c: 'é€😀[[[[' }), 1)).toBe(false);
    expect(jsonTextDepthExceeds(text({ a: 'back\\', b: [[1]] }), 2)).toBe(true);
  });
});
