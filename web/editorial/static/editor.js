// The answer's rich-text editor (KB-12): a contenteditable box with a small toolbar (bold,
// italic, lists, links) that yields only what the server's sanitiser keeps (internal/htmltext:
// p br b strong i em ul ol li a[href] with http, https, mailto and tel). The clean HTML goes in
// the hidden "answer" field and in the operator's preview as the publisher types; the server
// sanitises again whatever it receives. Pasted text loses its formatting. Without JavaScript the
// box is not editable and the hidden field keeps the saved answer, so nothing is lost.
// The script holds no Italian text: labels come from the page.
(function () {
  "use strict";

  var ALLOWED = { P: 1, BR: 1, B: 1, STRONG: 1, I: 1, EM: 1, UL: 1, OL: 1, LI: 1, A: 1 };
  var DROP = { SCRIPT: 1, STYLE: 1, IFRAME: 1, OBJECT: 1, EMBED: 1, TEMPLATE: 1 };

  function linkOK(href) {
    return /^(https?:\/\/|mailto:|tel:)/i.test((href || "").trim());
  }

  // clean copies the allowed subset of node's children into out: other elements are unwrapped
  // (a <div> the browser makes for a new line becomes a <p>), attributes dropped but a safe href.
  function clean(node, out) {
    node.childNodes.forEach(function (n) {
      if (n.nodeType === 3) {
        out.appendChild(document.createTextNode(n.nodeValue));
        return;
      }
      if (n.nodeType !== 1 || DROP[n.nodeName]) return;
      var name = n.nodeName === "DIV" ? "P" : n.nodeName;
      if (!ALLOWED[name]) {
        clean(n, out);
        return;
      }
      var el = document.createElement(name);
      if (name === "A") {
        var href = n.getAttribute("href");
        if (!linkOK(href)) {
          clean(n, out);
          return;
        }
        el.setAttribute("href", href.trim());
      }
      clean(n, el);
      out.appendChild(el);
    });
    return out;
  }

  function init() {
    var box = document.getElementById("answer-box");
    var field = document.getElementById("answer");
    var bar = document.querySelector(".rte-toolbar");
    var form = document.getElementById("editor");
    if (!box || !field || !bar || !form) return;
    var labels = {};
    try { labels = JSON.parse(document.getElementById("editor-labels").textContent); } catch (e) { /* no labels */ }
    var preview = document.getElementById("preview");
    var linkbar = document.getElementById("rte-linkbar");
    var url = document.getElementById("rte-url");
    var linkErr = document.getElementById("rte-link-error");
    var saved = null;

    box.contentEditable = "true";
    box.removeAttribute("aria-readonly");
    box.setAttribute("spellcheck", "true");
    bar.hidden = false;
    document.execCommand("defaultParagraphSeparator", false, "p");

    function sync() {
      var frag = clean(box, document.createElement("div"));
      field.value = frag.innerHTML;
      if (preview) preview.innerHTML = frag.innerHTML;
      bar.querySelectorAll("[aria-pressed]").forEach(function (b) {
        var on = false;
        try { on = document.queryCommandState(b.dataset.cmd); } catch (e) { /* unsupported */ }
        b.setAttribute("aria-pressed", on ? "true" : "false");
      });
    }

    function saveSelection() {
      var sel = window.getSelection();
      saved = sel.rangeCount && box.contains(sel.anchorNode) ? sel.getRangeAt(0) : null;
    }

    function restoreSelection() {
      box.focus();
      if (saved) {
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(saved);
      }
    }

    function closeLink() {
      linkbar.hidden = true;
      linkErr.hidden = true;
      bar.querySelector("[data-cmd=link]").setAttribute("aria-expanded", "false");
    }

    bar.addEventListener("mousedown", function (e) { e.preventDefault(); }); // keep the selection
    bar.addEventListener("click", function (e) {
      var b = e.target.closest("button[data-cmd]");
      if (!b) return;
      var cmd = b.dataset.cmd;
      if (cmd === "link") {
        saveSelection();
        linkbar.hidden = false;
        b.setAttribute("aria-expanded", "true");
        url.value = "";
        url.focus();
        return;
      }
      box.focus();
      document.execCommand(cmd, false, null);
      sync();
    });
    // Arrow keys move along the toolbar (one tab stop is enough for the whole group).
    var buttons = Array.prototype.slice.call(bar.querySelectorAll("button"));
    buttons.forEach(function (b, i) { b.tabIndex = i === 0 ? 0 : -1; });
    bar.addEventListener("keydown", function (e) {
      var i = buttons.indexOf(document.activeElement);
      if (i < 0) return;
      var j = e.key === "ArrowRight" ? i + 1 : e.key === "ArrowLeft" ? i - 1 : e.key === "Home" ? 0 : e.key === "End" ? buttons.length - 1 : -2;
      if (j === -2) return;
      e.preventDefault();
      j = (j + buttons.length) % buttons.length;
      buttons[i].tabIndex = -1;
      buttons[j].tabIndex = 0;
      buttons[j].focus();
    });

    document.getElementById("rte-link-ok").addEventListener("click", function () {
      var href = url.value.trim();
      if (!linkOK(href)) {
        linkErr.textContent = labels["rte.badURL"] || "";
        linkErr.hidden = false;
        url.focus();
        return;
      }
      restoreSelection();
      var sel = window.getSelection();
      if (sel.isCollapsed) {
        document.execCommand("insertHTML", false, '<a href="' + href.replace(/[&"<>]/g, encodeURIComponent) + '">' +
          href.replace(/[&<>]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;" }[c]; }) + "</a>");
      } else {
        document.execCommand("createLink", false, href);
      }
      closeLink();
      sync();
    });
    document.getElementById("rte-link-cancel").addEventListener("click", function () { closeLink(); restoreSelection(); });
    url.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); document.getElementById("rte-link-ok").click(); }
      if (e.key === "Escape") { e.preventDefault(); closeLink(); restoreSelection(); }
    });

    box.addEventListener("keydown", function (e) {
      if (!(e.ctrlKey || e.metaKey)) return;
      var k = e.key.toLowerCase();
      if (k === "b" || k === "i") {
        e.preventDefault();
        document.execCommand(k === "b" ? "bold" : "italic", false, null);
        sync();
      }
    });
    box.addEventListener("paste", function (e) {
      e.preventDefault();
      var text = (e.clipboardData || window.clipboardData).getData("text/plain");
      document.execCommand("insertText", false, text);
    });
    box.addEventListener("input", sync);
    box.addEventListener("keyup", sync);
    box.addEventListener("mouseup", sync);
    form.addEventListener("submit", sync);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
