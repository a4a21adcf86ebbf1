#!/usr/bin/env python3
"""Writes the labelled PII evaluation sets that PiiEvaluationTests reads.

  python3 generate.py            (from this folder; needs only the standard library and the .NET SDK's XML docs)

Two splits, made apart so that one can be held out while the detector is tuned:
  tune:     seed 1 of every generator + sentences from Microsoft.NETCore.App.Ref XML docs
  heldout:  seed 2 of every generator, other sentence templates + sentences from Microsoft.AspNetCore.App.Ref XML docs

Files:
  nonpii-<split>.txt  one text per line that holds numbers, dates, versions, codes... but no personal data
  pii-<split>.tsv     type<TAB>value<TAB>text: the value, of that type, stands in the text exactly once
"""
import glob, html, random, re

# ---------------------------------------------------------------- non-PII numeric text

def isbn13(r):
    body = "978" + "".join(str(r.randrange(10)) for _ in range(9))
    s = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - s % 10) % 10)

def isbn10(r):
    body = "".join(str(r.randrange(10)) for _ in range(9))
    s = sum(int(d) * (10 - i) for i, d in enumerate(body)) % 11
    c = (11 - s) % 11
    return body + ("X" if c == 10 else str(c))

def nonpii(r):
    d = lambda n: "".join(str(r.randrange(10)) for _ in range(n))
    y, mo, da, h, mi, s = r.randrange(1990, 2031), r.randrange(1, 13), r.randrange(1, 29), r.randrange(24), r.randrange(60), r.randrange(60)
    frac = d(r.choice([3, 6, 7]))
    i13 = isbn13(r)
    i10 = isbn10(r)
    v = [r.randrange(0, 20), r.randrange(0, 10), r.randrange(0, 300), r.randrange(0, 9999)]
    lat, lon = r.uniform(-90, 90), r.uniform(-180, 180)
    a, b = r.randrange(1, 900), r.randrange(900, 9000)
    choices = [
        f"The job ran at {y}-{mo:02d}-{da:02d} {h:02d}:{mi:02d}:{s:02d} and finished at {y}-{mo:02d}-{da:02d} {h:02d}:{(mi+7)%60:02d}:{s:02d}.",
        f"Timestamp {y}-{mo:02d}-{da:02d}T{h:02d}:{mi:02d}:{s:02d}.{frac}Z recorded by the collector.",
        f"Last modified {da:02d}/{mo:02d}/{y} {h:02d}:{mi:02d}, reviewed {mo:02d}/{da:02d}/{y}.",
        f"Time value range is 00:00:00 through 23:59:59.{d(7)} with an accuracy of 100 nanoseconds.",
        f"Epoch {r.randrange(1_000_000_000, 1_900_000_000)} corresponds to the event at {h:02d}:{mi:02d}.",
        f"The export {y}{mo:02d}{da:02d}{h:02d}{mi:02d}{s:02d} is the latest snapshot.",
        f"Assembly reference Version={v[0]}.{v[1]}.0.0, Culture=neutral, PublicKeyToken={d(16)}.",
        f"Upgrade to version {v[0]}.{v[1]}.{v[2]}.{v[3]} before installing the patch.",
        f"Requires runtime {v[0]}.{v[1]}.{v[2]} or later (build {v[0]}.{v[1]}.{v[3]}.{r.randrange(10)}).",
        f"Package v{v[0]}.{v[1]}.{v[2]}-preview.{r.randrange(1,9)}.{y%100}{mo:02d}.{r.randrange(1,20)} fixes the leak.",
        f"ISBN {i13[:3]}-{i13[3]}-{i13[4:7]}-{i13[7:12]}-{i13[12]} is the second edition.",
        f"See ISBN {i13} and ISBN-10 {i10} for the printed copies.",
        f"ISBN {i10[0]}-{i10[1:4]}-{i10[4:9]}-{i10[9]} (paperback).",
        f"Values from {a*100} to {b*100} are accepted; the range {a}-{b} is typical.",
        f"Read pages {a}-{a+r.randrange(2,40)} and {b}–{b+r.randrange(2,40)} before the seminar.",
        f"Between {a:,} and {b*1000:,} units were shipped in {y}-{y+1}.",
        f"Pi is roughly {r.choice(['3.14159265358979', '3.1415926535897932'])} and e is {r.choice(['2.718281828459045','2.71828182845904523536'])}.",
        f"The measured ratio was {r.random():.12f} with a tolerance of {r.random()/1000:.10f}.",
        f"Double.MaxValue is 1.7976931348623157E+308 and the smallest is 4.94065645841247E-324.",
        f"The population grew to {r.randrange(1,99)} {d(3)} {d(3)} people, up from {r.randrange(1,99)} {d(3)} {d(3)}.",
        f"Account balance: {r.randrange(1,999)} {d(3)} {d(3)},{d(2)} EUR after the transfer.",
        f"Coordinates {lat:.4f}, {lon:.4f} mark the site.",
        f"Located at lat {lat:.6f} lon {lon:.6f} (WGS84).",
        f"{abs(int(lat))}°{r.randrange(60)}′{r.randrange(60)}″N {abs(int(lon))}°{r.randrange(60)}′{r.randrange(60)}″W is the summit.",
        f"Smith et al. ({y}), vol. {r.randrange(1,80)}, no. {r.randrange(1,12)}, pp. {a}-{a+r.randrange(5,30)}.",
        f"See doi:10.{r.randrange(1000,9999)}/j.cell.{y}.{mo:02d}.{d(3)} and arXiv:{y%100:02d}{mo:02d}.{d(5)}.",
        f"As described in Section {r.randrange(1,12)}.{r.randrange(1,9)}.{r.randrange(1,9)}.{r.randrange(1,9)} of the specification.",
        f"Clause {r.randrange(1,20)}.{r.randrange(1,9)}.{r.randrange(1,9)} and § {r.randrange(1,200)}.{r.randrange(1,30)} apply.",
        f"RFC {r.randrange(700,9999)} section {r.randrange(1,9)}.{r.randrange(1,9)}.{r.randrange(1,9)} defines the header.",
        f"Conforms to ISO 8601:{r.choice([2004, 2019])}, IEEE 754-{r.choice([1985, 2008, 2019])} and POSIX.1-{r.choice([2001, 2008, 2017])}.",
        f"Total ${r.randrange(1,999)},{d(3)},{d(3)}.{d(2)} was invoiced on order #{y}{mo:02d}{da:02d}-{d(4)}.",
        f"Invoice {y}-{d(6)} covers SKU {d(5)}-{d(3)}-{d(2)}.",
        f"Elapsed {h:02d}:{mi:02d}:{s:02d}.{d(3)} for {r.randrange(1000,99999)} rows ({r.random()*100:.2f}%).",
        f"Request id {d(8)}-{d(4)}-{d(4)}-{d(4)}-{d(12)} failed after {r.randrange(1,9)} retries.",
        f"Screen {r.choice(['1920x1080','2560x1440','3840x2160'])} at {r.randrange(50,240)} Hz, {r.randrange(1,99)}.{d(1)} kg, {r.randrange(1,9)},{d(3)} rpm.",
        f"HTTP/1.1 {r.choice([200, 404, 503])} after {r.randrange(1,999)} ms; UTF-16 and ISO 3166-1 codes.",
        f"Track {r.randrange(1,20)} of {r.randrange(20,40)}, {r.randrange(1,9)}:{r.randrange(10,59)} long, catalogue {d(3)} {d(3)} {d(3)}.",
        f"Build {y}.{mo}.{da}.{r.randrange(1,999)} passed {r.randrange(100,9999)} of {r.randrange(10000,99999)} tests.",
        f"Checksum {d(10)} {d(10)} matched after {r.randrange(2,9)} passes.",
        f"Run {d(10)} scored {r.random():.4f}, {r.random():.4f} and {r.random():.4f}.",
        f"The {a}th to {b}th percentiles span {d(3)}.{d(2)} to {d(4)}.{d(2)}.",
        f"Ranges {d(3)}-{d(3)}-{d(3)} and {d(2)}.{d(2)}.{d(4)} appear in the log.",
    ]
    return r.choice(choices)

