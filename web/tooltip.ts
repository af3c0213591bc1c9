// One tooltip for every element with data-tip (frames, heat-map cells ...), on hover and on keyboard
// focus. The text is set as text, never as markup. The SVG <title> children (the tooltips of the
// page without script) are dropped so two tooltips never show at once.
const TIPPED = '[data-tip], .fnode';

export function dropTitles(root: ParentNode): void {
  for (const t of root.querySelectorAll('[data-tip] > title, .fnode > rect > title')) t.remove();
}

export function initTips(): void {
  const tip = document.createElement('div');
  tip.id = 'tip';
  tip.setAttribute('role', 'tooltip');
  tip.hidden = true;
  document.body.append(tip);
  dropTitles(document);
  const show = (el: Element, x: number, y: number) => {
    tip.textContent = el.getAttribute('data-tip') ?? el.getAttribute('aria-label') ?? '';
    tip.hidden = false;
    const w = tip.offsetWidth;
    const h = tip.offsetHeight;
    tip.style.left = `${Math.max(4, Math.min(window.innerWidth - w - 4, x + 14))}px`;
    tip.style.top = `${Math.max(4, y + h + 24 > window.innerHeight ? y - h - 10 : y + 16)}px`;
  };
  const target = (e: Event) => (e.target instanceof Element ? e.target.closest(TIPPED) : null);
  document.addEventListener('pointermove', (e) => {
    const el = target(e);
    if (el) show(el, e.clientX, e.clientY);
    else tip.hidden = true;
  });
  document.addEventListener('focusin', (e) => {
    const el = target(e);
    if (!el) return;
    const r = el.getBoundingClientRect();
    show(el, r.left, r.bottom);
  });
  document.addEventListener('focusout', () => {
    tip.hidden = true;
  });
  document.addEventListener('scroll', () => {
    tip.hidden = true;
  });
}
