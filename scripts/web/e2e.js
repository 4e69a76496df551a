#!/usr/bin/env node
/* End-to-end test of the page in headless Chromium (Debian's /usr/bin/chromium, driven by
 * puppeteer-core from the set-up script's cache folder), from a local server with COOP/COEP:
 *
 * - both builds start: the threaded one when the page is cross-origin isolated, the
 *   single-thread one with ?variant=st; the page says which runs;
 * - the first frame is drawn (not blank: many colours, a dark background);
 * - Home, then → nine times: each of the ten stages draws a different picture;
 * - a lesson picked with L and Enter draws its panel; a lesson file opened from the disk
 *   (the page's file input) with a check question: 2 answers it and the picture changes;
 *   a lesson file that does not parse is refused and the app goes on;
 * - M opens the trained model's overview; R in it starts live training in the threaded
 *   build (the picture keeps changing) and is refused with a message in the other;
 * - a GPT-2's weights opened alone are refused (its vocabulary is not in the page); opened
 *   together with its vocabulary files, it shows;
 * - S hands a PNG over as a download (its path is printed by the program);
 * - ?stage=4&heads=2&sentence=… starts where the URL says (a different first frame).
 *
 * usage: e2e.js SITE_DIR [--speed DESKTOP_ATTNVIZ]
 *   --speed: prints the first-frame time (in the browser just started, and checked: in a
 *   browser already running, from another origin so nothing is cached), the frame times'
 *   p99 in the page (400 frames of the demo playing) and in the desktop app's software
 *   renderer for the demo (and their ratio), and the page weight (checked: at most 3 MB).
 *   The speed browser composites in software, as Chromium does where there is no GPU; the
 *   test browser emulates one (SwiftShader), which on two cores takes the page's processor
 *   time every frame: its p99 is printed beside, unchecked.
 * ATTNVIZ_NPM: the node_modules folder holding puppeteer-core. E2E_KEEP=DIR keeps shots. */
'use strict';
const path = require('path');
const fs = require('fs');
const os = require('os');
const zlib = require('zlib');
const { spawn, execFileSync } = require('child_process');

const site = path.resolve(process.argv[2] || 'build-web/site');
const repo = path.resolve(__dirname, '../..'); // the test's fixtures
const speedExe = process.argv[3] === '--speed' ? process.argv[4] : null;
const npm = process.env.ATTNVIZ_NPM ||
  path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'attnviz-web/npm/node_modules');
const puppeteer = require(path.join(npm, 'puppeteer-core'));
const keep = process.env.E2E_KEEP;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attnviz-e2e-'));

/* A GPT-2-format model over 64 MB, all weights zero (finite, so it loads): one layer of
 * d_model 384 over GPT-2's 50257 tokens (77 MB of F32 in wte), written as a safetensors
 * file of the given path, with its config.json beside it (6 heads). */
function zeroGpt2(dir) {
  const d = 384, V = 50257, ctx = 64;
  const shapes = [['wte.weight', [V, d]], ['wpe.weight', [ctx, d]],
    ['h.0.ln_1.weight', [d]], ['h.0.ln_1.bias', [d]],
    ['h.0.attn.c_attn.weight', [d, 3 * d]], ['h.0.attn.c_attn.bias', [3 * d]],
    ['h.0.attn.c_proj.weight', [d, d]], ['h.0.attn.c_proj.bias', [d]],
    ['h.0.ln_2.weight', [d]], ['h.0.ln_2.bias', [d]],
    ['h.0.mlp.c_fc.weight', [d, 4 * d]], ['h.0.mlp.c_fc.bias', [4 * d]],
    ['h.0.mlp.c_proj.weight', [4 * d, d]], ['h.0.mlp.c_proj.bias', [d]],
    ['ln_f.weight', [d]], ['ln_f.bias', [d]]];
  const header = {};
  let offset = 0;
  for (const [name, shape] of shapes) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  while (json.length % 8) json += ' ';
  const file = path.join(dir, 'model.safetensors');
  const fd = fs.openSync(file, 'w');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeSync(fd, len);
  fs.writeSync(fd, json);
  fs.ftruncateSync(fd, 8 + json.length + offset); // zeros
  fs.closeSync(fd);
  fs.writeFileSync(path.join(dir, 'config.json'), '{"n_head": 6, "n_embd": 384}');
  return file;
}

