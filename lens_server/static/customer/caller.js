// Who is calling: the technician's name and the organisation (name, logo, support
// address) from the session view, shown in the top bar on every session screen and
// spelled out on the tutorial and the licence. A customer should know who asks to see
// through their camera before allowing it.
//
// Names come from the server as plain text and go in through textContent only; the logo
// URL is the server's own (/organisation/logo), which the page's CSP allows.

import { t } from './i18n.js';
import { $ } from './view.js';

let current = null;

/** Remembers the session's caller and shows it; `null` (no session) hides it again. */
export function showCaller(session) {
  current = session ? callerOf(session) : null;
  renderCaller();
}

function callerOf(session) {
  const organisation = session.organisation || {};
  return {
    technician: session.technician_name || '',
    guest: session.guest?.name || '', // a second technician who joined (guest_view.js)
    organisation: organisation.name || '',
    support: organisation.support_email || '',
    logo: organisation.logo_url || '',
  };
}

/** Re-renders in the current language (after a language switch). */
export function renderCaller() {
  renderBrand(current);
  renderLine($('tutorial-caller'), current, 'caller_line');
  renderLine($('eula-caller'), current, 'eula_caller');
  const support = $('tutorial-support');
  support.hidden = !current?.support;
  support.textContent = current?.support ? t('caller_support', { support: current.support }) : '';
}

function renderBrand(caller) {
  const name = $('brand-name');
  if (caller?.organisation) {
    delete name.dataset.i18n;
    name.textContent = caller.organisation;
  } else {
    name.dataset.i18n = 'app_name';
    name.textContent = t('app_name');
  }
  const technician = $('caller-technician');
  technician.hidden = !caller?.technician;
  technician.textContent = caller?.technician ? technicianLine(caller) : '';
  const logo = $('org-logo');
  if (caller?.logo && logo.getAttribute('src') !== caller.logo) logo.src = caller.logo;
  logo.hidden = !caller?.logo;
}

function technicianLine({ technician, guest }) {
  return guest ? t('caller_technicians', { technician, guest }) : t('caller_technician', { technician });
}

function renderLine(element, caller, key) {
  element.hidden = !caller?.technician;
  if (!caller?.technician) return;
  const values = { technician: caller.technician, organisation: caller.organisation };
  element.textContent = t(caller.organisation ? `${key}_org` : key, values);
}