# ---------------------------------------------------------------- PII values

AREA = ["201", "202", "206", "212", "213", "303", "305", "312", "404", "415", "503", "512", "617", "646", "702", "713", "718", "801", "818", "917", "972"]
NAMES = ["anna", "jo", "li.wei", "m.garcia", "o'neil", "sam_smith", "dev+tickets", "k.nakamura", "jürgen", "zoë.martin", "josé", "françois"]
DOMAINS = ["example.com", "mail.example.org", "contoso.co.uk", "fabrikam.io", "uni-example.de", "bücher.example", "例え.テスト", "пример.рф"]

def phone(r, heldout):
    d = lambda n: "".join(str(r.randrange(10)) for _ in range(n))
    ex = lambda: str(r.randrange(2, 10)) + d(2)
    forms = [
        lambda: f"+1 {r.choice(AREA)}-{ex()}-{d(4)}",
        lambda: f"({r.choice(AREA)}) {ex()}-{d(4)}",
        lambda: f"{r.choice(AREA)}.{ex()}.{d(4)}",
        lambda: f"{r.choice(AREA)}-{ex()}-{d(4)}",
        lambda: f"+44 20 7{d(3)} {d(4)}",
        lambda: f"+44 7{r.randrange(4,10)}{d(2)} {d(6)}",
        lambda: f"+49 30 {r.randrange(2,10)}{d(7)}",
        lambda: f"+49 151 {d(8)}",
        lambda: f"+33 1 {d(2)} {d(2)} {d(2)} {d(2)}",
        lambda: f"+33 6 {d(2)} {d(2)} {d(2)} {d(2)}",
        lambda: f"+31 6 {r.randrange(1,6)}{d(3)} {d(4)}",
        lambda: f"+1{r.choice(AREA)}{ex()}{d(4)}",
    ]
    if heldout:
        forms += [
            lambda: f"+1 ({r.choice(AREA)}) {ex()}-{d(4)}",
            lambda: f"1-{r.choice(AREA)}-{ex()}-{d(4)}",
            lambda: f"+61 2 {r.randrange(8,10)}{d(3)} {d(4)}",
            lambda: f"+91 98{d(3)} {d(5)}",
        ]
    return r.choice(forms)()