let failures = 0, checks = 0;
function check(what, ok, detail) {
  checks++;
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${!ok && detail !== undefined ? ': ' + detail : ''}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function serve() {
  return new Promise((resolve, reject) => {
    const p = spawn('python3', [path.join(__dirname, 'serve.py'), site, '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.once('data', (d) => resolve({ proc: p, url: d.toString().trim() }));
    p.once('exit', (c) => reject(new Error('the server stopped: ' + c)));
  });
}

/* What a screenshot holds: decoded by the page itself (no PNG decoder needed here). */
async function probe(page, name) {
  const b64 = await page.screenshot({ encoding: 'base64', type: 'png' });
  if (keep) fs.writeFileSync(path.join(keep, name + '.png'), Buffer.from(b64, 'base64'));
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = new OffscreenCanvas(img.width, img.height);
    const x = c.getContext('2d');
    x.drawImage(img, 0, 0);
    const d = x.getImageData(0, 0, img.width, img.height).data;
    const colours = new Set();
    let lum = 0;
    const small = []; // 64x40 grey thumbnail, to compare pictures
    for (let i = 0; i < d.length; i += 4 * 7) {
      colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    }
    for (let y = 0; y < 40; y++)
      for (let xx = 0; xx < 64; xx++) {
        let s = 0, n = 0;
        for (let yy = Math.floor(y * img.height / 40); yy < Math.floor((y + 1) * img.height / 40); yy += 2)
          for (let xs = Math.floor(xx * img.width / 64); xs < Math.floor((xx + 1) * img.width / 64); xs += 2) {
            const i = (yy * img.width + xs) * 4;
            s += d[i] + d[i + 1] + d[i + 2];
            n++;
          }
        small.push(s / (3 * n));
        lum += s / (3 * n);
      }
    return { colours: colours.size, lum: lum / (64 * 40), small, w: img.width, h: img.height };
  }, b64);
}
function differs(a, b) { // mean absolute difference of the thumbnails, 0..255
  let s = 0;
  for (let i = 0; i < a.small.length; i++) s += Math.abs(a.small[i] - b.small[i]);
  return s / a.small.length;
}

async function started(page) {
  await page.waitForFunction(() => window.Module && Module.calledRun, { timeout: 30000 });
  // the first frame: the canvas is drawn on once SDL has a window
  await sleep(1000);
}

async function key(page, k, wait = 250) {
  await page.keyboard.press(k);
  await sleep(wait);
}

async function variant(browser, base, want) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const client = await page.target().createCDPSession();
  await client.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: tmp }).catch(() =>
    client.send('Page.setDownloadBehavior', { behavior: 'allow', downloadPath: tmp }));
  await page.goto(base + (want === 'st' ? '?variant=st' : ''), { waitUntil: 'load' });
  await started(page);
  const info = await page.evaluate(() => ({ v: window.attnviz.variant, iso: self.crossOriginIsolated,
    label: document.getElementById('variant').textContent }));
  check(`${want}: the page runs the ${want} build (isolated: ${info.iso})`, info.v === want, JSON.stringify(info));
  check(`${want}: the page says which build runs`, /thread/.test(info.label), info.label);
  await page.focus('#canvas');
  await sleep(1500);
  const first = await probe(page, want + '-first');
  // the canvas's drawing buffer: the window below the page's bar, nothing over it
  const size = await page.evaluate(() => {
    const c = document.getElementById('canvas'), bar = document.getElementById('bar');
    return { w: c.width, h: c.height, below: window.innerHeight - bar.offsetHeight,
      top: c.getBoundingClientRect().top, barBottom: bar.getBoundingClientRect().bottom };
  });
  const below = size.below;
  check(`${want}: the canvas fills the window below the page's bar (${size.w}x${size.h})`,
    size.w === 1280 && size.h === below && below >= 760 && size.top >= size.barBottom, JSON.stringify(size));
  check(`${want}: the first frame is drawn (${first.colours} colours)`, first.colours > 50, first.colours);
  check(`${want}: the dark theme's background is dark (mean ${first.lum.toFixed(0)})`, first.lum < 100, first.lum);

  // S: the PNG as a download
  await key(page, 'KeyS', 2000);
  const shot = await page.evaluate(() => window.attnviz.lines.find((l) => l.startsWith('/shots/')));
  const got = fs.readdirSync(tmp).filter((f) => /^attnviz-.*\.png$/.test(f));
  check(`${want}: S downloads the PNG`, !!shot && got.length > 0, `${shot} ${got}`);
  if (got.length) {
    const png = fs.readFileSync(path.join(tmp, got[0]));
    const w = png.readUInt32BE(16), h = png.readUInt32BE(20);
    check(`${want}: the download is the frame as a PNG (${w}x${h})`,
      png.slice(1, 4).toString() === 'PNG' && w === 1280 && h === below, `${w}x${h}`);
  }
  for (const f of got) fs.unlinkSync(path.join(tmp, f));
  // the ten stages, paused: each a different picture
  await key(page, 'KeyW', 600); // the mechanics (random weights): every stage has its own picture
  await key(page, 'Home', 400);
  let prev = await probe(page, want + '-stage1'), same = [];
  for (let n = 2; n <= 10; n++) {
    await key(page, 'ArrowRight', 900);
    const now = await probe(page, `${want}-stage${n}`);
    if (differs(prev, now) < 0.3) same.push(n);
    prev = now;
  }
  check(`${want}: stages 2..10 each change the picture`, same.length === 0, 'same as the one before: ' + same);

  // a shipped lesson from the picker (L, Enter)
  const beforeLesson = await probe(page, want + '-before-lesson');
  await key(page, 'KeyL', 500);
  await key(page, 'Enter', 1200);
  const lesson = await probe(page, want + '-lesson');
  check(`${want}: L and Enter open a lesson`, differs(beforeLesson, lesson) > 1, differs(beforeLesson, lesson));
  await key(page, 'Escape', 600);

  // a lesson from the disk with a question, answered with 2
  const md = path.join(tmp, 'e2e-question.md');
  fs.writeFileSync(md, '# A test lesson\n\nOne step, one question.\n\n## The question\n\nHow many?\n\n' +
    '```attnviz\nheads: 2\nstage: softmax\n```\n\n```question\nask: How many scores does one query get?\n' +
    'choice: One\nchoice*: One per token of the sentence\nchoice: One per head\nexplain: One per key.\n```\n');
  const input = await page.$('#file');
  await input.uploadFile(md);
  await sleep(1500);
  const asked = await probe(page, want + '-question');
  await key(page, 'Digit2', 1000);
  const answered = await probe(page, want + '-answered');
  check(`${want}: a lesson opened from the disk shows its question`, differs(lesson, asked) > 1, differs(lesson, asked));
  check(`${want}: 2 answers it (the picture changes)`, differs(asked, answered) > 0.2, differs(asked, answered));
  await key(page, 'Escape', 600);
  const bad = path.join(tmp, 'e2e-broken.md');
  fs.writeFileSync(bad, 'no title here\n');
  await input.uploadFile(bad);
  await sleep(1000);
  const alive = await page.evaluate(() => !!(window.Module && !Module.exited && !document.getElementById('status').offsetParent));
  check(`${want}: a lesson that does not parse is refused, the app goes on`, alive);
  // a model file that is not one: refused by the desktop's checks, with a message
  const beforeModel = await probe(page, want + '-before-model');
  const junk = path.join(tmp, 'e2e-junk.safetensors');
  fs.writeFileSync(junk, Buffer.from('not a model at all, not even its header'));
  await input.uploadFile(junk);
  await sleep(1200);
  const refused = await probe(page, want + '-model-refused');
  const stillOn = await page.evaluate(() => !document.getElementById('status').offsetParent);
  check(`${want}: a model file that is not one is refused with a message, the app goes on`,
    stillOn && differs(beforeModel, refused) > 0.05, differs(beforeModel, refused));

  // the overview (M), live training (R)
  await key(page, 'KeyW', 800); // back to the trained model
  const beforeOverview = await probe(page, want + '-before-overview');
  await key(page, 'KeyM', 1500);
  const overview = await probe(page, want + '-overview');
  check(`${want}: M opens the overview`, differs(beforeOverview, overview) > 1, differs(beforeOverview, overview));
  await key(page, 'KeyR', 2500);
  const t1 = await probe(page, want + '-training1');
  await sleep(2500);
  const t2 = await probe(page, want + '-training2');
  if (want === 'mt') check('mt: R trains live (the overview keeps changing)', differs(t1, t2) > 0.05, differs(t1, t2));
  else check('st: R says live training needs the threaded build (a message, no crash)',
    differs(overview, t1) > 0.05 && differs(t1, t2) < 0.3, `${differs(overview, t1)} ${differs(t1, t2)}`);
  await key(page, 'Escape', 500);
  await key(page, 'Escape', 500);

  // Esc with nothing left to close: the page keeps the program (it cannot close its tab)
  await key(page, 'Escape', 500);
  const kept = await page.evaluate(() => !document.getElementById('status').offsetParent);
  const escSaid = await page.evaluate(() => window.attnviz.lines.filter((l) => l.startsWith('attnviz: ')).pop());
  check(`${want}: Esc with nothing open keeps the program running and says how to leave`,
    kept && /close the browser tab/.test(escSaid), escSaid);

  // A GPT-2 from the disk (a tiny one in GPT-2's format, with its 50257 tokens): without its
  // vocabulary (not in the page) it is refused, saying what to add; opened together with
  // it, it shows. said(): the program's messages since mark().
  let from = 0;
  const mark = async () => { from = await page.evaluate(() => window.attnviz.lines.length); };
  const said = () => page.evaluate((from) => window.attnviz.lines.slice(from)
    .filter((l) => l.startsWith('attnviz: ') && !l.startsWith('attnviz: frame')).join(' | '), from);
  const g2 = path.join(repo, 'tests/torch/fixtures/gpt2/v50257_d16_f16');
  await mark();
  await input.uploadFile(path.join(g2, 'model.safetensors'), path.join(g2, 'config.json'));
  await sleep(2000);
  const alone = await said();
  check(`${want}: a GPT-2 without its vocabulary is refused, saying what to add`,
    alone.includes('open the model together with its vocab.json and merges.txt'), alone);
  const beforeGpt2 = await probe(page, want + '-before-gpt2');
  await mark();
  await input.uploadFile(path.join(g2, 'model.safetensors'), path.join(g2, 'config.json'),
    path.join(repo, 'assets/gpt2/encoder.json'), path.join(repo, 'assets/gpt2/vocab.bpe'));
  await sleep(3000);
  const opened = await said();
  const gpt2 = await probe(page, want + '-gpt2');
  check(`${want}: a GPT-2 opened with its vocabulary shows`,
    !/not applied|cannot|refused/.test(opened) && differs(beforeGpt2, gpt2) > 1,
    `${opened} ${differs(beforeGpt2, gpt2)}`);

  // A large file holds the page while it is read: a frame says so first, then it is checked
  // (64 MB of zeros: refused, as on the desktop).
  const big = path.join(tmp, 'e2e-big.safetensors');
  fs.writeFileSync(big, Buffer.alloc(64 << 20));
  await mark();
  // the page's bar says so while the browser reads it, and clears when the program has it
  await page.evaluate(() => {
    window.barSeen = [];
    const el = document.getElementById('reading');
    new MutationObserver(() => window.barSeen.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
  });
  await input.uploadFile(big);
  await sleep(4000);
  const barSaid = await page.evaluate(() => window.barSeen.join(' / '));
  const barAfter = await page.evaluate(() => document.getElementById('reading').textContent);
  check(`${want}: the page's bar says a large file is being read, then clears`,
    /reading e2e-big\.safetensors \(64 MB\)/.test(barSaid) && barAfter === '', `${barSaid} / ${barAfter}`);
  const bigSaid = await said();
  fs.unlinkSync(big);
  check(`${want}: a large model file says it is being read, then is checked (named as picked)`,
    /reading e2e-big\.safetensors \(64 MB\).*\| .*e2e-big\.safetensors/.test(bigSaid) &&
    !bigSaid.includes('/uploads/'), bigSaid);
  // A large model that loads: read on the frame after the notice, then its stage plays once
  // and the picture holds still, as after any setting applied from pause.
  const zdir = fs.mkdtempSync(path.join(tmp, 'zero-gpt2-'));
  const zfile = zeroGpt2(zdir);
  await mark();
  await input.uploadFile(zfile, path.join(zdir, 'config.json'),
    path.join(repo, 'assets/gpt2/encoder.json'), path.join(repo, 'assets/gpt2/vocab.bpe'));
  await page.waitForFunction((from) => window.attnviz.lines.slice(from).some((l) => /applied|not applied|cannot/.test(l)),
    { timeout: 60000, polling: 50 }, from).catch(() => {});
  await sleep(6000); // the stage's animation, once
  const z1 = await probe(page, want + '-zero-gpt2');
  await sleep(2000);
  const z2 = await probe(page, want + '-zero-gpt2-still');
  const zSaid = await said();
  fs.rmSync(zdir, { recursive: true, force: true });
  check(`${want}: a large GPT-2 is announced, read, shown, and its stage plays once`,
    /reading model\.safetensors \(\d+ MB\).*applied: GPT-2 model\.safetensors/.test(zSaid) &&
    differs(z1, z2) < 0.05, `${zSaid} ${differs(z1, z2)}`);

  check(`${want}: no errors on the page`, errors.length === 0, errors.join(' | '));
  await page.close();
  return first;
}

