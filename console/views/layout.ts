import type { Session } from '../sessions.js';
import { type Html, html } from './html.js';

export function page(o: {
  title: string;
  session?: Session | undefined;
  body: Html;
  scripts?: string[];
}): string {
  const s = o.session;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · Tradewatch</title>
<link rel="stylesheet" href="/static/console.css">
${(o.scripts ?? []).includes('uplot') ? html`<link rel="stylesheet" href="/static/uPlot.min.css">` : ''}
${s ? html`<meta name="csrf-token" content="${s.csrf}">` : ''}
</head>
<body>
<header class="top">
  <a class="brand" href="/">Tradewatch</a>
  ${
    s
      ? html`<nav><a href="/">Queue</a><a href="/kpis">Rule KPIs</a></nav>
  <form method="post" action="/logout" class="who">
    <span>${s.user.user_name} <small>(${s.user.role})</small></span>
    <input type="hidden" name="_csrf" value="${s.csrf}">
    <button type="submit">Sign out</button>
  </form>`
      : ''
  }
</header>
<main>${o.body}</main>
${(o.scripts ?? []).map((name) => html`<script src="/static/${name === 'uplot' ? 'uPlot.iife.min.js' : `${name}.js`}"></script>`)}
</body>
</html>`.text;
}

export const csrfField = (s: Session) => html`<input type="hidden" name="_csrf" value="${s.csrf}">`;