def luhn_digit(body):
    s = 0
    for i, ch in enumerate(reversed(body)):
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            if n > 9: n -= 9
        s += n
    return str((10 - s % 10) % 10)

def card(r, heldout):
    d = lambda n: "".join(str(r.randrange(10)) for _ in range(n))
    prefix, length = r.choice([("4", 16), ("5" + str(r.randrange(1, 6)), 16), ("34", 15), ("37", 15), ("6011", 16), ("2221", 16)] + ([("4", 13), ("62", 19), ("36", 14)] if heldout else []))
    body = prefix + d(length - len(prefix) - 1)
    num = body + luhn_digit(body)
    style = r.randrange(3)
    if style == 0 or length not in (15, 16):
        return num
    sep = " " if style == 1 else "-"
    if length == 15:
        return sep.join([num[:4], num[4:10], num[10:]])
    return sep.join(num[i:i+4] for i in range(0, 16, 4))

IBAN_SPEC = [("DE", "n18"), ("GB", "a4n14"), ("FR", "n23"), ("NL", "a4n10"), ("ES", "n20"), ("IT", "a1n22"), ("BE", "n12"), ("CH", "n17")]

def iban(r, heldout):
    country, spec = r.choice(IBAN_SPEC)
    bban = ""
    for kind, n in re.findall(r"([an])(\d+)", spec):
        bban += "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") if kind == "a" else str(r.randrange(10)) for _ in range(int(n)))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    value = f"{country}{check:02d}{bban}"
    style = r.randrange(4 if heldout else 3)
    if style == 1:
        value = " ".join(value[i:i+4] for i in range(0, len(value), 4))
    elif style == 2:
        value = value.lower() if heldout else "-".join(value[i:i+4] for i in range(0, len(value), 4))
    elif style == 3:
        value = "-".join(value[i:i+4] for i in range(0, len(value), 4)).lower()
    return value

