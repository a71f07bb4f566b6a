/*
 * pages_assets.h — the fixed bytes of every page: the style sheet, the one
 * script and the verdict icons. Included by pages.c only.
 *
 * The script is hashed into the Content-Security-Policy (page_csp()), so
 * it must stay byte-identical on every page: per-page data travels in
 * data- attributes, never inside it. It is plain ES5 plus fetch and
 * Promise (every browser a phone camera opens, WeChat's included), and it
 * does two things:
 *  - rewrites each <time datetime="…Z"> into the phone's local time (the
 *    UTC text stays in the title attribute);
 *  - shows the location section (#loc-box, hidden without script), and on
 *    a tap of #loc asks for the position, then POSTs {"token", "lat",
 *    "lon", "accuracy"} to /api/v1/scans/<data-event>/location and shows
 *    data-ok, data-err, data-deny or data-wait in #loc-msg. Nothing is
 *    asked or sent before the tap.
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

static const char page_script[] =
    "(function(){"
    "var d=document,l=d.documentElement.lang,"
    "o={year:'numeric',month:'short',day:'numeric',hour:'numeric',"
    "minute:'2-digit'},"
    "t=d.getElementsByTagName('time'),i,v;"
    "for(i=0;i<t.length;i++){"
    "v=new Date(t[i].getAttribute('datetime'));"
    "if(isNaN(v.getTime()))continue;"
    "try{var s=v.toLocaleString(l,o);"
    "t[i].title=t[i].textContent;t[i].textContent=s}catch(e){}}"
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
    ".then(function(r){if(!r.ok)throw r;say('ok');b.hidden=true})"
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

#endif
