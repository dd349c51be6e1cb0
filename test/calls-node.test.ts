import WebSocket from 'ws';
import { afterAll, expect, it } from 'vitest';
import { BaxCloudClient } from '../src/client/client.js';
import { BaxCloudError } from '../src/client/errors.js';

/** Node has no WebRTC: every call method says so with a typed error, and the rest of the client is unaffected. */

// Nothing listens on port 9: the client keeps trying to connect in the background, which these methods never need.
const client = new BaxCloudClient({ projectId: 'demo', apiKey: 'demo-api-key', host: '127.0.0.1:9', user: { userId: 'alice' }, token: 'unused', WebSocket });

afterAll(() => client.disconnect());

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );
}

it('rejects connect() with unsupported', async () => {
  const error = await rejection(client.connect({ roomName: 'standup', liveType: 'video_call' }));
  expect(error).toBeInstanceOf(BaxCloudError);
  expect(error).toMatchObject({ code: 'unsupported', message: expect.stringContaining('WebRTC') });
});

it('rejects every other call method with unsupported too', async () => {
  const calls = [
    client.enableCamera(),
    client.disableCamera(),
    client.enableMicrophone({ deviceId: 'default' }),
    client.disableMicrophone(),
    client.startScreenShare(),
    client.stopScreenShare(),
    client.leaveRoom(),
  ];
  for (const call of calls) expect(await rejection(call)).toMatchObject({ name: 'BaxCloudError', code: 'unsupported' });
});

it('has no room to resume and an empty room in the store', () => {
  expect(client.resumableRoom()).toBeNull();
  expect(client.getState().room).toBeNull();
});
