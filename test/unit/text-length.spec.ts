/**
 * Text lengths are counted in characters as the OpenAPI document's maxLength counts them (Unicode code points): an
 * emoji is one character, so a name the document allows is not refused; and a string of variation selectors, which
 * class-validator's MaxLength counted as nothing, is refused like any other text past its limit.
 */
import 'reflect-metadata';
import { validate } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { IsLine, MaxChars, codePoints } from '../../src/common/text';
import { OptionalText } from '../../src/parcours/dto/text';

class Sample {
  @IsLine(5) line!: string;
  @OptionalText(5) note?: string;
  @MaxChars(3, { each: true }) names?: string[];
}

const problems = async (body: object): Promise<string[]> =>
  (await validate(plainToInstance(Sample, body))).flatMap((e) => Object.values(e.constraints ?? {}));

describe('text lengths in characters (code points)', () => {
  it('counts a surrogate pair once', () => {
    expect(codePoints('😀😀é')).toBe(3);
    expect(codePoints('abc')).toBe(3);
  });

  it('accepts five emoji in a 5-character line and a 5-character note, as the document allows', async () => {
    expect(await problems({ line: '😀😀😀😀😀', note: '🎒🎒🎒🎒🎒', names: ['😀😀😀'] })).toEqual([]);
  });

  it('refuses six emoji, naming the limit', async () => {
    expect(await problems({ line: '😀😀😀😀😀😀', note: '🎒🎒🎒🎒🎒🎒', names: ['😀😀😀😀'] })).toEqual([
      'line must be at most 5 characters',
      'note must be at most 5 characters',
      'names must be at most 3 characters',
    ]);
  });

  it('refuses a string of variation selectors past the limit (class-validator counted it as empty)', async () => {
    const selectors = 'a' + '\uFE0F'.repeat(10_000);
    expect(await problems({ line: 'ok', note: selectors })).toEqual(['note must be at most 5 characters']);
  });
});
