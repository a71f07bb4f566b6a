/*
 * pages_assets.h — the fixed bytes of every page: the style sheets, the two
 * scripts (code pages, staff page) and the icons. Included by the page
 * renderers only (pages.c, page_scan.c, page_draw.c, page_staff.c); each
 * keeps what it uses, and the two scripts are used in pages.c alone.
 *
 * The scripts are hashed into the Content-Security-Policy (page_csp()), so
 * each must stay byte-identical on every page: per-page data travels in
 * data- attributes, never inside them. They are plain ES5 plus fetch and
 * Promise (every browser a phone camera opens, WeChat's included). The
 * code pages' script (page_script) does three things:
 *  - rewrites each <time datetime="…Z"> into the phone's local time (the
 *    UTC text stays in the title attribute);
 *  - on submitting the draw form (#dw, a plain POST that works without
 *    script) disables its button and shows its data-wait text, so that a
 *    second tap sends nothing; "pageshow" (back button) restores it;
 *  - shows the location section (#loc-box, hidden without script), and on
 *    a tap of #loc asks for the position, then POSTs {"token", "lat",
 *    "lon", "accuracy"} to /api/v1/scans/<data-event>/location and shows
 *    data-ok (data-elsewhere when the answer says the code was verified
 *    far away: a clone signal), data-err, data-deny or data-wait in
 *    #loc-msg. Nothing is asked or sent before the tap.
 */
#ifndef SCANLOOP_PAGES_ASSETS_H
#define SCANLOOP_PAGES_ASSETS_H

#include <assert.h>

/* Colours: --k is the verdict colour (set by the class of <main>); white
 * text on each of them has a contrast ratio of at least 4.9:1. */
static const char page_css[] =
    ":root{color-scheme:light dark;--bg:#f2f3f5;--fg:#14171c;--mu:#4f5866;"
    "--cd:#fff;--ln:#dfe2e7;--a:#1a56c9;--b:#1a56c9;--bt:#fff}"
    "@media(prefers-color-scheme:dark){:root{--bg:#0e1013;--fg:#e6e8eb;"
    "--mu:#a3abb7;--cd:#1a1d22;--ln:#2e333b;--a:#8fb5ff;--b:#8fb5ff;"
    "--bt:#0b1220}}"
    "*{box-sizing:border-box}[hidden]{display:none!important}"
    "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}"
    "body{margin:0;background:var(--bg);color:var(--fg);"
    "font:17px/1.6 -apple-system,BlinkMacSystemFont,\"PingFang SC\","
    "\"Hiragino Sans GB\",\"Microsoft YaHei\",\"Noto Sans CJK SC\","
    "\"Segoe UI\",Roboto,sans-serif}"
    "main{max-width:30rem;margin:0 auto;padding:14px 14px 8px}"
    ".ok{--k:#157a3b}.warn{--k:#a34e05}.bad{--k:#b3191c}.info{--k:#3f4b5c}"
    ".hd{background:var(--k);color:#fff;border-radius:18px;"
    "padding:26px 20px 24px;text-align:center}"
    ".ic{display:block;width:76px;height:76px;margin:0 auto 10px;"
    "color:var(--k)}"
    "h1{font-size:1.65rem;line-height:1.25;margin:0 0 8px;font-weight:700}"
    "h1,.hd p{text-wrap:balance}"
    ".hd p{margin:0;font-size:1.02rem}.hd .st{margin-top:8px;opacity:.8;"
    "font-size:.85rem}"
    ".cd{background:var(--cd);border:1px solid var(--ln);border-radius:14px;"
    "padding:15px 18px;margin-top:12px}"
    ".cd p{margin:0}.cd p+p{margin-top:8px}"
    ".adv{border-left:5px solid var(--k);font-weight:600}"
    "h2{font-size:1rem;margin:0 0 6px}"
    "dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:4px 14px;"
    "align-items:baseline}"
    "dt{color:var(--mu)}dd{margin:0;overflow-wrap:anywhere}"
    ".m{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
    "font-size:.95em;-webkit-user-select:all;user-select:all}"
    ".mu{color:var(--mu);font-size:.9rem}"
    ".tx{color:var(--mu);font-size:.8rem;margin:10px 4px 0;"
    "overflow-wrap:anywhere}"
    "button{display:block;width:100%;min-height:50px;margin-top:12px;"
    "border:0;border-radius:12px;background:var(--b);color:var(--bt);"
    "font:inherit;font-weight:600;cursor:pointer}"
    "button:disabled{opacity:.55}"
    "#loc-msg{margin-top:10px}#loc-msg:empty{display:none}"
    ".e{color:#b3191c}@media(prefers-color-scheme:dark){.e{color:#ff8a80}}"
    "footer{text-align:center;padding:6px 0 18px}"
    "footer a{display:inline-block;padding:12px 20px;color:var(--a);"
    "text-decoration:none}";
