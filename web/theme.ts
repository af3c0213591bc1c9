// Light, dark, or the system's choice (the default), kept for the next visit where storage works.
const ORDER = ['auto', 'dark', 'light'] as const;
type Theme = (typeof ORDER)[number];

function apply(t: Theme, button: HTMLElement): void {
  if (t === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = t;
  button.textContent = `theme: ${t}`;
}

export function initTheme(): void {
  const button = document.getElementById('theme-toggle');
  if (!button) return;
  let current: Theme = 'auto';
  try {
    const saved = localStorage.getItem('stacklab-theme');
    if (saved === 'dark' || saved === 'light') current = saved;
  } catch {
    // file:// pages may have no storage; the theme is then per visit.
  }
  apply(current, button);
  button.addEventListener('click', () => {
    current = ORDER[(ORDER.indexOf(current) + 1) % ORDER.length]!;
    apply(current, button);
    try {
      localStorage.setItem('stacklab-theme', current);
    } catch {
      // as above
    }
  });
}
