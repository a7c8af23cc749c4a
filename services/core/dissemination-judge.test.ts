import { describe, expect, it } from 'vitest';
import { DisseminationJudge } from './dissemination-judge.js';
import { catalogue } from './testing/builders.js';

const T = 1_500_000_000_000;
const OBJECTOR = '9990000018';
const OTHER = '9990000026';
const share = (over: Record<string, unknown> = {}) => ({ disseminationId: 'd1', nhsNumber: OBJECTOR, recipient: 'R', purpose: 'RESEARCH', sharedAt: T, ...over });
const judgeOf = () => new DisseminationJudge(catalogue, (nhs) => nhs === OBJECTOR);

describe('DisseminationJudge', () => {
  it('keeps whole only the accepted lines of objectors for purposes other than direct care', () => {
    const judged = judgeOf().judge([
      { position: 1, fields: share() },
      { position: 2, fields: share({ disseminationId: 'd2', nhsNumber: OTHER }) },
      { position: 3, fields: share({ disseminationId: 'd3', purpose: 'DIRECT_CARE' }) },
    ]);
    expect(judged.items).toBe(3);
    expect(judged.kept.map((k) => k.disseminationId)).toEqual(['d1']);
    expect(judged.dead).toEqual([]);
  });

  it('judges duplicates against the first valid line of an id across batches, in the order they are judged', () => {
    const judge = judgeOf();
    const first = judge.judge([{ position: 1, fields: share({ nhsNumber: 'bad' }) }, { position: 2, fields: share() }]);
    expect(first.dead.map((d) => d.reason)).toEqual(['INVALID_NHS_NUMBER']);
    expect(first.kept).toHaveLength(1);
    const second = judge.judge([{ position: 3, fields: share() }, { position: 4, fields: share({ recipient: 'S' }) }, { position: 5, error: 'truncated' }]);
    expect(second.duplicates).toBe(1);
    expect(second.kept).toEqual([]);
    expect(second.dead).toEqual([
      { position: 4, reason: 'CONFLICTING_DUPLICATE', detail: 'disseminationId seen before with different content' },
      { position: 5, reason: 'UNDECODABLE', detail: 'truncated' },
    ]);
  });

  it('says the latest release time among accepted lines only, or -Infinity when none was accepted', () => {
    const judge = judgeOf();
    expect(judge.judge([{ position: 1, fields: share({ nhsNumber: OTHER, sharedAt: T + 9 }) }, { position: 2, fields: share({ disseminationId: 'd2', sharedAt: T + 3 }) }]).latest).toBe(T + 9);
    expect(judge.judge([{ position: 3, fields: share({ nhsNumber: OTHER, sharedAt: T + 9 }) }, { position: 4, fields: share({ disseminationId: 'd3', nhsNumber: 'bad', sharedAt: T + 20 }) }]).latest).toBe(-Infinity);
  });
});
