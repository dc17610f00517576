// Customer-visible strings in English and Dutch. Every string reaches the page through
// textContent or an attribute, never as HTML, so a translation cannot inject markup.

const STRINGS = {
  en: {
    app_name: 'Lens',
    lang_switch: 'Nederlands',
    lang_switch_aria: 'Schakel over naar Nederlands',
    loading_title: 'Opening your session…',
    insecure_title: 'Open this page over HTTPS',
    insecure_body:
      'For your safety the camera only works on a secure connection. Open the link again '
      + 'and make sure the address starts with https://.',
    start_title: 'Join your support session',
    pin_label: 'Enter the 6-digit code from your technician',
    pin_submit: 'Continue',
    pin_checking: 'Checking your code…',
    err_pin_format: 'Enter all 6 digits of your code.',
    err_pin_missing: 'Enter all 6 digits of your code.',
    err_pin_invalid: 'This code is not valid. Check the digits, or ask your technician for the link to your session.',
    err_pin_paused: 'Too many attempts. Use the link in your invitation, or try again later.',
    err_link_invalid: 'This link is not valid. Type your code below, or ask your technician for a new link.',
    err_link_expired: 'This link has expired. Ask your technician for a new code.',
    err_rate_limited: 'Too many attempts. Try again in {seconds} s.',
    err_rate_limited_long: 'Too many attempts. Use the link in your invitation, or try again later.',
    err_network: 'Cannot reach the server. Check your internet connection and try again.',
    err_server: 'Something went wrong on our side. Try again in a moment.',
    err_session_gone: 'This session is no longer available. Ask your technician for a new code.',
    tutorial_title: 'How it works',
    caller_technician: 'Technician: {technician}',
    caller_line: 'Your technician is {technician}.',
    caller_line_org: 'Your technician is {technician}, of {organisation}.',
    caller_support: 'Questions about this session? Write to {support}.',
    eula_caller: 'The technician named in your invitation is {technician}.',
    eula_caller_org: 'The technician named in your invitation is {technician}, of {organisation}.',
    tutorial_1: 'Your technician sees what your camera sees and talks with you.',
    tutorial_2: 'Point the camera at the device you need help with and hold the phone steady.',
    tutorial_3: 'You stay in control: mute, pause the camera or end the session at any time.',
    ok: 'OK',
    skip: 'Skip',
    perm_title: 'Camera and microphone',
    perm_intro:
      'Your browser will ask to use your camera and microphone. Tap Allow. '
      + 'Nothing is shared until you accept the agreement and your technician starts.',
    perm_button: 'Turn on camera',
    perm_asking: 'Waiting for your answer in the browser…',
    perm_denied_title: 'Camera access is blocked',
    perm_denied:
      'Lens cannot use your camera and microphone because access was refused. '
      + 'Allow them, then tap Try again.',
    perm_help_chrome:
      'Chrome: tap the icon to the left of the web address, tap Permissions, and allow Camera and Microphone.',
    perm_help_safari:
      'Safari on iPhone: tap aA in the address bar, tap Website Settings, and set Camera and Microphone to Allow.',
    perm_help_firefox:
      'Firefox: tap the lock icon in the address bar and allow Camera and Microphone.',
    perm_help_samsung:
      'Samsung Internet: tap the lock icon in the address bar, then Permissions, and allow Camera and Microphone.',
    perm_help_other:
      'Other browsers: open the site settings for this page and allow Camera and Microphone.',
    perm_nocamera_title: 'No camera found',
    perm_nocamera:
      'Lens needs a camera, and none was found on this device. Try again on a phone or tablet with a camera.',
    perm_busy_title: 'The camera is busy',
    perm_busy: 'Another app is using your camera. Close that app, then tap Try again.',
    perm_other_title: 'The camera did not start',
    perm_other: 'Your camera could not be started. Tap Try again, or restart your browser.',
    perm_retry: 'Try again',
    preview_aria: 'Your camera preview',
    preview_title: 'This is your camera',
    preview_notice: 'Nothing is shared yet. Your technician cannot see or hear you.',
    badge_not_shared: 'Not shared',
    badge_live: 'Live',
    continue: 'Continue',
    eula_title: 'Licence agreement',
    eula_loading: 'Loading the agreement…',
    accept: 'Accept',
    decline: 'Decline',
    waiting_title: 'Waiting for your technician',
    waiting_notice: 'Your technician will start soon. Nothing is shared until then.',
    live_title: 'Live session',
    live_connecting: 'Connecting to your technician…',
    live_status: 'Your technician can now see and hear you.',
    live_paused: 'Camera paused. Your technician cannot see you.',
    live_muted: 'Microphone muted. Your technician can see you but not hear you.',
    live_no_mic: 'No microphone found. Your technician can see you but not hear you.',
    on_hold: 'Your technician put the session on hold. Your camera and microphone are off.',
    reconnecting: 'Reconnecting…',
    controls_aria: 'Session controls',
    frozen_sign: 'Frozen by your technician',
    frozen_loading: 'Loading the still picture',
    mute: 'Mute',
    unmute: 'Unmute',
    pause_camera: 'Pause camera',
    resume_camera: 'Resume camera',
    switch_camera: 'Switch camera',
    torch: 'Light',
    torch_off: 'Light off',
    end: 'End session',
    cancel: 'Cancel',
    confirm_end_title: 'End the session?',
    ended_title: 'Session ended',
    ended_closed_by_technician: 'Your technician ended the session.',
    ended_closed_by_customer: 'You ended the session.',
    ended_declined: 'You declined the licence agreement, so the session has ended.',
    ended_timed_out: 'The session ended because the connection was lost for too long.',
    ended_not_started: 'The session ended because it was not started in time. Ask your technician for a new code.',
    ended_expired: 'This session has expired. Ask your technician for a new code.',
    ended_unknown: 'This session is no longer available.',
    ended_hint: 'Your camera and microphone are off. You can close this page.',
    replaced_title: 'Session continued on another device',
    replaced_body: 'You opened your session link again on another device or page, so the session continues there.',
    chat_open: 'Chat',
    chat_open_aria: 'Chat with your technician',
    chat_unread_aria: 'Chat with your technician, {count} new',
    chat_title: 'Chat',
    chat_close: 'Close chat',
    chat_input: 'Message',
    chat_placeholder: 'Type a message…',
    chat_send: 'Send',
    chat_empty: 'No messages yet. Write to your technician here.',
    chat_you: 'You',
    chat_too_fast: 'You are sending messages too fast. Wait {seconds} s and send again.',
    chat_full: 'This session cannot take more messages.',
    chat_refused: 'This message cannot be sent. Keep it shorter and leave out special characters.',
    chat_not_now: 'Chat is not possible right now.',
    chat_failed: 'The message was not sent. Check your internet connection and try again.',
    camera_toast_front: 'Your technician switched to the front camera',
    camera_toast_back: 'Your technician switched to the back camera',
    camera_toast_torch_on: 'Your technician turned on the flashlight',
    camera_toast_torch_off: 'Your technician turned off the flashlight',
    camera_toast_zoom: 'Your technician zoomed the camera to {zoom}×',
    camera_toast_focus: 'Your technician focused the camera',
    recording_badge: '● Recording',
    recording_aria: 'Your technician is recording this session',
    // HD photo (hd_photo.js)
    photo_taking: 'Your technician is taking a photo',
    photo_sending: 'Sending the photo to your technician',
    photo_sent: 'Photo sent to your technician',
    photo_progress: 'Photo sent so far',
    // Customer survey after the session (survey.js)
    survey_question: 'How was your support session?',
    survey_rating_1: 'Very poor',
    survey_rating_2: 'Poor',
    survey_rating_3: 'Okay',
    survey_rating_4: 'Good',
    // Soft hyphens (U+00AD): the fifth of five buttons is narrow on a small phone.
    survey_rating_5: 'Excel\u00ADlent',
    survey_comment_label: 'Comment (optional)',
    survey_count: '{count} / {max} characters',
    survey_send: 'Send',
    survey_skip: 'Skip',
    survey_pick: 'Choose a rating from 1 to 5, or press Skip.',
    survey_thanks: 'Thank you for your feedback.',
    survey_skipped: 'No survey this time. Thank you for using Lens.',
    survey_your_rating: 'Your rating: {rating} of 5',
    survey_already: 'Your answer had already been received. Thank you.',
    survey_closed: 'This survey is no longer open.',
    survey_refused: 'This answer cannot be sent. Keep the comment shorter and leave out special characters.',
    survey_failed: 'Your answer was not sent. Check your internet connection and try again.',
    // Transfer (docs/protocol.md "Transfer")
    transferring: 'Your technician is passing this session to a colleague. Please stay here.',
    // Second technician (docs/protocol.md "Second technician (phone side)")
    guest_joined: '{name} joined: a second technician now sees and hears you',
    guest_left: '{name} left',
    caller_technicians: 'Technicians: {technician} and {guest}',
    live_status_guest: 'Your technicians can now see and hear you.',
  },
  nl: {
    app_name: 'Lens',
    lang_switch: 'English',
    lang_switch_aria: 'Switch to English',
    loading_title: 'Uw sessie wordt geopend…',
    insecure_title: 'Open deze pagina via HTTPS',
    insecure_body:
      'Voor uw veiligheid werkt de camera alleen via een beveiligde verbinding. Open de link '
      + 'opnieuw en controleer dat het adres begint met https://.',
    start_title: 'Neem deel aan uw supportsessie',
    pin_label: 'Voer de 6-cijferige code van uw technicus in',
    pin_submit: 'Doorgaan',
    pin_checking: 'Uw code wordt gecontroleerd…',
    err_pin_format: 'Voer alle 6 cijfers van uw code in.',
    err_pin_missing: 'Voer alle 6 cijfers van uw code in.',
    err_pin_invalid: 'Deze code is niet geldig. Controleer de cijfers, of vraag uw technicus om de link naar uw sessie.',
    err_pin_paused: 'Te veel pogingen. Gebruik de link in uw uitnodiging, of probeer het later opnieuw.',
    err_link_invalid: 'Deze link is niet geldig. Typ hieronder uw code, of vraag uw technicus om een nieuwe link.',
    err_link_expired: 'Deze link is verlopen. Vraag uw technicus om een nieuwe code.',
    err_rate_limited: 'Te veel pogingen. Probeer het over {seconds} s opnieuw.',
    err_rate_limited_long: 'Te veel pogingen. Gebruik de link in uw uitnodiging, of probeer het later opnieuw.',
    err_network: 'De server is niet bereikbaar. Controleer uw internetverbinding en probeer het opnieuw.',
    err_server: 'Er ging bij ons iets mis. Probeer het zo opnieuw.',
    err_session_gone: 'Deze sessie is niet meer beschikbaar. Vraag uw technicus om een nieuwe code.',
    tutorial_title: 'Zo werkt het',
    caller_technician: 'Technicus: {technician}',
    caller_line: 'Uw technicus is {technician}.',
    caller_line_org: 'Uw technicus is {technician}, van {organisation}.',
    caller_support: 'Vragen over deze sessie? Mail naar {support}.',
    eula_caller: 'De technicus uit uw uitnodiging is {technician}.',
    eula_caller_org: 'De technicus uit uw uitnodiging is {technician}, van {organisation}.',
    tutorial_1: 'Uw technicus ziet wat uw camera ziet en praat met u.',
    tutorial_2: 'Richt de camera op het apparaat waarmee u hulp nodig hebt en houd de telefoon stil.',
    tutorial_3: 'U houdt de regie: u kunt altijd de microfoon uitzetten, de camera pauzeren of de sessie beëindigen.',
    ok: 'OK',
    skip: 'Overslaan',
    perm_title: 'Camera en microfoon',
    perm_intro:
      'Uw browser vraagt toestemming voor uw camera en microfoon. Tik op Toestaan. '
      + 'Er wordt niets gedeeld voordat u de overeenkomst accepteert en uw technicus start.',
    perm_button: 'Camera aanzetten',
    perm_asking: 'Wacht op uw antwoord in de browser…',
    perm_denied_title: 'Toegang tot de camera is geblokkeerd',
    perm_denied:
      'Lens kan uw camera en microfoon niet gebruiken omdat de toegang is geweigerd. '
      + 'Sta ze toe en tik dan op Opnieuw proberen.',
    perm_help_chrome:
      'Chrome: tik op het pictogram links van het webadres, tik op Rechten en sta Camera en Microfoon toe.',
    perm_help_safari:
      'Safari op iPhone: tik op aA in de adresbalk, tik op Website-instellingen en zet Camera en Microfoon op Sta toe.',
    perm_help_firefox:
      'Firefox: tik op het slotje in de adresbalk en sta Camera en Microfoon toe.',
    perm_help_samsung:
      'Samsung Internet: tik op het slotje in de adresbalk, dan op Rechten, en sta Camera en Microfoon toe.',
    perm_help_other:
      'Andere browsers: open de site-instellingen van deze pagina en sta Camera en Microfoon toe.',
    perm_nocamera_title: 'Geen camera gevonden',
    perm_nocamera:
      'Lens heeft een camera nodig en op dit apparaat is er geen gevonden. Probeer het op een telefoon of tablet met camera.',
    perm_busy_title: 'De camera is bezet',
    perm_busy: 'Een andere app gebruikt uw camera. Sluit die app en tik dan op Opnieuw proberen.',
    perm_other_title: 'De camera is niet gestart',
    perm_other: 'Uw camera kon niet starten. Tik op Opnieuw proberen, of start uw browser opnieuw.',
    perm_retry: 'Opnieuw proberen',
    preview_aria: 'Voorbeeld van uw camera',
    preview_title: 'Dit is uw camera',
    preview_notice: 'Er wordt nog niets gedeeld. Uw technicus kan u niet zien of horen.',
    badge_not_shared: 'Niet gedeeld',
    badge_live: 'Live',
    continue: 'Doorgaan',
    // A soft hyphen (U+00AD): a narrow screen may break the compound there; else unseen.
    eula_title: 'Licentie\u00ADovereenkomst',
    eula_loading: 'De overeenkomst wordt geladen…',
    accept: 'Accepteren',
    decline: 'Weigeren',
    waiting_title: 'Wachten op uw technicus',
    waiting_notice: 'Uw technicus start zo. Tot dan wordt er niets gedeeld.',
    live_title: 'Live sessie',
    live_connecting: 'Verbinden met uw technicus…',
    live_status: 'Uw technicus kan u nu zien en horen.',
    live_paused: 'Camera gepauzeerd. Uw technicus kan u niet zien.',
    live_muted: 'Microfoon uit. Uw technicus kan u zien maar niet horen.',
    live_no_mic: 'Geen microfoon gevonden. Uw technicus kan u zien maar niet horen.',
    on_hold: 'Uw technicus heeft de sessie in de wacht gezet. Uw camera en microfoon staan uit.',
    reconnecting: 'Opnieuw verbinden…',
    controls_aria: 'Bediening van de sessie',
    frozen_sign: 'Stilgezet door uw technicus',
    frozen_loading: 'Stilstaand beeld laden',
    // Soft hyphens (U+00AD) where a narrow control button may break a long word.
    mute: 'Micro\u00ADfoon uit',
    unmute: 'Micro\u00ADfoon aan',
    pause_camera: 'Camera pau\u00ADzeren',
    resume_camera: 'Camera her\u00ADvatten',
    switch_camera: 'Andere camera',
    torch: 'Lamp',
    torch_off: 'Lamp uit',
    end: 'Sessie beëin\u00ADdigen',
    cancel: 'Annuleren',
    confirm_end_title: 'De sessie beëindigen?',
    ended_title: 'Sessie beëindigd',
    ended_closed_by_technician: 'Uw technicus heeft de sessie beëindigd.',
    ended_closed_by_customer: 'U hebt de sessie beëindigd.',
    ended_declined: 'U hebt de licentie\u00ADovereenkomst geweigerd, dus de sessie is beëindigd.',
    ended_timed_out: 'De sessie is beëindigd omdat de verbinding te lang weg was.',
    ended_not_started: 'De sessie is beëindigd omdat ze niet op tijd is gestart. Vraag uw technicus om een nieuwe code.',
    ended_expired: 'Deze sessie is verlopen. Vraag uw technicus om een nieuwe code.',
    ended_unknown: 'Deze sessie is niet meer beschikbaar.',
    ended_hint: 'Uw camera en microfoon staan uit. U kunt deze pagina sluiten.',
    replaced_title: 'Sessie gaat verder op een ander apparaat',
    replaced_body: 'U hebt de link naar uw sessie opnieuw geopend op een ander apparaat of in een ander venster, dus de sessie gaat daar verder.',
    chat_open: 'Chat',
    chat_open_aria: 'Chat met uw technicus',
    chat_unread_aria: 'Chat met uw technicus, {count} nieuw',
    chat_title: 'Chat',
    chat_close: 'Chat sluiten',
    chat_input: 'Bericht',
    chat_placeholder: 'Typ een bericht…',
    chat_send: 'Versturen',
    chat_empty: 'Nog geen berichten. Schrijf hier aan uw technicus.',
    chat_you: 'U',
    chat_too_fast: 'U verstuurt te snel berichten. Wacht {seconds} s en verstuur opnieuw.',
    chat_full: 'Deze sessie kan geen berichten meer aannemen.',
    chat_refused: 'Dit bericht kan niet worden verstuurd. Maak het korter en laat speciale tekens weg.',
    chat_not_now: 'Chatten is nu niet mogelijk.',
    chat_failed: 'Het bericht is niet verstuurd. Controleer uw internetverbinding en probeer het opnieuw.',
    camera_toast_front: 'Uw technicus heeft de camera aan de voorkant gekozen',
    camera_toast_back: 'Uw technicus heeft de camera aan de achterkant gekozen',
    camera_toast_torch_on: 'Uw technicus heeft de zaklamp aangezet',
    camera_toast_torch_off: 'Uw technicus heeft de zaklamp uitgezet',
    camera_toast_zoom: 'Uw technicus heeft de camera ingezoomd op {zoom}×',
    camera_toast_focus: 'Uw technicus heeft de camera scherpgesteld',
    recording_badge: '● Opname',
    recording_aria: 'Uw technicus neemt deze sessie op',
    // HD photo (hd_photo.js)
    photo_taking: 'Uw technicus maakt een foto',
    photo_sending: 'De foto wordt naar uw technicus gestuurd',
    photo_sent: 'Foto naar uw technicus gestuurd',
    photo_progress: 'Deel van de foto verstuurd',
    // Customer survey after the session (survey.js)
    survey_question: 'Hoe was uw ondersteuningssessie?',
    survey_rating_1: 'Zeer slecht',
    survey_rating_2: 'Slecht',
    survey_rating_3: 'Redelijk',
    survey_rating_4: 'Goed',
    survey_rating_5: 'Uitste\u00ADkend',
    survey_comment_label: 'Opmerking (optioneel)',
    survey_count: '{count} / {max} tekens',
    survey_send: 'Versturen',
    survey_skip: 'Overslaan',
    survey_pick: 'Kies een beoordeling van 1 tot 5, of tik op Overslaan.',
    survey_thanks: 'Bedankt voor uw feedback.',
    survey_skipped: 'Deze keer geen enquête. Bedankt dat u Lens gebruikte.',
    survey_your_rating: 'Uw beoordeling: {rating} van 5',
    survey_already: 'Uw antwoord was al ontvangen. Bedankt.',
    survey_closed: 'Deze enquête is niet meer open.',
    survey_refused: 'Dit antwoord kan niet worden verstuurd. Maak de opmerking korter en laat speciale tekens weg.',
    survey_failed: 'Uw antwoord is niet verstuurd. Controleer uw internetverbinding en probeer het opnieuw.',
    // Transfer (docs/protocol.md "Transfer")
    transferring: 'Uw technicus draagt deze sessie over aan een collega. Blijf op deze pagina.',
    // Second technician (docs/protocol.md "Second technician (phone side)")
    guest_joined: '{name} doet mee: een tweede technicus ziet en hoort u nu',
    guest_left: '{name} is vertrokken',
    caller_technicians: 'Technici: {technician} en {guest}',
    live_status_guest: 'Uw technici kunnen u nu zien en horen.',
  },
};

export const LANGUAGES = Object.keys(STRINGS);

let current = 'en';

/** Picks Dutch for any nl-* browser language, English otherwise. */
export function pickLanguage(preferred) {
  const wanted = (preferred || []).map((tag) => String(tag).toLowerCase().split('-')[0]);
  return wanted.find((code) => LANGUAGES.includes(code)) || 'en';
}

export function setLanguage(code) {
  current = LANGUAGES.includes(code) ? code : 'en';
}

export function language() {
  return current;
}

/** The string for `key` in the current language, with {name} placeholders filled. */
export function t(key, values = {}) {
  const template = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

/** Fills every data-i18n / data-i18n-aria element under `root` with the current language. */
export function translate(root) {
  for (const element of root.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of root.querySelectorAll('[data-i18n-aria]')) {
    element.setAttribute('aria-label', t(element.dataset.i18nAria));
  }
  document.documentElement.lang = current;
}
