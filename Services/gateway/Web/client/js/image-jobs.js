// Keeps every <mami-image-card> on the page in step with its job: GET /jobs/{id} when a card appears
// and on every resync, image_progress events in between; runs the cards' cancel, retry and lightbox.
import * as api from './api.js';
import {on} from './events.js';
import {ImageCardElement} from './image-card.js';
import {openLightbox} from './lightbox.js';
import {describeError} from './errors.js';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** A job (the API's or an event's shape) written onto a card's attributes. */
export function applyJob(card, job) {
  const status = job.status || card.status;
  card.progress = job.progress ?? card.progress;
  card.position = status === 'queued' ? job.queue_position : null;
  card.eta = TERMINAL.has(status) ? null : job.estimated_seconds;
  const error = job.error && typeof job.error === 'object' ? job.error.message : job.error;
  card.error = status === 'failed' ? error || card.error : null;
  card.status = status;
}

function cardsOf(jobId) {
  return document.querySelectorAll(`mami-image-card[job-id="${CSS.escape(jobId)}"]`);
}

/** Reads a card's job from the API (the database is the truth). */
export async function syncCard(card) {
  if (!card.jobId) return;
  try {
    applyJob(card, await api.get(`/jobs/${encodeURIComponent(card.jobId)}`));
  } catch {
    /* the next event or resync tries again */
  }
}

function syncAll() {
  for (const card of document.querySelectorAll('mami-image-card')) syncCard(card);
}

async function act(card, action) {
  if (action === 'open') return openLightbox(card.imageURL, card.prompt);
  if (action !== 'cancel' && action !== 'retry') return undefined;
  const buttons = card.querySelectorAll('button');
  buttons.forEach((button) => { button.disabled = true; });
  try {
    applyJob(card, await api.post(`/jobs/${encodeURIComponent(card.jobId)}/${action}`));
  } catch (error) {
    card.error = describeError(error);
  } finally {
    buttons.forEach((button) => { button.disabled = false; });
  }
  return undefined;
}

/** Starts following jobs for the whole page (once, at sign-in). */
export function startImageJobs() {
  ImageCardElement.loadImage = (jobId) => api.imageBlob(jobId);
  const stops = [
    on('image_progress', (event) => cardsOf(event.job_id).forEach((card) => applyJob(card, event))),
    on('resync', syncAll),
  ];
  const onAction = (event) => act(event.card, event.action);
  document.addEventListener('image-card-action', onAction);
  return () => {
    stops.forEach((stop) => stop());
    document.removeEventListener('image-card-action', onAction);
  };
}
