// Keeps --topbar-h (the top bar's height) current, so the camera stage starts below the
// bar instead of under it: the bar's height changes with the organisation's name, the
// language, the orientation and the screen.

export function trackTopBar() {
  const bar = document.querySelector('.topbar');
  const root = document.documentElement;
  // Set through the CSSOM, which the page's CSP (no inline styles) allows.
  const update = () => root.style.setProperty('--topbar-h', `${bar.offsetHeight}px`);
  update();
  new ResizeObserver(update).observe(bar);
}