def ssn(r, heldout):
    area = r.choice([a for a in range(1, 900) if a != 666])
    value = f"{area:03d}-{r.randrange(1,100):02d}-{r.randrange(1,10000):04d}"
    return value.replace("-", " ") if heldout and r.randrange(3) == 0 else value

def ipv4(r, heldout):
    return ".".join(str(r.randrange(1 if i == 0 else 0, 256)) for i in range(4))

def ipv6(r, heldout):
    if r.randrange(4) == 0:
        return f"::ffff:{ipv4(r, heldout)}"
    groups = [f"{r.randrange(0, 65536):x}" for _ in range(8)]
    if r.randrange(2) == 0:
        i = r.randrange(1, 6)
        return ":".join(groups[:i]) + "::" + ":".join(groups[i+2:])
    return ":".join(groups)

def email(r, heldout):
    return f"{r.choice(NAMES)}{r.randrange(100)}@{r.choice(DOMAINS)}"

FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789@.-+"}

TEMPLATES = {
    "tune": [
        "Please reach me at {0} before Friday.",
        "My details: {0}. Thanks for the quick help!",
        "{0} is what I used when I signed up in 2023.",
        "Could you update the account to {0} (the old one is closed)?",
        "Logged from {0}; the error happened twice.",
    ],
    "heldout": [
        "Contact: {0}",
        "The customer wrote from {0} on 2024-05-02 at 10:15.",
        "Hi team, {0} belongs to the new manager, update the CRM please.",
        "ticket #88213 - {0} - escalated",
        "Details as requested -> {0} <- thanks, Maria",
    ],
}

CONTEXT = {  # forms that count only beside their words: written with them
    "phone": ["call me on {0}", "tel: {0}", "Mobile {0}"],
    "ssn": ["SSN {0}", "social security number: {0}"],
    "ipv4": ["server IP {0}", "connected from {0}"],
}

def pii_rows(r, split):
    heldout = split == "heldout"
    gens = {"email": email, "phone": phone, "card": card, "iban": iban, "ssn": ssn, "ipv4": ipv4, "ipv6": ipv6}
    rows = []
    for t, gen in gens.items():
        for i in range(600):
            value = gen(r, heldout)
            template = r.choice(TEMPLATES[split])
            if t == "ssn" and r.randrange(5) == 0:
                value = value.replace("-", "").replace(" ", "")
                template = r.choice(CONTEXT["ssn"])
            if t == "phone" and r.randrange(8) == 0:
                value = r.choice([f"020 7{r.randrange(100,999)} {r.randrange(1000,9999)}", f"06 {r.randrange(10,99)} {r.randrange(10,99)} {r.randrange(10,99)} {r.randrange(10,99)}", f"{r.choice(AREA)}{r.randrange(200,999)}{r.randrange(1000,9999)}"])
                template = r.choice(CONTEXT["phone"])
            if t == "ipv4" and r.randrange(10) == 0:
                value = r.choice(["1.2.3.4", "10.0.0.0", "8.8.4.4"])
                template = r.choice(CONTEXT["ipv4"])
            if r.randrange(25) == 0 and t in ("email", "phone", "card", "ssn"):
                value = "".join(FULLWIDTH.get(c, c) for c in value)
            rows.append((t, value, template.format(value)))
    return rows

