// <mami-image-card>: one image job in the chat. Its attributes are its state (job-id, message-id, status,
// progress, position, eta, prompt, error): whoever knows the job's state sets them, from GET /jobs/{id}
// or an image_progress event, and the card draws itself from them with text nodes only. One shared
// ticker counts every visible estimate down between events and stops when no card needs it.
import {h, fill} from './dom.js';
import {t, formatDuration, formatNumber} from './i18n.js';

const ACTIVE = new Set(['queued', 'running']);
const ATTRIBUTES = ['job-id', 'message-id', 'status', 'progress', 'position', 'eta', 'prompt', 'error'];

/** Announces a status change (`image-card-change`, bubbles, composed). */
export class ImageCardChangeEvent extends Event {
  constructor(jobId, oldStatus, newStatus) {
    super('image-card-change', {bubbles: true, composed: true});
    this.jobId = jobId;
    this.oldStatus = oldStatus;
    this.newStatus = newStatus;
  }
}

/** A person pressed one of the card's controls: `cancel`, `retry`, `regenerate` or `open`. */
export class ImageCardActionEvent extends Event {
  constructor(action, card) {
    super('image-card-action', {bubbles: true, composed: true});
    this.action = action;
    this.card = card;
  }
}

const ticker = {
  cards: new Set(),
  timer: 0,
  observe(card) {
    this.cards.add(card);
    if (!this.timer) this.timer = setInterval(() => this.tick(), 1000);
  },
  unobserve(card) {
    this.cards.delete(card);
    if (!this.cards.size && this.timer) {
      clearInterval(this.timer);
      this.timer = 0;
    }
  },
  tick() {
    for (const card of this.cards) card.updateEstimate();
  },
};

export class ImageCardElement extends HTMLElement {
  /** `(jobId) => Promise<Blob>`: how the card fetches its image (set by whoever owns the API). */
  static loadImage = null;

  static get observedAttributes() { return ATTRIBUTES; }

  #parts = null;
  #etaSince = 0;
  #objectURL = null;
  #loadedFor = '';

  get jobId() { return this.getAttribute('job-id') || ''; }
  set jobId(value) { this.setAttribute('job-id', value); }
  get messageId() { return this.getAttribute('message-id') || ''; }
  set messageId(value) { this.setAttribute('message-id', value); }
  get status() { return this.getAttribute('status') || 'queued'; }
  set status(value) { this.setAttribute('status', value); }
  get progress() { return clamp(Number(this.getAttribute('progress')) || 0, 0, 100); }
  set progress(value) { this.setAttribute('progress', String(Math.round(clamp(Number(value) || 0, 0, 100)))); }
  get position() { return Number(this.getAttribute('position')) || 0; }
  set position(value) { setOptional(this, 'position', value); }
  get eta() { const v = this.getAttribute('eta'); return v === null || v === '' ? null : Number(v); }
  set eta(value) { setOptional(this, 'eta', value); }
  get prompt() { return this.getAttribute('prompt') || ''; }
  set prompt(value) { this.setAttribute('prompt', value || ''); }
  get error() { return this.getAttribute('error') || ''; }
  set error(value) { setOptional(this, 'error', value); }

