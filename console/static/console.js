// The live queue: on each change event from /events, fetch the fragment for the filters in
// view and swap it in. No framework: the server renders the HTML (escaped there).
(() => {
  const live = document.getElementById('live');
  const state = document.getElementById('live-state');
  if (!live || !window.EventSource) return;
  let pending = false;
  let again = false;
  async function refresh(at) {
    if (pending) {
      again = true;
      return;
    }
    pending = true;
    try {
      const res = await fetch(live.dataset.src, {
        headers: { accept: 'text/html' },
        credentials: 'same-origin',
      });
      if (res.ok) {
        live.innerHTML = await res.text();
        live.dataset.updatedAt = String(Date.now());
        if (at) live.dataset.changeAt = String(at);
      }
    } finally {
      pending = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }
  const events = new EventSource('/events');
  events.addEventListener('hello', () => {
    state.textContent = 'live';
    state.className = 'live on';
  });
  events.addEventListener('change', (e) => {
    let at;
    try {
      at = JSON.parse(e.data).at;
    } catch {}
    refresh(at);
  });
  events.onerror = () => {
    state.textContent = 'reconnecting…';
    state.className = 'live off';
  };
})();
