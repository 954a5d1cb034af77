// One answer being received: the SSE body of a send, edit, regenerate or reattach (`message`, `delta`,
// then `done` or `error`; an image request's one `image` event), or a JSON answer. It grows the answer's
// <li> once per animation frame and hands the stored messages to the chat view when they arrive.
import * as api from './api.js';
import {perFrame} from './dom.js';
import {readEvents} from './sse.js';
import {showStreamingText, pendingAnswer} from './message-view.js';
import {applyJob, syncCard} from './image-jobs.js';
import {describeError} from './errors.js';

export const SSE_HEADERS = {Accept: 'text/event-stream'};

export class AnswerRun {
  /** `view`: the chat view (insert, replace, stick, showError, streamEnded, refreshTail). */
  constructor(view, {userLi = null, answerLi = null, text = '', refreshAfter = false} = {}) {
    this.view = view;
    this.userLi = userLi;
    this.answerLi = answerLi;
    this.text = text;
    this.refreshAfter = refreshAfter;
    this.answerId = answerLi ? answerLi.dataset.messageId : '';
    this.controller = new AbortController();
    this.paint = perFrame(() => this.#paint());
    this.stopWanted = false;
    this.finished = false;
  }

  /** `start(signal)` makes the request; resolves when the answer has ended or the view went away. */
  async run(start) {
    if (!this.answerLi) {
      this.answerLi = pendingAnswer();
      this.view.insert(this.answerLi);
    } else {
      this.answerLi.setAttribute('aria-busy', 'true');
    }
    try {
      const response = await start(this.controller.signal);
      if ((response.headers.get('Content-Type') || '').includes('text/event-stream')) {
        for await (const event of readEvents(response)) this.#take(event);
      } else {
        this.#accepted(await response.json());
      }
    } catch (error) {
      if (error.name !== 'AbortError') this.#failed(error);
    } finally {
      this.view.streamEnded(this);
    }
  }

  /** Asks the server to end the answer; what it said so far is kept (`stopped`). */
  stop() {
    if (!this.answerId) {
      this.stopWanted = true;
      return;
    }
    api.post(`/messages/${encodeURIComponent(this.answerId)}/stop`).catch((error) => this.view.showError(describeError(error)));
  }

  /** Stops reading (the view is going away); the server keeps writing the answer. */
  abort() {
    this.controller.abort();
  }

  #take({event, data}) {
    if (event === 'message') this.#started(data);
    else if (event === 'delta') {
      this.text += (data && data.content) || '';
      this.paint();
    } else if (event === 'done') this.#stored(data);
    else if (event === 'error') this.#stored({...data.message, error: (data.message && data.message.error) || (data.error && data.error.message)});
    else if (event === 'image') this.#accepted(data);
  }

  #started(data) {
    if (this.userLi && data.user_message) this.userLi = this.view.replace(this.userLi, data.user_message);
    this.answerId = data.message_id || '';
    this.answerLi.dataset.messageId = this.answerId;
    if (this.stopWanted) this.stop();
  }

  #paint() {
    if (this.finished || !this.answerLi.isConnected) return;
    showStreamingText(this.answerLi, this.text);
    this.view.stick();
  }

  #stored(message) {
    if (!message || !message.id) return;
    if (this.userLi && !this.userLi.dataset.messageId && message.parent_id) {
      const text = this.userLi.querySelector('.message-body').textContent;
      this.userLi = this.view.replace(this.userLi, {id: message.parent_id, role: 'user', kind: 'text', status: 'complete', content: text});
    }
    this.finished = true;
    this.answerId = message.id;
    this.answerLi = this.view.replace(this.answerLi, message);
  }

  /** A JSON answer: `{user_message, message}`, or an accepted image (`message_id`, `job_id`, …). */
  #accepted(json) {
    if (json.user_message && this.userLi) this.userLi = this.view.replace(this.userLi, json.user_message);
    if (json.message) this.#stored(json.message);
    const card = json.job_id && this.answerLi.querySelector('mami-image-card');
    if (card) {
      applyJob(card, {status: json.status, queue_position: json.queue_position, estimated_seconds: json.estimated_seconds, progress: 0});
      syncCard(card);
    }
  }

  #failed(error) {
    this.view.showError(describeError(error));
    if (!this.answerId) this.answerLi.remove();
    if (error.body && error.body.message && error.body.message.id) this.#stored(error.body.message);
    this.refreshAfter = true;
    this.finished = true;
  }
}
