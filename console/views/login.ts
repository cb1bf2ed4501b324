import { type Html, html } from './html.js';

export function loginPage(o: { error?: string; csrf: string; next: string }): Html {
  return html`<h1>Sign in</h1>
${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
<form method="post" action="/login" class="login">
<input type="hidden" name="_csrf" value="${o.csrf}"><input type="hidden" name="next" value="${o.next}">
<label>User <input name="username" autocomplete="username" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>`;
}
