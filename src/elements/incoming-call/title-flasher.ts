/** Alternates the document title with a call notice, so a ringing tab stands out in the tab strip. */
export class TitleFlasher {
  #timer: ReturnType<typeof setInterval> | undefined;
  #original = '';
  #notice = '';

  start(notice: string): void {
    this.#notice = notice;
    if (this.#timer !== undefined) return;
    this.#original = document.title;
    let showingNotice = false;
    this.#timer = setInterval(() => {
      showingNotice = !showingNotice;
      document.title = showingNotice ? this.#notice : this.#original;
    }, 1000);
  }

  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    document.title = this.#original;
  }
}
