#!/usr/bin/python3
"""Cross-checks tests/bpe/gpt2_reference.json (made with the JavaScript
reference) against GPT-2's own algorithm in Python: OpenAI's encoder.py
splits with the `regex` module (Debian: python3-regex), whose \\s is
Unicode's White_Space, and merges by rank with tuples as keys. Optional: the
tests need neither Python nor this script.

    /usr/bin/python3 tests/bpe/check_with_python.py

Prints the strings where the two disagree (none expected: the list avoids
U+0085 and U+FEFF, where JavaScript's \\s differs from Python's), then the
ids Python gives for a few strings with those characters, for test_bpe."""
import json
import os
import sys

import regex

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
encoder = json.load(open(os.path.join(root, "assets/gpt2/encoder.json"), encoding="utf-8"))
lines = open(os.path.join(root, "assets/gpt2/vocab.bpe"), encoding="utf-8").read().split("\n")
ranks = {tuple(line.split()): i for i, line in enumerate(lines[1:-1])}
printable = (list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256)))
byte_char, extra = {}, 0
for b in range(256):
    if b in printable:
        byte_char[b] = chr(b)
    else:
        byte_char[b] = chr(256 + extra)
        extra += 1
pattern = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def bpe(word):
    word = list(word)
    while len(word) > 1:
        pairs = [(word[i], word[i + 1]) for i in range(len(word) - 1)]
        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        out, i = [], 0
        while i < len(word):
            if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                out.append(word[i] + word[i + 1])
                i += 2
            else:
                out.append(word[i])
                i += 1
        word = out
    return word


def encode(text):
    ids = []
    for piece in pattern.findall(text):
        ids += [encoder[t] for t in bpe("".join(byte_char[b] for b in piece.encode("utf-8")))]
    return ids


fixture = json.load(open(os.path.join(here, "gpt2_reference.json"), encoding="utf-8"))
bad = 0
for case in fixture["cases"]:
    got = encode(case["text"])
    if got != case["ids"]:
        bad += 1
        print("disagree:", json.dumps(case["text"]), got, case["ids"])
print(f"{len(fixture['cases']) - bad} of {len(fixture['cases'])} cases agree with Python's algorithm")
for text in ["a \u0085b", "a \ufeffb", "x\u0085\u0085y", "\ufeffHello"]:
    print(json.dumps(text), encode(text))
sys.exit(1 if bad else 0)
