// flowexpr's run view and test report: draws the page data (the JSON in #flowexpr-data)
// as the designer lays a flow out. Plain DOM, no network; every text from the data goes in
// through textContent, never as markup.
(function () {
  'use strict';
  var started = performance.now();

  // ---- small helpers -------------------------------------------------------------------

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'text') node.textContent = String(v);
        else if (k === 'class') node.className = v;
        else if (k === 'style') node.setAttribute('style', v);
        else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? '' : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(parent, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { append(parent, c); });
    else if (typeof child === 'string' || typeof child === 'number') parent.appendChild(document.createTextNode(String(child)));
    else parent.appendChild(child);
  }

  function svg(tag, attrs) {
    var node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function lower(s) { return String(s).toLowerCase(); }

  // The member of an object by name: exactly, then without regard to case (as the service).
  function member(obj, name) {
    if (!obj || typeof obj !== 'object') return undefined;
    if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
    var want = lower(name);
    var keys = Object.keys(obj);
    for (var i = 0; i < keys.length; i++) if (lower(keys[i]) === want) return obj[keys[i]];
    return undefined;
  }

  // RFC 3339 with any number of fractional digits (the service writes seven).
  var TIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$/i;
  function parseTime(text) {
    var m = TIME.exec(String(text || ''));
    if (!m) return null;
    var ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    if (m[7]) ms += parseFloat('0.' + m[7]) * 1000;
    if (m[8] && m[8].toUpperCase() !== 'Z') {
      var sign = m[8][0] === '-' ? 1 : -1;
      ms += sign * (parseInt(m[8].slice(1, 3), 10) * 60 + parseInt(m[8].slice(4, 6), 10)) * 60000;
    }
    return ms;
  }

  // ISO 8601 durations as the runner writes them (PT5.975S, PT1M30S, P1D).
  var SPAN = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;
  function parseSpan(text) {
    var m = SPAN.exec(String(text || ''));
    if (!m) return null;
    return (((+(m[1] || 0) * 24 + +(m[2] || 0)) * 60 + +(m[3] || 0)) * 60 + +(m[4] || 0)) * 1000;
  }

  function span(rec) {
    if (!rec) return null;
    var a = parseTime(rec.startTime), b = parseTime(rec.endTime);
    return a === null || b === null ? null : Math.max(0, b - a);
  }

  function human(ms) {
    if (ms === null || ms === undefined || isNaN(ms)) return '';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 120000) return (ms / 1000).toFixed(1) + ' s';
    if (ms < 7200000) return (ms / 60000).toFixed(1) + ' min';
    return (ms / 3600000).toFixed(1) + ' h';
  }

  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }

  // ---- statuses: colour, icon and word, so none depends on colour -------------------------

  var STATUS = {
    succeeded: ['✓', 'Succeeded'], failed: ['✗', 'Failed'], skipped: ['↷', 'Skipped'],
    timedout: ['⌛', 'TimedOut'], cancelled: ['⊘', 'Cancelled'], running: ['◷', 'Running'],
    waiting: ['◷', 'Waiting'], paused: ['⏸', 'Paused'], ignored: ['↷', 'Ignored'],
    notrun: ['–', 'Not run'], notrecorded: ['?', 'Not recorded'],
    passed: ['✓', 'Passed'], reached: ['✓', 'Reached'], notreached: ['○', 'Not reached']
  };
  function statusKey(s) { return lower(s || 'notrun').replace(/[^a-z]/g, ''); }
  function statusOf(s) {
    var k = statusKey(s);
    var known = STATUS[k];
    return { key: known ? k : 'unknown', icon: known ? known[0] : '•', word: known ? known[1] : String(s) };
  }
  function badge(status) {
    var s = statusOf(status);
    return el('span', { class: 'badge st-' + s.key, 'data-status': s.word },
      el('span', { 'aria-hidden': 'true', text: s.icon }), s.word);
  }

  // ---- the graph model ------------------------------------------------------------------

  // Nodes of a flow graph, with parents, branch keys and enclosing loops.
  function buildModel(graph) {
    var byName = {};
    var order = [];
    function visit(list, parent, branch, loops) {
      return (list || []).map(function (def) {
        var node = {
          name: def.name, type: def.type || '', kind: def.kind || '', runAfter: def.runAfter || [], parent: parent,
          branch: branch, loops: loops, branches: [], isLoop: /^(foreach|until)$/i.test(def.type || '')
        };
        byName[lower(def.name)] = node;
        order.push(node);
        var inner = node.isLoop ? loops.concat([node.name]) : loops;
        node.branches = (def.branches || []).map(function (b) {
          return { key: b.key, label: b.label, owner: node, nodes: visit(b.actions, node, b.key, inner) };
        });
        return node;
      });
    }
    var top = visit(graph && graph.actions, null, null, []);
    var trigger = graph && graph.trigger ? { name: graph.trigger.name, type: graph.trigger.type || '', isTrigger: true, runAfter: [], branches: [], loops: [] } : null;
    return { top: top, byName: byName, order: order, trigger: trigger, inferred: !!(graph && graph.inferred) };
  }

  // ---- layout: top to bottom, runAfter layers, parallel branches side by side -----------

  var W = 236, H = 74, GX = 28, GY = 58, PAD = 16, HEAD = 58, LABEL = 26, BGAP = 18, EMPTY = 34;
  // A graph guessed from a record has no runAfter: its actions go one under the other, in
  // the record's order, and no edge is drawn.
  var sequential = false;

  // Lays out one list of siblings: layers by the longest runAfter path, each row ordered by
  // where its predecessors sit. Returns the list's size; positions are relative.
  function layoutList(nodes, extraRoots) {
    var names = {};
    nodes.forEach(function (n, i) { names[lower(n.name)] = i; });
    var layer = new Array(nodes.length);
    var visiting = new Array(nodes.length);
    function preds(i) {
      if (sequential) return i > 0 ? [i - 1] : [];
      var out = [];
      nodes[i].runAfter.forEach(function (e) {
        var j = names[lower(e.from)];
        if (j !== undefined && j !== i) out.push(j);
      });
      if (!out.length && extraRoots && !nodes[i].isTrigger && names.__trigger !== undefined) out.push(names.__trigger);
      return out;
    }
    if (extraRoots) names.__trigger = 0;
    function depth(i) {
      if (layer[i] !== undefined) return layer[i];
      if (visiting[i]) return 0; // a cycle (the loader refuses them): break it
      visiting[i] = true;
      var d = 0;
      preds(i).forEach(function (j) { d = Math.max(d, depth(j) + 1); });
      visiting[i] = false;
      layer[i] = d;
      return d;
    }
    var rows = [];
    nodes.forEach(function (n, i) {
      var d = depth(i);
      (rows[d] = rows[d] || []).push(i);
      n.size = measure(n);
      n.preds = preds(i);
    });
    rows = rows.filter(Boolean);
    var centers = {};
    var width = 0, y = 0;
    var placed = rows.map(function (row) {
      row.sort(function (a, b) { return bary(a) - bary(b) || a - b; });
      function bary(i) {
        var p = nodes[i].preds.filter(function (j) { return centers[j] !== undefined; });
        if (!p.length) return i * 1e-3;
        return p.reduce(function (s, j) { return s + centers[j]; }, 0) / p.length;
      }
      var w = row.reduce(function (s, i) { return s + nodes[i].size.w; }, 0) + GX * (row.length - 1);
      var h = row.reduce(function (m, i) { return Math.max(m, nodes[i].size.h); }, 0);
      var x = 0;
      row.forEach(function (i) { centers[i] = x + nodes[i].size.w / 2; x += nodes[i].size.w + GX; });
      width = Math.max(width, w);
      var out = { row: row, w: w, h: h, y: y };
      y += h + GY;
      return out;
    });
    placed.forEach(function (r) {
      var x = (width - r.w) / 2;
      r.row.forEach(function (i) { nodes[i].rel = { x: x, y: r.y }; x += nodes[i].size.w + GX; });
    });
    return { w: width, h: Math.max(0, y - GY) };
  }

  function measure(node) {
    if (!node.branches || !node.branches.length) return { w: W, h: H };
    var bw = 0, bh = 0;
    node.branches.forEach(function (b) {
      var inner = layoutList(b.nodes);
      var labelled = b.label !== null && b.label !== undefined;
      b.size = {
        w: Math.max(inner.w, b.nodes.length ? 0 : W * 0.7) + 2 * PAD,
        h: (b.nodes.length ? inner.h : EMPTY) + 2 * PAD + (labelled ? LABEL : 0),
        innerW: inner.w, top: labelled ? LABEL : 0
      };
      bw += b.size.w;
      bh = Math.max(bh, b.size.h);
    });
    bw += BGAP * (node.branches.length - 1);
    return { w: Math.max(bw + 2 * PAD, W + 2 * PAD + (node.isLoop ? 210 : 0)), h: HEAD + bh + PAD };
  }

  // Turns relative positions into page positions.
  function place(nodes, ox, oy) {
    nodes.forEach(function (n) {
      n.x = ox + n.rel.x;
      n.y = oy + n.rel.y;
      if (!n.branches || !n.branches.length) return;
      var total = n.branches.reduce(function (s, b) { return s + b.size.w; }, 0) + BGAP * (n.branches.length - 1);
      var bx = n.x + (n.size.w - total) / 2;
      n.branches.forEach(function (b) {
        b.x = bx; b.y = n.y + HEAD; b.w = b.size.w; b.h = n.size.h - HEAD - PAD;
        place(b.nodes, bx + (b.size.w - b.size.innerW) / 2, b.y + PAD + b.size.top);
        bx += b.size.w + BGAP;
      });
    });
  }

  // ---- the run view -----------------------------------------------------------------------

  function RunView(entry, flow, options) {
    this.entry = entry;
    this.record = entry.record || {};
    this.actions = this.record.actions || {};
    this.flow = flow;
    this.coverage = options.coverage || null;
    this.model = buildModel(flow.graph);
    this.iteration = {};
    this.elements = {};
    this.selected = null;
    this.loopInfo = {};
    // The actions `--stub-unmocked` answered: their Succeeded is a stand-in, not the connector's.
    this.stubbed = {};
    (this.record.stubbed || []).forEach(function (n) { this.stubbed[lower(n)] = true; }, this);
  }

  RunView.prototype.isStubbed = function (node) {
    return !this.coverage && !!this.stubbed[lower(node.name)];
  };

  RunView.prototype.rec = function (name) { return member(this.actions, name); };

  // Which iterations each loop ran, from its own record and its body's repetitions.
  RunView.prototype.countLoops = function () {
    var self = this;
    this.model.order.forEach(function (n) {
      if (n.isLoop) self.loopInfo[lower(n.name)] = { count: 0, failed: {} };
    });
    this.model.order.forEach(function (n) {
      var rec = self.rec(n.name);
      if (n.isLoop && rec) {
        var c = rec.iterationCount !== undefined ? rec.iterationCount : rec.iterations;
        if (typeof c === 'number') self.loopInfo[lower(n.name)].count = c;
      }
      (rec && rec.repetitions || []).forEach(function (rep) {
        var idx = rep.iterationIndexes || {};
        Object.keys(idx).forEach(function (loop) {
          var info = self.loopInfo[lower(loop)];
          if (!info || typeof idx[loop] !== 'number') return;
          info.count = Math.max(info.count, idx[loop] + 1);
          if (/^(failed|timedout)$/i.test(rep.status || '')) info.failed[idx[loop]] = true;
        });
      });
    });
  };

  // What a node shows now: its record, or the repetition of the chosen iterations.
  RunView.prototype.state = function (node) {
    if (this.coverage) {
      var runs = node.isTrigger ? 1 : (member(this.coverage.actions || {}, node.name) || 0);
      return { status: runs ? 'Reached' : 'Not reached', rec: null, runs: runs };
    }
    if (node.isTrigger) {
      var t = this.record.trigger || {};
      return { status: t.status || 'Succeeded', rec: t, ms: span(t) };
    }
    var rec = this.rec(node.name);
    var self = this;
    var chosen = node.loops.filter(function (l) { return self.iteration[lower(l)] !== undefined; });
    if (chosen.length) {
      var reps = rec && rec.repetitions || [];
      for (var i = 0; i < reps.length; i++) {
        var idx = reps[i].iterationIndexes || {};
        var all = chosen.every(function (l) { return member(idx, l) === self.iteration[lower(l)]; });
        if (all) return { status: reps[i].status, rec: reps[i], ms: span(reps[i]), rep: reps[i], of: rec };
      }
      return { status: 'Not recorded', rec: null, of: rec, missing: true };
    }
    if (!rec) return { status: 'Not run', rec: null };
    return { status: rec.status, rec: rec, ms: span(rec) };
  };

  RunView.prototype.metaText = function (node, st) {
    var parts = [];
    if (this.coverage) {
      if (node.isTrigger) return 'starts every run';
      return st.runs ? 'reached in ' + plural(st.runs, 'run') : 'not reached';
    }
    parts.push(statusOf(st.status).word);
    var rec = st.rec;
    if (rec && st.status && !/^skipped$/i.test(st.status) && st.ms !== null && st.ms !== undefined) parts.push(human(st.ms));
    if (this.isStubbed(node)) parts.push('stubbed');
    var attempts = rec && rec.attempts ? rec.attempts.filter(function (a) { return (a.kind || 'request') === 'request'; }).length : 0;
    if (attempts > 1) parts.push(attempts + ' attempts');
    if (!st.rep && rec && typeof rec.repetitionCount === 'number') parts.push('×' + rec.repetitionCount);
    if (node.isLoop && !st.rep) {
      var info = this.loopInfo[lower(node.name)];
      if (info) parts.push(plural(info.count, 'iteration'));
    }
    if (st.rep) {
      var it = node.loops.map(function (l) { return this.iteration[lower(l)] + 1; }, this);
      parts.push('iteration ' + it.join('.'));
    }
    return parts.join(' · ');
  };

  RunView.prototype.paint = function (node) {
    var e = this.elements[lower(node.isTrigger ? '\u0000trigger' : node.name)];
    if (!e) return;
    var st = this.state(node);
    var s = statusOf(st.status);
    var cls = 'node' + (node.branches && node.branches.length ? ' head' : '') + (node.isTrigger ? ' trigger' : '') + ' st-' + s.key;
    if (this.coverage && !node.isTrigger) cls += st.runs ? ' cov-reached' : ' cov-missed';
    if (this.selected === node) cls += ' selected';
    e.button.className = cls;
    e.button.setAttribute('data-status', s.word);
    if (this.isStubbed(node)) e.button.setAttribute('data-stubbed', 'true');
    e.icon.textContent = s.icon;
    var meta = this.metaText(node, st);
    e.meta.textContent = meta;
    e.button.setAttribute('aria-label', node.name + ': ' + (this.coverage ? meta : s.word + (meta ? ', ' + meta : '')) + (node.type ? ' (' + typeText(node) + ')' : ''));
  };

  RunView.prototype.paintAll = function () {
    var self = this;
    this.model.order.forEach(function (n) { self.paint(n); });
    if (this.model.trigger) this.paint(this.model.trigger);
    this.paintEdges();
    Object.keys(this.loopbars).forEach(function (k) { self.loopbars[k](); });
  };

  RunView.prototype.render = function (container) {
    var self = this;
    this.countLoops();
    var top = this.model.trigger ? [this.model.trigger].concat(this.model.top) : this.model.top;
    sequential = this.model.inferred;
    var size = layoutList(top, !!this.model.trigger);
    place(top, 0, 0);
    var canvas = el('div', { class: 'canvas', role: 'group', 'aria-label': 'The actions of the run, top to bottom', style: 'width:' + Math.max(size.w, 300) + 'px;height:' + (size.h + 20) + 'px' });
    this.canvas = canvas;
    this.edgeLayer = svg('svg', { class: 'edges', width: Math.max(size.w, 300), height: size.h + 20, 'aria-hidden': 'true' });
    var defs = svg('defs');
    var marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' });
    marker.appendChild(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: 'currentColor' }));
    defs.appendChild(marker);
    this.edgeLayer.appendChild(defs);
    canvas.appendChild(this.edgeLayer);
    this.loopbars = {};
    this.edges = [];
    this.drawList(canvas, top);
    this.paintAll();
    container.appendChild(canvas);
    canvas.addEventListener('keydown', function (ev) { self.onKey(ev); });
  };

  RunView.prototype.drawList = function (canvas, nodes) {
    var self = this;
    nodes.forEach(function (n) {
      var hasBody = n.branches && n.branches.length;
      if (hasBody) {
        canvas.appendChild(el('div', { class: 'scope' + (n.isLoop ? ' loop' : ''), 'data-scope': n.name, style: box(n.x, n.y, n.size.w, n.size.h) }));
      }
      var button = el('button', {
        type: 'button', 'data-action': n.isTrigger ? null : n.name, 'data-trigger': n.isTrigger ? n.name : null,
        style: box(n.x + (hasBody ? 8 : 0), n.y + (hasBody ? 8 : 0), hasBody ? W : n.size.w, hasBody ? HEAD - 14 : n.size.h)
      });
      var icon = el('span', { class: 'st-icon', 'aria-hidden': 'true' });
      var meta = el('span', { class: 'n-meta' });
      append(button, [icon, el('span', { class: 'n-name', text: n.name }), el('span', { class: 'n-type', text: n.isTrigger ? 'trigger · ' + n.type : typeText(n) }), hasBody ? null : meta]);
      if (hasBody) {
        button.style.height = (HEAD - 14) + 'px';
        button.querySelector('.n-type').textContent = n.type + ' · ';
        button.querySelector('.n-type').appendChild(meta);
        meta.style.display = 'inline';
      }
      button.addEventListener('click', function () { self.open(n); });
      canvas.appendChild(button);
      self.elements[lower(n.isTrigger ? '\u0000trigger' : n.name)] = { button: button, icon: icon, meta: meta };
      if (n.isLoop && !self.coverage) canvas.appendChild(self.loopBar(n));
      (n.branches || []).forEach(function (b) {
        var branch = el('div', { class: 'branch', 'data-branch': b.key, 'data-owner': n.name, style: box(b.x, b.y, b.w, b.h) });
        if (b.label !== null && b.label !== undefined) {
          var label = el('span', { class: 'branch-label', text: b.label });
          var cov = self.coverage && member(self.coverage.branches || {}, n.name);
          if (self.coverage) {
            var taken = cov ? (member(cov, b.key) || 0) : 0;
            label.textContent = b.label + (taken ? ' · taken in ' + plural(taken, 'run') : ' · never taken');
            branch.setAttribute('data-taken', String(taken));
          }
          branch.appendChild(label);
        }
        if (!b.nodes.length) branch.appendChild(el('span', { class: 'branch-empty', style: 'top:' + (b.size.top + PAD + 8) + 'px', text: 'no actions' }));
        canvas.appendChild(branch);
        self.drawList(canvas, b.nodes);
      });
    });
    this.collectEdges(nodes);
  };

  // What an action is: its type and, for a built-in Expression action, its operation
  // (`Expression · IndexOf`), as the designer names the card.
  function typeText(n) { return n.kind ? n.type + ' · ' + n.kind : n.type; }

  function box(x, y, w, h) { return 'left:' + x + 'px;top:' + y + 'px;width:' + w + 'px;height:' + h + 'px'; }

  RunView.prototype.collectEdges = function (nodes) {
    if (this.model.inferred) return;
    var names = {};
    var trigger = null;
    nodes.forEach(function (n) { if (n.isTrigger) trigger = n; else names[lower(n.name)] = n; });
    var self = this;
    nodes.forEach(function (n) {
      if (n.isTrigger) return;
      var edges = n.runAfter.filter(function (e) { return names[lower(e.from)]; });
      if (!edges.length && trigger) self.addEdge(trigger, n, null);
      edges.forEach(function (e) { self.addEdge(names[lower(e.from)], n, e.statuses || ['Succeeded']); });
    });
  };

  RunView.prototype.addEdge = function (from, to, statuses) {
    var x1 = from.x + from.size.w / 2, y1 = from.y + from.size.h, x2 = to.x + to.size.w / 2, y2 = to.y;
    var dy = Math.max(24, (y2 - y1) / 2);
    var path = svg('path', { class: 'edge', d: 'M' + x1 + ' ' + y1 + ' C' + x1 + ' ' + (y1 + dy) + ' ' + x2 + ' ' + (y2 - dy) + ' ' + x2 + ' ' + (y2 - 2), 'marker-end': 'url(#arrow)', 'data-from': from.name, 'data-to': to.name });
    this.edgeLayer.appendChild(path);
    var label = null;
    if (statuses) {
      var plain = statuses.length === 1 && /^succeeded$/i.test(statuses[0]);
      label = el('span', { class: 'edge-label' + (plain ? '' : ' alt'), 'data-from': from.name, 'data-to': to.name, 'data-statuses': statuses.join(','), style: 'left:' + (x1 + x2) / 2 + 'px;top:' + (y1 + y2) / 2 + 'px', text: statuses.join(', ') });
      this.canvas.appendChild(label);
    }
    this.edges.push({ from: from, to: to, statuses: statuses, path: path, label: label });
  };

  // An edge is drawn solid when this run (or, with coverage, the suite) went along it.
  RunView.prototype.paintEdges = function () {
    var self = this;
    this.edges.forEach(function (e) {
      var went;
      if (self.coverage && e.from.isTrigger) {
        went = self.state(e.to).runs > 0;
        e.path.setAttribute('class', 'edge' + (went ? '' : ' missed'));
        e.path.setAttribute('data-went', went ? 'true' : 'false');
        return;
      }
      if (self.coverage && e.statuses) {
        went = (self.coverage.runAfter || []).filter(function (c) {
          return lower(c.from) === lower(e.from.name) && lower(c.to) === lower(e.to.name) && c.runs > 0;
        }).map(function (c) { return c.status; });
        e.path.setAttribute('class', 'edge' + (went.length ? '' : ' missed'));
        e.path.setAttribute('data-went', went.join(','));
        if (e.label) e.label.textContent = e.statuses.join(', ') + (went.length ? ' · gone along' : ' · never gone along');
        return;
      }
      var from = self.state(e.from), to = self.state(e.to);
      var ran = to.rec && !/^skipped$/i.test(to.status || '') && !to.missing;
      var fits = !e.statuses || e.statuses.some(function (s) { return lower(s) === lower(from.status || ''); });
      went = !!(ran && fits);
      e.path.setAttribute('class', 'edge' + (went ? '' : ' idle'));
      e.path.setAttribute('data-went', went ? 'true' : 'false');
    });
  };

  RunView.prototype.loopBar = function (n) {
    var self = this;
    var key = lower(n.name);
    var text = el('span', { class: 'loop-pos', 'aria-live': 'polite' });
    var input = el('input', { type: 'number', min: '1', 'aria-label': 'Iteration of ' + n.name, title: 'Iteration' });
    var prev = el('button', { type: 'button', 'aria-label': 'Previous iteration of ' + n.name, text: '‹' });
    var next = el('button', { type: 'button', 'aria-label': 'Next iteration of ' + n.name, text: '›' });
    var nextFailed = el('button', { type: 'button', 'aria-label': 'Next failed iteration of ' + n.name, text: '✗›' });
    var all = el('button', { type: 'button', 'aria-label': 'All iterations of ' + n.name, text: 'all' });
    var barX = n.x + n.size.w - 8;
    var bar = el('div', { class: 'loopbar', 'data-loop': n.name, style: 'left:' + (barX - 300) + 'px;width:300px;justify-content:flex-end;top:' + (n.y + 14) + 'px;right:auto' },
      prev, input, next, nextFailed, all, text);
    prev.addEventListener('click', function () { self.step(n, -1); });
    next.addEventListener('click', function () { self.step(n, 1); });
    all.addEventListener('click', function () { self.setIteration(n, undefined); });
    nextFailed.addEventListener('click', function () { self.stepFailed(n); });
    input.addEventListener('change', function () {
      var v = parseInt(input.value, 10);
      if (!isNaN(v)) self.setIteration(n, Math.max(0, Math.min(v - 1, self.loopInfo[key].count - 1)));
    });
    this.loopbars[key] = function () {
      var info = self.loopInfo[key];
      var cur = self.iteration[key];
      text.textContent = cur === undefined ? 'all ' + plural(info.count, 'iteration') : 'iteration ' + (cur + 1) + ' of ' + info.count;
      input.value = cur === undefined ? '' : String(cur + 1);
      input.max = String(Math.max(1, info.count));
      prev.disabled = info.count === 0 || cur === 0;
      next.disabled = info.count === 0 || (cur !== undefined && cur >= info.count - 1);
      nextFailed.hidden = !Object.keys(info.failed).length;
      all.disabled = cur === undefined;
    };
    return bar;
  };

  RunView.prototype.setIteration = function (n, i) {
    if (i === undefined) delete this.iteration[lower(n.name)];
    else this.iteration[lower(n.name)] = i;
    this.paintAll();
    if (this.selected) this.open(this.selected, true);
  };

  RunView.prototype.step = function (n, by) {
    var info = this.loopInfo[lower(n.name)];
    if (!info || !info.count) return;
    var cur = this.iteration[lower(n.name)];
    var next = cur === undefined ? (by > 0 ? 0 : info.count - 1) : Math.max(0, Math.min(info.count - 1, cur + by));
    this.setIteration(n, next);
  };

  RunView.prototype.stepFailed = function (n) {
    var info = this.loopInfo[lower(n.name)];
    var cur = this.iteration[lower(n.name)];
    var failed = Object.keys(info.failed).map(Number).sort(function (a, b) { return a - b; });
    var after = failed.filter(function (i) { return cur === undefined || i > cur; });
    if (failed.length) this.setIteration(n, after.length ? after[0] : failed[0]);
  };

  // The loop a key press steps: the focused loop, or the nearest loop around the focused node.
  RunView.prototype.loopOf = function (node) {
    if (!node) return null;
    if (node.isLoop) return node;
    var name = node.loops && node.loops[node.loops.length - 1];
    return name ? this.model.byName[lower(name)] : null;
  };

  RunView.prototype.nodeOf = function (target) {
    if (!target || !target.getAttribute) return null;
    if (target.getAttribute('data-trigger') !== null) return this.model.trigger;
    var name = target.getAttribute('data-action');
    return name === null ? null : this.model.byName[lower(name)];
  };

  // Arrows move between actions in reading order (rows top to bottom, left to right).
  RunView.prototype.onKey = function (ev) {
    var node = this.nodeOf(document.activeElement);
    if (!node) return;
    var buttons = Array.prototype.slice.call(this.canvas.querySelectorAll('button.node'));
    var at = buttons.indexOf(document.activeElement);
    var pos = function (b) { return { x: b.offsetLeft + b.offsetWidth / 2, y: b.offsetTop }; };
    var here = pos(document.activeElement);
    var pick = null;
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      var down = ev.key === 'ArrowDown';
      var best = Infinity;
      buttons.forEach(function (b) {
        var p = pos(b);
        var dy = down ? p.y - here.y : here.y - p.y;
        if (dy <= 0) return;
        var score = dy * 4 + Math.abs(p.x - here.x);
        if (score < best) { best = score; pick = b; }
      });
    } else if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') {
      var right = ev.key === 'ArrowRight';
      var nearest = Infinity;
      buttons.forEach(function (b) {
        var p = pos(b);
        var dx = right ? p.x - here.x : here.x - p.x;
        if (dx <= 0) return;
        var score = dx + Math.abs(p.y - here.y) * 4;
        if (score < nearest) { nearest = score; pick = b; }
      });
    } else if (ev.key === 'Home') pick = buttons[0];
    else if (ev.key === 'End') pick = buttons[buttons.length - 1];
    else if (ev.key === ']' || ev.key === '[') {
      var loop = this.loopOf(node);
      if (loop) { this.step(loop, ev.key === ']' ? 1 : -1); ev.preventDefault(); }
      return;
    } else return;
    ev.preventDefault();
    if (pick && at !== -1) pick.focus();
  };

  // ---- the details panel --------------------------------------------------------------------

  RunView.prototype.open = function (node, keep) {
    var previous = this.selected;
    this.selected = node;
    if (previous && previous !== node) this.paint(previous);
    this.paint(node);
    var panel = this.panel;
    panel.hidden = false;
    panel.textContent = '';
    var self = this;
    var st = this.state(node);
    var rec = st.rec || {};
    var close = el('button', { type: 'button', class: 'close', 'aria-label': 'Close the details', text: '✕ Close' });
    close.addEventListener('click', function () { self.close(); });
    var title = el('h2', { id: 'details-title', tabindex: '-1' }, node.name + ' ', badge(st.status));
    append(panel, [close, title]);
    var rows = [['Type', node.isTrigger ? 'trigger · ' + node.type : typeText(node)], ['Status', statusOf(st.status).word]];
    if (rec.code) rows.push(['Code', rec.code]);
    if (st.rep) rows.push(['Iteration', node.loops.map(function (l) { return l + ' ' + (self.iteration[lower(l)] + 1); }).join(', ')]);
    if (rec.startTime) rows.push(['Started', rec.startTime]);
    if (rec.endTime) rows.push(['Ended', rec.endTime]);
    if (st.ms !== null && st.ms !== undefined) rows.push(['Duration', human(st.ms)]);
    if (rec.attempts) rows.push(['Attempts', String(rec.attempts.filter(function (a) { return (a.kind || 'request') === 'request'; }).length)]);
    if (!st.rep && typeof rec.repetitionCount === 'number') rows.push(['Repetitions', String(rec.repetitionCount)]);
    if (rec.trackingId) rows.push(['Tracking id', rec.trackingId]);
    var dl = el('dl');
    rows.forEach(function (r) { append(dl, [el('dt', { text: r[0] }), el('dd', { text: r[1] })]); });
    panel.appendChild(dl);
    if (this.isStubbed(node)) panel.appendChild(el('p', { class: 'notice', 'data-part': 'stubbed', text: 'Stubbed: no mock, connection or child flow covered this action, so --stub-unmocked answered it with status 200, headers {} and body {}.' }));
    if (st.missing) panel.appendChild(el('p', { class: 'notice', text: 'The record keeps no repetition for this iteration (it keeps the first ' + 100 + ' of each action and its failures).' }));
    if (rec.error) {
      panel.appendChild(el('h3', { text: 'Error' }));
      panel.appendChild(el('div', { class: 'error-box', 'data-part': 'error', text: (rec.error.code ? rec.error.code + ': ' : '') + (rec.error.message || JSON.stringify(rec.error)) }));
    }
    if (rec.attempts && rec.attempts.length) this.attempts(panel, rec.attempts);
    var io = st.rep ? st.of : rec;
    if (st.rep && io && (io.inputs !== undefined || io.outputs !== undefined)) {
      panel.appendChild(el('p', { class: 'notice', text: 'Inputs and outputs below are those of the last iteration that ran: the record keeps status, times and attempts for each iteration.' }));
    }
    if (io) {
      jsonPart(panel, 'Inputs', io.inputs, 'inputs', io.inputsSize);
      jsonPart(panel, 'Outputs', io.outputs, 'outputs', io.outputsSize);
      if (io.trackedProperties !== undefined) jsonPart(panel, 'Tracked properties', io.trackedProperties, 'tracked');
    }
    if (!st.rep && rec.repetitions && rec.repetitions.length) this.repetitions(panel, node, rec);
    if (!keep) title.focus();
  };

  function jsonPart(panel, label, value, part, size) {
    if (value === undefined) {
      if (size !== undefined) panel.appendChild(el('p', { class: 'notice', text: label + ': ' + size + ' bytes kept by the service behind a signed link, not part of the export.' }));
      return;
    }
    panel.appendChild(el('h3', { text: label }));
    var text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
    var LIMIT = 100000;
    var pre = el('pre', { class: 'json', 'data-part': part, tabindex: '0', text: text.length > LIMIT ? text.slice(0, LIMIT) : text });
    panel.appendChild(pre);
    if (text.length > LIMIT) {
      var more = el('button', { type: 'button', text: 'Show all ' + text.length + ' characters' });
      more.addEventListener('click', function () { pre.textContent = text; more.remove(); });
      panel.appendChild(more);
    }
  }

  // Attempts on a timeline: each request a bar, each wait between retries a dashed stretch.
  RunView.prototype.attempts = function (panel, attempts) {
    panel.appendChild(el('h3', { text: 'Attempts' }));
    var items = attempts.map(function (a, i) {
      var start = parseTime(a.startTime);
      var dur = parseSpan(a.duration);
      if (dur === null) { var end = parseTime(a.endTime); dur = start !== null && end !== null ? Math.max(0, end - start) : 0; }
      return { a: a, i: i, start: start, dur: dur };
    });
    items.forEach(function (it, i) {
      var next = items[i + 1];
      var wait = parseSpan(it.a.waitBeforeNext);
      if (wait === null && next && next.start !== null && it.start !== null) wait = Math.max(0, next.start - (it.start + it.dur));
      it.wait = next ? wait : null;
    });
    var origin = items[0].start;
    var endAll = items.reduce(function (m, it) { return Math.max(m, (it.start === null ? 0 : it.start - origin) + it.dur + (it.wait || 0)); }, 0) || 1;
    var line = el('div', { class: 'timeline', role: 'img', 'aria-label': 'Timeline of ' + plural(items.length, 'attempt') + ' over ' + human(endAll) });
    var cursor = 0;
    items.forEach(function (it) {
      var at = it.start === null ? cursor : it.start - origin;
      var good = it.a.statusCode !== undefined ? it.a.statusCode < 400 : !it.a.error;
      line.appendChild(el('span', { class: 'tl-bar ' + (good ? 'good' : 'bad'), 'data-attempt': String(it.i + 1), style: 'left:' + (at / endAll * 100) + '%;width:' + (it.dur / endAll * 100) + '%', title: '#' + (it.i + 1) }));
      if (it.wait) line.appendChild(el('span', { class: 'tl-wait', 'data-wait': String(it.i + 1), style: 'left:' + ((at + it.dur) / endAll * 100) + '%;width:' + (it.wait / endAll * 100) + '%', title: 'wait ' + human(it.wait) }));
      cursor = at + it.dur + (it.wait || 0);
    });
    panel.appendChild(line);
    var table = el('table', { class: 'list', 'data-part': 'attempts' },
      el('thead', null, el('tr', null, el('th', { text: '#' }), el('th', { text: 'Request' }), el('th', { text: 'Result' }), el('th', { text: 'Took' }), el('th', { text: 'Then waited' }))));
    var body = el('tbody');
    items.forEach(function (it) {
      var a = it.a;
      var request = [a.kind && a.kind !== 'request' ? a.kind : null, a.method, a.uri].filter(Boolean).join(' ');
      var result = [a.statusCode, a.code, a.error && (a.error.message || a.error.code)].filter(function (x) { return x !== undefined && x !== null && x !== ''; }).join(' ');
      var wait = it.wait === null ? '' : human(it.wait) + (a.waitReason ? ' (' + a.waitReason + ')' : '');
      body.appendChild(el('tr', { 'data-attempt': String(it.i + 1) }, el('td', { text: String(a.number || it.i + 1) }), el('td', { text: request }), el('td', { text: result }), el('td', { text: human(it.dur) }), el('td', { text: wait })));
    });
    table.appendChild(body);
    panel.appendChild(table);
  };

  RunView.prototype.repetitions = function (panel, node, rec) {
    var self = this;
    panel.appendChild(el('h3', { text: 'Repetitions (' + rec.repetitions.length + (rec.repetitionCount > rec.repetitions.length ? ' of ' + rec.repetitionCount + ' kept' : '') + ')' }));
    var body = el('tbody');
    rec.repetitions.slice(0, 1000).forEach(function (rep) {
      var idx = rep.iterationIndexes || {};
      var where = Object.keys(idx).map(function (k) { return k + ' ' + (idx[k] + 1); }).join(', ');
      var go = el('button', { type: 'button', text: where || 'show' });
      go.addEventListener('click', function () {
        Object.keys(idx).forEach(function (k) { self.iteration[lower(k)] = idx[k]; });
        self.paintAll();
        self.open(node);
      });
      body.appendChild(el('tr', null, el('td', null, go), el('td', null, badge(rep.status)), el('td', { text: human(span(rep)) }), el('td', { text: rep.attempts ? String(rep.attempts.length) : '' })));
    });
    panel.appendChild(el('table', { class: 'list', 'data-part': 'repetitions' },
      el('thead', null, el('tr', null, el('th', { text: 'Iteration' }), el('th', { text: 'Status' }), el('th', { text: 'Took' }), el('th', { text: 'Attempts' }))), body));
  };

  RunView.prototype.close = function () {
    var node = this.selected;
    this.selected = null;
    this.panel.hidden = true;
    if (node) {
      this.paint(node);
      var e = this.elements[lower(node.isTrigger ? '\u0000trigger' : node.name)];
      if (e) e.button.focus();
    }
  };

  // ---- pages ------------------------------------------------------------------------------

  var data = JSON.parse(document.getElementById('flowexpr-data').textContent);
  var app = document.getElementById('app');
  var current = null;

  function counts(actions) {
    var by = {};
    Object.keys(actions || {}).forEach(function (k) { var s = statusOf(actions[k].status).word; by[s] = (by[s] || 0) + 1; });
    return Object.keys(by).map(function (s) { return by[s] + ' ' + s; }).join(', ');
  }

  // The flow's name as its maker knows it: an export's display name, else the workflow name.
  function flowName(r) {
    var w = r.workflow || {};
    return (w.tags && w.tags.flowDisplayName) || w.name;
  }

  function runHeader(entry, flow, backLink) {
    var r = entry.record || {};
    var header = el('header', { class: 'top' });
    if (backLink) header.appendChild(el('p', null, el('a', { href: '#', text: '← All cases' })));
    header.appendChild(el('h1', null, (flowName(r) || data.title) + ' ', badge(r.status || 'Not run')));
    var meta = el('div', { class: 'meta' });
    var runName = r.workflow && r.workflow.run && r.workflow.run.name;
    append(meta, [
      entry.label && entry.label !== 'run' ? el('span', { text: entry.label }) : null,
      runName ? el('span', { text: 'run ' + runName }) : null,
      r.startTime ? el('span', { text: 'started ' + r.startTime }) : null,
      span(r) !== null ? el('span', { text: 'took ' + human(span(r)) }) : null,
      r.trigger && r.trigger.name ? el('span', { text: 'trigger ' + r.trigger.name + (r.trigger.status ? ' ' + r.trigger.status : '') }) : null,
      el('span', { text: counts(r.actions) })
    ]);
    header.appendChild(meta);
    if (data.runs.length > 1 && data.page === 'run') {
      var select = el('select', { 'aria-label': 'Which run' });
      data.runs.forEach(function (e, i) { select.appendChild(el('option', { value: String(i), text: e.label + ' · ' + ((e.record || {}).status || '') })); });
      select.value = String(data.runs.indexOf(entry));
      select.addEventListener('change', function () { location.hash = '#run/' + select.value; });
      header.appendChild(el('div', { class: 'runpick' }, select));
    }
    if (r.error) header.appendChild(el('div', { class: 'error-box', 'data-part': 'run-error', text: (r.error.code ? r.error.code + ': ' : '') + (r.error.message || '') }));
    (r.importNotes || []).forEach(function (n) { header.appendChild(el('p', { class: 'notice', text: n })); });
    if (flow.graph && flow.graph.inferred) header.appendChild(el('p', { class: 'notice', text: 'Laid out from the record alone: nesting from each action\u2019s parent, no runAfter edges. Give the flow (--flow) for the designer\u2019s layout.' }));
    header.appendChild(el('p', { class: 'keys', text: 'Keys: Tab or the arrows move between actions, Enter opens one, Esc closes the details, [ and ] step through the iterations of the loop around the focused action.' }));
    return header;
  }

  function showRun(index, backLink) {
    var entry = data.runs[index];
    if (!entry) return false;
    var flow = data.flows[entry.flow] || { graph: null };
    app.textContent = '';
    var view = new RunView(entry, flow, {});
    current = view;
    app.appendChild(runHeader(entry, flow, backLink));
    if (backLink) caseSummary(index);
    var wrap = el('div', { class: 'graph-wrap' });
    var panel = el('aside', { class: 'panel', hidden: true, role: 'region', 'aria-labelledby': 'details-title', id: 'details' });
    view.panel = panel;
    app.appendChild(el('div', { class: 'layout' }, wrap, panel));
    view.render(wrap);
    document.title = (flowName(entry.record || {}) || data.title) + ' · flowexpr';
    return true;
  }

  function caseSummary(runIndex) {
    var c = data.cases.filter(function (x) { return x.run === runIndex; })[0];
    if (!c) return;
    var box = el('div', { class: 'top', style: 'padding:0 20px 10px;background:var(--panel)' },
      el('p', null, el('strong', { text: 'Case: ' }), c.file + ' › ' + c.name + ' ', caseBadge(c.passed)));
    if (c.failures.length) box.appendChild(failureList(c.failures));
    app.appendChild(box);
  }

  function caseBadge(passed) {
    var b = badge(passed ? 'Passed' : 'Failed');
    b.className = 'badge st-' + (passed ? 'succeeded' : 'failed');
    return b;
  }

  function failureList(list) {
    var ul = el('ul', { class: 'case-failures' });
    list.forEach(function (f) { ul.appendChild(el('li', { text: f })); });
    return ul;
  }

  function showReport() {
    app.textContent = '';
    current = null;
    var cases = data.cases;
    var failed = cases.filter(function (c) { return !c.passed; }).length;
    var total = cases.reduce(function (s, c) { return s + (c.durationMs || 0); }, 0);
    var header = el('header', { class: 'top' },
      el('h1', null, data.title + ' ', caseBadge(!failed)),
      el('div', { class: 'meta' }, el('span', { 'data-part': 'summary', text: (cases.length - failed) + ' passed, ' + failed + ' failed' }), el('span', { text: plural(cases.length, 'case') }), el('span', { text: human(total) + ' of runs' }), el('span', { text: data.generator })));
    app.appendChild(header);
    var main = el('main', { class: 'report' });
    var body = el('tbody');
    cases.forEach(function (c, i) {
      var link = c.run === null || c.run === undefined ? el('span', { text: 'no run' }) : el('a', { href: '#run/' + c.run, 'data-run': String(c.run), text: 'View run' });
      var details = el('td');
      if (c.failures.length) details.appendChild(failureList(c.failures));
      (c.notes || []).forEach(function (n) { details.appendChild(el('div', { class: 'keys', text: n })); });
      body.appendChild(el('tr', { 'data-case': String(i), 'data-passed': c.passed ? 'true' : 'false' },
        el('td', null, caseBadge(c.passed)),
        el('td', null, el('div', { text: c.name }), el('div', { class: 'keys', text: c.file })),
        el('td', { text: human(c.durationMs) }), details, el('td', null, link)));
    });
    main.appendChild(el('h2', { text: 'Cases' }));
    main.appendChild(el('table', { class: 'list', 'data-part': 'cases' },
      el('thead', null, el('tr', null, el('th', { text: 'Result' }), el('th', { text: 'Case' }), el('th', { text: 'Took' }), el('th', { text: 'What failed' }), el('th', { text: 'Run' }))), body));
    data.flows.forEach(function (flow, i) { coverageSection(main, flow, i); });
    app.appendChild(main);
    document.title = data.title + ' · flowexpr';
  }

  function coverageSection(main, flow, index) {
    main.appendChild(el('h2', { text: 'Coverage of ' + flow.key }));
    if (!flow.coverage) {
      main.appendChild(el('p', { class: 'keys', 'data-part': 'no-coverage', text: 'No coverage was measured for this flow.' }));
      return;
    }
    var cov = flow.coverage;
    var model = buildModel(flow.graph);
    var reached = model.order.filter(function (n) { return member(cov.actions || {}, n.name); }).length;
    var branches = 0, taken = 0;
    model.order.forEach(function (n) {
      if (!/^(if|switch)$/i.test(n.type)) return;
      n.branches.forEach(function (b) { branches++; var c = member(cov.branches || {}, n.name); if (c && member(c, b.key)) taken++; });
    });
    main.appendChild(el('p', { 'data-part': 'coverage-summary', text: reached + ' of ' + model.order.length + ' actions reached, ' + taken + ' of ' + branches + ' branches taken, ' +
      (cov.runAfter || []).filter(function (e) { return e.runs > 0; }).length + ' runAfter edge statuses gone along' }));
    main.appendChild(el('div', { class: 'legend' }, el('span', { text: 'solid box: reached' }), el('span', { text: 'dashed grey box: not reached' }), el('span', { text: 'dashed red edge: never gone along' })));
    var wrap = el('div', { class: 'graph-wrap', 'data-coverage': flow.key });
    var panel = el('aside', { class: 'panel', hidden: true, role: 'region', 'aria-labelledby': 'details-title' });
    main.appendChild(el('div', { class: 'layout' }, wrap, panel));
    var view = new RunView({ record: { actions: {} } }, flow, { coverage: cov });
    view.panel = panel;
    view.render(wrap);
  }

  function route() {
    var m = /^#run\/(\d+)$/.exec(location.hash);
    if (m && showRun(+m[1], data.page === 'tests')) return;
    if (data.page === 'tests') showReport();
    else showRun(0, false);
  }

  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape' && current && current.selected) { current.close(); ev.preventDefault(); }
  });
  window.addEventListener('hashchange', function () { route(); window.scrollTo(0, 0); });
  route();
  void app.offsetHeight; // lay out now, so the figure covers the browser's layout too
  var took = performance.now() - started;
  document.documentElement.setAttribute('data-render-ms', took.toFixed(1));
  window.flowexprView = { renderMs: took, data: data, current: function () { return current; } };
})();
