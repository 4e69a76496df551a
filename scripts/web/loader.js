/* attnviz's page: starts the build index.html picked (the threaded one when the page is
 * cross-origin isolated: a server sending COOP/COEP; SharedArrayBuffer needs it; else the
 * single-thread one) and says which.
 * The URL's ?sentence=…&heads=…&stage=…&lesson=…&theme=… become the program's arguments,
 * as on the command line. S saves a PNG into /shots: the page hands it over as a download.
 * Files picked or dropped are copied to /uploads and opened as a drop on the window. */
(function () {
  'use strict';
  const q = new URLSearchParams(location.search);
  const dir = window.attnvizDir; // index.html picks it, to download its files at once
  const threaded = dir === 'mt';
  const status = document.getElementById('status');
  const canvas = document.getElementById('canvas');
  const label = document.getElementById('variant');
  label.textContent = threaded ? 'threaded build' : 'single-thread build';
  label.title = threaded ? 'live training runs on a worker thread'
    : 'live training needs the threaded build: serve the page with the COOP/COEP headers';

  const args = [];
  const lesson = q.get('lesson');
  if (lesson) {
    args.push('lesson', lesson.includes('/') ? lesson : 'lessons/' + lesson.replace(/\.md$/, '') + '.md');
  } else {
    for (const [key, opt] of [['sentence', '--sentence'], ['heads', '--heads'], ['stage', '--stage'],
                              ['weights', '--weights'], ['kv-heads', '--kv-heads'],
                              ['d-model', '--d-model'], ['temperature', '--temperature'],
                              ['seed', '--seed']])
      if (q.has(key)) args.push(opt, q.get(key));
    if (q.get('causal') === '1') args.push('--causal');
  }
  if (q.has('theme')) args.push('--theme', q.get('theme'));
  if (q.get('present') === '1') args.push('--present');

  // The canvas fills the window below the page's bar by CSS; SDL sizes its drawing buffer to that times the
  // device pixel ratio and follows both (SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI).

  const t0 = performance.now();
  const lines = [];
  function print(text) {
    lines.push(text);
    console.log(text);
    const m = /^(\/shots\/attnviz-[^\s]+\.png)$/.exec(text);
    if (m) download(m[1]);
  }
  function download(path) {
    const bytes = Module.FS.readFile(path);
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([bytes], { type: 'image/png' }));
    a.download = path.split('/').pop();
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    Module.FS.unlink(path);
  }

  const renderer = q.get('renderer') || 'software';
  window.Module = {
    canvas,
    arguments: args,
    print,
    // Frame times (?stats=each) go to the list only: a console message per frame costs the
    // page more than its drawing when developer tools or a test driver listen.
    printErr: (text) => { lines.push(text); if (!text.startsWith('attnviz: frame ')) console.warn(text); },
    locateFile: (name) => (name.endsWith('.data') ? 'attnviz.data' : dir + '/' + name),
    preRun: [() => {
      Module.ENV.SDL_VIDEODRIVER = 'emscripten';
      Module.ENV.ATTNVIZ_SCREENSHOT_DIR = '/shots';
      if (q.has('stats')) Module.ENV.ATTNVIZ_FRAME_STATS = q.get('stats'); // 1 or each
      // SDL's software renderer, as on the desktop without a GPU: it draws in wasm as fast as
      // the desktop does; WebGL (opengles2) pays a call into JavaScript for every rectangle.
      Module.ENV.SDL_RENDER_DRIVER = renderer;
      Module.FS.mkdir('/shots');
      Module.FS.mkdir('/uploads');
    }],
    onRuntimeInitialized: () => { status.style.display = 'none'; window.attnviz.ready = performance.now(); },
    onExit: (code) => {
      status.style.display = '';
      status.textContent = code === 0 ? 'attnviz ended (reload the page to start again)'
        : 'attnviz stopped: ' + (lines.filter((l) => l.startsWith('attnviz:') && !l.startsWith('attnviz: frame')).pop() || 'status ' + code);
    },
    setStatus: (text) => { if (text) status.textContent = text; },
    // The first picture drawn on a canvas sets up the browser's drawing for it (in a browser
    // that has drawn no canvas yet, its graphics process: up to seconds in headless
    // Chromium). Done here, once the program's .wasm and .data are on their way, it runs
    // while they download instead of delaying the first frame. The canvas gets the size SDL
    // gives it (the CSS size times the device pixel ratio); the software renderer draws with
    // this same 2D context (WebGL, ?renderer=opengles2, needs the canvas untouched).
    preInit: [() => {
      if (renderer !== 'software') return;
      const ratio = window.devicePixelRatio || 1;
      canvas.width = Math.max(1, Math.round(canvas.clientWidth * ratio));
      canvas.height = Math.max(1, Math.round(canvas.clientHeight * ratio));
      const ctx = canvas.getContext('2d');
      ctx.putImageData(ctx.createImageData(1, 1), 0, 0);
    }],
  };
  // What the tests and the speed script read.
  window.attnviz = { variant: dir, args, lines, t0, threaded };

  // Files picked or dropped together go into one new folder, /uploads/N/, and the main one
  // is opened: a lesson (.md), else a model (.safetensors), else the first. So a GPT-2's
  // model.safetensors finds its config.json, vocab.json and merges.txt beside it, as in a
  // folder on the desktop. Earlier folders stay: a model keeps reading the file it opened.
  let drops = 0;
  function open(fileList) {
    const files = Array.from(fileList || []);
    if (!files.length) return;
    const folder = '/uploads/' + (++drops);
    Module.FS.mkdir(folder);
    // The browser takes seconds to read a large file (GPT-2 small: 500 MB) before the
    // program sees it: the bar says so at once, until the program's status line takes over.
    const mb = files.reduce((sum, f) => sum + f.size, 0) / 1048576;
    const reading = document.getElementById('reading');
    if (mb >= 16) reading.textContent = 'reading ' + files.map((f) => f.name).join(', ') + ' (' + mb.toFixed(0) + ' MB) …';
    Promise.all(files.map((file) => file.arrayBuffer().then((buf) => {
      const path = folder + '/' + file.name.replace(/[^A-Za-z0-9._-]/g, '_');
      // canOwn: the file system keeps this buffer as the file's bytes. A copy would take
      // GPT-2 small's 500 MB twice, and two seconds.
      Module.FS.writeFile(path, new Uint8Array(buf), { canOwn: true });
      return path;
    }))).then((paths) => {
      const main = paths.find((p) => p.endsWith('.md')) || paths.find((p) => p.endsWith('.safetensors')) || paths[0];
      Module.ccall('app_web_open', 'number', ['string'], [main]);
      reading.textContent = '';
      canvas.focus();
    }, (err) => { // the browser could not read one (moved, unreadable, out of memory)
      reading.textContent = 'cannot read the file: ' + err.message + ': pick it again';
    });
  }
  const picker = document.getElementById('file');
  document.getElementById('open').onclick = () => picker.click();
  picker.onchange = () => { open(picker.files); picker.value = ''; };
  const drop = document.getElementById('drop');
  window.addEventListener('dragover', (e) => { e.preventDefault(); drop.style.display = 'block'; });
  window.addEventListener('dragleave', () => { drop.style.display = 'none'; });
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.style.display = 'none';
    open(e.dataTransfer.files);
  });
  canvas.focus();

  const s = document.createElement('script');
  s.src = dir + '/attnviz.js';
  s.onerror = () => { status.textContent = 'cannot load ' + s.src; };
  document.body.appendChild(s);
})();
