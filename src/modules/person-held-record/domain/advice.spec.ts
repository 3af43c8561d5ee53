import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { AdviceLibraryError, buildAdviceLibrary, loadAdviceLibrary, parseAdviceFile, type AdviceLibrary } from './advice.js';

const SHIPPED = resolve(__dirname, '../../../../config/advice');
const GENERAL = ['healthy-eating', 'physical-activity', 'stopping-smoking'];

const entry = (overrides: Record<string, unknown> = {}) => ({
  id: 'living-with-af',
  title: 'Living with atrial fibrillation',
  summary: 'An irregular heartbeat.',
  paragraphs: ['Take your medicines as prescribed.'],
  topics: ['living-with'],
  conditions: ['<< 49436004 |Atrial fibrillation|'],
  ...overrides,
});

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof AdviceLibraryError) return error.problems;
    throw error;
  }
  throw new Error('no error');
}

describe('the advice library the hub ships', () => {
  let library: AdviceLibrary;
  beforeAll(async () => {
    library = await loadAdviceLibrary([SHIPPED]);
  });

  it.each([
    ['type 2 diabetes', '44054006', 'living-with-type-2-diabetes'],
    ['essential hypertension', '59621000', 'living-with-high-blood-pressure'],
    ['asthma', '195967001', 'living-with-asthma'],
    ['COPD', '13645005', 'living-with-copd'],
    ['heart failure', '84114007', 'living-with-heart-failure'],
    ['depression', '35489007', 'living-with-depression-and-anxiety'],
    ['generalised anxiety', '21897009', 'living-with-depression-and-anxiety'],
    ['CKD stage 3', '433144002', 'living-with-chronic-kidney-disease'],
  ])('gives someone with %s the entry for it first, then the general entries', (_name, code, id) => {
    expect(library.adviceFor([code]).map((advice) => advice.id)).toEqual([id, ...GENERAL]);
  });

  it('gives someone with no coded conditions the general entries only', () => {
    expect(library.adviceFor([]).map((advice) => advice.id)).toEqual(GENERAL);
  });

  it('lists an entry once when several of the person’s codes choose it, and ignores codes that are not concept ids', () => {
    const ids = library.adviceFor(['35489007', '21897009', '35489007', 'LOCAL-123', '44054006']).map((advice) => advice.id);
    // Library order: shipped files by name.
    expect(ids).toEqual(['living-with-depression-and-anxiety', 'living-with-type-2-diabetes', ...GENERAL]);
  });

  it('has plain text in every entry, with a title, summary and paragraphs', () => {
    for (const advice of library.entries) {
      expect(advice.title.length).toBeGreaterThan(0);
      expect(advice.paragraphs.length).toBeGreaterThanOrEqual(3);
      expect(advice.paragraphs.join(' ')).not.toMatch(/<[a-z]/i);
    }
  });
});

describe('matching conditions', () => {
  const fakeDescendant = '25064002'; // any valid concept id stands in for a descendant here
  const library = (subsumes?: (ancestor: string, code: string) => boolean) =>
    buildAdviceLibrary(
      [
        {
          file: 'test.json',
          json: {
            entries: [
              entry({ id: 'self-only', conditions: ['49436004'] }),
              entry({ id: 'descendant-or-self', conditions: ['<< 49436004 |Atrial fibrillation|'] }),
              entry({ id: 'descendant-only', conditions: ['<49436004'] }),
            ],
          },
        },
      ],
      { subsumes },
    );

  it('matches the concept itself for an exact code and for <<, but not for <', () => {
    expect(
      library()
        .adviceFor(['49436004'])
        .map((advice) => advice.id),
    ).toEqual(['self-only', 'descendant-or-self']);
  });

  it('reaches descendants through the subsumption check for << and < only', () => {
    const subsumes = (ancestor: string, code: string) => ancestor === '49436004' && code === fakeDescendant;
    expect(
      library(subsumes)
        .adviceFor([fakeDescendant])
        .map((advice) => advice.id),
    ).toEqual(['descendant-or-self', 'descendant-only']);
    expect(library().adviceFor([fakeDescendant])).toEqual([]);
  });
});

