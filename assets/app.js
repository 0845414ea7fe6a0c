// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var msg = f && f.getAttribute && f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); return; }
    // Long work: show that it is under way and prevent a second submission.
    var b = f.querySelector && f.querySelector("[data-busy]");
    if (b) {
      setTimeout(function () { b.disabled = true; b.textContent = b.getAttribute("data-busy"); }, 0);
    }
  }, true);
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) { window.print(); return; }
    var cb = e.target.closest && e.target.closest("[data-confirm-button]");
    if (cb && !window.confirm(cb.getAttribute("data-confirm-button"))) { e.preventDefault(); return; }
    var a = e.target.closest && e.target.closest("[data-confirm-link]");
    if (a && !window.confirm(a.getAttribute("data-confirm-link"))) { e.preventDefault(); }
  });
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) { el.form.submit(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    // Forms with errors: move focus to the first field marked invalid (ui.md).
    var bad = document.querySelector("[aria-invalid=true]");
    if (bad) { bad.focus(); }
    if (document.querySelector("[data-autoprint]")) { window.print(); }
  });
  // The meeting-room screen: fetch the next code before the current one expires, and the count.
  function screen(el) {
    var id = el.getAttribute("data-meeting");
    var every = Math.max(5, parseInt(el.getAttribute("data-rotate"), 10) || 30) * 1000;
    var img = el.querySelector("[data-qr]"), code = el.querySelector("[data-code]"), present = el.querySelector("[data-present]");
    function tick() {
      fetch("/api/v1/meetings/" + id + "/checkin-code", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) {
          if (!j) { return; }
          if (code.textContent !== j.code) { code.textContent = j.code; img.src = "/meetings/" + id + "/qr.svg?c=" + j.code; }
          var left = Date.parse(j.expires_at) - Date.now();
          setTimeout(tick, Math.min(every, Math.max(1000, left + 500)));
        })
        .catch(function () { setTimeout(tick, 5000); });
      fetch("/api/v1/meetings/" + id + "/attendance", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) { if (j) { present.textContent = j.present; } })
        .catch(function () {});
    }
    setTimeout(tick, 1000);
  }
  // The notice editor's toolbar writes the few tags the server keeps (bold, heading, list,
  // link) into the text, so what is typed on a phone is what gets published.
  function editor(area) {
    var bar = document.createElement("div");
    bar.className = "editor-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "格式");
    function put(before, after, fallback) {
      var a = area.selectionStart, b = area.selectionEnd, v = area.value;
      var text = v.slice(a, b) || fallback;
      area.value = v.slice(0, a) + before + text + after + v.slice(b);
      area.focus();
      area.setSelectionRange(a + before.length, a + before.length + text.length);
    }
    function block(html) {
      var a = area.selectionStart, b = area.selectionEnd, v = area.value;
      var pre = v.slice(0, a).replace(/\s*$/, ""), post = v.slice(b).replace(/^\s*/, "");
      area.value = (pre ? pre + "\n\n" : "") + html + (post ? "\n\n" + post : "");
      area.focus();
    }
    var tools = [
      ["加粗", function () { put("<strong>", "</strong>", "加粗文字"); }],
      ["小标题", function () {
        var t = area.value.slice(area.selectionStart, area.selectionEnd).trim() || "小标题";
        block("<h3>" + t + "</h3>");
      }],
      ["列表", function () {
        var lines = area.value.slice(area.selectionStart, area.selectionEnd).split("\n")
          .map(function (l) { return l.trim(); }).filter(function (l) { return l; });
        if (!lines.length) { lines = ["第一项", "第二项"]; }
        block("<ul>\n" + lines.map(function (l) { return "<li>" + l + "</li>"; }).join("\n") + "\n</ul>");
      }],
      ["链接", function () {
        var url = window.prompt("链接地址（以 https:// 或 http:// 开头）", "https://");
        if (!url || !/^https?:\/\/\S+$/.test(url.trim())) { return; }
        url = url.trim().replace(/"/g, "%22");
        put('<a href="' + url + '">', "</a>", url);
      }]
    ];
    tools.forEach(function (t) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-small";
      b.textContent = t[0];
      b.addEventListener("click", t[1]);
      bar.appendChild(b);
    });
    area.parentNode.insertBefore(bar, area);
  }
  // 支部记分: a deduction is confirmed with the member, the item and the points, and an item that
  // needs a second officer says so before it is sent.
  function award(form) {
    var member = form.querySelector("[name=member_id]");
    var item = form.querySelector("[name=item]");
    var points = form.querySelector("[name=points]");
    var hint = form.querySelector("[data-approval-hint]");
    function chosen() { return item.options[item.selectedIndex]; }
    item.addEventListener("change", function () {
      if (hint) { hint.hidden = !chosen().hasAttribute("data-approval"); }
    });
    form.addEventListener("submit", function (e) {
      var o = chosen();
      var p = (points && points.value.trim()) || o.getAttribute("data-points") || "";
      if (o.hasAttribute("data-deduction") || Number(p) < 0) {
        var who = member.options[member.selectedIndex].text;
        var name = o.text.replace(/（.*$/, "");
        if (!window.confirm("确定给 " + who + " 记“" + name + "” " + p + " 分吗？")) { e.preventDefault(); }
      }
    });
  }
  // A roll marked from a paper sign-in sheet: "全部到会" ticks everyone not yet present and not
  // on leave; the officer then unticks who was missing.
  document.addEventListener("change", function (e) {
    var all = e.target;
    if (!all || !all.hasAttribute || !all.hasAttribute("data-check-all")) { return; }
    var id = all.getAttribute("data-check-all");
    Array.prototype.forEach.call(document.querySelectorAll("input[type=checkbox][form=" + id + "]"), function (c) {
      if (!c.hasAttribute("data-leave") || !all.checked) { c.checked = all.checked; }
    });
  });
  // Forms that come back to the same page keep its scroll position, so a long roll is not
  // scrolled from the top after every mark.
  var KEEP = "zhibu-scroll";
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f && f.closest && (f.hasAttribute("data-keep-scroll") || f.closest("[data-keep-scroll]"))) {
      try { sessionStorage.setItem(KEEP, location.pathname + "|" + Math.round(window.scrollY)); } catch (x) {}
    }
  });
  window.addEventListener("load", function () {
    var v = null;
    try { v = sessionStorage.getItem(KEEP); sessionStorage.removeItem(KEEP); } catch (x) {}
    if (!v) { return; }
    var i = v.lastIndexOf("|");
    if (v.slice(0, i) === location.pathname) { window.scrollTo(0, parseInt(v.slice(i + 1), 10) || 0); }
  });
  // On phones a list's filters fold behind one 筛选 button that counts the active ones, so the
  // results come first. Fields marked data-filter-base (the organisation, the order) do not count.
  function fold(form) {
    var n = 0;
    Array.prototype.forEach.call(form.querySelectorAll("select, input"), function (el) {
      if (el.type === "hidden" || el.type === "submit" || el.hasAttribute("data-filter-base")) { return; }
      if (el.tagName === "SELECT" ? el.selectedIndex > 0 : el.value.trim() !== "") { n += 1; }
    });
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn filter-toggle no-print";
    b.setAttribute("aria-expanded", "false");
    b.textContent = n > 0 ? "筛选（" + n + "）" : "筛选";
    form.classList.add("folded");
    b.addEventListener("click", function () {
      var open = form.classList.toggle("folded") === false;
      b.setAttribute("aria-expanded", open ? "true" : "false");
    });
    form.parentNode.insertBefore(b, form);
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (window.matchMedia && window.matchMedia("(max-width: 767px)").matches) {
      Array.prototype.forEach.call(document.querySelectorAll("form.filters[method=get]"), function (f) {
        // A form of one or two fields stays as it is: folding it saves nothing.
        if (f.querySelectorAll(".field select, .field input:not([type=hidden])").length >= 3) { fold(f); }
      });
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-award]"), award);
    var s = document.querySelector("[data-checkin-screen]");
    if (s && window.fetch) { screen(s); }
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-rich]"), editor);
  });
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-nav-toggle]");
    if (!b) { return; }
    var open = document.body.classList.toggle("nav-open");
    b.setAttribute("aria-expanded", open ? "true" : "false");
    // The drawer starts under the top bar wherever it is now: lower while the demo banner
    // above it is still on screen.
    var bar = document.querySelector(".topbar");
    var nav = document.querySelector(".sidenav");
    if (open && bar && nav) { nav.style.top = Math.max(0, bar.getBoundingClientRect().bottom) + "px"; }
  });
  // A minutes item shows the fields of its type: counts for a vote, candidates for an
  // election. Without script both stay visible and the server ignores the other part.
  function voteParts(item) {
    var kind = item.querySelector("[data-vote-kind]");
    if (!kind) { return; }
    var election = kind.value === "election";
    Array.prototype.forEach.call(item.querySelectorAll("[data-vote-part]"), function (p) {
      p.hidden = (p.getAttribute("data-vote-part") === "election") !== election;
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-vote-item]"), voteParts);
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t && t.hasAttribute && t.hasAttribute("data-vote-kind")) { voteParts(t.closest("[data-vote-item]")); }
  });
})();