async function urlStart(browser, base, plain) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(base + '?variant=st&stage=4&heads=2&weights=mechanics&sentence=' +
    encodeURIComponent('the cat sat on the mat'), { waitUntil: 'load' });
  await started(page);
  await sleep(1500);
  const p = await probe(page, 'url-start');
  const args = await page.evaluate(() => window.attnviz.args.join(' '));
  check('the URL sets the start (' + args + ')', differs(plain, p) > 1 && p.colours > 50, differs(plain, p));
  const out = await page.evaluate(() => window.attnviz.lines.filter((l) => l.startsWith('attnviz:')).join(' '));
  check('the URL start is accepted', out === '', out);
  await page.close();
}

const p99 = (a) => a[Math.min(a.length - 1, Math.floor(a.length * 0.99))];

/* Opens the single-thread page of the demo at base and waits for its first frame; returns the
 * page and the times (ms from the navigation's start). */
async function firstFrame(browser, base) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(base + '?variant=st&weights=mechanics&stats=each', { waitUntil: 'load' });
  await page.waitForFunction(() => window.attnviz.lines.some((l) => l.startsWith('attnviz: frame')),
    { timeout: 30000, polling: 5 });
  const frame = await page.evaluate(() => performance.now());
  const t = await page.evaluate(() => ({ ready: window.attnviz.ready,
    data: (performance.getEntriesByName(new URL('attnviz.data', location.href).href)[0] || {}).responseEnd,
    wasm: (performance.getEntriesByName(new URL('st/attnviz.wasm', location.href).href)[0] || {}).responseEnd }));
  const s = (ms) => (ms / 1000).toFixed(2);
  return { page, frame, what: `${s(frame)} s after the page was asked for (wasm loaded at ${s(t.wasm)} s, ` +
    `data at ${s(t.data)} s, program started at ${s(t.ready)} s)` };
}