describe('checking advice files', () => {
  it('parses a good entry with its rules', () => {
    expect(parseAdviceFile({ entries: [entry()] }, 'af.json')).toEqual([
      {
        id: 'living-with-af',
        title: 'Living with atrial fibrillation',
        summary: 'An irregular heartbeat.',
        paragraphs: ['Take your medicines as prescribed.'],
        topics: ['living-with'],
        conditions: [{ match: 'descendant-or-self', code: '49436004', display: 'Atrial fibrillation' }],
        forEveryone: false,
      },
    ]);
  });

  it('names the file and the key of every problem', () => {
    const problems = problemsOf(() =>
      parseAdviceFile(
        {
          entries: [
            entry({ id: 'Bad Id', topics: [], conditions: ['<< 49436005 |typo|'] }),
            entry({ title: '', colour: 'red', topics: ['gardening'] }),
            entry({ conditions: undefined }),
            entry({ forEveryone: true }),
          ],
        },
        'operator/af.json',
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'operator/af.json: entries[0].id: must be lower-case letters and digits joined by single hyphens',
        'operator/af.json: entries[0].topics: must name at least one topic',
        'operator/af.json: entries[0].conditions[0]: 49436005 is not a valid SNOMED CT concept id',
        'operator/af.json: entries[1].title: must not be empty',
        expect.stringMatching(/^operator\/af\.json: entries\[1\]: .*colour/),
        expect.stringMatching(/^operator\/af\.json: entries\[1\]\.topics\[0\]: /),
        'operator/af.json: entries[2].conditions: give the conditions it is for, or forEveryone: true',
        'operator/af.json: entries[3].conditions: give conditions or forEveryone: true, not both',
      ]),
    );
    expect(problems).toHaveLength(8);
  });

  it('refuses a file without entries and text over the limits', () => {
    expect(problemsOf(() => parseAdviceFile({}, 'empty.json'))).toEqual([expect.stringMatching(/^empty\.json: entries: /)]);
    expect(problemsOf(() => parseAdviceFile({ entries: [entry({ summary: 'x'.repeat(401) })] }, 'long.json'))).toEqual([
      'long.json: entries[0].summary: must be at most 400 characters',
    ]);
  });
});

describe('loading the library from folders', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'advice-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('adds an operator’s entries to the shipped ones', async () => {
    await writeFile(join(dir, 'af.json'), JSON.stringify({ entries: [entry()] }));
    await writeFile(join(dir, 'notes.txt'), 'not advice');
    const library = await loadAdviceLibrary([SHIPPED, dir]);
    expect(library.adviceFor(['49436004'])[0].id).toBe('living-with-af');
    expect(library.byId('living-with-asthma')).toBeDefined();
  });

  it('lists every problem across files: bad JSON, an id used twice, a missing folder', async () => {
    await writeFile(join(dir, 'a.json'), '{ "entries": [');
    await writeFile(join(dir, 'b.json'), JSON.stringify({ entries: [entry({ id: 'living-with-asthma' })] }));
    const missing = join(dir, 'nowhere');
    const error = await loadAdviceLibrary([SHIPPED, dir, missing]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AdviceLibraryError);
    expect((error as AdviceLibraryError).problems).toEqual([
      expect.stringMatching(new RegExp(`^${join(dir, 'a.json')}: is not valid JSON`)),
      `${missing}: cannot read the folder (ENOENT)`,
    ]);
    await rm(join(dir, 'a.json'));
    const duplicate = await loadAdviceLibrary([SHIPPED, dir]).catch((caught: unknown) => caught);
    expect((duplicate as AdviceLibraryError).problems).toEqual([
      `${join(dir, 'b.json')}: entries[0].id: "living-with-asthma" is already used in ${join(SHIPPED, 'asthma.json')}`,
    ]);
  });
});