static_assert(sizeof(page_css) < 4095, "C11 portable string length");

/* The start of the code and group pages' scripts: d, l, and every <time>
 * made local. */
#define PAGE_SCRIPT_TIMES \
    "(function(){" \
    "var d=document,l=d.documentElement.lang," \
    "o={year:'numeric',month:'short',day:'numeric',hour:'numeric'," \
    "minute:'2-digit'}," \
    "t=d.getElementsByTagName('time'),i,v;" \
    "for(i=0;i<t.length;i++){" \
    "v=new Date(t[i].getAttribute('datetime'));" \
    "if(isNaN(v.getTime()))continue;" \
    "try{var s=v.toLocaleString(l,o);" \
    "t[i].title=t[i].textContent;t[i].textContent=s}catch(e){}}"

static const char page_script[] =
    PAGE_SCRIPT_TIMES
    /* The draw form: one tap, a busy label until the next page. */
    "var f=d.getElementById('dw');"
    "if(f){var k=f.querySelector('button'),w=k.textContent;"
    "f.addEventListener('submit',function(){k.disabled=true;"
    "k.textContent=k.getAttribute('data-wait')||w});"
    "window.addEventListener('pageshow',function(){k.disabled=false;"
    "k.textContent=w})}"
    "var b=d.getElementById('loc'),m=d.getElementById('loc-msg'),"
    "x=d.getElementById('loc-box'),n=navigator.geolocation;"
    "if(!b||!m||!x||!n||!window.fetch)return;"
    "x.hidden=false;"
    "function say(k,c){m.textContent=b.getAttribute('data-'+k);"
    "m.className=c||''}"
    "function fail(k){say(k,'e');b.disabled=false}"
    "b.addEventListener('click',function(){"
    "b.disabled=true;say('wait');"
    "n.getCurrentPosition(function(p){"
    "var c=p.coords;"
    "fetch('/api/v1/scans/'+encodeURIComponent(b.getAttribute('data-event'))"
    "+'/location',{method:'POST',credentials:'same-origin',"
    "headers:{'Content-Type':'application/json'},"
    "body:JSON.stringify({token:b.getAttribute('data-token'),"
    "lat:c.latitude,lon:c.longitude,accuracy:c.accuracy})})"
    ".then(function(r){if(!r.ok)throw r;return r.json()})"
    ".then(function(j){var e=j&&j.verified_elsewhere;"
    "say(e?'elsewhere':'ok',e?'e':'');b.hidden=true})"
    ".catch(function(){fail('err')})"
    "},function(e){fail(e&&e.code===1?'deny':'err')},"
    "{enableHighAccuracy:true,timeout:20000,maximumAge:60000})"
    "})"
    "})();";
static_assert(sizeof(page_script) < 4095, "C11 portable string length");

/* Icons: a white disc with the mark drawn in the verdict colour. */
#define PAGE_SVG_OPEN \
	"<svg class=\"ic\" viewBox=\"0 0 48 48\" aria-hidden=\"true\">" \
	"<circle cx=\"24\" cy=\"24\" r=\"23\" fill=\"#fff\"/>" \
	"<g fill=\"none\" stroke=\"currentColor\" stroke-width=\"4.5\" " \
	"stroke-linecap=\"round\" stroke-linejoin=\"round\">"
#define PAGE_SVG_CLOSE "</g></svg>"

static const char page_icon_check[] =
    PAGE_SVG_OPEN "<path d=\"M13.5 25l7 7 14-15\"/>" PAGE_SVG_CLOSE;
