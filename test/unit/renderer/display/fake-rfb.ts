/** Stands in for noVNC's RFB: records what the view asks of it and lets tests fire its events. */
export class FakeRFB extends EventTarget {
  static instances: FakeRFB[] = [];
  scaleViewport = false;
  clipViewport = false;
  focusOnClick = false;
  background = '';
  readonly canvas: HTMLCanvasElement;
  readonly pasted: string[] = [];
  disconnected = false;
  blurred = 0;
  constructor(
    readonly target: HTMLElement,
    readonly channel: unknown,
    readonly options: unknown,
  ) {
    super();
    this.canvas = document.createElement('canvas');
    this.canvas.tabIndex = -1;
    target.appendChild(this.canvas);
    FakeRFB.instances.push(this);
  }
  disconnect() {
    this.disconnected = true;
  }
  blur() {
    this.blurred++;
    this.canvas.blur();
  }
  focus() {
    this.canvas.focus();
  }
  clipboardPasteFrom(text: string) {
    this.pasted.push(text);
  }
  fire(type: string, detail: unknown = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
