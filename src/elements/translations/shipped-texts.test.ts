/// <reference types="mocha" />
import { expect } from '@open-wc/testing';
import { QUIET_NOTICE_ENGLISH } from '../incoming-call/quiet-notice.js';
import type { ElementTexts, Translation } from '../translation.js';
import { ar } from './ar.js';
import { de } from './de.js';
import { en } from './en.js';
import { defaultCallRoomStrings } from './en-call-room.js';
import { es } from './es.js';
import { fr } from './fr.js';
import { ja } from './ja.js';
import { ptBR } from './pt-BR.js';
import { SHIPPED_LANGUAGES } from './shipped.js';
import { zhCN } from './zh-CN.js';

// The quiet notice keeps its English texts in its own lazily loaded module.
const english: ElementTexts = { ...en, incomingCall: { ...en.incomingCall, ...QUIET_NOTICE_ENGLISH }, callRoom: defaultCallRoomStrings };
const GROUPS: Array<keyof ElementTexts> = ['callButton', 'incomingCall', 'callHistory', 'callRoom'];
const SHIPPED: Translation[] = [es, de, fr, ptBR, ja, zhCN, ar];

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('the shipped translations', () => {
  it('are one per shipped language, each its module’s default export', async () => {
    expect(SHIPPED.map((translation) => translation.$code)).to.deep.equal(['es', 'de', 'fr', 'pt-BR', 'ja', 'zh-CN', 'ar']);
    for (const translation of SHIPPED) {
      expect(SHIPPED_LANGUAGES.test(translation.$code.toLowerCase()), translation.$code).to.equal(true);
      // By the computed name the elements load it by, so a module record of its own: equal, not the same object.
      expect((await import(`./${translation.$code}.js`)).default).to.deep.equal(translation);
    }
  });

  it('translate only texts English has, keeping every placeholder', () => {
    for (const translation of SHIPPED) {
      for (const group of GROUPS) {
        for (const [key, text] of Object.entries(translation[group] ?? {})) {
          const source = (english[group] as unknown as Record<string, string | string[]>)[key];
          const where = `${translation.$code} ${group}.${key}`;
          expect(source, `${where} is not an English text`).not.to.equal(undefined);
          if (Array.isArray(source)) {
            expect(text, where).to.be.an('array').with.length(source.length);
          } else {
            expect(text, where).to.be.a('string').and.not.equal('');
            expect(placeholders(text as string), where).to.deep.equal(placeholders(source!));
          }
        }
      }
    }
  });

  it('all translate the same texts, nearly all of them differently from English', () => {
    const keys = (translation: Translation) => GROUPS.flatMap((group) => Object.keys(translation[group] ?? {}).map((key) => `${group}.${key}`));
    for (const translation of SHIPPED) {
      expect(keys(translation), translation.$code).to.deep.equal(keys(es));
      const same = GROUPS.flatMap((group) =>
        Object.entries(translation[group] ?? {}).filter(
          ([key, text]) => JSON.stringify(text) === JSON.stringify((english[group] as unknown as Record<string, unknown>)[key]),
        ),
      );
      // Placeholders alone ("{duration}", "📞 {name}") and words such as "Online" stay as they are.
      expect(same.length, `${translation.$code}: ${same.map(([key]) => key).join(', ')}`).to.be.at.most(12);
    }
  });
});
