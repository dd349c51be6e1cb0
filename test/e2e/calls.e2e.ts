import { describe, expect, it } from 'vitest';
import { eventsOf, waitForEvent } from './support/browser.js';
import { CallingPage, callingPair } from './support/calling-page.js';
import { useServerAndChromium } from './support/fixture.js';
import { networkSwitch, type NetworkSwitch } from './support/network-switch.js';

const e2e = useServerAndChromium();
let run = 0;

/**
 * Two people with user ids of their own for this test, each in their own browser profile, on the demo page that
 * `npm start` serves (it takes the user and the callee from the address).
 */
async function twoUsers(options: { timeout?: number; calleeNetwork?: NetworkSwitch } = {}) {
  run += 1;
  const pair = await callingPair(e2e, { suffix: run, calleeOrigin: options.calleeNetwork?.url });
  if (options.timeout) {
    // As a host app would configure the button; the demo page has no control for it.
    await pair.caller.callButton.evaluate((button, seconds) => button.setAttribute('timeout', String(seconds)), options.timeout);
  }
  return pair;
}

describe('two people calling each other in Chromium', () => {
  it('rings the callee with the caller’s name and avatar, and starts the call in the same room on both pages', async () => {
    const { alice, bob, caller, callee } = await twoUsers();

    await caller.call.click();
    await callee.dialog.waitFor();
    expect(await callee.callerHeading.textContent()).toContain(`${alice.name} is calling`);
    // The demo signs users in without a picture, so the avatar shows their initials.
    expect(await callee.callerAvatar.textContent()).toContain('AL');
    expect(await caller.delivery.textContent()).toContain('Ringing');
    const [received] = await eventsOf(callee.page, 'bax-invitation-received');
    expect(received?.detail).toMatchObject({ invitation: { from: alice.id, fromUser: { userId: alice.id, name: alice.name } } });

    await callee.accept.click();
    const [calleeStart, callerStart] = await Promise.all([waitForEvent(callee.page, 'bax-call-start'), waitForEvent(caller.page, 'bax-call-start')]);
    expect(calleeStart.detail).toMatchObject({ direction: 'incoming', peer: { userId: alice.id, name: alice.name } });
    expect(callerStart.detail).toMatchObject({ direction: 'outgoing', peer: { userId: bob.id, name: bob.name } });
    expect(calleeStart.detail.roomName).toBe(callerStart.detail.roomName);
    expect(calleeStart.detail.invitationId).toBe(callerStart.detail.invitationId);
    await callee.dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => caller.status.textContent()).toContain(`${bob.name} accepted`);
    // The demo page does not handle bax-call-start: by default each side opens the call in a full-window <bax-call-room>.
    for (const side of [caller, callee]) await side.page.getByRole('dialog', { name: 'Call', exact: true }).waitFor();
  });

  it('shows the caller the quick reply the callee declined with', async () => {
    const { bob, caller, callee } = await twoUsers();

    await caller.call.click();
    await callee.dialog.waitFor();
    await callee.declineWith("I'm busy");

    await callee.dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => caller.status.textContent()).toContain(`${bob.name} declined: “I'm busy”`);
    const declined = await waitForEvent(caller.page, 'bax-invitation-declined');
    expect(declined.detail).toMatchObject({ direction: 'outgoing', reason: 'declined', message: "I'm busy" });
    await caller.call.waitFor();
  });

  it('takes the call away from the callee when the caller cancels', async () => {
    const { alice, caller, callee } = await twoUsers();

    await caller.call.click();
    await callee.dialog.waitFor();
    await caller.cancel.click();

    await callee.dialog.waitFor({ state: 'hidden' });
    const canceled = await waitForEvent(callee.page, 'bax-invitation-canceled');
    expect(canceled.detail).toMatchObject({ direction: 'incoming', reason: 'canceled', peer: { userId: alice.id } });
    await expect.poll(() => caller.status.textContent()).toContain('Call canceled');
    expect(await callee.ringing()).toBe(false);
  });

  it('tells the caller "no answer" and lists a missed call in the callee’s history when nobody answers', async () => {
    const { alice, bob, caller, callee } = await twoUsers({ timeout: 5 });

    await caller.call.click();
    await callee.dialog.waitFor();
    // Without a display-name attribute the button names the callee by whatever it knows: their name or their id.
    await expect.poll(() => caller.status.textContent(), { timeout: 15_000 }).toMatch(new RegExp(`No answer from (${bob.name}|${bob.id})`));
    await callee.dialog.waitFor({ state: 'hidden', timeout: 15_000 });

    const missed = callee.history.locator('[part~="entry-missed"]');
    await missed.waitFor();
    expect(await missed.locator('[part="counterpart"]').textContent()).toContain(alice.name);
    expect(await missed.locator('[part="summary"]').textContent()).toContain('Missed');
    expect(await callee.history.locator('[part="missed-count"]').textContent()).toContain('1 missed');
    expect((await waitForEvent(callee.page, 'bax-invitation-expired')).detail).toMatchObject({ direction: 'incoming' });
    expect((await waitForEvent(caller.page, 'bax-invitation-expired')).detail).toMatchObject({ direction: 'outgoing' });
  });

  it('rings in one of the callee’s two tabs, and answering in the other stops both', async () => {
    const { caller, callee, calleePath } = await twoUsers();
    const secondTab = await (await CallingPage.open(callee.page.context(), calleePath)).ready();

    await caller.call.click();
    await Promise.all([callee.dialog.waitFor(), secondTab.dialog.waitFor()]);
    await expect.poll(async () => [await callee.ringing(), await secondTab.ringing()].filter(Boolean).length).toBe(1);
    const [quiet, ringing] = (await callee.ringing()) ? [secondTab, callee] : [callee, secondTab];

    await quiet.accept.click();
    await waitForEvent(quiet.page, 'bax-call-start');
    await ringing.dialog.waitFor({ state: 'hidden' });
    expect(await ringing.ringing()).toBe(false);
    expect(await eventsOf(ringing.page, 'bax-call-start')).toHaveLength(0);
    await waitForEvent(caller.page, 'bax-call-start');
  });

  it('restores the ringing call on both sides after a reload', async () => {
    const { alice, bob, caller, callee } = await twoUsers();

    await caller.call.click();
    await callee.dialog.waitFor();
    await Promise.all([callee.page.reload(), caller.page.reload()]);

    await callee.dialog.waitFor();
    expect(await callee.callerHeading.textContent()).toContain(`${alice.name} is calling`);
    await caller.cancel.waitFor();
    expect(await caller.callButton.locator('[part="calling"]').textContent()).toMatch(new RegExp(`Calling (${bob.name}|${bob.id})`));

    await callee.accept.click();
    const [calleeStart, callerStart] = await Promise.all([waitForEvent(callee.page, 'bax-call-start'), waitForEvent(caller.page, 'bax-call-start')]);
    expect(calleeStart.detail.roomName).toBe(callerStart.detail.roomName);
  });

  it('resyncs after the network drops: a call canceled meanwhile goes away, a call placed meanwhile rings', async () => {
    const network = await networkSwitch(e2e.server);
    try {
      const { caller, callee } = await twoUsers({ calleeNetwork: network });
      const bobContext = callee.page.context();
      const calleePresence = () => caller.callButton.locator('[part="presence"]').getAttribute('data-status');
      const dropNetwork = async () => {
        await bobContext.setOffline(true);
        network.cut();
        await expect.poll(calleePresence, { timeout: 15_000 }).toBe('offline');
      };
      const restoreNetwork = async () => {
        network.restore();
        await bobContext.setOffline(false);
      };

      await caller.call.click();
      await callee.dialog.waitFor();
      await dropNetwork();
      await caller.cancel.click();
      await caller.call.waitFor();
      await restoreNetwork();
      await callee.dialog.waitFor({ state: 'hidden', timeout: 30_000 });
      await expect.poll(calleePresence, { timeout: 30_000 }).toBe('online');

      await dropNetwork();
      await caller.call.click();
      await expect.poll(() => caller.delivery.textContent()).toContain('Not delivered yet');
      await restoreNetwork();
      await callee.dialog.waitFor({ timeout: 30_000 });
      await expect.poll(() => caller.delivery.textContent()).toContain('Ringing');
      await callee.accept.click();
      await waitForEvent(caller.page, 'bax-call-start');
    } finally {
      await network.close();
    }
  });

  it('joins crossing calls into one when both click call at the same moment', async () => {
    const { caller, callee } = await twoUsers();

    await clickBothAtOnce(caller, callee);

    const [fromCaller, fromCallee] = await Promise.all([waitForEvent(caller.page, 'bax-invitation-sent'), waitForEvent(callee.page, 'bax-invitation-sent')]);
    expect(fromCaller.detail.invitationId).toBe(fromCallee.detail.invitationId);
    expect(fromCaller.detail.roomName).toBe(fromCallee.detail.roomName);
    const starts = async () => [...(await eventsOf(caller.page, 'bax-call-start')), ...(await eventsOf(callee.page, 'bax-call-start'))];
    await expect.poll(async () => (await starts()).length).toBeGreaterThan(0);
    expect((await starts())[0]?.detail.roomName).toBe(fromCaller.detail.roomName);
    await Promise.all([caller.dialog.waitFor({ state: 'hidden' }), callee.dialog.waitFor({ state: 'hidden' })]);
    for (const side of [caller, callee]) await expect.poll(() => side.status.textContent()).toContain('accepted');
  });

  it('gives both pages bax-call-start for crossing calls', async () => {
    const { caller, callee } = await twoUsers();

    await clickBothAtOnce(caller, callee);

    const [first, second] = await Promise.all([waitForEvent(caller.page, 'bax-call-start', 5_000), waitForEvent(callee.page, 'bax-call-start', 5_000)]);
    expect(first.detail.roomName).toBe(second.detail.roomName);
  });
});

/** Clicks both call buttons from script at once: well before either invitation can reach the other side. */
async function clickBothAtOnce(...pages: CallingPage[]): Promise<void> {
  await Promise.all(pages.map((side) => side.call.evaluate((button: HTMLElement) => button.click())));
}
