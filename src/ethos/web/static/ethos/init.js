// Ethos: starts the NHS.UK frontend's components (loaded as a module by base.jinja). The
// import is relative to this file, so it follows STATIC_URL wherever static files are served.
// A static file rather than an inline script, so that the Content-Security-Policy can forbid
// inline script altogether.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

initAll();
