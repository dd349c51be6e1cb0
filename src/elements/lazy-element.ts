import { adoptStyles } from 'lit';
import type { CSSResult, ReactiveController } from 'lit';
import { BaxElement } from './base-element.js';

/** The part of an element that loads on demand: a controller of the element that also renders and styles it. */
export interface ElementView extends ReactiveController {
  /** Styles added to the element's own `styles` (the shared theme). */
  readonly styles: CSSResult[];
  render(): unknown;
}

/**
 * An element whose behaviour and rendering, its view, load on first connect from a module of their own (in the
 * script-tag build, a file beside bax-call.js), so that the bundle carries only what shows at once. The element
 * itself, with its attributes and public methods, is defined at once; until its view arrives it renders nothing,
 * and `updateComplete` waits for it.
 */
export abstract class LazyElement<V extends ElementView> extends BaxElement {
  #view: V | undefined;
  #loading: Promise<V> | undefined;
  #styled = false;

  /** Imports the view's module and makes the view for this element. */
  protected abstract loadView(): Promise<V>;

  override connectedCallback(): void {
    super.connectedCallback();
    this.#adoptViewStyles();
    void this.view();
  }

  /** The view, loading it first if need be. */
  protected view(): Promise<V> {
    this.#loading ??= this.loadView().then(
      (view) => {
        this.#view = view;
        this.#adoptViewStyles();
        this.requestUpdate();
        return view;
      },
      (error: unknown) => {
        // A failed download (the page went offline): the next connect or call tries again.
        this.#loading = undefined;
        throw error;
      },
    );
    return this.#loading;
  }

  protected override async getUpdateComplete(): Promise<boolean> {
    await this.view();
    return super.getUpdateComplete();
  }

  protected override render(): unknown {
    return this.#view?.render();
  }

  /** Adds the view's styles once both it and the shadow root (made on first connect) are there. */
  #adoptViewStyles(): void {
    const root = this.renderRoot;
    if (this.#styled || !this.#view || !(root instanceof ShadowRoot)) return;
    this.#styled = true;
    adoptStyles(root, [...(this.constructor as typeof BaxElement).elementStyles, ...this.#view.styles]);
  }
}
