import { describe, expect, it } from 'vitest';
import { parseAllowlist, matchAllow, allowFromOptions } from '../src/gate/allow.js';
import { parseCountLimit, parseSizeLimit, limitBytes } from '../src/gate/thresholds.js';
import { ghData, ghProperty, renderGithubAnnotations, renderJunit, xmlEscape } from '../src/render/check.js';
import type { CheckResult } from '../src/gate/index.js';

describe('check: escaping', () => {
  it('XML: the five specials, CR, and characters XML 1.0 cannot carry', () => {
    expect(xmlEscape(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    expect(xmlEscape('x\u0000y\u001bz\r\n\t')).toBe('x\uFFFDy\uFFFDz&#13;\n\t');
    expect(xmlEscape('\uD800 ok \uD83D\uDE00')).toBe('\uFFFD ok \uD83D\uDE00');
  });

  it("GitHub workflow commands: % CR LF in data; also : and , in properties", () => {
    expect(ghData('50% done\r\nnext: a,b')).toBe('50%25 done%0D%0Anext: a,b');
    expect(ghProperty('C:\\x,y%\n')).toBe('C%3A\\x%2Cy%25%0A');
  });
});

describe('check: thresholds and allow-lists', () => {
  it('parses counts, sizes and percentages; rejects the rest', () => {
    expect(parseCountLimit('10', '--x')).toBe(10);
    expect(parseCountLimit(' 0 ', '--x')).toBe(0);
    for (const bad of ['-3', '2.5', 'ten', '', '1e3']) expect(() => parseCountLimit(bad, '--x')).toThrow(/invalid --x/);
    expect(parseSizeLimit('10MiB', '--y')).toMatchObject({ kind: 'bytes', bytes: 10 * 1024 * 1024 });
    expect(parseSizeLimit('5%', '--y')).toMatchObject({ kind: 'percent', percent: 5 });
    expect(limitBytes(parseSizeLimit('2.5%', '--y'), 1000)).toBe(25);
    for (const bad of ['lots', '-1MiB', '5 %%', '%', '10 parsecs']) expect(() => parseSizeLimit(bad, '--y')).toThrow(/invalid --y/);
  });

  it('any-frame and top-frame patterns', () => {
    const frames = [
      { function: 'runtime.gopark', file: 'runtime/proc.go', line: 1 },
      { function: 'runtime.selectgo', file: 'runtime/select.go', line: 2 },
      { function: 'main.handleMatch.func1', file: 'svc/main.go', line: 130 },
      { function: 'main.serve', file: 'svc/main.go', line: 10 },
    ];
    expect(matchAllow(frames, allowFromOptions([], ['^main\\.handleMatch\\.func1$']))?.origin).toBe('--allow-top');
    expect(matchAllow(frames, allowFromOptions([], ['main\\.serve']))).toBeNull();
    expect(matchAllow(frames, allowFromOptions([], ['gopark']))).toBeNull(); // runtime frames are never the top
    expect(matchAllow(frames, allowFromOptions(['main\\.serve'], []))?.source).toBe('main\\.serve');
    const list = parseAllowlist('# c\n\n  top:  ^main\\.x$ \r\nfoo\n', 'a.txt');
    expect(list.map((p) => [p.top, p.source, p.origin])).toEqual([[true, '^main\\.x$', 'a.txt:3'], [false, 'foo', 'a.txt:4']]);
    expect(() => parseAllowlist('top:\n', 'b.txt')).toThrow(/empty pattern/);
  });
});

describe('check: renderers on a hand-made result', () => {
  const nasty = 'main.(*T).run,"<x>"&:%\n';
  const res: CheckResult = {
    mode: 'pair',
    status: 'fail',
    inputs: ['a.pb.gz', 'b.pb.gz'],
    notes: [],
    rules: [{
      id: 'stack-goroutine-growth', target: null, kind: 'goroutine', sampleType: { type: 'goroutine', unit: 'count' },
      status: 'fail', measured: 7, limit: 3, limitText: '3', unit: 'count', detail: 'largest growth of one stack from base to head',
      offenders: [{
        key: 'k', frames: [{ function: 'runtime.gopark', file: 'runtime/proc.go', line: 1 }, { function: nasty, file: 'a,b:c.go', line: 42 }],
        labelSets: [{}], top: { function: nasty, file: 'a,b:c.go', line: 42 }, first: 1, last: 8, delta: 7,
      }],
      allowed: [],
    }],
  };

  it('GitHub annotation: file, line, escaped properties and message', () => {
    const a = renderGithubAnnotations(res).trimEnd();
    expect(a.split('\n')).toHaveLength(1);
    expect(a.startsWith('::error file=a%2Cb%3Ac.go,line=42,title=pprof-diff check%3A goroutine growth per stack::+7 (1 → 8) (max +3 per stack)%0A')).toBe(true);
    expect(a).toContain('%25%0A'); // the % and newline inside the function name
  });

  it('JUnit: specials escaped in attributes and text', () => {
    const x = renderJunit(res);
    expect(x).toContain('<testsuites name="pprof-diff check" tests="1" failures="1" errors="0" skipped="0">');
    expect(x).toContain('file="a,b:c.go" line="42"');
    expect(x).toContain('main.(*T).run,&quot;&lt;x&gt;&quot;&amp;:%&#10;');
    expect(x).not.toMatch(/"<x>"/);
  });
});
