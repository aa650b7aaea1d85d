"""The customer's feedback page: the receipt's QR leads to ``/feedback/{redemption_id}``.

No terminal token (the customer opens it on a phone). The link carries the redemption's feedback
token (``?t=``), a random secret the platform handed to the terminal when it accepted the
redemption and keeps only hashed: holding the receipt is what lets one rate that visit, and only
an accepted, not voided redemption can be rated. A wrong or missing token gets the same page as
an unknown visit. Small, mobile-first HTML, English and Simplified
Chinese side by side, no external assets. Every value shown is HTML-escaped; the Content
Security Policy allows only this page's own inline style and script (by hash). Bodies over
:data:`MAX_FORM_BYTES` are refused before they are read.
"""

from __future__ import annotations

import base64
import hashlib
import html
from datetime import datetime
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from o2o_platform import quality, services
from o2o_platform.db import Database

# 500 Chinese characters are 1.5 KB of UTF-8 but 4.5 KB once a browser percent-encodes them,
# so the limit is 5 KB: every comment the form allows fits, nothing much bigger is read.
MAX_FORM_BYTES = 5 * 1024
router = APIRouter()

_STYLE = """
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
background:#f6f4ef;color:#222;line-height:1.45}
main{max-width:30rem;margin:0 auto;padding:1.2rem 1rem 2rem}
h1{font-size:1.35rem;margin:.2rem 0 1rem}
.zh{display:block;color:#555;font-size:.95em}
h1 .zh{color:#333}
.card{background:#fff;border-radius:.8rem;padding:1rem;margin:0 0 1rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:.5rem .8rem}
dt{color:#666;font-size:.9rem}
dd{margin:0;font-weight:600;overflow-wrap:anywhere}
fieldset{border:0;margin:0;padding:0}
legend{font-weight:600;margin-bottom:.3rem}
.stars{display:flex;flex-direction:row-reverse;justify-content:center;gap:.2rem}
.stars input{position:absolute;opacity:0;width:1px;height:1px}
.stars label{font-size:2.7rem;line-height:1;color:#cfcac0;cursor:pointer;padding:.1rem .15rem}
.stars input:checked~label,.stars label:hover,.stars label:hover~label{color:#f0a020}
.stars input:focus-visible+label{outline:2px solid #2a6fdb;border-radius:.3rem}
.hint{text-align:center;color:#666;font-size:.85rem;margin:.3rem 0 0}
textarea{width:100%;min-height:6rem;font:inherit;padding:.6rem;border:1px solid #ccc;border-radius:.5rem}
label.block{display:block;font-weight:600;margin:.8rem 0 .3rem}
button{width:100%;margin-top:1rem;padding:.9rem;font:inherit;font-weight:700;font-size:1.1rem;color:#fff;
background:#d9480f;border:0;border-radius:.6rem}
.note{background:#fff6db;border-left:4px solid #f0a020;padding:.6rem .8rem;border-radius:.4rem;margin:0 0 1rem}
.error{background:#fde8e8;border-left:4px solid #c92a2a;padding:.6rem .8rem;border-radius:.4rem;margin:0 0 1rem}
.big{font-size:2.4rem;color:#f0a020;text-align:center;margin:.3rem 0}
a{color:#2a6fdb}
"""

# Shows times in the phone's own time zone (the server writes UTC, which is also what is shown
# without JavaScript).
_SCRIPT = (
    'document.querySelectorAll("time[datetime]").forEach(function(t){'
    'var d=new Date(t.getAttribute("datetime"));if(isNaN(d))return;'
    'function p(n){return String(n).padStart(2,"0")}'
    't.textContent=d.getFullYear()+"-"+p(d.getMonth()+1)+"-"+p(d.getDate())+" "+p(d.getHours())+":"+p(d.getMinutes());'
    "});"
)


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