static const char page_icon_warn[] = PAGE_SVG_OPEN
    "<path d=\"M24 12.5v14\"/><path d=\"M24 34.5v.5\"/>" PAGE_SVG_CLOSE;
static const char page_icon_cross[] =
    PAGE_SVG_OPEN "<path d=\"M16 16l16 16M32 16L16 32\"/>" PAGE_SVG_CLOSE;
static const char page_icon_question[] =
    PAGE_SVG_OPEN "<path d=\"M18 18.5a6 6 0 1 1 8.6 5.4c-1.6.8-2.6 2-2.6 "
		  "3.8v1\"/><path d=\"M24 35v.5\"/>" PAGE_SVG_CLOSE;
static const char page_icon_info[] = PAGE_SVG_OPEN
    "<path d=\"M24 13v.5\"/><path d=\"M24 21v14\"/>" PAGE_SVG_CLOSE;

/* The prize-draw card of a code page (added after page_css when a page
 * has one). --r is the draw's red: white text on it has a contrast ratio
 * of 6.0:1, and the lighter red of dark mode on the card 8.3:1. */
static const char page_css_draw[] =
    ":root{--r:#c41230}@media(prefers-color-scheme:dark){:root{"
    "--r:#ff9a9a}}"
    ".dr{border-top:5px solid #c41230}"
    ".dh{display:flex;align-items:center;gap:12px;margin:2px 0 8px}"
    ".dh h2{font-size:1.3rem;line-height:1.3;margin:0;color:var(--r);"
    "text-wrap:balance}.nt h2{color:var(--fg)}"
    ".gi{width:44px;height:44px;flex:none;color:var(--r)}"
    ".cp{color:var(--mu);font-size:.85rem;font-weight:600;"
    "overflow-wrap:anywhere}"
    ".rp{background:var(--bg);border-radius:8px;padding:6px 10px;"
    "font-size:.85rem;margin:0 0 10px!important}"
    ".pz{font-size:1.3rem;font-weight:700;line-height:1.35;"
    "overflow-wrap:anywhere}"
    ".pt{font-size:2.3rem;font-weight:800;line-height:1.2;color:var(--r)}"
    ".dr dl{margin-top:10px}"
    ".lb{margin-top:14px!important;color:var(--mu);font-size:.85rem;"
    "text-align:center}"
    ".cl{font-size:1.45rem;font-weight:700;line-height:1.3;"
    "letter-spacing:.04em;text-align:center;text-wrap:balance;"
    "border:2px dashed var(--ln);"
    "border-radius:10px;padding:10px 4px;margin-top:4px!important}"
    ".qr{background:#fff;border-radius:12px;padding:6px;width:232px;"
    "max-width:100%;margin:12px auto 0}"
    ".qr svg{display:block;width:220px;height:220px;max-width:100%}"
    ".hw{margin-top:12px!important}"
    ".big{min-height:62px;font-size:1.3rem;letter-spacing:.06em;"
    "background:#c41230;color:#fff}"
    ".dn{font-weight:600}";
static_assert(sizeof(page_css_draw) < 4095, "C11 portable string length");

/* The staff page's form and answers. */
static const char page_css_staff[] =
    "label{display:block;font-weight:600;margin:14px 0 6px}"
    "label:first-child{margin-top:0}"
    "input{display:block;width:100%;min-height:50px;font:inherit;"
    "padding:10px 12px;border:1px solid var(--mu);border-radius:10px;"
    "background:var(--bg);color:var(--fg)}"
    "#cl{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
    "padding:10px;text-transform:uppercase}"
    "#st-saved a{color:var(--a);padding:8px 4px}"
    ".b2{background:none;color:var(--a);border:1px solid var(--a)}"
    "video{display:block;width:100%;max-height:60vh;margin-top:12px;"
    "border-radius:12px;background:#000;object-fit:cover}"
    "#out h2{font-size:1.2rem;margin:0 0 4px}"
    "#out p{overflow-wrap:anywhere;margin:4px 0 0}"
    "#out .pz{font-size:1.3rem;font-weight:700}"
    "#out.yes{border-left:6px solid #157a3b}#out.no{border-left:6px solid "
    "#b3191c}"
    ".yes h2{color:#157a3b}.no h2{color:#b3191c}"
    "@media(prefers-color-scheme:dark){.yes h2{color:#7fd69b}"
    ".no h2{color:#ff8a80}}";
