// /docs: Swagger UI on this server's /openapi.json. "Authorize" uses the
// document's OAuth2 password flow (tokenUrl /auth/login, the form login),
// so it asks for an email (as "username") and a password.
/* global SwaggerUIBundle */
window.addEventListener("DOMContentLoaded", () => {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
    tryItOutEnabled: false,
    // Nothing leaves the origin: no validator badge calling validator.swagger.io.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
