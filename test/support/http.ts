import { TEST_CREDENTIALS } from './pipeline.js';

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  json<T = unknown>(): T;
}

export async function post(
  url: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
): Promise<HttpResult> {
  const response = await fetch(url, { method: 'POST', body, headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: <T>() => JSON.parse(text) as T };
}

export const betterStackHeaders = (
  contentType = 'application/json',
  token: string = TEST_CREDENTIALS.betterstack.token,
) => ({
  authorization: `Bearer ${token}`,
  'content-type': contentType,
});

export const openObserveHeaders = (
  user: string = TEST_CREDENTIALS.openobserve.user,
  password: string = TEST_CREDENTIALS.openobserve.password,
) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
  'content-type': 'application/json',
});