/* The demo (the built-in example, 4 heads, all heads) played from stage 1 as a class sees it,
 * twice: the first time (the browser still compiling the program's hot code, every string and
 * texture made for the first time), then again from Home. Each pass is the first 400 frames
 * after Space, as many as the desktop's figure has. Returns the two passes' frame times,
 * each sorted. press(key) sends a key, lines() reads the program's output since clear(). */
async function playDemo({ press, lines, clear }) {
  const passes = [];
  for (let pass = 0; pass < 2; pass++) {
    await press('Home');
    await sleep(300);
    await clear();
    await press('space');
    const t0 = Date.now();
    let drawn = [];
    while (drawn.length < 400 && Date.now() - t0 < 30000) {
      await sleep(250);
      drawn = (await lines()).map((l) => /^attnviz: frame ([0-9.]+) ms drawn/.exec(l)).filter(Boolean)
        .map((m) => +m[1]);
    }
    passes.push(drawn.slice(0, 400).sort((x, y) => x - y));
  }
  return passes;
}

async function pageDemo(page) {
  await page.focus('#canvas');
  return playDemo({
    press: (key) => page.keyboard.press(key === 'space' ? 'Space' : key),
    lines: () => page.evaluate(() => window.attnviz.lines.slice()),
    clear: () => page.evaluate(() => { window.attnviz.lines.length = 0; }),
  });
}