static_assert(sizeof(page_css_staff) < 4095, "C11 portable string length");

/* The staff page's script, hashed into the policy like page_script. It
 * shows the form (#rf, hidden without script: redeeming needs fetch with
 * an Authorization header), keeps the shop's API token in localStorage
 * ("scanloop.store") after its first use and forgets it on "change" (#st-chg)
 * or a 401, fills the claim field from ?claim= when the server did not,
 * accepts a pasted or scanned claim URL (takes the token after "/C/"),
 * POSTs /api/v1/claims/<token>/redeem with "Authorization: Bearer <shop
 * token>" and writes the answer into #out with textContent only: the
 * form's data- attributes hold the words, in the page's language, for each
 * machine-readable "error" of the answer (data-e-<error>); the server's
 * English "message" is never shown. The answer's prize (name, face value,
 * condition) and, for a 409 that has "redeemed", when (local time) and at
 * which store (its name) it was redeemed are added. Where BarcodeDetector and
 * getUserMedia exist, #cam (hidden otherwise) opens the rear camera on a
 * tap and fills the claim field from the first QR code it sees. */
static const char page_staff_script[] =
    "(function(){"
    "var d=document,K='scanloop.store',tk=null,sm=null,bd=null;"
    "function g(i){return d.getElementById(i)}"
    "var f=g('rf'),st=g('st'),sb=g('st-box'),ss=g('st-saved'),cl=g('cl'),"
    "go=g('go'),o=g('out'),cam=g('cam'),v=g('vid');"
    "if(!f||!st||!sb||!ss||!cl||!go||!o)return;"
    "function A(k){return f.getAttribute('data-'+k)||''}"
    "if(!window.fetch){o.textContent=A('old');o.hidden=false;return}"
    "f.hidden=false;"
    "try{tk=localStorage.getItem(K)}catch(e){}"
    "function tok(){sb.hidden=!!tk;ss.hidden=!tk}"
    "tok();"
    "g('st-chg').addEventListener('click',function(e){e.preventDefault();"
    "tk=null;try{localStorage.removeItem(K)}catch(x){}st.value='';tok();st.focus()});"
    "function claim(s){s=String(s).replace(/\\s+/g,'');"
    "var m=/\\/C\\/([0-9A-Za-z-]+)/.exec(s);return(m?m[1]:s).toUpperCase()}"
    "if(!cl.value){var q=/[?&]claim=([^&#]*)/.exec(location.search);"
    "if(q)try{cl.value=claim(decodeURIComponent(q[1].replace(/\\+/g,' ')))}catch(e){}}"
    "function say(c,L){var i,p,x;o.className='cd '+c;o.textContent='';"
    "for(i=0;i<L.length;i++){x=L[i];if(!x||!x[0])continue;"
    "p=d.createElement(i?'p':'h2');p.textContent=x[0];p.className=x[1]||'';"
    "o.appendChild(p)}o.hidden=false}"
    "function T(k){return[A(k)]}"
    "function when(s){var v=new Date(s);if(isNaN(v.getTime()))return s;"
    "try{return v.toLocaleString(d.documentElement.lang,{year:'numeric',"
    "month:'short',day:'numeric',hour:'numeric',minute:'2-digit'})}"
    "catch(e){return s}}"
    "f.addEventListener('submit',function(e){e.preventDefault();"
    "var t=tk||st.value.replace(/\\s+/g,''),c=claim(cl.value);"
    "if(!t){say('no',[T('need-token')]);st.focus();return}"
    "if(!c){say('no',[T('need-claim')]);cl.focus();return}"
    "if(!tk){tk=t;try{localStorage.setItem(K,t)}catch(x){}tok()}"
    "go.disabled=true;say('',[T('wait')]);"
    "fetch('/api/v1/claims/'+encodeURIComponent(c)+'/redeem',{method:'POST',"
    "credentials:'omit',cache:'no-store',headers:{'Authorization':'Bearer '+t}})"
    ".then(function(r){return r.json().then(function(j){return[r.status,j]},"
    "function(){return[r.status,null]})})"
    ".then(function(a){var s=a[0],j=a[1]||{},p=j.prize,L;"
    "go.disabled=false;"
    "if(s==200){L=[T('ok')];"
    "if(p&&p.name){L.push([A('prize')+p.name,'pz']);"
    "if(p.face_value)L.push([A('face')+(/^(CNY|RMB)$/i.test(p.currency)?"
    "'\\u00a5'+p.face_value:p.face_value+' '+(p.currency||''))]);"
    "if(typeof p.condition=='string')L.push([p.condition])}"
    "else if(j.ticket_opened)L.push([A('nowin'),'pz']);"
    "L.push([A('code')+c.replace(/-/g,'').replace(/(.{4})(?=.)/g,'$1-'),"
    "'mu']);say('yes',L);cl.value='';return}"
    "if(s==401){tk=null;try{localStorage.removeItem(K)}catch(x){}tok()}"
    "L=[[(typeof j.error=='string'&&A('e-'+j.error))||A('err')+' (HTTP '+s+')']];"
    "if(s==409&&j.redeemed)L.push([A('done').replace('{t}',when(j.redeemed))"
    ".replace('{s}',j.shop_name||j.shop||'?')]);"
    "say('no',L)},"
    "function(){go.disabled=false;say('no',[T('net')])})});"
    "if(!cam||!v||!('BarcodeDetector' in window)||!navigator.mediaDevices||"
    "!navigator.mediaDevices.getUserMedia)return;"
    "cam.hidden=false;"
    "function stop(){if(sm)sm.getTracks().forEach(function(k){k.stop()});"
    "sm=null;v.srcObject=null;v.hidden=true;cam.textContent=A('cam')}"
    "function look(){if(!sm)return;bd.detect(v).then(function(r){if(!sm)return;"
    "if(r.length){cl.value=claim(r[0].rawValue);stop();go.focus();return}"
    "setTimeout(look,200)},function(){setTimeout(look,400)})}"
    "cam.addEventListener('click',function(){if(sm){stop();return}"
    "try{bd=bd||new window.BarcodeDetector({formats:['qr_code']})}"
    "catch(e){say('no',[T('nocam')]);return}"
    "navigator.mediaDevices.getUserMedia({video:{facingMode:'environment'},"
    "audio:false}).then(function(s){sm=s;v.srcObject=s;v.hidden=false;"
    "cam.textContent=A('stop');return v.play()}).then(look,"
    "function(){stop();say('no',[T('nocam')])})})"
    "})();";
