// The harmless traffic of the detection corpus (bench/web-corpus.ts): browsing of a WordPress
// blog, a Nextcloud, a Joomla site, a static site and a generic site with search and an API;
// assets, searches with quotes and words like "select" and "union" in ordinary text, long query
// strings, health checks, well-known good bots, /.well-known/, stale links, the server's own
// error lines of ordinary trouble. None of it may count.
import { type ErrorMessage, type Request, type WebType } from './web-lines.js';

/** Harmless requests of one instance type, and the error lines of ordinary trouble. */
export interface BenignSet { type: WebType; access: Request[]; errors?: ErrorMessage[] }

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
const get = (path: string, status = 200, o: Partial<Request> = {}): Request => ({ req: `GET ${path} HTTP/1.1`, status, ...o });
const post = (path: string, status = 200, o: Partial<Request> = {}): Request => ({ req: `POST ${path} HTTP/1.1`, status, ...o });
const bot = (agent: string, path = '/', status = 200): Request => ({ req: `GET ${path} HTTP/1.1`, status, ua: agent });

/** What every site sees: assets, bots, health checks, /.well-known/, stale links, searches. */
const COMMON: Request[] = [
  get('/'), get('/', 304, { ua: FIREFOX }), { req: 'HEAD / HTTP/1.1', status: 200, ua: 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)' },
  get('/favicon.ico', 404), get('/apple-touch-icon-precomposed.png', 404), get('/apple-touch-icon.png', 404), get('/robots.txt'), get('/robots.txt', 404), get('/sitemap.xml'),
  get('/ads.txt', 404), get('/.well-known/security.txt'), get('/.well-known/acme-challenge/Xq2oT9mJ1bKpYtZ4wRjvA8eN0sCdFgHhLkMnQrSuVwx', 200, { ua: "Mozilla/5.0 (compatible; Let's Encrypt validation server; +https://www.letsencrypt.org)" }),
  get('/.well-known/traffic-advice', 404, { ua: 'Chrome Privacy Preserving Prefetch Proxy' }), get('/.well-known/assetlinks.json', 404), get('/.well-known/apple-app-site-association', 404),
  get('/.well-known/change-password', 404, { ua: SAFARI }), get('/.well-known/openid-configuration', 404),
  bot('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', '/about/'), bot('Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', '/contact'),
  bot('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)'),
  bot('DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)'), bot('Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)', '/old-page.html', 404),
  bot('facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', '/news/launch?utm_source=facebook&utm_medium=social&fbclid=IwAR2xYz'),
  bot('Twitterbot/1.0'), bot('Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)'), bot('Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)'),
  bot('Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', '/category/news/page/2'), bot('Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)'),
  bot('curl/8.5.0', '/'), bot('Wget/1.21.4', '/downloads/release-2.1.tar.gz'), bot('kube-probe/1.31', '/healthz'), bot('ELB-HealthChecker/2.0', '/health'),
  bot('Go-http-client/1.1', '/api/status'), bot('python-requests/2.32.3', '/feed.xml'), bot('Feedly/1.0 (+http://www.feedly.com/fetcher.html; 3 subscribers; )', '/feed/'),
  bot('Mozilla/5.0 (compatible; Qwantify/2.4w; +https://www.qwant.com/)/2.4w', '/search?q=select+union+jack+flag'),
  get('/css/site.css?ver=6.7.1'), get('/js/app.min.js?v=20261201', 304), get('/fonts/inter-var.woff2'), get('/images/hero@2x.webp'), get('/img/logo.svg', 304),
  get('/video/intro.mp4', 206), get('/old/page-that-moved.html', 404, { ref: 'https://www.example.net/links.html' }), get('/blog/2019/03/gone', 410),
  get('/search?q=union+square+restaurants'), get('/search?q=how+to+select+the+right+union+for+workers'), get('/search?q=%22select%22+vs+%22choose%22'),
  get("/search?q=rock+'n'+roll"), get('/search?q=%27rock%27+and+%27roll%27'), get('/search?q=don%27t+or+won%27t'), get('/search?q=Tom%27s+or+Jerry%27s'), get('/search?q=O%27Reilly+and+Sons'),
  get('/search?q=1+or+2+bedrooms'), get('/search?q=drop+table+tennis+lessons'), get('/search?q=sleep+(5+tips)'), get('/search?q=alert+level+%283%29'),
  get('/search?q=%22union%22+%22select%22+sql+tutorial'), get('/search?q=script+writing+course'), get('/search?q=%3Ctitle%3E+tag+seo'),
  get('/search?q=1%3D1+meaning'), get('/search?q=who+is+%40version'), get('/search?q=C%3A%5CWindows+folder'),
  get('/products?sort=price;asc'), get('/products?filter=color%3Dred%26size%3DM&page=3&per_page=48&utm_source=newsletter&utm_medium=email&utm_campaign=winter-sale-2026&utm_content=hero-banner&gclid=Cj0KCQiA7OqrBhD9ARIsAK3UXh3xZ9vQfL4pTzRk8mN2bW5jY7cH1dE6fG0aS'),
  get('/oauth/callback?code=4%2F0AfJohXn8zQ3y&state=eyJyZXR1cm5UbyI6Ii9hY2NvdW50Iiwibm9uY2UiOiJhYmMxMjMifQ%3D%3D&scope=email+profile+openid', 302),
  get('/login?redirect=%2Faccount%2Forders%3Fpage%3D2', 200), get('/api/v2/items?%24filter=name%20eq%20%27Union%20Jack%27&%24select=id,name&%24top=20'),
  post('/api/v1/orders', 201, { ua: 'okhttp/4.12.0' }), { req: 'PUT /api/v1/orders/4711 HTTP/1.1', status: 204, ua: 'okhttp/4.12.0' }, { req: 'DELETE /api/v1/cart/items/12 HTTP/1.1', status: 204 },
  { req: 'OPTIONS /api/v1/orders HTTP/1.1', status: 204 }, post('/graphql', 200, { ua: 'Apollo/3.11' }), { req: 'PATCH /api/v1/profile HTTP/1.1', status: 200 },
  get('/private/', 401), get('/private/', 200, { user: 'alice' }), { req: '-', status: 408, ua: '-' }, get('/download/PowerShell-7.4.msi'), get('/wiki/cmd.exe'),
  get('/docs/bin/sh.html'), get('/blog/how-to-drop-tables-in-sql'), get('/docs/select-a-plan.html'), get('/downloads/backup-guide.pdf'), get('/files/report-2026.zip'),
  get('/blog/the-etc-passwd-file-explained'), get('/tags/javascript'), get('/page/admin-tips'), get('/about-phpmyadmin-alternatives'), get('/en/help/.hidden-faq', 404),
  get('/shop/cart.json', 200, { ref: 'https://www.example.org/shop/' }), get('/autodiscover/autodiscover.xml', 404, { req: 'POST /autodiscover/autodiscover.xml HTTP/1.1', ua: 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)' }),
  { req: 'PROPFIND /docs/ HTTP/1.1', status: 405, ua: 'Microsoft-WebDAV-MiniRedir/10.0.19045' }, get('/status', 200, { ua: 'Blackbox Exporter/0.25.0' }),
  get('/?s=union+select+committee', 200), get('/search?q=cats+%26%26+dogs'), get('/search?q=%3Cdiv%3E+vs+%3Cspan%3E'), get('/img/$%7Bsize%7D/$%7Bname%7D.png', 404),
  get('/app?tpl=%24%7Bhost%7D%2F%24%7Bpath%7D'), get('/search?q=what+does+%24%28pwd%29+do'), get('/docs/onload-event.html'), get('/search?q=event+onclick+handler'),
  get('/changelog.log', 404), get('/search?q=O%27Hara+and+Sons+%3D+best'), get('/search?q=data%3A+privacy'), get('/redirect?url=data-protection'),
  get('/products?size=2+and+3=5+sets'), get('/~alice/'), get('/tags/mysql', 404), get('/blog/jenkins-pipelines-explained', 404), get('/docs/webmin/', 404), get('/~bob/index.html', 404), get('/blog/c++-tips'), get('/docs/config-reference.html#toml'), get('/events?date=2026-12-02&time=20:00&tz=Europe%2FBerlin'), get('/redirect?to=https://www.example.net/partner', 302),
  get('/index.html', 200, { ref: 'https://www.google.com/search?q=%22site%3Aexample.org%22+select+union' }), get('/', 200, { ua: 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)' }),
];

/** The harmless traffic of each instance type. */
export const BENIGN: BenignSet[] = [
  { type: 'generic', access: [...COMMON, get('/index.php?page=contact'), get('/cgi-bin/awstats.pl?config=www', 200), get('/status.php', 200), get('/app/login.jsp', 200), post('/login', 302), post('/login', 200)],
    errors: [
      { form: 'apache24', module: 'autoindex', text: 'AH01276: Cannot serve directory /var/www/html/files/: No matching DirectoryIndex (index.html) found, and server-generated directory index forbidden by Options directive' },
      { form: 'apache24', module: 'php', level: 'warn', text: 'PHP Warning:  Undefined array key "id" in /var/www/html/index.php on line 12' },
      { form: 'apache24', module: 'core', level: 'info', text: 'AH00128: File does not exist: /var/www/html/favicon.ico' },
      { form: 'apache22', text: 'File does not exist: /var/www/favicon.ico' },
      { form: 'apache24', module: 'ssl', level: 'info', text: 'AH01964: Connection to child 3 established (server www.example.org:443)' },
      { form: 'nginx', text: 'open() "/var/www/html/favicon.ico" failed (2: No such file or directory)', request: 'GET /favicon.ico HTTP/1.1' },
      { form: 'nginx', text: 'upstream timed out (110: Connection timed out) while reading response header from upstream', request: 'GET /report HTTP/1.1' },
      { form: 'nginx', level: 'warn', text: 'an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/1/00/0000000001 while reading upstream', request: 'GET /files/big.iso HTTP/1.1' },
      { form: 'nginx', text: 'client intended to send too large body: 20971520 bytes', request: 'POST /upload HTTP/1.1' },
      { form: 'nginx', text: 'directory index of "/var/www/html/files/" is forbidden', request: 'GET /files/ HTTP/1.1' },
      { form: 'nginx', level: 'warn', text: 'delaying request, excess: 0.400, by zone "one"', request: 'GET /gallery/2026 HTTP/1.1' },
      { form: 'nginx', text: 'recv() failed (104: Connection reset by peer) while reading response header from upstream', request: 'GET /api/status HTTP/1.1' },
    ] },
  { type: 'wordpress', access: [
    ...COMMON, get('/wp-login.php'), post('/wp-login.php', 302), get('/wp-admin/', 302), get('/wp-admin/edit.php?post_type=page', 200), post('/wp-admin/admin-ajax.php', 200),
    post('/wp-admin/admin-ajax.php?action=heartbeat', 200), get('/wp-content/themes/twentytwentyfive/style.css?ver=1.0'), get('/wp-content/uploads/2026/11/photo-1024x768.jpg'),
    get('/wp-includes/js/jquery/jquery.min.js?ver=3.7.1'), get('/wp-json/wp/v2/posts?per_page=10&_embed'), get('/wp-json/oembed/1.0/embed?url=https%3A%2F%2Fblog.example.org%2F2026%2F11%2Fhello%2F'),
    get('/wp-cron.php?doing_wp_cron=1764705600.1234560000000000000000', 200, { ua: 'WordPress/6.7.1; https://blog.example.org' }), get('/?s=union+select+%22best+of%22', 200),
    get('/2026/11/hello-world/'), get('/feed/'), get('/wp-content/plugins/contact-form-7/includes/css/styles.css?ver=6.0'), get('/?p=123', 301), get('/wp-content/themes/old/style.css', 404),
    get('/wp-sitemap.xml'),
  ], errors: [
    { form: 'nginx', text: 'open() "/var/www/blog/wp-content/themes/old/style.css" failed (2: No such file or directory)', request: 'GET /wp-content/themes/old/style.css HTTP/1.1' },
    { form: 'nginx', text: 'open() "/var/www/blog/wp-login.php" failed (2: No such file or directory)', request: 'GET /wp-login.php HTTP/1.1' },
    { form: 'apache24', module: 'core', level: 'info', text: 'AH00128: File does not exist: /var/www/blog/wp-login.php' },
  ] },
  { type: 'nextcloud', access: [
    ...COMMON, get('/login'), post('/login', 303), get('/apps/files/'), get('/index.php/apps/files/?dir=/Photos'), get('/status.php', 200, { ua: 'Mozilla/5.0 (Linux) mirall/3.14.3 (Nextcloud, debian-6.1.0 ClientArchitecture: x86_64 OsArchitecture: x86_64)' }),
    { req: 'PROPFIND /remote.php/dav/files/alice/ HTTP/1.1', status: 207, user: 'alice', ua: 'Mozilla/5.0 (Linux) mirall/3.14.3 (Nextcloud)' },
    { req: 'PROPFIND /remote.php/dav/files/alice/ HTTP/1.1', status: 401, ua: 'Mozilla/5.0 (Linux) mirall/3.14.3 (Nextcloud)' },
    { req: 'PUT /remote.php/dav/files/alice/Documents/notes.md HTTP/1.1', status: 201, user: 'alice' }, get('/ocs/v2.php/apps/notifications/api/v2/notifications?format=json', 200, { user: 'alice' }),
    get('/.well-known/caldav', 301), get('/.well-known/carddav', 301), get('/.well-known/webfinger?resource=acct:alice@cloud.example.org', 404), get('/.well-known/nodeinfo', 404),
    { req: 'REPORT /remote.php/dav/calendars/alice/personal/ HTTP/1.1', status: 207, user: 'alice' }, get('/core/js/oc.js?v=1234'), get('/ocs/v1.php/cloud/capabilities?format=json'),
    get('/index.php/core/preview?fileId=4711&x=250&y=250&a=true'), { req: 'MKCOL /remote.php/dav/files/alice/New%20folder HTTP/1.1', status: 201, user: 'alice' },
  ] },
  { type: 'joomla', access: [
    ...COMMON, get('/administrator/'), post('/administrator/index.php', 303), get('/index.php?option=com_content&view=article&id=12&Itemid=101'), get('/media/jui/js/jquery.min.js'),
    get('/templates/cassiopeia/css/template.min.css'), get('/component/search/?searchword=union%20select&searchphrase=all&Itemid=101'), get('/images/banners/white.png'),
  ] },
  { type: 'static', access: [
    ...COMMON.filter((r) => !/(\.php|\.pl|\.jsp)[ ?]|\/graphql|\/api\//.test(r.req)), get('/index.html'), get('/docs/v2/getting-started.html#install'), get('/assets/main.3f9a2c.js'),
    get('/assets/main.3f9a2c.css', 304), get('/404.html', 404), get('/blog/', 200), get('/search.json'), get('/docs/php-tutorial.html'), get('/manual/en/function.mysql-query.html'),
  ] },
];
