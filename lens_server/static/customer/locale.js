// Which language the page speaks. The technician chose one for the invitation, and the
// customer read the email in it: once the session is known that language wins over the
// phone's. The customer can still switch, and that choice holds for the rest of the
// session in this tab (a reload included).
//
// Order: the customer's switch in this tab > the invitation's language > the last
// switch on this phone (start page only) > the phone's languages.

import { LANGUAGES, pickLanguage } from './i18n.js';

const CHOSEN_KEY = 'lens.language.chosen'; // sessionStorage: a switch in this tab
const REMEMBERED_KEY = 'lens.language'; // localStorage: the last switch on this phone

function chosenHere() {
  const code = sessionStorage.getItem(CHOSEN_KEY);
  return LANGUAGES.includes(code) ? code : null;
}

/** The language before any session is known (start page, loading). */
export function startLanguage() {
  return chosenHere()
    || localStorage.getItem(REMEMBERED_KEY)
    || pickLanguage(navigator.languages || [navigator.language]);
}

/** The language for a session: the customer's switch in this tab, else the invitation's. */
export function sessionLanguage(session, fallback) {
  const invited = session && LANGUAGES.includes(session.language) ? session.language : null;
  return chosenHere() || invited || fallback;
}

/** The customer switched: keep it for this tab's session and for the next start page. */
export function rememberChoice(code) {
  sessionStorage.setItem(CHOSEN_KEY, code);
  localStorage.setItem(REMEMBERED_KEY, code);
}

/** The session is over: the next one in this tab starts from its own invitation again. */
export function forgetChoice() {
  sessionStorage.removeItem(CHOSEN_KEY);
}