static_assert(sizeof(page_staff_script) < 4095,
    "C11 portable string length");

/* The check-in pages' script (page_checkin.c), hashed into the policy
 * like the others. On the consumer's page (#ck, hidden without script) a
 * tap of #ckb asks for the position and POSTs {"store", "sig", "lat",
 * "lon", "accuracy", "lang"} to /api/v1/checkins, or #ckxb the typed
 * exemption code instead of the position; it writes the answer's message
 * (in the page's language), the streak's progress (toward its prize, by
 * name), the points, a draw's prize and claim code, and a streak prize's
 * claim code and link (/C/{TOKEN}, the staff's) into #ckm with
 * textContent only. On the
 * staff page (#xs) #xgo POSTs /api/v1/stores/me/checkin-code with the
 * store's token (kept in localStorage "scanloop.store", as the
 * redemption page keeps it) and shows the code and until when. */
static const char page_checkin_script[] =
    "(function(){"
    "var d=document,K='scanloop.store',l=d.documentElement.lang;"
    "function g(i){return d.getElementById(i)}"
    "function A(e,k){return e.getAttribute('data-'+k)||''}"
    "var c=g('ck'),x=g('xs');"
    "if(!window.fetch)return;"
    "function post(u,b,h){h=h||{};h['Content-Type']='application/json';"
    "return fetch(u,{method:'POST',credentials:'same-origin',"
    "cache:'no-store',headers:h,body:JSON.stringify(b)})"
    ".then(function(r){return r.json().then(function(j){return[r.status,j]},"
    "function(){return[r.status,{}]})})}"
    "function say(m,L,e){m.textContent='';for(var i=0;i<L.length;i++){"
    "if(!L[i])continue;var p=d.createElement('p');p.textContent=L[i];"
    "m.appendChild(p)}m.className=e?'e':''}"
    "if(c){var m=g('ckm'),b=g('ckb'),cc=g('ckc'),xb=g('ckxb'),"
    "n=navigator.geolocation;c.hidden=false;"
    "function busy(v){b.disabled=v;if(xb)xb.disabled=v}"
    "function send(o){if(A(c,'store')){o.store=A(c,'store');"
    "o.sig=A(c,'sig')}o.lang=l;busy(true);say(m,[A(c,'wait')]);"
    "post('/api/v1/checkins',o).then(function(a){var j=a[1]||{},w=j.draw,"
    "s=j.streak,z=j.streak_prize,L=[j.message||A(c,'err')],k;"
    "if(s&&s.goal)L.push(A(c,s.prize?'streakz':'streak')"
    ".replace('{n}',s.days).replace('{N}',s.goal)"
    ".replace('{z}',s.prize?s.prize.name:''));"
    "if(j.points)L.push(A(c,'pts').replace('{p}',j.points)"
    ".replace('{b}',j.points_balance));"
    "if(w&&w.prize&&w.prize.name)L.push(A(c,'win').replace('{z}',"
    "w.prize.name));"
    "if(w&&w.claim&&w.claim.text)L.push(A(c,'claim').replace('{c}',"
    "w.claim.text));"
    "if(z){L.push(z.message||A(c,'grant').replace('{z}',z.prize.name));"
    "if(z.claim)L.push(A(c,'claim').replace('{c}',z.claim.text))}"
    "say(m,L,j.status!='new');"
    "if(z&&z.claim){k=d.createElement('a');k.href=z.claim.url;"
    "k.textContent=A(c,'link');m.appendChild(k)}busy(false)},"
    "function(){say(m,[A(c,'net')],1);busy(false)})}"
    "if(!n)b.hidden=true;"
    "b.addEventListener('click',function(){busy(true);"
    "say(m,[A(c,'locating')]);"
    "n.getCurrentPosition(function(p){var q=p.coords;send({lat:q.latitude,"
    "lon:q.longitude,accuracy:q.accuracy})},function(e){busy(false);"
    "say(m,[A(c,e&&e.code===1?'deny':'noloc')],1)},"
    "{enableHighAccuracy:true,timeout:20000,maximumAge:0})});"
    "if(xb)xb.addEventListener('click',function(){"
    "var v=cc.value.replace(/\\D/g,'');if(!v){cc.focus();return}"
    "send({exemption:v})})}"
    "if(x){var t=null,si=g('xt'),sb=g('xtb'),go=g('xgo'),o=g('xo');"
    "x.hidden=false;try{t=localStorage.getItem(K)}catch(e){}sb.hidden=!!t;"
    "go.addEventListener('click',function(){"
    "var k=t||si.value.replace(/\\s+/g,'');if(!k){si.focus();return}"
    "go.disabled=true;post('/api/v1/stores/me/checkin-code',{},"
    "{'Authorization':'Bearer '+k}).then(function(a){var j=a[1]||{},v;"
    "go.disabled=false;"
    "if(a[0]==200){if(!t){t=k;try{localStorage.setItem(K,k)}catch(e){}"
    "sb.hidden=true}v=new Date(j.expires);"
    "say(o,[j.code,A(x,'until').replace('{t}',isNaN(v.getTime())?"
    "j.expires:v.toLocaleTimeString(l))]);o.firstChild.className='big';"
    "return}"
    "if(a[0]==401){t=null;try{localStorage.removeItem(K)}catch(e){}"
    "sb.hidden=false}say(o,[A(x,'e'+a[0])||A(x,'err')],1)},"
    "function(){go.disabled=false;say(o,[A(x,'net')],1)})})}"
    "})();";
