#!/usr/bin/env python3
"""Writes chunk-texts.jsonl, the texts TokenChunkerBoundsTests chunks: {"text": ...} per line.

  python3 generate.py     (standard library only; reads the .NET SDK's XML reference docs for real prose)

Multilingual prose (Latin with diacritics, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai, Chinese, Japanese,
Korean), emoji (ZWJ sequences, flags, skin tones), URLs and query strings, long identifiers (camelCase, snake_case,
up to 1,000 characters), base64, digit runs, punctuation runs, odd whitespace, and long real documents.
"""
import base64, glob, html, json, random, re

r = random.Random(12)
WORDS = {
    "en": "the export failed again after the update and nobody could tell why it happened".split(),
    "de": "der Export schlug nach dem Update erneut fehl und niemand wusste warum Größe Straße Übermaß".split(),
    "fr": "l'exportation a échoué après la mise à jour et personne ne savait pourquoi déjà être".split(),
    "ru": "экспорт снова не удался после обновления и никто не понял почему".split(),
    "el": "η εξαγωγή απέτυχε ξανά μετά την ενημέρωση και κανείς δεν ήξερε γιατί".split(),
    "ar": "فشل التصدير مرة أخرى بعد التحديث ولم يعرف أحد السبب".split(),
    "he": "הייצוא נכשל שוב אחרי העדכון ואף אחד לא ידע למה".split(),
    "hi": "अपडेट के बाद निर्यात फिर से विफल हो गया और कोई नहीं जानता क्यों".split(),
    "th": ["การส่งออกล้มเหลวอีกครั้งหลังการอัปเดต", "และไม่มีใครรู้ว่าทำไม"],
    "zh": ["更新后导出再次失败", "没有人知道为什么", "请尽快处理这个问题", "谢谢"],
    "ja": ["アップデート後にエクスポートが再び失敗しました", "理由は誰にも分かりませんでした", "よろしくお願いします"],
    "ko": "업데이트 후 내보내기가 다시 실패했고 아무도 이유를 몰랐습니다".split(),
}
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇩🇪", "🇯🇵", "❤️", "🧑🏿‍💻", "✅", "🙏", "🤷‍♀️", "🔥"]
PUNCT = ["!!!", "...", "?!", "—", "–", "«", "»", "„", "“", "”", "…", "===", "->", "::", "//", "**", "~~~"]

def words(lang, n):
    w = WORDS[lang]
    sep = "" if lang in ("zh", "ja", "th") else " "
    out = []
    for i in range(n):
        out.append(r.choice(w))
        if r.random() < 0.08: out.append(r.choice(EMOJI))
        if r.random() < 0.05: out.append(r.choice(PUNCT))
    return sep.join(out) + r.choice([".", "。", "!", "?", ""])

def identifier(n):
    parts = []
    while sum(map(len, parts)) < n:
        parts.append(r.choice(["get", "Set", "Value", "Async", "Handler", "Factory", "Provider", "Token", "Chunk", "Xml", "Http", "Id", "V2"]))
    style = r.randrange(3)
    s = "".join(parts) if style == 0 else "_".join(p.lower() for p in parts) if style == 1 else ".".join(parts)
    return s[:n]

def url():
    q = "&".join(f"{identifier(r.randrange(3, 12))}={r.randrange(10**6)}" for _ in range(r.randrange(1, 40)))
    return f"https://example.com/{'/'.join(identifier(r.randrange(3, 30)) for _ in range(r.randrange(1, 8)))}?{q}#frag-{r.randrange(1000)}"

def mixed(n_parts):
    parts = []
    for _ in range(n_parts):
        k = r.randrange(10)
        if k < 4: parts.append(words(r.choice(list(WORDS)), r.randrange(5, 120)))
        elif k == 4: parts.append("".join(r.choice(EMOJI) for _ in range(r.randrange(1, 60))))
        elif k == 5: parts.append(url())
        elif k == 6: parts.append(identifier(r.choice([40, 200, 600, 1000])))
        elif k == 7: parts.append(base64.b64encode(r.randbytes(r.randrange(10, 1500))).decode())
        elif k == 8: parts.append("".join(str(r.randrange(10)) for _ in range(r.randrange(5, 800))))
        else: parts.append(r.choice(PUNCT) * r.randrange(1, 200))
        parts.append(r.choice([" ", "\n", "\n\n", "  ", "\t", " \u00a0 ", " \u3000 "]))
    return "".join(parts).strip()

def docs():
    out = []
    for f in sorted(glob.glob("/usr/share/dotnet/packs/Microsoft.NETCore.App.Ref/*/ref/net*/System.Private*.xml") + glob.glob("/usr/share/dotnet/packs/Microsoft.NETCore.App.Ref/*/ref/net*/System.Runtime.xml"))[:2]:
        text = open(f, encoding="utf-8").read()
        members = [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", m))).strip() for m in re.findall(r"<member [^>]*>(.*?)</member>", text, re.S)]
        for i in range(0, min(len(members), 3000), 100):
            out.append("\n".join(members[i:i + 100]))
    return out

texts = [mixed(r.randrange(1, 12)) for _ in range(700)] + docs()[:30]
with open("chunk-texts.jsonl", "w", encoding="utf-8") as f:
    for t in texts:
        f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
