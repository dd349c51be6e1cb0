/**
 * The call benchmark: `npm run bench:call` (options: `npm run bench:call -- --help`; see bench/README.md).
 *
 * Two users in one headless Chromium (two profiles, fake camera and microphone) on the demo page the real server
 * serves from dist/site, which loads the built client (bax-call.js, then bax-call-media.js). Over loopback:
 *   1. time to first frame: the callee accepts, both join the room with camera and microphone on; from a timestamp
 *      the callee takes just before acceptCallInvitation, until the first decoded remote video frame on each side
 *      (getStats inbound-rtp `framesDecoded` > 0, polled every 10 ms); the users take turns calling;
 *   2. CPU: one 1:1 video call held for a while; each tab's renderer CPU time over it (CDP Performance.getMetrics
 *      `ProcessTime`), and for context the CPU of every Chromium process (from /proc).
 * Prints a table and PASS/FAIL, writes bench/results/call.md. Exit code: 0 target met; 1 errors; 2 target missed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { AUTOPLAY_WITHOUT_GESTURE, FAKE_MEDIA, launchChromium } from '../test/support/chromium.js';
import { startServer, type RunningServer } from '../test/support/server.js';
import { demoPath, handCallsToThePage, recordPeerConnections, waitUntilOpen } from '../test/e2e/support/demo-page.js';
import { childrenCpuMs } from './lib/process-cpu.js';
import { summarize, type Summary } from './lib/stats.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '30' },
    'cpu-seconds': { type: 'string', default: '30' },
    'target-ms': { type: 'string', default: '500' },
    out: { type: 'string', default: 'bench/results/call.md' },
    note: { type: 'string', default: '' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(`npm run bench:call -- [options]     (needs a build: npm run build)
  --calls N          measured calls, each accept → first frame on both sides   default 30
  --cpu-seconds S    length of the call whose CPU is measured                  default 30
  --target-ms MS     p95 target for accept → first remote frame, each side     default 500
  --out FILE         results (Markdown)                                        default bench/results/call.md
  --note TEXT        a line about the run's conditions, written into the results`);
  process.exit(0);
}

const calls = Number(args.calls);
const cpuSeconds = Number(args['cpu-seconds']);
const targetMs = Number(args['target-ms']);
if (!Number.isInteger(calls) || calls < 1 || !(cpuSeconds > 0) || !(targetMs > 0)) {
  console.error('--calls must be an integer ≥ 1, --cpu-seconds and --target-ms positive');
  process.exit(1);
}

interface InboundVideo {
  type: string;
  kind?: string;
  framesDecoded?: number;
}

interface BenchWindow {
  peerConnections: RTCPeerConnection[];
  /** Joins the room with microphone and camera, then waits for the first decoded remote video frame: its Date.now(). */
  joinUntilFirstFrame(roomName: string): Promise<number>;
}