HEADERS = {
    "Content-Security-Policy": f"default-src 'none'; style-src {_sha256(_STYLE)}; script-src {_sha256(_SCRIPT)}; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _bi(en: str, zh: str) -> str:
    """English and Chinese side by side (both already safe HTML)."""
    return f'<span class="en">{en}</span> <span class="zh" lang="zh-CN">{zh}</span>'


def _time(moment: datetime) -> str:
    return f'<time datetime="{_e(moment.isoformat())}">{_e(moment.strftime("%Y-%m-%d %H:%M"))} UTC</time>'


def _page(title_en: str, title_zh: str, body: str, status: int = 200) -> HTMLResponse:
    text = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{_e(title_en)} · {_e(title_zh)}</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<h1>{_bi(_e(title_en), _e(title_zh))}</h1>
{body}
</main>
<script>{_SCRIPT}</script>
</body>
</html>
"""
    return HTMLResponse(text, status_code=status, headers=HEADERS)


def _visit_card(v: quality.Visit) -> str:
    deal = _e(v.sku) if v.sku else "—"
    return f"""<section class="card"><dl>
<dt>{_bi("Store", "门店")}</dt><dd>{_e(v.store_id)}</dd>
<dt>{_bi("Deal", "套餐")}</dt><dd>{deal}</dd>
<dt>{_bi("Date", "日期")}</dt><dd>{_time(v.redeemed_at)}</dd>
</dl></section>"""


def _form_page(v: quality.Visit, token: str, *, stars: int | None = None, comment: str | None = None,
               error: str = "", status: int = 200) -> HTMLResponse:
    chosen = stars if stars is not None else v.stars
    text = comment if comment is not None else v.comment
    parts = [_visit_card(v)]
    if error:
        parts.append(f'<p class="error" role="alert">{error}</p>')
    if v.stars is not None and v.rated_at is not None:
        parts.append('<p class="note">' + _bi(
            f"You rated this visit {v.stars} ★ on {_time(v.rated_at)}. Sending again replaces that rating.",
            f"您已于 {_time(v.rated_at)} 评价此次消费 {v.stars} 星。再次提交将替换原评分。") + "</p>")
    radios = "".join(
        f'<input type="radio" id="s{n}" name="stars" value="{n}"{" checked" if chosen == n else ""} required>'
        f'<label for="s{n}" title="{n}" aria-label="{n} ★ / {n} 星">★</label>'
        for n in range(5, 0, -1)
    )
    action = _e(quote(v.redemption_id, safe=""))
    # The token travels in the form's body (not the address), so the rating post leaves it in no log.
    parts.append(f"""<form class="card" method="post" action="{action}" accept-charset="utf-8">
<input type="hidden" name="t" value="{_e(token)}">
<fieldset><legend>{_bi("How was your visit?", "您对本次到店体验满意吗？")}</legend>
<div class="stars">{radios}</div>
<p class="hint">{_bi("1 = poor, 5 = excellent", "1 = 很差，5 = 非常好")}</p></fieldset>
<label class="block" for="comment">{_bi(f"Comment (optional, up to {quality.MAX_COMMENT_CHARS} characters)",
                                      f"留言（选填，最多 {quality.MAX_COMMENT_CHARS} 字）")}</label>
<textarea id="comment" name="comment" maxlength="{quality.MAX_COMMENT_CHARS}">{_e(text)}</textarea>
<button type="submit">{_bi("Send", "提交")}</button>
</form>""")
    return _page("Rate your visit", "评价您的到店体验", "\n".join(parts), status)


def _not_found() -> HTMLResponse:
    body = '<section class="card"><p>' + _bi(
        "We cannot find this visit. The link may be incomplete (scan the QR code on your receipt again), or "
        "the store has not sent this visit to us yet (a store that was offline sends it later). Please try "
        "again in a few hours.",
        "找不到这次消费记录。链接可能不完整（请重新扫描小票上的二维码），或门店尚未上传这笔记录（门店离线时会稍后上传）。"
        "请过几个小时再试。",
    ) + "</p></section>"
    return _page("Visit not found", "未找到消费记录", body, 404)


def _problem(status: int, en_title: str, zh_title: str, en: str, zh: str) -> HTMLResponse:
    return _page(en_title, zh_title, f'<section class="card"><p>{_bi(en, zh)}</p></section>', status)


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


@router.get("/feedback/{redemption_id}", response_class=HTMLResponse, include_in_schema=False)
def feedback_form(redemption_id: str, request: Request) -> HTMLResponse:
    """The rating form for one redemption (404 page when the platform does not know it, or the
    link's token ``t`` does not open it)."""
    token = request.query_params.get("t", "")
    v = quality.visit(_db(request), redemption_id, token)
    return _not_found() if v is None else _form_page(v, token)


async def _read_body(request: Request) -> bytes | None:
    """The request body, or None when it is larger than :data:`MAX_FORM_BYTES` (stops reading then)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_FORM_BYTES):
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _one(fields: dict[str, list[str]], name: str) -> str | None:
    values = fields.get(name, [])
    return values[0] if len(values) == 1 else None


@router.post("/feedback/{redemption_id}", response_class=HTMLResponse, include_in_schema=False)
async def feedback_submit(redemption_id: str, request: Request) -> HTMLResponse:
    """Store the rating (a second one replaces the first and says so) and thank the customer."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        return _problem(415, "Please use the form", "请使用页面上的表单",
                        "Please send your rating with the form on the feedback page.",
                        "请通过评价页面上的表单提交评分。")
    raw = await _read_body(request)
    if raw is None:
        return _problem(413, "Too much text", "内容过长",
                        f"Your message is too long; comments are limited to {quality.MAX_COMMENT_CHARS} characters.",
                        f"内容过长；留言最多 {quality.MAX_COMMENT_CHARS} 字。")
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=10, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return _problem(400, "Could not read the form", "无法读取表单",
                        "The form arrived garbled. Please open the link again and resend.",
                        "表单内容无法识别。请重新打开链接后再提交。")
    db = _db(request)
    token = _one(fields, "t") or request.query_params.get("t", "")
    v = await run_in_threadpool(quality.visit, db, redemption_id, token)
    if v is None:
        return _not_found()
    stars_text = (_one(fields, "stars") or "").strip()
    comment = _one(fields, "comment") if "comment" in fields else ""
    stars = int(stars_text) if stars_text in ("1", "2", "3", "4", "5") else None
    shown = comment if comment is not None else ""
    if stars is None:
        return _form_page(v, token, comment=shown, status=422,
                          error=_bi("Please choose 1 to 5 stars.", "请选择 1 到 5 星。"))
    if comment is None or len(quality.clean_comment(comment)) > quality.MAX_COMMENT_CHARS:
        return _form_page(v, token, stars=stars, comment=shown[:quality.MAX_COMMENT_CHARS * 2], status=422, error=_bi(
            f"Your comment is longer than {quality.MAX_COMMENT_CHARS} characters.",
            f"留言不能超过 {quality.MAX_COMMENT_CHARS} 字。"))
    saved = await run_in_threadpool(lambda: quality.rate(db, redemption_id, token, stars, comment,
                                                         now=services.utcnow()))
    if saved is None:
        return _not_found()
    lines = [_visit_card(saved.visit), '<section class="card">',
             f'<p class="big" aria-label="{stars} / 5">{"★" * stars}{"☆" * (5 - stars)}</p>',
             "<p>" + _bi("Thank you! Your rating has been saved.", "谢谢！您的评价已保存。") + "</p>"]
    if saved.replaced is not None:
        lines.append('<p class="note">' + _bi(
            f"This replaces your earlier rating ({saved.replaced} ★).",
            f"本次评价已替换您之前的评分（{saved.replaced} 星）。") + "</p>")
    if saved.visit.comment:
        lines.append(f"<p>{_bi('Your comment:', '您的留言：')}</p><blockquote>{_e(saved.visit.comment)}</blockquote>")
    lines.append(f'<p><a href="{_e(quote(redemption_id, safe=""))}?t={_e(quote(token, safe=""))}">'
                 + _bi("Change my rating", "修改评分") + "</a></p></section>")
    return _page("Thank you", "感谢您的评价", "\n".join(lines))
