#!/usr/bin/env python3
"""Builds a JSONL drop of real text for the etl and steps benchmarks (--drop-file), from text files on this machine.

Usage: python3 make-text-drop.py MEGABYTES OUTPUT.jsonl DIR [DIR ...]
  e.g. python3 make-text-drop.py 200 /tmp/real.jsonl /usr/share/doc /usr/lib/python3.11 /usr/share/common-licenses

Each record (id, created, channel, body) holds consecutive paragraphs of one file, about 1,500 characters or more:
package changelogs and copyright files (names, e-mail addresses, dates, version numbers), README and NEWS files,
and Python sources (code, docstrings). Nobody tuned the ETL on this text; that is its point. Files are read in sorted
order, so the same machine gives the same drop. A body already written (many packages ship the same copyright text)
is left out, so the ETL, which drops duplicates before chunking, and the tokenizer-only baseline work on the same texts.
"""
import gzip
import hashlib
import json
import os
import sys

SUFFIXES = ('.py', '.txt', '.md', '.rst', 'copyright', 'README', 'NEWS', 'changelog')


def texts(roots):
    for root in roots:
        for folder, _, files in sorted(os.walk(root)):
            for name in sorted(files):
                path = os.path.join(folder, name)
                if not (name.endswith('.gz') or name.endswith(SUFFIXES) or '.' not in name):
                    continue
                try:
                    data = gzip.open(path).read() if name.endswith('.gz') else open(path, 'rb').read()
                    yield data.decode('utf-8')
                except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile):
                    continue


def main():
    limit, output, roots = int(sys.argv[1]) * 1024 * 1024, sys.argv[2], sys.argv[3:]
    written = records = 0
    seen = set()
    with open(output, 'w', encoding='utf-8') as out:
        for text in texts(roots):
            body = ''
            for paragraph in (p.strip() for p in text.split('\n\n')):
                if not paragraph:
                    continue
                body += paragraph + '\n\n'
                if len(body) > 1500:
                    key = hashlib.sha1(' '.join(body.lower().split()).encode('utf-8')).digest()
                    if key in seen:
                        body = ''
                        continue
                    seen.add(key)
                    records += 1
                    line = json.dumps({'id': f'T-{records}', 'created': '2026-11-%02dT10:00:00Z' % (1 + records % 28),
                                       'channel': ('email', 'chat', 'phone')[records % 3], 'body': body}, ensure_ascii=False) + '\n'
                    out.write(line)
                    written += len(line.encode('utf-8'))
                    body = ''
                    if written >= limit:
                        print(f'{records} records, {written / 1048576:.1f} MB')
                        return
    print(f'{records} records, {written / 1048576:.1f} MB (the files ran out before {limit // 1048576} MB)')


if __name__ == '__main__':
    main()