# ---------------------------------------------------------------- national numbers by format

FR_PREFIXES = ["01", "02", "03", "04", "05", "06", "07", "09"]

def national_rows(split):
    """French national numbers written in their own pair grouping with no phone word nearby, by separator (space, dot,
    dash): the tune split has spaces and dots, the held-out split dashes too, in other templates. A generator of its
    own (its own seed), so the rows above stay as they were."""
    r = random.Random(11 if split == "tune" else 12)
    separators = [" ", "."] if split == "tune" else [" ", ".", "-"]
    rows = []
    for _ in range(240 if split == "tune" else 320):
        sep = r.choice(separators)
        value = sep.join([r.choice(FR_PREFIXES)] + [f"{r.randrange(100):02d}" for _ in range(4)])
        rows.append(("phone", value, r.choice(TEMPLATES[split]).format(value)))
    return rows

def national_lookalikes(split):
    """Digit pairs that are not French numbers: too many or too few pairs, a first pair that is no trunk prefix, pairs
    inside a longer id, versions and dates."""
    r = random.Random(21 if split == "tune" else 22)
    pair = lambda: f"{r.randrange(100):02d}"
    forms = [
        lambda: f"Rows {' '.join(pair() for _ in range(7))} were exported.",
        lambda: f"Lot {r.randrange(1, 10)}{r.randrange(10)} {' '.join(pair() for _ in range(4))} shipped on time.",
        lambda: f"Checksum 00 {' '.join(pair() for _ in range(4))} matched.",
        lambda: f"Part AB-{'-'.join(pair() for _ in range(4))} is out of stock.",
        lambda: f"Matrix row: {' '.join(pair() for _ in range(6))}",
        lambda: f"Only 0{r.randrange(1, 10)} {pair()} {pair()} remained after the merge.",
        lambda: f"Version 0.{r.randrange(10)}.{pair()}.{pair()} fixed the crash.",
        lambda: f"Meeting on {pair()}.{pair()}.20{pair()} at {pair()}:{pair()}.",
        lambda: f"Serial 0{r.randrange(1, 10)}{pair()}{pair()}{pair()}{pair()} failed the self-test.",
    ]
    return [r.choice(forms)() for _ in range(600)]

# ---------------------------------------------------------------- real documents

def doc_sentences(pattern):
    out = []
    for f in sorted(glob.glob(pattern)):
        text = open(f, encoding="utf-8").read()
        for m in re.finditer(r"<(summary|remarks|returns|param|value|exception|para)[^>]*>(.*?)</\1>", text, re.S):
            s = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", m.group(2)))).strip()
            if sum(c.isdigit() for c in s) >= 4:
                out.append(s)
    # Real addresses in the docs (example hosts such as 127.0.0.1 and http://[::1]) are personal-data-shaped on purpose:
    # they are not "non-PII", so such lines are left out rather than counted either way.
    real = re.compile(r"(IP address|address|http://|https://|listen|bind|localhost|loopback|\[::|::1|@)", re.I)
    return sorted(set(s for s in out if not (real.search(s) and re.search(r"\d+\.\d+\.\d+\.\d+|::", s))))

def main():
    packs = "/usr/share/dotnet/packs/{}/*/ref/net*/*.xml"
    for split, seed, docs in [("tune", 1, "Microsoft.NETCore.App.Ref"), ("heldout", 2, "Microsoft.AspNetCore.App.Ref")]:
        r = random.Random(seed)
        lines = [nonpii(r) for _ in range(6000)] + doc_sentences(packs.format(docs)) + national_lookalikes(split)
        with open(f"nonpii-{split}.txt", "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        with open(f"pii-{split}.tsv", "w", encoding="utf-8") as f:
            for t, v, text in pii_rows(r, split) + national_rows(split):
                f.write(f"{t}\t{v}\t{text}\n")

if __name__ == "__main__":
    main()
