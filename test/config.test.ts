import { describe, expect, it } from 'vitest';

// src/server compiles against the Workers types, which this Node project lacks: a path in a variable keeps tsc
// from following the import, and vitest runs the module as it is.
const configModule = '../src/server/config.js';
const { projectsFrom } = (await import(configModule)) as {
  projectsFrom: (env: Record<string, string | undefined>) => Map<string, Record<string, unknown>>;
};

const acme = { projectId: 'acme', apiKey: 'pk_acme', secret: 'acme-secret' };

describe('PROJECTS', () => {
  it('adds the demo project only when it is on, with its keys from the environment', () => {
    expect(projectsFrom({ DEMO_PROJECT: 'on' }).get('demo')).toEqual({
      projectId: 'demo',
      apiKey: 'demo-api-key',
      secret: 'demo-secret',
      allowedOrigins: ['*'],
      invitesPerMinute: 30,
    });
    expect(projectsFrom({ DEMO_PROJECT: 'on', DEMO_API_KEY: 'k', DEMO_SECRET: 's' }).get('demo')).toMatchObject({ apiKey: 'k', secret: 's' });
    expect([...projectsFrom({}).keys()]).toEqual([]);
    expect([...projectsFrom({ PROJECTS: JSON.stringify([acme]) }).keys()]).toEqual(['acme']);
    expect([...projectsFrom({ DEMO_PROJECT: 'off', PROJECTS: JSON.stringify([acme]) }).keys()]).toEqual(['acme']);
    expect([...projectsFrom({ DEMO_PROJECT: 'on', PROJECTS: JSON.stringify([acme]) }).keys()]).toEqual(['demo', 'acme']);
  });

  it('fills in the defaults and leaves fields other modules read alone', () => {
    const projects = projectsFrom({
      PROJECTS: JSON.stringify([
        { ...acme, webhooks: [] },
        { ...acme, projectId: 'beta', allowedOrigins: ['https://beta.example'], invitesPerMinute: 5 },
      ]),
    });
    expect(projects.get('acme')).toEqual({ ...acme, allowedOrigins: [], invitesPerMinute: 30 });
    expect(projects.get('beta')).toEqual({ ...acme, projectId: 'beta', allowedOrigins: ['https://beta.example'], invitesPerMinute: 5 });
  });

  it('names the entry and field of a mistake', () => {
    expect(() => projectsFrom({ PROJECTS: JSON.stringify([acme, { projectId: 'beta', apiKey: 'pk' }]) })).toThrow(/^PROJECTS\[1\]\.secret: /);
    expect(() => projectsFrom({ PROJECTS: JSON.stringify([{ ...acme, projectId: 'Acme' }]) })).toThrow(
      'PROJECTS[0].projectId: a project id is 1-64 of a-z 0-9 -',
    );
    expect(() => projectsFrom({ PROJECTS: JSON.stringify([{ ...acme, allowedOrigins: 'https://acme.example' }]) })).toThrow(/^PROJECTS\[0\]\.allowedOrigins: /);
    expect(() => projectsFrom({ PROJECTS: JSON.stringify(acme) })).toThrow(/^PROJECTS: /);
    expect(() => projectsFrom({ PROJECTS: '[{' })).toThrow(/^PROJECTS is not valid JSON/);
  });
});
