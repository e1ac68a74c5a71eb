import { describe, expect, it } from 'vitest';
import { jsonSyntaxErrorOffset } from './jsonSyntax';

describe('jsonSyntaxErrorOffset', () => {
  it('accepts exactly what JSON.parse accepts, on a corpus of valid and broken texts', () => {
    const texts = [
      '{}', '[]', '0', '-0.5e+3', '"a\\u00e9\\n"', ' {"a": [1, 2, {"b": null}], "c": true} ', '{"a": }', '{"a" 1}', '[1, 2,]', '{,}', '01',
      '1.', '"\\x"', '"a', '{"a": 1', 'tru', 'nul', '[1 2]', '{"a": 1}}', '', '   ', '"\u0001"', '-', '1e', '{"a":1,"b":[true,false,null]}',
    ];
    for (const text of texts) {
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      expect(jsonSyntaxErrorOffset(text) === null, JSON.stringify(text)).toBe(valid);
    }
  });

  it('points at the first character that cannot continue', () => {
    const text = '{"type": "object",\n "properties": {"a": {"type": }}}';
    expect(jsonSyntaxErrorOffset(text)).toBe(text.indexOf('}'));
    expect(jsonSyntaxErrorOffset('[1, 2,]')).toBe(6);
    expect(jsonSyntaxErrorOffset('{"a": 1')).toBe(7);
  });
});