static_assert(sizeof(page_checkin_script) < 4095,
    "C11 portable string length");

/* The group pages' script (page_group.c), hashed into the policy like
 * page_script: local times, and the buttons that start, join and draw,
 * each a JSON POST whose answer names the page to show next. */
static const char page_group_script[] =
    PAGE_SCRIPT_TIMES
    "var g=d.getElementById('gp');if(!g||!window.fetch)return;"
    "g.hidden=false;var m=d.getElementById('gm');"
    "function A(k){return g.getAttribute('data-'+k)||''}"
    "function say(s,e){m.textContent=s;m.className=e?'e':''}"
    "function go(u,b,k){k.disabled=true;say(A('wait'));b.lang=l;"
    "fetch(u,{method:'POST',credentials:'same-origin',cache:'no-store',"
    "headers:{'Content-Type':'application/json'},body:JSON.stringify(b)})"
    ".then(function(r){return r.json().then(function(j){return[r.status,j]},"
    "function(){return[r.status,{}]})})"
    ".then(function(a){var j=a[1]||{};"
    "if(a[0]==200&&j.url){location.href=j.url+(l=='en'?'?lang=en':'');"
    "return}k.disabled=false;say(j.message||A('err'),1)},"
    "function(){k.disabled=false;say(A('net'),1)})}"
    "var b=d.getElementById('gs'),j=d.getElementById('gj'),"
    "w=d.getElementById('gd'),c=d.getElementById('gc'),"
    "u=d.getElementById('gu');"
    "if(b)b.addEventListener('click',function(){"
    "go('/api/v1/groups',{campaign:A('campaign')},b)});"
    "if(j)j.addEventListener('click',function(){"
    "go('/api/v1/groups/'+A('id')+'/join',{},j)});"
    "if(w)w.addEventListener('click',function(){"
    "go('/api/v1/groups/'+A('id')+'/draw',{},w)});"
    "if(u){u.value=location.origin+A('share');"
    "if(c)c.addEventListener('click',function(){u.select();"
    "try{navigator.clipboard.writeText(u.value).then(function(){"
    "say(A('copied'))},function(){})}catch(e){}})}"
    "})();";