  connectedCallback() {
    if (!this.#parts) this.#build();
    this.#render();
  }

  disconnectedCallback() {
    ticker.unobserve(this);
    this.#releaseImage();
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (name === 'eta') this.#etaSince = performance.now();
    if (name === 'status' && oldValue !== newValue && oldValue !== null) {
      this.dispatchEvent(new ImageCardChangeEvent(this.jobId, oldValue, newValue));
    }
    if (this.#parts && this.isConnected) this.#render();
  }

  /** Seconds left now: the estimate given, less the time since it was given. */
  remaining() {
    if (this.eta === null) return null;
    return Math.max(0, this.eta - (performance.now() - this.#etaSince) / 1000);
  }

  updateEstimate() {
    const left = this.remaining();
    const p = this.#parts;
    if (!p) return;
    p.eta.hidden = !ACTIVE.has(this.status) || left === null;
    if (left !== null) p.eta.textContent = left >= 1 ? t('card.eta', {time: formatDuration(left)}) : t('card.etaSoon');
  }

  #build() {
    const button = (action, text) => h('button', {type: 'button', class: 'card-button', 'data-action': action,
      onclick: () => this.dispatchEvent(new ImageCardActionEvent(action, this))}, text);
    const p = {
      image: h('img', {class: 'card-image', alt: '', hidden: true}),
      placeholder: h('div', {class: 'card-placeholder', 'aria-hidden': 'true'}),
      status: h('p', {class: 'card-status'}),
      position: h('p', {class: 'card-position'}),
      prompt: h('p', {class: 'card-prompt'}),
      eta: h('p', {class: 'card-eta'}),
      fill: h('div', {class: 'card-bar-fill'}),
      error: h('p', {class: 'card-error', role: 'alert'}),
      cancel: button('cancel', t('card.cancel')),
      retry: button('retry', t('card.retry')),
      regenerate: button('regenerate', t('card.regenerate')),
    };
    p.open = h('button', {type: 'button', class: 'card-open', 'aria-label': t('card.open'), hidden: true,
      onclick: () => this.dispatchEvent(new ImageCardActionEvent('open', this))}, p.image);
    p.bar = h('div', {class: 'card-bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-label': t('card.progress')}, p.fill);
    fill(this, h('div', {class: 'card-media'}, p.placeholder, p.open),
      h('div', {class: 'card-info'}, p.status, p.position, p.prompt, p.eta, p.bar, p.error,
        h('div', {class: 'card-actions'}, p.cancel, p.retry, p.regenerate)));
    this.#parts = p;
  }

  #render() {
    const p = this.#parts;
    const status = this.status;
    const active = ACTIVE.has(status);
    p.status.textContent = t(`card.status.${status}`);
    p.position.hidden = status !== 'queued' || !this.position;
    p.position.textContent = t('card.position', {n: formatNumber(this.position)});
    p.prompt.textContent = shorten(this.prompt, 120);
    p.prompt.title = this.prompt;
    p.bar.hidden = !active;
    p.bar.setAttribute('aria-valuenow', String(this.progress));
    p.fill.style.width = `${this.progress}%`;
    p.error.hidden = status !== 'failed' && status !== 'cancelled';
    p.error.textContent = status === 'cancelled' ? t('card.cancelled') : this.error || t('card.failed');
    p.cancel.hidden = !active;
    p.retry.hidden = status !== 'failed' && status !== 'cancelled';
    p.regenerate.hidden = status !== 'succeeded';
    this.dataset.shimmer = active ? 'on' : 'off';
    this.updateEstimate();
    if (active && this.eta !== null) ticker.observe(this); else ticker.unobserve(this);
    this.#showImage(status === 'succeeded' || status === 'failed');
  }

  async #showImage(wanted) {
    const key = `${this.jobId}|${this.status}`;
    if (!wanted) {
      this.#releaseImage();
      return;
    }
    if (this.#loadedFor === key || !ImageCardElement.loadImage || !this.jobId) return;
    this.#loadedFor = key;
    try {
      const blob = await ImageCardElement.loadImage(this.jobId);
      if (this.#loadedFor !== key) return;
      this.#releaseImage(false);
      this.#objectURL = URL.createObjectURL(blob);
      const p = this.#parts;
      p.image.src = this.#objectURL;
      p.image.alt = this.prompt ? t('card.imageOf', {prompt: shorten(this.prompt, 200)}) : t('card.image');
      p.image.hidden = false;
      p.open.hidden = false;
      p.image.classList.toggle('is-placeholder', this.status === 'failed');
      p.placeholder.hidden = true;
    } catch {
      if (this.#loadedFor === key) this.#loadedFor = '';
    }
  }

  #releaseImage(forget = true) {
    if (this.#objectURL) URL.revokeObjectURL(this.#objectURL);
    this.#objectURL = null;
    if (forget) this.#loadedFor = '';
    if (!this.#parts) return;
    this.#parts.image.hidden = true;
    this.#parts.open.hidden = true;
    this.#parts.image.removeAttribute('src');
    this.#parts.placeholder.hidden = false;
  }

  /** The URL of the image shown (a blob: URL), for the lightbox. */
  get imageURL() { return this.#objectURL; }
}

function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}

function setOptional(el, name, value) {
  if (value === null || value === undefined || value === '') el.removeAttribute(name);
  else el.setAttribute(name, String(value));
}

function shorten(text, max) {
  const clean = String(text || '').replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

if (!customElements.get('mami-image-card')) customElements.define('mami-image-card', ImageCardElement);
