// The survey after the session (docs/protocol.md, "Customer survey"): one rating 1-5
// and an optional comment, or Skip, sent once with POST /api/v1/customer/survey. The
// rating is a group of native radio buttons (arrow keys move between them); the comment
// is user text and goes back onto the page through textContent only.

import { ApiError, sendSurvey } from './api.js';
import { t } from './i18n.js';
import { $, setBusy, setText } from './view.js';

export const COMMENT_MAX = 1000;

function errorKey(error) {
  if (!(error instanceof ApiError)) return 'survey_failed';
  if (error.code === 'survey_answered') return 'survey_already';
  if (error.code === 'survey_not_open') return 'survey_closed';
  if (error.code === 'invalid_request') return 'survey_refused';
  return 'survey_failed';
}

/** The form in the "Session ended" screen, then its thank-you. */
export class SurveyView {
  constructor() {
    this.token = null;
    this.sent = null;
    this.form = $('survey');
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.send(false);
    });
    $('survey-skip').addEventListener('click', () => this.send(true));
    $('survey-comment').addEventListener('input', () => {
      this.count();
      this.showError(null);
    });
    for (const radio of this.form.querySelectorAll('input[name="rating"]')) {
      radio.addEventListener('change', () => this.showError(null));
    }
  }

  /** Asks, once per session: a second call (the socket repeats the end) changes nothing. */
  open(token) {
    if (!token || this.token === token) return;
    this.token = token;
    this.sent = null;
    this.form.reset();
    this.form.hidden = false;
    $('survey-done').hidden = true;
    this.showError(null);
    this.count();
  }

  /** Hides the survey (a page that was let go, or a session never started). */
  close() {
    this.form.hidden = true;
    $('survey-done').hidden = true;
  }

  rating() {
    const checked = this.form.querySelector('input[name="rating"]:checked');
    return checked ? Number(checked.value) : null;
  }

  count() {
    const length = $('survey-comment').value.length;
    setText($('survey-count'), 'survey_count', { count: length, max: COMMENT_MAX });
  }

  showError(key) {
    const element = $('survey-error');
    element.hidden = !key;
    if (key) setText(element, key);
  }

  async send(skip) {
    const rating = this.rating();
    if (!skip && rating === null) {
      this.showError('survey_pick');
      this.form.querySelector('input[name="rating"]').focus();
      return;
    }
    const body = skip ? { skip: true } : { rating, comment: $('survey-comment').value };
    setBusy($('survey-send'), true);
    setBusy($('survey-skip'), true);
    try {
      this.sent = await sendSurvey(this.token, body);
      this.done(skip ? 'survey_skipped' : 'survey_thanks');
    } catch (error) {
      const key = errorKey(error);
      if (key === 'survey_already' || key === 'survey_closed') this.done(key);
      else this.showError(key);
    } finally {
      setBusy($('survey-send'), false);
      setBusy($('survey-skip'), false);
    }
  }

  /** The thank-you (or why the survey is over), with the answer as the server kept it. */
  done(key) {
    this.form.hidden = true;
    const done = $('survey-done');
    setText($('survey-done-text'), key);
    const answer = this.sent && !this.sent.skipped ? this.sent : null;
    $('survey-answer').hidden = !answer;
    if (answer) {
      setText($('survey-answer-rating'), 'survey_your_rating', { rating: answer.rating });
      $('survey-answer-comment').textContent = answer.comment;
      $('survey-answer-comment').hidden = !answer.comment;
    }
    done.hidden = false;
    done.focus();
  }

  /** Re-renders the texts with values after a language switch. */
  relabel() {
    this.count();
    if (this.sent && !this.sent.skipped) {
      setText($('survey-answer-rating'), 'survey_your_rating', { rating: this.sent.rating });
    }
  }

  snapshot() {
    return {
      open: !this.form.hidden,
      done: !$('survey-done').hidden,
      rating: this.rating(),
      text: t('survey_question'),
    };
  }
}