static_assert(sizeof(page_group_script) < 4095,
    "C11 portable string length");

/* The check-in pages' style: the staff's code in large digits. */
static const char page_css_checkin[] =
    "label{display:block;font-weight:600;margin:14px 0 6px}"
    "input{display:block;width:100%;min-height:50px;font:inherit;"
    "padding:10px 12px;border:1px solid var(--mu);border-radius:10px;"
    "background:var(--bg);color:var(--fg)}"
    ".b2{background:none;color:var(--a);border:1px solid var(--a)}"
    "#ckm p,#xo p{margin:8px 0 0;overflow-wrap:anywhere}"
    ".big{font:700 2.6rem/1.2 ui-monospace,SFMono-Regular,Menlo,Consolas,"
    "monospace;letter-spacing:.12em;text-align:center}";
static_assert(sizeof(page_css_checkin) < 4095, "C11 portable string length");

/* The group pages' style: the count in large digits. */
static const char page_css_group[] =
    "label{display:block;font-weight:600;margin:14px 0 6px}"
    "input{display:block;width:100%;min-height:50px;font:inherit;"
    "padding:10px 12px;border:1px solid var(--mu);border-radius:10px;"
    "background:var(--bg);color:var(--fg)}"
    "#gm p{margin:8px 0 0}#gm{margin-top:10px;overflow-wrap:anywhere}"
    ".gn{font:700 2.6rem/1.2 ui-monospace,SFMono-Regular,Menlo,Consolas,"
    "monospace;text-align:center;margin:4px 0}"
    ".gw{font-weight:600}";
static_assert(sizeof(page_css_group) < 4095, "C11 portable string length");

/* A gift box, drawn in the draw's red (a .gi icon). */
static const char page_icon_gift[] =
    "<svg class=\"gi\" viewBox=\"0 0 48 48\" aria-hidden=\"true\">"
    "<g fill=\"none\" stroke=\"currentColor\" stroke-width=\"3.5\" "
    "stroke-linecap=\"round\" stroke-linejoin=\"round\">"
    "<path d=\"M9 22h30v19H9zM6 15h36v7H6zM24 15v26\"/>"
    "<path d=\"M24 15c-3-6-11-8-11-3s8 3 11 3c3 0 11 1 11-3s-8-3-11 3z\"/>"
    "</g></svg>";

/* The staff page's icon: a scan frame. */
static const char page_icon_scan[] = PAGE_SVG_OPEN
    "<path d=\"M13 19v-6h6M29 13h6v6M35 29v6h-6M19 35h-6v-6\"/>"
    "<path d=\"M18 24h12\" stroke-width=\"3\"/>"
    PAGE_SVG_CLOSE;

#endif
