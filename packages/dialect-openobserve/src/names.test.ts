import { describe, expect, it } from 'vitest';
import { formatLabelKey, formatStreamName } from './names.js';

describe('formatStreamName', () => {
  it.each([
    ['cpu', 'cpu'],
    ['http.requests-total', 'http_requests_total'],
    ['A:b', 'a:b'],
    ['job:http_requests:rate5m', 'job:http_requests:rate5m'],
    ['CPU', 'cpu'],
    ['stream name', 'stream_name'],
    ['a..--..b', 'a_b'],
    ['  padded  ', '_padded_'],
    ['a/b\\c', 'a_b_c'],
    ['héllo', 'h_llo'],
    ['日本語', '_'],
    ['smile😀face', 'smile_face'],
    ['__proto__', '__proto__'],
    ['http_response_time_bucket', 'http_response_time_bucket'],
    ['Mixed_Case.Name', 'mixed_case_name'],
    ['0', '0'],
  ])('%j → %j', (raw, formatted) => {
    expect(formatStreamName(raw)).toBe(formatted);
  });

  it('gives the same answer when the cached form is used', () => {
    for (let i = 0; i < 3; i++) expect(formatStreamName('a.b')).toBe('a_b');
  });

  it('stays right when many distinct dirty names overflow the cache', () => {
    for (let i = 0; i < 10_000; i++) expect(formatStreamName(`m.${i}`)).toBe(`m_${i}`);
    expect(formatStreamName(`${'x'.repeat(300)}.`)).toBe(`${'x'.repeat(300)}_`);
  });
});

describe('formatLabelKey', () => {
  it.each([
    ['namespace', 'namespace'],
    ['Namespace', 'namespace'],
    ['k8s.pod-name', 'k8s_pod_name'],
    ['A:b', 'a_b'],
    ['a..b', 'a__b'],
    ['stream_type', 'stream_type'],
    ['@version', '_version'],
    ['', ''],
    ['héllo', 'h_llo'],
    ['smile😀', 'smile_'],
    ['日本', '__'],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
    ['toString', 'tostring'],
    ['hasOwnProperty', 'hasownproperty'],
    ['İd', 'i_d'],
  ])('%j → %j', (raw, formatted) => {
    expect(formatLabelKey(raw)).toBe(formatted);
  });

  it('stays right when many distinct dirty keys overflow the cache', () => {
    for (let i = 0; i < 10_000; i++) expect(formatLabelKey(`K.${i}`)).toBe(`k_${i}`);
  });
});
