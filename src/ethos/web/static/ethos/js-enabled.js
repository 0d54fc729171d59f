// Ethos: loaded (synchronously) at the start of <body> by base.jinja, so the NHS.UK styles for
// JavaScript-enabled browsers apply before the page is drawn. A static file rather than an
// inline script, so that the Content-Security-Policy can forbid inline script altogether.
document.body.className +=
  " js-enabled" +
  ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");