/* The desktop app in a window of its own X server (Xvfb) at the page's size, drawing with
 * SDL's software renderer as the page does, its keys sent by xdotool. */
async function desktopDemo() {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const display = ':' + (await new Promise((resolve, reject) => {
    xvfb.stdio[3].once('data', (d) => resolve(d.toString().trim()));
    xvfb.once('exit', (c) => reject(new Error('Xvfb stopped: ' + c)));
  }));
  const env = { ...process.env, DISPLAY: display, SDL_RENDER_DRIVER: 'software',
    SDL_FRAMEBUFFER_ACCELERATION: '0', ATTNVIZ_FRAME_STATS: 'each' };
  delete env.SDL_VIDEODRIVER;
  const app = spawn(speedExe, ['--weights', 'mechanics'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let out = [];
  let buf = '';
  app.stderr.on('data', (d) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop();
    out.push(...parts);
  });
  try {
    const xdo = (...a) => execFileSync('xdotool', a, { env, encoding: 'utf8', timeout: 20000 }).trim();
    const wid = xdo('search', '--sync', '--onlyvisible', '--name', 'attnviz').split('\n')[0];
    xdo('windowfocus', '--sync', wid);
    return await playDemo({
      press: async (key) => { xdo('key', '--window', wid, key); },
      lines: async () => out,
      clear: async () => { out = []; },
    });
  } finally {
    app.kill();
    xvfb.kill();
  }
}

const framesSaid = (d) => `median ${d[d.length >> 1].toFixed(2)} ms, p99 ${p99(d).toFixed(2)} ms (${d.length} frames)`;

/* browser composites in software, as Chromium does on a machine without a GPU; gpuBrowser
 * emulates a GPU on the processor (SwiftShader), whose rasterizing of every frame competes
 * with the page for this machine's cores: its p99 is printed, not checked. */
async function speed(browser, launchGpu, base, fresh) {
  // First frame: from navigation start to the first frame the program presents. Twice, each
  // from its own server (another origin: nothing of the page is in the browser's caches):
  // in the browser just started (which also starts its graphics and page processes then),
  // printed; then as a visitor's browser that is already running, checked.
  const cold = await firstFrame(browser, base);
  await cold.page.close();
  console.log(`first frame in a browser just started: ${cold.what}`);
  const warm = await firstFrame(browser, fresh);
  const page = warm.page;
  const firstFrameMs = warm.frame;
  console.log(`first frame: ${warm.what}`);
  check('first frame within 2 s', firstFrameMs < 2000, firstFrameMs);
  // the desktop program's own start, at the same moment (a busy machine slows both)
  const deskFirst = await new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawn(speedExe, ['--weights', 'mechanics'], { env: { ...process.env,
      SDL_VIDEODRIVER: 'offscreen', SDL_RENDER_DRIVER: 'software', ATTNVIZ_FRAME_STATS: 'each' } });
    p.stderr.once('data', () => { resolve(Date.now() - t0); p.kill(); });
    p.once('exit', () => resolve(NaN));
  });
  console.log(`desktop: first frame ${(deskFirst / 1000).toFixed(2)} s after the program was started`);
  const [pageCold, pageWarm] = await pageDemo(page);
  await page.close();
  const gpuBrowser = await launchGpu(); // started now, not to slow the first frame above
  let gpuWarm;
  try {
    const gpu = await firstFrame(gpuBrowser, base);
    [, gpuWarm] = await pageDemo(gpu.page);
  } finally {
    await gpuBrowser.close();
  }
  const [deskCold, deskWarm] = await desktopDemo();
  console.log('the demo played from stage 1, frames drawn (update and draw, before the present):');
  console.log(`  page, single-thread build, SDL's software renderer, Chromium compositing in software:`);
  console.log(`    first pass ${framesSaid(pageCold)}; again ${framesSaid(pageWarm)}`);
  console.log(`  the same page with SwiftShader emulating a GPU on these cores (not checked): again ${framesSaid(gpuWarm)}`);
  console.log(`  desktop app, SDL's software renderer, in an X window (Xvfb):`);
  console.log(`    first pass ${framesSaid(deskCold)}; again ${framesSaid(deskWarm)}`);
  const ratio = p99(pageWarm) / p99(deskWarm);
  console.log(`frame p99, page / desktop: ${ratio.toFixed(2)} (first pass: ${(p99(pageCold) / p99(deskCold)).toFixed(2)}, ` +
    `with SwiftShader: ${(p99(gpuWarm) / p99(deskWarm)).toFixed(2)})`);
  check('frame p99 within 2x of the desktop software renderer', ratio <= 2, ratio.toFixed(2));
  // page weight, gzipped: what one visit loads (the single-thread build)
  let total = 0;
  for (const f of ['index.html', 'loader.js', 'attnviz.data', 'st/attnviz.js', 'st/attnviz.wasm']) {
    const n = zlib.gzipSync(fs.readFileSync(path.join(site, f)), { level: 9 }).length;
    total += n;
    console.log(`  ${f}: ${(n / 1024).toFixed(0)} KB gzipped`);
  }
  console.log(`page weight: ${total} bytes gzipped (${(total / 1048576).toFixed(2)} MiB, ${(total / 1e6).toFixed(2)} MB)`);
  check("page weight at most 3 MB gzipped (3,000,000 bytes)", total <= 3e6, total);
}

(async () => {
  if (keep) fs.mkdirSync(keep, { recursive: true });
  const { proc, url } = await serve();
  const launch = (graphics) => puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', ...graphics, '--window-size=1280,800'],
  });
  const swiftshader = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'];
  const browser = await launch(speedExe ? ['--disable-gpu'] : swiftshader);
  try {
    if (speedExe) {
      const second = await serve();
      try {
        await speed(browser, () => launch(swiftshader), url, second.url);
      } finally {
        second.proc.kill();
      }
    } else {
      // E2E_VARIANTS=st runs one build only (while the other is being built)
      let plain = null;
      for (const v of (process.env.E2E_VARIANTS || 'mt st').split(' ')) {
        const first = await variant(browser, url, v);
        plain = plain || first;
      }
      await urlStart(browser, url, plain);
    }
  } catch (e) {
    check('the test ran to its end', false, e.stack);
  } finally {
    await browser.close();
    proc.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`e2e: ${checks - failures} of ${checks} checks passed`);
  process.exit(failures ? 1 : 0);
})();
