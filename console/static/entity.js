// Entity charts with uPlot (served from node_modules, pinned): one small chart per series
// group, time on the x axis, data from /api/entity/<type>/<id>.
(() => {
  const box = document.getElementById('charts');
  if (!box || !window.uPlot) return;
  const groups = JSON.parse(box.dataset.series || '[]');
  const palette = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2'];
  fetch(box.dataset.src, { credentials: 'same-origin' })
    .then((r) => r.json())
    .then(({ rows }) => {
      if (!rows || rows.length === 0) return;
      const xs = rows.map((r) => Date.parse(`${r.t.replace(' ', 'T')}Z`) / 1000);
      const width = Math.min(980, box.clientWidth || 900);
      for (const group of groups) {
        const div = document.createElement('div');
        div.className = 'chart';
        box.appendChild(div);
        const data = [xs, ...group.map((k) => rows.map((r) => (r[k] === null ? null : Number(r[k]))))];
        new uPlot(
          {
            width,
            height: 180,
            series: [
              {},
              ...group.map((k, i) => ({ label: k, stroke: palette[i % palette.length], width: 1.5 })),
            ],
            axes: [{}, { size: 60 }],
          },
          data,
          div,
        );
      }
      box.dataset.rendered = String(groups.length);
    });
})();
