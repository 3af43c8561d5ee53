import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { Controller, Get, Injectable, type NestMiddleware, NotFoundException, Param, Res } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { AppConfig } from '../config/index.js';
import { Public } from '../http/index.js';

// GraphiQL for developers, served by the hub itself from the npm packages: there is no internet
// to fetch it from a CDN (Nest's own `graphiql` option does). Never in production. The page
// holds no data: its queries go to /graphql with the bearer token pasted in its Headers tab.

export const IDE_PATH = '/graphiql';
const ASSETS_PATH = `${IDE_PATH}/assets`;

/**
 * Only this origin, no inline script or style. Fonts and icons come as data: URIs inside
 * GraphiQL's own stylesheet; the few style tags its dialogs add are refused (cosmetic only).
 */
export const IDE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Tessera GraphQL (development)</title>
    <link rel="stylesheet" href="${ASSETS_PATH}/graphiql.css" />
    <link rel="stylesheet" href="${ASSETS_PATH}/ide.css" />
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL...</div>
    <script src="${ASSETS_PATH}/react.js"></script>
    <script src="${ASSETS_PATH}/react-dom.js"></script>
    <script src="${ASSETS_PATH}/graphiql.js"></script>
    <script src="${ASSETS_PATH}/ide.js"></script>
  </body>
</html>
`;

const IDE_STYLE = `body { margin: 0; height: 100%; width: 100%; overflow: hidden; }
#graphiql { height: 100vh; }
`;

// Headers are not kept in the browser's storage: a bearer token should not outlive the tab.
const IDE_SCRIPT = `(function () {
  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: '# Paste a bearer token into Headers below, then re-fetch the schema (Shift-Ctrl-R).\\n{\\n  version\\n}\\n',
      defaultHeaders: JSON.stringify({ Authorization: 'Bearer <paste a token>' }, null, 2),
      defaultEditorToolsVisibility: 'headers',
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    }),
  );
})();
`;

type Asset = { type: 'js' | 'css'; file: () => string } | { type: 'js' | 'css'; text: string };

const packages = createRequire(import.meta.url);
/** React publishes its UMD builds but does not export them: found next to its package.json. */
const umdBuild = (name: string, file: string) => () => join(dirname(packages.resolve(`${name}/package.json`)), 'umd', file);

// React's development builds: GraphiQL's bundle carries React's development JSX runtime, which
// reads internals only those builds have (the production ones break it on its first warning).
const ASSETS: Record<string, Asset> = {
  'react.js': { type: 'js', file: umdBuild('react', 'react.development.js') },
  'react-dom.js': { type: 'js', file: umdBuild('react-dom', 'react-dom.development.js') },
  'graphiql.js': { type: 'js', file: () => packages.resolve('graphiql/graphiql.min.js') },
  'graphiql.css': { type: 'css', file: () => packages.resolve('graphiql/graphiql.min.css') },
  'ide.js': { type: 'js', text: IDE_SCRIPT },
  'ide.css': { type: 'css', text: IDE_STYLE },
};

/** GET /graphiql: the IDE page and its scripts and styles, outside production only (404 there). */
@Controller(IDE_PATH.slice(1))
@Public()
export class GraphqlIdeController {
  constructor(private readonly config: AppConfig) {}

  @Get()
  page(@Res() response: Response): void {
    this.refuseInProduction();
    response
      .status(200)
      .set({ 'content-security-policy': IDE_CONTENT_SECURITY_POLICY, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
      .type('html')
      .send(PAGE);
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() response: Response): void {
    this.refuseInProduction();
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) throw new NotFoundException();
    response.set({ 'x-content-type-options': 'nosniff' }).type(asset.type);
    if ('text' in asset) response.send(asset.text);
    else response.sendFile(asset.file());
  }

  private refuseInProduction(): void {
    if (this.config.isProduction) throw new NotFoundException();
  }
}

/**
 * A browser opening /graphql (a GET for HTML without a query) is sent to the IDE, outside
 * production; everything else goes on to Apollo.
 */
@Injectable()
export class GraphqlIdeRedirect implements NestMiddleware {
  constructor(private readonly config: AppConfig) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const browserVisit =
      request.method === 'GET' && request.query.query === undefined && (request.headers.accept ?? '').includes('text/html');
    if (browserVisit && !this.config.isProduction) return response.redirect(302, IDE_PATH);
    next();
  }
}
