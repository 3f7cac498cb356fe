/**
 * The interactive docs page. Swagger UI's own files are served from this service
 * (swagger-ui-dist), so the page loads nothing from outside: no CDN, fonts or telemetry.
 * `validatorUrl: null` stops Swagger UI from sending the document to its online validator.
 */
export const DOCS_ASSET_PREFIX = '/api/docs/assets/';

export const docsHtml = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>AIPhoto API docs</title>
  <link rel="icon" type="image/png" href="${DOCS_ASSET_PREFIX}favicon-32x32.png">
  <link rel="stylesheet" href="${DOCS_ASSET_PREFIX}swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_ASSET_PREFIX}swagger-ui-bundle.js"></script>
  <script src="/api/docs/init.js"></script>
</body>
</html>
`;

export const docsInitScript = `window.ui = SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: true,
});
`;