/** Runs in every page before its scripts: adds the routine that joins a call and waits for its first remote frame. */
function addJoinUntilFirstFrame(): void {
  // A plain member assignment: tsx would wrap a named function in a helper the page does not have.
  (window as unknown as BenchWindow).joinUntilFirstFrame = async (roomName: string): Promise<number> => {
    const client = document.querySelector('bax-cloud')!.activeClient!;
    await client.connect({ roomName });
    await client.enableMicrophone();
    await client.enableCamera();
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      for (const pc of (window as unknown as BenchWindow).peerConnections) {
        if (pc.connectionState === 'closed') continue;
        for (const stat of (await pc.getStats()).values() as Iterable<InboundVideo>) {
          if (stat.type === 'inbound-rtp' && stat.kind === 'video' && (stat.framesDecoded ?? 0) > 0) return Date.now();
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('no remote video frame within 20 s');
  };
}

interface User {
  id: string;
  page: Page;
  cdp: CDPSession;
}

async function openUser(browser: Browser, url: string, id: string): Promise<{ user: User; context: BrowserContext }> {
  const context = await browser.newContext({ baseURL: url, viewport: { width: 760, height: 720 } });
  // The page keeps its peer connections, to read their stats, and leaves the call to the bench, as an app with its own UI does.
  await context.addInitScript(recordPeerConnections);
  await context.addInitScript(handCallsToThePage);
  await context.addInitScript(addJoinUntilFirstFrame);
  const page = await context.newPage();
  await page.goto(demoPath({ id, name: id }));
  await waitUntilOpen(page, 30_000);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  return { user: { id, page, cdp }, context };
}

/** One call: the caller invites, the callee accepts, both join. Returns ms from accept to each side's first frame. */
async function measuredCall(caller: User, callee: User, roomName: string): Promise<{ caller: number; callee: number }> {
  await Promise.all([caller, callee].map((user) => user.page.evaluate(() => void ((window as unknown as BenchWindow).peerConnections.length = 0))));
  const calleeSide = callee.page.evaluate(
    async ({ roomName }) => {
      const client = document.querySelector('bax-cloud')!.activeClient!;
      const invitation = await new Promise<{ invitationId: string }>((resolve) => {
        const off = client.onInvitationReceived((received) => {
          if (received.roomName !== roomName) return;
          off();
          resolve(received);
        });
      });
      const acceptedAt = Date.now();
      await client.acceptCallInvitation(invitation.invitationId);
      const firstFrameAt = await (window as unknown as BenchWindow).joinUntilFirstFrame(roomName);
      return { acceptedAt, firstFrameAt };
    },
    { roomName },
  );
  const callerSide = caller.page.evaluate(
    async ({ to, roomName }) => {
      const client = document.querySelector('bax-cloud')!.activeClient!;
      const accepted = new Promise<void>((resolve) => {
        const off = client.onInvitationAccepted((event) => {
          if (event.roomName !== roomName) return;
          off();
          resolve();
        });
      });
      await client.sendCallInvitation({ to, roomName, callType: 'video_call' });
      await accepted;
      return (window as unknown as BenchWindow).joinUntilFirstFrame(roomName);
    },
    { to: callee.id, roomName },
  );
  const [{ acceptedAt, firstFrameAt }, callerFrameAt] = await Promise.all([calleeSide, callerSide]);
  return { caller: callerFrameAt - acceptedAt, callee: firstFrameAt - acceptedAt };
}

async function hangUp(users: User[]): Promise<void> {
  await users[0]!.page.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.leaveRoom());
  for (const user of users) {
    await user.page.waitForFunction(() => document.querySelector('bax-cloud')!.activeClient!.getState().room === null, undefined, { timeout: 15_000 });
  }
}

async function processTimeMs(user: User): Promise<number> {
  const { metrics } = await user.cdp.send('Performance.getMetrics');
  const value = metrics.find((metric) => metric.name === 'ProcessTime')?.value;
  if (value === undefined) throw new Error('this Chromium reports no ProcessTime in Performance.getMetrics');
  return value * 1000;
}

function cpuModel(): string {
  const line = readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('model name'));
  return line?.split(':')[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
}

const ms = (value: number) => `${Math.round(value)} ms`;

async function main(): Promise<number> {
  try {
    readFileSync(join(root, 'dist/site/bax-call.js'));
  } catch {
    console.error('dist/site/bax-call.js is missing: run `npm run build` first');
    return 1;
  }
  const started = Date.now();
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    [server, browser] = await Promise.all([startServer(), launchChromium([AUTOPLAY_WITHOUT_GESTURE, ...FAKE_MEDIA])]);
    const run = Date.now().toString(36);
    const alice = (await openUser(browser, server.url, `bench-alice-${run}`)).user;
    const bob = (await openUser(browser, server.url, `bench-bob-${run}`)).user;

    // One unrecorded call warms up the media code, codecs and the room objects.
    await measuredCall(alice, bob, `bench-warmup-${run}`);
    await hangUp([alice, bob]);

    const callerMs: number[] = [];
    const calleeMs: number[] = [];
    for (let index = 0; index < calls; index++) {
      // The users take turns calling: each stays far under the per-user invitation limit.
      const [caller, callee] = index % 2 ? [bob, alice] : [alice, bob];
      const result = await measuredCall(caller, callee, `bench-call-${run}-${index}`);
      callerMs.push(result.caller);
      calleeMs.push(result.callee);
      process.stdout.write(`\rcall ${index + 1}/${calls}: caller ${ms(result.caller)}, callee ${ms(result.callee)}   `);
      await hangUp(index % 2 ? [bob, alice] : [alice, bob]);
    }
    process.stdout.write('\n');

    console.log(`holding one call for ${cpuSeconds} s to measure its CPU…`);
    await measuredCall(alice, bob, `bench-cpu-${run}`);
    // Let the encoders settle at their steady rate before measuring.
    await new Promise((r) => setTimeout(r, 3_000));
    const beforeTabs = await Promise.all([processTimeMs(alice), processTimeMs(bob)]);
    const beforeAll = childrenCpuMs(process.pid, 'chrom');
    const windowStart = performance.now();
    await new Promise((r) => setTimeout(r, cpuSeconds * 1000));
    const afterTabs = await Promise.all([processTimeMs(alice), processTimeMs(bob)]);
    const afterAll = childrenCpuMs(process.pid, 'chrom');
    const wallMs = performance.now() - windowStart;
    const framesDecoded = await Promise.all(
      [alice, bob].map((user) =>
        user.page.evaluate(async () => {
          let frames = 0;
          for (const pc of (window as unknown as BenchWindow).peerConnections) {
            if (pc.connectionState === 'closed') continue;
            for (const stat of (await pc.getStats()).values() as Iterable<InboundVideo>) {
              if (stat.type === 'inbound-rtp' && stat.kind === 'video') frames += stat.framesDecoded ?? 0;
            }
          }
          return frames;
        }),
      ),
    );
    await hangUp([alice, bob]);

    const caller = summarize(callerMs);
    const callee = summarize(calleeMs);
    const tabCpu = [0, 1].map((i) => ((afterTabs[i]! - beforeTabs[i]!) / wallMs) * 100);
    const allCpu = beforeAll && afterAll ? ((afterAll - beforeAll) / wallMs) * 100 : undefined;
    const pass = caller.p95 <= targetMs && callee.p95 <= targetMs;

    const latencyRows = (
      [
        ['caller (sent the invitation)', caller, callerMs],
        ['callee (accepted)', callee, calleeMs],
      ] as Array<[string, Summary, number[]]>
    ).map(([side, s, samples]) => {
      const over = samples.filter((sample) => sample > targetMs).length;
      return `| ${side} | ${s.count} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.max)} | ${over} > ${targetMs} ms |`;
    });
    const table = [
      '| accept → first remote video frame | calls | p50 | p95 | max | over target |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...latencyRows,
      '',
      `| 1:1 video call held ${cpuSeconds} s | CPU (% of one core) |`,
      '| --- | ---: |',
      `| alice's tab (renderer ProcessTime) | ${tabCpu[0]!.toFixed(1)} % |`,
      `| bob's tab (renderer ProcessTime) | ${tabCpu[1]!.toFixed(1)} % |`,
      `| every Chromium process (/proc, both tabs + browser, GPU, utility) | ${allCpu === undefined ? 'n/a' : `${allCpu.toFixed(1)} %`} |`,
    ].join('\n');
    const verdict = `${pass ? 'PASS' : 'FAIL'}: p95 accept → first frame ≤ ${targetMs} ms on both sides (caller ${ms(caller.p95)}, callee ${ms(callee.p95)})`;
    console.log(`\n${table}\n\n${verdict}`);

    const machine = [
      `- date: ${new Date().toISOString()}`,
      `- nproc: ${cpus().length}`,
      `- CPU: ${cpuModel()}`,
      `- Chromium: ${browser.version()} (headless, fake camera and microphone)`,
      `- Node: ${process.version}`,
      `- run took ${Math.round((Date.now() - started) / 1000)} s; frames decoded in the held call: alice ${framesDecoded[0]}, bob ${framesDecoded[1]}`,
      ...(args.note ? [`- ${args.note}`] : []),
    ].join('\n');
    writeFileSync(
      resolve(root, args.out),
      `# Call benchmark (\`npm run bench:call\`)

Two users in one headless Chromium on loopback, through the real server under \`wrangler dev\` and the built client
(the demo page from dist/site). Each of ${calls} calls (after one warm-up call): the callee accepts, both join the room
with the fake camera and microphone; the time runs from a timestamp the callee takes just before accepting until the
first decoded remote video frame on each side (getStats \`framesDecoded\` > 0, polled every 10 ms). The users take
turns calling. CPU: one call held ${cpuSeconds} s; each tab's renderer process CPU time from CDP
\`Performance.getMetrics\` \`ProcessTime\` (it includes the renderer's WebRTC threads: encoding, decoding, network), and
for context the CPU time of every Chromium process from /proc (camera capture, GPU and network processes too).

${table}

${verdict}

## Machine

${machine}
`,
    );
    console.log(`\nwrote ${args.out}`);
    return pass ? 0 : 2;
  } catch (error) {
    console.error(error);
    return 1;
  } finally {
    await browser?.close();
    await server?.stop();
  }
}

process.exit(await main());
